import { connectivityState, type Client } from '@grpc/grpc-js';
import { ApplicationServiceClient } from '@chirpstack/chirpstack-api/api/application_grpc_pb.js';
import applicationPb from '@chirpstack/chirpstack-api/api/application_pb.js';
import { DeviceServiceClient } from '@chirpstack/chirpstack-api/api/device_grpc_pb.js';
import { GatewayServiceClient } from '@chirpstack/chirpstack-api/api/gateway_grpc_pb.js';
import gatewayPb from '@chirpstack/chirpstack-api/api/gateway_pb.js';
import { InternalServiceClient } from '@chirpstack/chirpstack-api/api/internal_grpc_pb.js';
import devicePb from '@chirpstack/chirpstack-api/api/device_pb.js';
import { MulticastGroupServiceClient } from '@chirpstack/chirpstack-api/api/multicast_group_grpc_pb.js';
import multicastPb from '@chirpstack/chirpstack-api/api/multicast_group_pb.js';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import { parseEui64 } from '../../core/eui.js';
import { PeerError } from '../../core/errors.js';
import { callUnary, type UnaryMethod } from './grpc-call.js';
import { deviceFromProto, deviceKeysFromProto, unicastItemToProto, type DeviceInfo, type DeviceKeysInfo, type UnicastEnqueueItem } from './grpc-device.js';
import {
  createMulticastGroupBytes,
  multicastGroupFromProto,
  multicastGroupToProto,
  queueItemFromProto,
  queueItemToProto,
  type MulticastEnqueueItem,
  type MulticastGroupInfo,
  type MulticastGroupSpec,
  type MulticastQueueItem,
} from './grpc-multicast-group.js';
import { channelCredentials, checkOptions, DEFAULT_DEADLINE_MS, type ChirpstackGrpcOptions } from './grpc-options.js';

/** A MulticastGroupService.List row: what finds a group again by name. */
export interface MulticastGroupListing {
  id: string;
  name: string;
  createdAtMs: number;
}

/** Rows per List page (ChirpStack applies limit/offset as given). */
const LIST_PAGE = 250;

/** Per-call overrides. */
export interface CallOverrides {
  deadlineMs?: number;
}

/**
 * The part of ChirpStack v4's gRPC API that the FUOTA service uses: MulticastGroupService
 * (create, fill, enqueue, watch the queue drain, delete) and DeviceService (the device, root
 * keys, unicast queue). Every method resolves with plain values or rejects with a FuotaError (grpc-errors.ts);
 * arguments are checked before anything is sent (ValueError, a CallerError).
 */
export class ChirpstackGrpcClient {
  private readonly multicast: MulticastGroupServiceClient;
  private readonly device: DeviceServiceClient;
  private readonly gateway: GatewayServiceClient;
  private readonly application: ApplicationServiceClient;
  private readonly internal: InternalServiceClient;
  private readonly deadlineMs: number;

  constructor(private readonly options: ChirpstackGrpcOptions) {
    checkOptions(options);
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const credentials = channelCredentials(options.transport);
    this.multicast = new MulticastGroupServiceClient(options.address, credentials);
    // Same target and options: grpc-js shares the subchannel (one TCP connection).
    this.device = new DeviceServiceClient(options.address, credentials);
    this.gateway = new GatewayServiceClient(options.address, credentials);
    this.application = new ApplicationServiceClient(options.address, credentials);
    this.internal = new InternalServiceClient(options.address, credentials);
  }

  get address(): string {
    return this.options.address;
  }

  /** False while the channel to ChirpStack is failing (TRANSIENT_FAILURE) or shut down; IDLE (no call lately) counts as up. */
  reachable(): boolean {
    const state = this.multicast.getChannel().getConnectivityState(false);
    return state !== connectivityState.TRANSIENT_FAILURE && state !== connectivityState.SHUTDOWN;
  }

  /** Returns the new group's id (a UUID). */
  async createMulticastGroup(spec: MulticastGroupSpec, call?: CallOverrides): Promise<string> {
    const request = new multicastPb.CreateMulticastGroupRequest();
    request.setMulticastGroup(multicastGroupToProto(spec));
    // The generated serializer calls serializeBinary(): older servers' field 12 rides in these bytes.
    const bytes = createMulticastGroupBytes(spec);
    request.serializeBinary = () => bytes;
    const response = await this.call(this.multicast, 'MulticastGroupService.Create', this.multicast.create, request, call);
    return response.getId();
  }

