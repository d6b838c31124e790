import multicastPb from '@chirpstack/chirpstack-api/api/multicast_group_pb.js';
import type {
  AddDeviceToMulticastGroupRequest,
  AddGatewayToMulticastGroupRequest,
  CreateMulticastGroupRequest,
  DeleteMulticastGroupRequest,
  EnqueueMulticastGroupQueueItemRequest,
  FlushMulticastGroupQueueRequest,
  GetMulticastGroupRequest,
  ListMulticastGroupQueueRequest,
  ListMulticastGroupsRequest,
} from '@chirpstack/chirpstack-api/api/multicast_group_pb.js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import timestampPb from 'google-protobuf/google/protobuf/timestamp_pb.js';
import { mcAddrHex, type SimChirpstackMulticast } from './sim-chirpstack-multicast.js';
import { pingSlotPeriodField12, type RawRequests } from './sim-chirpstack-raw-request.js';
import { invalidArgument, optionalUuid, parseFixedHex, parseUuid, SimGrpcStatus } from './sim-chirpstack-status.js';
import { usesPingSlotPeriodField12 } from './sim-chirpstack-version.js';

// MulticastGroupService handlers of the simulated ChirpStack: parse the request in ChirpStack's
// order (chirpstack/src/api/multicast.rs: ids first, then hex fields, then storage checks) and
// call the multicast emulation. Each returns the response message or throws a SimGrpcStatus.
// `raw`: the Create requests' raw bytes (sim-chirpstack-raw-request.ts), for field 12 of v4.0–4.7.

const timestamp = (ms: number) => timestampPb.Timestamp.fromDate(new Date(ms));

