import { CallerError, InternalError, isFuotaError, PeerError, type FuotaError } from '../../core/errors.js';
import { parseEui64 } from '../../core/eui.js';
import type { RootKeySource } from '../../campaign/ports.js';
import type { LorawanVersion } from '../../lorawan/keys.js';
import { TtsDeviceIds, type TtsDeviceLister } from './tts-device-directory.js';
import type { TtsHttpClient } from './tts-http-client.js';

// Root keys for campaign files that leave them out, read from The Things Stack's Join Server
// (`GET /api/v3/js/applications/{app}/devices/{dev}?field_mask=root_keys`). TS005 derives
// McRootKey from the GenAppKey of a LoRaWAN 1.0.x device and from the AppKey of a 1.1 device.
// TTS keeps a 1.0.x device's AppKey in root_keys.app_key but has no GenAppKey at all, so 1.0.x
// devices must carry rootKey in the campaign spec. The API key needs the right to read device
// keys (RIGHT_APPLICATION_DEVICES_READ_KEYS), else the Join Server answers permission denied.

export class TtsRootKeySource implements RootKeySource {
  private readonly deviceIds: TtsDeviceIds;

  constructor(
    private readonly client: Pick<TtsHttpClient, 'getRootKeys'> & TtsDeviceLister,
    private readonly applicationId: string,
    deviceIds?: TtsDeviceIds,
  ) {
    this.deviceIds = deviceIds ?? new TtsDeviceIds(client, applicationId);
  }

  async rootKey(devEui: string, lorawanVersion: LorawanVersion): Promise<string> {
    const eui = parseEui64(devEui, 'devEui');
    if (lorawanVersion === '1.0') {
      throw new CallerError('ROOT_KEY_MISSING', `device ${eui}: The Things Stack keeps no GenAppKey (LoRaWAN 1.0.x devices need one for TS005, apart from the AppKey); give rootKey in the campaign spec`);
    }
    let appKeyHex: string | undefined;
    try {
      const deviceId = await this.deviceIds.deviceIdOf(eui);
      appKeyHex = (await this.client.getRootKeys(this.applicationId, deviceId)).appKeyHex;
    } catch (error) {
      throw keysReadError(eui, error);
    }
    if (appKeyHex === undefined || /^0+$/.test(appKeyHex)) {
      throw new CallerError('ROOT_KEY_MISSING', `device ${eui}: The Things Stack's Join Server has no AppKey for it (lorawanVersion 1.1 devices need it for TS005; an ABP device or keys on an external Join Server: give rootKey in the campaign spec)`);
    }
    return appKeyHex.toLowerCase();
  }
}

/** A failed key read as a one-line error naming the device and what the operator can do. */
function keysReadError(devEui: string, error: unknown): FuotaError {
  if (!isFuotaError(error)) return new InternalError('ROOT_KEY_READ_FAILED', `device ${devEui}: reading its keys failed: ${String(error)}`, { cause: error });
  const options = { cause: error };
  switch (error.code) {
    case 'TTS_DEVICE_UNKNOWN':
      return new CallerError('ROOT_KEY_DEVICE_NOT_FOUND', `device ${devEui}: The Things Stack application has no device with this DevEUI (give rootKey in the campaign or add the device)`, options);
    case 'TTS_NOT_FOUND':
      return new CallerError('ROOT_KEY_DEVICE_NOT_FOUND', `device ${devEui}: The Things Stack's Join Server has no keys for it (an ABP device or an external Join Server; give rootKey in the campaign): ${error.message}`, options);
    case 'TTS_PERMISSION_DENIED':
      return new CallerError('ROOT_KEY_PERMISSION_DENIED', `device ${devEui}: the API key may not read device keys (expected the right "read device keys", or give rootKey in the campaign): ${error.message}`, options);
    default: {
      const message = `device ${devEui}: reading its keys failed: ${error.message}`;
      if (error.fault === 'caller') return new CallerError(error.code, message, options);
      if (error.fault === 'peer') return new PeerError(error.code, message, options);
      return new InternalError(error.code, message, options);
    }
  }
}