  async getMulticastGroup(groupId: string, call?: CallOverrides): Promise<MulticastGroupInfo> {
    const request = new multicastPb.GetMulticastGroupRequest();
    request.setId(groupId);
    const response = await this.call(this.multicast, 'MulticastGroupService.Get', this.multicast.get, request, call);
    const group = response.getMulticastGroup();
    if (!group) throw new PeerError('CHIRPSTACK_FIELD_MISSING', `MulticastGroupService.Get at ${this.address}: expected multicast_group in the response, got none`);
    return multicastGroupFromProto(group);
  }

  async addDeviceToMulticastGroup(groupId: string, devEui: string, call?: CallOverrides): Promise<void> {
    const request = new multicastPb.AddDeviceToMulticastGroupRequest();
    request.setMulticastGroupId(groupId);
    request.setDevEui(parseEui64(devEui, 'devEui'));
    await this.call(this.multicast, 'MulticastGroupService.AddDevice', this.multicast.addDevice, request, call);
  }

  async addGatewayToMulticastGroup(groupId: string, gatewayId: string, call?: CallOverrides): Promise<void> {
    const request = new multicastPb.AddGatewayToMulticastGroupRequest();
    request.setMulticastGroupId(groupId);
    request.setGatewayId(parseEui64(gatewayId, 'gatewayId'));
    await this.call(this.multicast, 'MulticastGroupService.AddGateway', this.multicast.addGateway, request, call);
  }

  /** Returns the frame counter ChirpStack gave the item. */
  async enqueueMulticast(groupId: string, item: MulticastEnqueueItem, call?: CallOverrides): Promise<number> {
    const request = new multicastPb.EnqueueMulticastGroupQueueItemRequest();
    request.setQueueItem(queueItemToProto(groupId, item));
    const response = await this.call(this.multicast, 'MulticastGroupService.Enqueue', this.multicast.enqueue, request, call);
    return response.getFCnt();
  }

  /** Items not yet sent (ChirpStack removes an item once the gateway acknowledged it), one per f_cnt. */
  async listMulticastQueue(groupId: string, call?: CallOverrides): Promise<MulticastQueueItem[]> {
    const request = new multicastPb.ListMulticastGroupQueueRequest();
    request.setMulticastGroupId(groupId);
    const response = await this.call(this.multicast, 'MulticastGroupService.ListQueue', this.multicast.listQueue, request, call);
    return response.getItemsList().map(queueItemFromProto);
  }

  async flushMulticastQueue(groupId: string, call?: CallOverrides): Promise<void> {
    const request = new multicastPb.FlushMulticastGroupQueueRequest();
    request.setMulticastGroupId(groupId);
    await this.call(this.multicast, 'MulticastGroupService.FlushQueue', this.multicast.flushQueue, request, call);
  }

  /** ChirpStack deletes at once, dropping queued items: call it when listMulticastQueue is empty. */
  async deleteMulticastGroup(groupId: string, call?: CallOverrides): Promise<void> {
    const request = new multicastPb.DeleteMulticastGroupRequest();
    request.setId(groupId);
    await this.call(this.multicast, 'MulticastGroupService.Delete', this.multicast.delete, request, call);
  }

  /** The device (DeviceService.Get); rejects with CHIRPSTACK_NOT_FOUND for a DevEUI ChirpStack does not know. */
  async getDevice(devEui: string, call?: CallOverrides): Promise<DeviceInfo> {
    const request = new devicePb.GetDeviceRequest();
    request.setDevEui(parseEui64(devEui, 'devEui'));
    const response = await this.call(this.device, 'DeviceService.Get', this.device.get, request, call);
    const device = deviceFromProto(response);
    if (!device) throw new PeerError('CHIRPSTACK_FIELD_MISSING', `DeviceService.Get at ${this.address}: expected device in the response, got none`);
    return device;
  }

  async getDeviceKeys(devEui: string, call?: CallOverrides): Promise<DeviceKeysInfo> {
    const request = new devicePb.GetDeviceKeysRequest();
    request.setDevEui(parseEui64(devEui, 'devEui'));
    const response = await this.call(this.device, 'DeviceService.GetKeys', this.device.getKeys, request, call);
    const keys = response.getDeviceKeys();
    if (!keys) throw new PeerError('CHIRPSTACK_FIELD_MISSING', `DeviceService.GetKeys at ${this.address}: expected device_keys in the response, got none`);
    return deviceKeysFromProto(keys);
  }

