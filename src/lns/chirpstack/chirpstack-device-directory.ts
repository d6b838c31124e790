import type { DeviceDirectory } from '../../campaign/ports.js';
import { CallerError, isFuotaError, PeerError } from '../../core/errors.js';
import type { ChirpstackGrpcClient } from './grpc-client.js';

// Admission asks ChirpStack about each device before a campaign starts (DeviceService.Get).
// A device of another application is refused too: its uplinks never reach our subscription
// (application/<id>/device/+/event/+), so it could only end `absent`.

export class ChirpstackDeviceDirectory implements DeviceDirectory {
  constructor(
    private readonly grpc: Pick<ChirpstackGrpcClient, 'getDevice'>,
    private readonly applicationId: string,
  ) {}

  async deviceExists(devEui: string): Promise<boolean> {
    try {
      const device = await this.grpc.getDevice(devEui);
      if (device.applicationId !== '' && device.applicationId.toLowerCase() !== this.applicationId.toLowerCase()) {
        throw new CallerError('DEVICE_IN_OTHER_APPLICATION', `device ${devEui}: expected it in ChirpStack application ${this.applicationId} (networkServer.applicationId), got application ${device.applicationId}`);
      }
      return true;
    } catch (error) {
      if (isFuotaError(error) && error.code === 'CHIRPSTACK_NOT_FOUND') return false;
      if (isFuotaError(error) && error.code === 'DEVICE_IN_OTHER_APPLICATION') throw error;
      const why = error instanceof Error ? error.message : String(error);
      // Not knowing is not "unknown": the campaign is refused, to be tried again.
      if (isFuotaError(error) && error.fault === 'caller') throw new CallerError(error.code, `device ${devEui}: could not be looked up in ChirpStack: ${why}`, { cause: error });
      throw new PeerError(isFuotaError(error) ? error.code : 'DEVICE_LOOKUP_FAILED', `device ${devEui}: could not be looked up in ChirpStack (try again): ${why}`, { cause: error });
    }
  }
}
