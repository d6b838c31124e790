import { PeerError } from '../core/errors.js';

// A unicast the network server can never carry out because it does not know the device (it was
// deleted, or never registered, after admission). Adapters throw it from sendUnicast; the engine
// then fails that device with this message as its reason instead of keeping the command in its
// outbox, retrying it every 30 s until the wave gives the device up as `absent` (issue #14).

export const DEVICE_NOT_ON_NETWORK_SERVER = 'DEVICE_NOT_ON_NETWORK_SERVER';

export class DeviceNotOnNetworkServerError extends PeerError {
  constructor(
    readonly devEui: string,
    /** The server as users name it: "ChirpStack", "The Things Stack". */
    readonly server: string,
    /** What the server answered, e.g. "DeviceService.Get: NOT_FOUND". */
    answer: string,
  ) {
    super(DEVICE_NOT_ON_NETWORK_SERVER, `device ${devEui}: expected it registered on ${server}, got ${answer} (a downlink cannot reach it: failed, not retried)`);
  }
}

export function isDeviceNotOnNetworkServer(error: unknown): error is DeviceNotOnNetworkServerError {
  return error instanceof DeviceNotOnNetworkServerError;
}
