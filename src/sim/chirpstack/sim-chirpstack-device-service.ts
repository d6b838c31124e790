import { randomUUID } from 'node:crypto';
import devicePb from '@chirpstack/chirpstack-api/api/device_pb.js';
import type { EnqueueDeviceQueueItemRequest, GetDeviceKeysRequest, GetDeviceRequest, ListDevicesRequest } from '@chirpstack/chirpstack-api/api/device_pb.js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import timestampPb from 'google-protobuf/google/protobuf/timestamp_pb.js';
import { bytesToHex } from '../../core/hex.js';
import type { SimChirpstackApplications } from './sim-chirpstack-applications.js';
import { DEFAULT_TENANCY } from './sim-chirpstack-integration.js';
import type { SimChirpstackMulticast } from './sim-chirpstack-multicast.js';
import { checkQueueFPort, invalidArgument, notFound, optionalUuid, parseFixedHex, parseUuid, SimGrpcStatus } from './sim-chirpstack-status.js';
import type { SimNetworkServer } from '../sim-network-server.js';

// DeviceService handlers of the simulated ChirpStack (chirpstack/src/api/device.rs): Get of a
// simulated device (NOT_FOUND for any other DevEUI, as storage/device.rs get answers), GetKeys
// from a key table given at construction, Enqueue onto the SimNetworkServer's class A queue,
// List of the simulated devices (named by their DevEUI, as the MQTT events name them).

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

export interface SimDeviceDirectory {
  network: SimNetworkServer;
  keys: ReadonlyMap<string, SimDeviceKeys>;
  applications: SimChirpstackApplications;
  multicast: SimChirpstackMulticast;
}

export function deviceHandlers({ network, keys, applications, multicast }: SimDeviceDirectory) {
  return {
    get(request: GetDeviceRequest) {
      const devEui = parseFixedHex(request.getDevEui(), 8);
      if (!network.device(devEui)) throw notFound(devEui);
      const device = new devicePb.Device();
      device.setDevEui(devEui);
      device.setName(devEui);
      device.setApplicationId(applications.devicesApplicationId());
      device.setDeviceProfileId(DEFAULT_TENANCY.deviceProfileId);
      const response = new devicePb.GetDeviceResponse();
      response.setDevice(device);
      const lastSeenAtMs = network.lastUplinkAtMs(devEui);
      if (lastSeenAtMs !== undefined) response.setLastSeenAt(timestampPb.Timestamp.fromDate(new Date(lastSeenAtMs)));
      return response;
    },

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
      // The proto's id is "generated": api/device.rs enqueue builds the row with a new v4 UUID
      // whatever the caller sent, and answers with it.
      const id = randomUUID();
      checkQueueFPort(item.getFPort());
      if (!network.device(devEui)) throw notFound(devEui);
      void network.sendUnicast({ type: 'unicast', id, devEui, fPort: item.getFPort(), payloadHex: bytesToHex(item.getData_asU8()) });
      const response = new devicePb.EnqueueDeviceQueueItemResponse();
      response.setId(id);
      return response;
    },

    /**
     * api/device.rs list: application_id required (Uuid::from_str), multicast_group_id parsed
     * when set (then only that group's members); storage/device.rs list: name ilike %search%,
     * ordered by name, then limit/offset.
     */
    list(request: ListDevicesRequest) {
      const applicationId = parseUuid(request.getApplicationId());
      const groupId = optionalUuid(request.getMulticastGroupId());
      const search = request.getSearch().toLowerCase();
      const members = groupId === undefined ? undefined : multicast.has(groupId) ? multicast.get(groupId).devEuis : new Set<string>();
      const matching = network.allDevices().map((d) => d.devEui)
        .filter(() => applications.ownsDevices(applicationId))
        .filter((devEui) => members === undefined || members.has(devEui))
        .filter((devEui) => devEui.includes(search))
        .sort();
      const response = new devicePb.ListDevicesResponse();
      response.setTotalCount(matching.length);
      for (const devEui of matching.slice(request.getOffset(), request.getOffset() + request.getLimit())) {
        const item = new devicePb.DeviceListItem();
        item.setDevEui(devEui);
        item.setName(devEui);
        item.setDeviceProfileId(DEFAULT_TENANCY.deviceProfileId);
        item.setDeviceProfileName(DEFAULT_TENANCY.deviceProfileName);
        const lastSeenAtMs = network.lastUplinkAtMs(devEui);
        if (lastSeenAtMs !== undefined) item.setLastSeenAt(timestampPb.Timestamp.fromDate(new Date(lastSeenAtMs)));
        response.addResult(item);
      }
      return response;
    },
  };
}
