import { randomUUID } from 'node:crypto';
import devicePb from '@chirpstack/chirpstack-api/api/device_pb.js';
import type { EnqueueDeviceQueueItemRequest, GetDeviceKeysRequest } from '@chirpstack/chirpstack-api/api/device_pb.js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { bytesToHex } from '../../core/hex.js';
import { checkQueueFPort, invalidArgument, notFound, parseFixedHex, parseUuid, SimGrpcStatus } from './sim-chirpstack-status.js';
import type { SimNetworkServer } from './sim-network-server.js';

// DeviceService handlers of the simulated ChirpStack: GetKeys from a key table given at
// construction, Enqueue onto the SimNetworkServer's class A queue (chirpstack/src/api/device.rs).

/** A device's keys as ChirpStack stores them: a 1.0.x device's AppKey goes in nwkKey. */
export interface SimDeviceKeys {
  nwkKeyHex: string;
  appKeyHex?: string;
  genAppKeyHex?: string;
  /**
   * The device belongs to a tenant the token is not for: GetKeys answers PERMISSION_DENIED, as
   * ChirpStack's ValidateDeviceAccess does when its query counts no row for the key.
   */
  otherTenant?: boolean;
}

/** ChirpStack shows unset AES128Keys as zeros. */
const ZERO_KEY = '0'.repeat(32);

export function deviceHandlers(network: SimNetworkServer, keys: ReadonlyMap<string, SimDeviceKeys>) {
  return {
    getKeys(request: GetDeviceKeysRequest) {
      const devEui = parseFixedHex(request.getDevEui(), 8);
      const entry = keys.get(devEui);
      if (entry?.otherTenant) throw new SimGrpcStatus(GrpcStatus.PERMISSION_DENIED, 'This action is not allowed');
      if (!entry) throw notFound(devEui);
      const pb = new devicePb.DeviceKeys();
      pb.setDevEui(devEui);
      pb.setNwkKey(entry.nwkKeyHex.toLowerCase());
      pb.setAppKey((entry.appKeyHex ?? ZERO_KEY).toLowerCase());
      pb.setGenAppKey((entry.genAppKeyHex ?? ZERO_KEY).toLowerCase());
      const response = new devicePb.GetDeviceKeysResponse();
      response.setDeviceKeys(pb);
      return response;
    },

    enqueue(request: EnqueueDeviceQueueItemRequest) {
      const item = request.getQueueItem();
      if (!item) throw invalidArgument('queue_item is missing');
      const devEui = parseFixedHex(item.getDevEui(), 8);
      // ChirpStack takes the caller's id when one is given (so that events can be matched).
      const id = item.getId() === '' ? randomUUID() : parseUuid(item.getId());
      checkQueueFPort(item.getFPort());
      if (!network.device(devEui)) throw notFound(devEui);
      void network.sendUnicast({ type: 'unicast', id, devEui, fPort: item.getFPort(), payloadHex: bytesToHex(item.getData_asU8()) });
      const response = new devicePb.EnqueueDeviceQueueItemResponse();
      response.setId(id);
      return response;
    },
  };
}
