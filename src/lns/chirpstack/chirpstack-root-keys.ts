import { CallerError, InternalError, isFuotaError, PeerError, type FuotaError } from '../../core/errors.js';
import type { RootKeySource } from '../../campaign/ports.js';
import type { LorawanVersion } from '../../lorawan/keys.js';
import type { ChirpstackGrpcClient } from './grpc-client.js';
import type { DeviceKeysInfo } from './grpc-device.js';

// Root keys for campaign files that leave them out, read with DeviceService.GetKeys. The API
// token must be allowed to read device keys (a tenant API key of the tenant owning the devices,
// or an admin key); otherwise campaign files must carry rootKey.

/** Campaign files whose devices lack rootKey take it from ChirpStack's device keys. */
export class ChirpstackRootKeySource implements RootKeySource {
  constructor(private readonly grpc: Pick<ChirpstackGrpcClient, 'getDeviceKeys'>) {}

  async rootKey(devEui: string, lorawanVersion: LorawanVersion): Promise<string> {
    let keys: DeviceKeysInfo;
    try {
      keys = await this.grpc.getDeviceKeys(devEui);
    } catch (error) {
      throw keysReadError(devEui, error);
    }
    return rootKeyFrom(keys, devEui, lorawanVersion);
  }
}

/**
 * The key TS005 derives McRootKey from, as 32 lowercase hex digits: `gen_app_key` for a LoRaWAN
 * 1.0.x device (not its AppKey, which ChirpStack keeps in `nwk_key`), `app_key` for 1.1 — the
 * same choice as mcRootKeyInputFrom. ChirpStack shows unset keys as "" or zeros.
 */
export function rootKeyFrom(keys: DeviceKeysInfo, devEui: string, lorawanVersion: LorawanVersion): string {
  const field = lorawanVersion === '1.0' ? 'gen_app_key' : 'app_key';
  const hex = (lorawanVersion === '1.0' ? keys.genAppKeyHex : keys.appKeyHex).toLowerCase();
  if (hex === '' || /^0+$/.test(hex)) {
    throw new CallerError(
      'ROOT_KEY_MISSING',
      lorawanVersion === '1.0'
        ? `device ${devEui}: ChirpStack has no GenAppKey (LoRaWAN 1.0.x devices need one for TS005, apart from the AppKey; set it in the device's keys or give rootKey in the campaign)`
        : `device ${devEui}: ChirpStack has no AppKey (lorawanVersion 1.1 devices need it for TS005; set it in the device's keys, give rootKey in the campaign, or set lorawanVersion '1.0' for a LoRaWAN 1.0.x device)`,
    );
  }
  // Never echo a key, even a malformed one: messages end up in logs and .error.txt files.
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new PeerError('ROOT_KEY_MALFORMED', `device ${devEui}: ChirpStack's ${field}: expected 32 hex digits, got ${hex.length} characters`);
  return hex;
}

/** A failed GetKeys as a one-line error naming the device and what the operator can do. */
function keysReadError(devEui: string, error: unknown): FuotaError {
  if (!isFuotaError(error)) return new InternalError('ROOT_KEY_READ_FAILED', `device ${devEui}: reading its keys failed: ${String(error)}`, { cause: error });
  const options = { cause: error };
  switch (error.code) {
    case 'CHIRPSTACK_NOT_FOUND':
      return new CallerError('ROOT_KEY_DEVICE_NOT_FOUND', `device ${devEui}: ChirpStack has no keys for it (an unknown DevEUI or an ABP device; give rootKey in the campaign): ${error.message}`, options);
    case 'CHIRPSTACK_PERMISSION_DENIED':
      return new CallerError('ROOT_KEY_PERMISSION_DENIED', `device ${devEui}: the API token may not read device keys (expected a tenant API key of the tenant owning the device, or give rootKey in the campaign): ${error.message}`, options);
    default: {
      const message = `device ${devEui}: reading its keys failed: ${error.message}`;
      if (error.fault === 'caller') return new CallerError(error.code, message, options);
      if (error.fault === 'peer') return new PeerError(error.code, message, options);
      return new InternalError(error.code, message, options);
    }
  }
}