  /** Queues a class A downlink; returns the queue item id ChirpStack generated (it ignores item.id). */
  async enqueueUnicast(item: UnicastEnqueueItem, call?: CallOverrides): Promise<string> {
    const request = new devicePb.EnqueueDeviceQueueItemRequest();
    request.setQueueItem(unicastItemToProto(item, parseEui64(item.devEui, 'devEui')));
    const response = await this.call(this.device, 'DeviceService.Enqueue', this.device.enqueue, request, call);
    return response.getId();
  }

  /** The server's version, e.g. "4.16.1" (InternalService.GetVersion). */
  async getVersion(call?: CallOverrides): Promise<string> {
    const response = await this.call(this.internal, 'InternalService.GetVersion', this.internal.getVersion, new emptyPb.Empty(), call);
    return response.getVersion();
  }

  /** The tenant owning an application (GatewayService.List wants it for a tenant API key). */
  async getApplicationTenantId(applicationId: string, call?: CallOverrides): Promise<string> {
    const request = new applicationPb.GetApplicationRequest();
    request.setId(applicationId);
    const response = await this.call(this.application, 'ApplicationService.Get', this.application.get, request, call);
    const application = response.getApplication();
    if (!application) throw new PeerError('CHIRPSTACK_FIELD_MISSING', `ApplicationService.Get at ${this.address}: expected application in the response, got none`);
    return application.getTenantId();
  }

  /** Groups of the application whose name contains `search` (ChirpStack: ilike, so callers compare names exactly). */
  async listMulticastGroups(applicationId: string, search: string, call?: CallOverrides): Promise<MulticastGroupListing[]> {
    return this.listAll(async (offset) => {
      const request = new multicastPb.ListMulticastGroupsRequest();
      request.setApplicationId(applicationId);
      request.setSearch(search);
      request.setLimit(LIST_PAGE);
      request.setOffset(offset);
      const response = await this.call(this.multicast, 'MulticastGroupService.List', this.multicast.list, request, call);
      const rows = response.getResultList().map((row) => ({ id: row.getId(), name: row.getName(), createdAtMs: row.getCreatedAt()?.toDate().getTime() ?? 0 }));
      return { rows, total: response.getTotalCount() };
    });
  }

  /** DevEUIs in a multicast group (DeviceService.List filtered by multicast_group_id). */
  async listMulticastGroupDevEuis(applicationId: string, groupId: string, call?: CallOverrides): Promise<string[]> {
    return this.listAll(async (offset) => {
      const request = new devicePb.ListDevicesRequest();
      request.setApplicationId(applicationId);
      request.setMulticastGroupId(groupId);
      request.setLimit(LIST_PAGE);
      request.setOffset(offset);
      const response = await this.call(this.device, 'DeviceService.List', this.device.list, request, call);
      return { rows: response.getResultList().map((row) => row.getDevEui().toLowerCase()), total: response.getTotalCount() };
    });
  }

  /** Gateway ids in a multicast group (GatewayService.List filtered by multicast_group_id). */
  async listMulticastGroupGatewayIds(tenantId: string, groupId: string, call?: CallOverrides): Promise<string[]> {
    return this.listAll(async (offset) => {
      const request = new gatewayPb.ListGatewaysRequest();
      request.setTenantId(tenantId);
      request.setMulticastGroupId(groupId);
      request.setLimit(LIST_PAGE);
      request.setOffset(offset);
      const response = await this.call(this.gateway, 'GatewayService.List', this.gateway.list, request, call);
      return { rows: response.getResultList().map((row) => row.getGatewayId().toLowerCase()), total: response.getTotalCount() };
    });
  }

  close(): void {
    this.multicast.close();
    this.device.close();
    this.gateway.close();
    this.application.close();
    this.internal.close();
  }

  /** Pages through a List call until total_count rows came (or a page came back empty). */
  private async listAll<T>(page: (offset: number) => Promise<{ rows: T[]; total: number }>): Promise<T[]> {
    const all: T[] = [];
    for (;;) {
      const { rows, total } = await page(all.length);
      all.push(...rows);
      if (rows.length === 0 || all.length >= total) return all;
    }
  }

  private call<Req, Res>(client: Client, method: string, fn: UnaryMethod<Req, Res>, request: Req, call: CallOverrides | undefined): Promise<Res> {
    return callUnary(fn.bind(client), request, this.options.apiToken, { method, address: this.address, deadlineMs: call?.deadlineMs ?? this.deadlineMs });
  }
}