export function multicastGroupHandlers(multicast: SimChirpstackMulticast, raw: RawRequests = new WeakMap()) {
  const empty = () => new emptyPb.Empty();
  return {
    create(request: CreateMulticastGroupRequest) {
      const mg = request.getMulticastGroup();
      if (!mg) throw invalidArgument('multicast_group is missing');
      const applicationId = parseUuid(mg.getApplicationId());
      const bytes = raw.get(request);
      const field12 = usesPingSlotPeriodField12(multicast.version) && bytes ? pingSlotPeriodField12(bytes) : undefined;
      const id = multicast.create({
        name: mg.getName(),
        applicationId,
        region: mg.getRegion(),
        mcAddr: Number.parseInt(parseFixedHex(mg.getMcAddr(), 4), 16),
        mcNwkSKeyHex: parseFixedHex(mg.getMcNwkSKey(), 16),
        mcAppSKeyHex: parseFixedHex(mg.getMcAppSKey(), 16),
        fCnt: mg.getFCnt(),
        groupType: mg.getGroupType() === multicastPb.MulticastGroupType.CLASS_B ? 'B' : 'C',
        dr: mg.getDr(),
        frequencyHz: mg.getFrequency(),
        classCSchedulingType: mg.getClassCSchedulingType() === multicastPb.MulticastGroupSchedulingType.GPS_TIME ? 'GPS_TIME' : 'DELAY',
        // Field 14 did not exist before v4.8: such a ChirpStack never sees it.
        classBPingSlotPeriodicity: usesPingSlotPeriodField12(multicast.version) ? 0 : mg.getClassBPingSlotPeriodicity(),
        ...(field12 === undefined ? {} : { classBPingSlotPeriod: field12 }),
      });
      const response = new multicastPb.CreateMulticastGroupResponse();
      response.setId(id);
      return response;
    },

    get(request: GetMulticastGroupRequest) {
      const group = multicast.get(parseUuid(request.getId()));
      const mg = new multicastPb.MulticastGroup();
      mg.setId(group.id);
      mg.setName(group.name);
      mg.setApplicationId(group.applicationId);
      mg.setRegion(group.region as never);
      mg.setMcAddr(mcAddrHex(group));
      mg.setMcNwkSKey(group.mcNwkSKeyHex);
      mg.setMcAppSKey(group.mcAppSKeyHex);
      mg.setFCnt(group.fCnt);
      mg.setGroupType(group.groupType === 'B' ? multicastPb.MulticastGroupType.CLASS_B : multicastPb.MulticastGroupType.CLASS_C);
      mg.setDr(group.dr);
      mg.setFrequency(group.frequencyHz);
      mg.setClassCSchedulingType(group.classCSchedulingType === 'GPS_TIME' ? multicastPb.MulticastGroupSchedulingType.GPS_TIME : multicastPb.MulticastGroupSchedulingType.DELAY);
      mg.setClassBPingSlotPeriodicity(group.classBPingSlotPeriodicity);
      const response = new multicastPb.GetMulticastGroupResponse();
      response.setMulticastGroup(mg);
      return response;
    },

    /** api/multicast.rs list (v4.19): optional application / device filters, each parsed when set. */
    list(request: ListMulticastGroupsRequest) {
      const applicationId = optionalUuid(request.getApplicationId());
      const devEui = request.getDevEui() === '' ? undefined : parseFixedHex(request.getDevEui(), 8);
      const search = request.getSearch();
      const { totalCount, groups } = multicast.list({
        ...(applicationId === undefined ? {} : { applicationId }), ...(search === '' ? {} : { search }), ...(devEui === undefined ? {} : { devEui }),
        limit: request.getLimit(), offset: request.getOffset(),
      });
      const response = new multicastPb.ListMulticastGroupsResponse();
      response.setTotalCount(totalCount);
      for (const group of groups) {
        const item = new multicastPb.MulticastGroupListItem();
        item.setId(group.id);
        item.setCreatedAt(timestamp(group.createdAtMs));
        item.setUpdatedAt(timestamp(group.createdAtMs));
        item.setName(group.name);
        item.setRegion(group.region as never);
        item.setGroupType(group.groupType === 'B' ? multicastPb.MulticastGroupType.CLASS_B : multicastPb.MulticastGroupType.CLASS_C);
        item.setApplicationId(group.applicationId);
        response.addResult(item);
      }
      return response;
    },

    delete(request: DeleteMulticastGroupRequest) {
      multicast.delete(parseUuid(request.getId()));
      return empty();
    },

    addDevice(request: AddDeviceToMulticastGroupRequest) {
      const id = parseUuid(request.getMulticastGroupId());
      multicast.addDevice(id, parseFixedHex(request.getDevEui(), 8));
      return empty();
    },

    addGateway(request: AddGatewayToMulticastGroupRequest) {
      const id = parseUuid(request.getMulticastGroupId());
      multicast.addGateway(id, parseFixedHex(request.getGatewayId(), 8));
      return empty();
    },

    enqueue(request: EnqueueMulticastGroupQueueItemRequest) {
      const item = request.getQueueItem();
      if (!item) throw invalidArgument('queue_item is missing');
      const id = parseUuid(item.getMulticastGroupId());
      const expiresAt = item.getExpiresAt();
      let fCnt: number;
      try {
        fCnt = multicast.enqueue(id, {
          fPort: item.getFPort(),
          data: item.getData_asU8(),
          ...(expiresAt ? { expiresAtMs: expiresAt.toDate().getTime() } : {}),
        });
      } catch (error) {
        // downlink::multicast::enqueue returns an anyhow error, which api/error.rs maps to
        // INTERNAL whatever the storage error was (validation, not found, ping_nb).
        if (error instanceof SimGrpcStatus) throw new SimGrpcStatus(GrpcStatus.INTERNAL, error.message);
        throw error;
      }
      const response = new multicastPb.EnqueueMulticastGroupQueueItemResponse();
      response.setFCnt(fCnt);
      return response;
    },

    flushQueue(request: FlushMulticastGroupQueueRequest) {
      multicast.flushQueue(parseUuid(request.getMulticastGroupId()));
      return empty();
    },

    listQueue(request: ListMulticastGroupQueueRequest) {
      const id = parseUuid(request.getMulticastGroupId());
      const response = new multicastPb.ListMulticastGroupQueueResponse();
      for (const row of multicast.listQueue(id)) {
        const item = new multicastPb.MulticastGroupQueueItem();
        item.setMulticastGroupId(id);
        item.setFCnt(row.fCnt);
        item.setFPort(row.fPort);
        item.setData(row.data);
        if (row.expiresAtMs !== undefined) item.setExpiresAt(timestamp(row.expiresAtMs));
        response.addItems(item);
      }
      return response;
    },
  };
}
