import { ApplicationServiceClient } from '@chirpstack/chirpstack-api/api/application_grpc_pb.js';
import applicationPb from '@chirpstack/chirpstack-api/api/application_pb.js';
import { DeviceServiceClient } from '@chirpstack/chirpstack-api/api/device_grpc_pb.js';
import devicePb from '@chirpstack/chirpstack-api/api/device_pb.js';
import { GatewayServiceClient } from '@chirpstack/chirpstack-api/api/gateway_grpc_pb.js';
import gatewayPb from '@chirpstack/chirpstack-api/api/gateway_pb.js';
import { InternalServiceClient } from '@chirpstack/chirpstack-api/api/internal_grpc_pb.js';
import { MulticastGroupServiceClient } from '@chirpstack/chirpstack-api/api/multicast_group_grpc_pb.js';
import multicastPb from '@chirpstack/chirpstack-api/api/multicast_group_pb.js';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import test from 'ava';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import { DEFAULT_TENANCY } from '../../../src/sim/chirpstack/sim-chirpstack-integration.js';
import { API_TOKEN, APPLICATION_ID, DEV_EUIS, FAR_GATEWAY, GATEWAY_1, GATEWAY_2, startWorld, type World } from './sim-chirpstack-world.js';

// The listing and lookup RPCs of the simulated ChirpStack, and what its version changes on the
// wire, as a raw gRPC client sees them (sources in sim-chirpstack-grpc.ts and the services).

const OTHER_APP = '0b0c0d0e-0f10-4111-8213-141516171819';
const OTHER_TENANT = '99999999-8888-4777-8666-555555555555';

function auth(): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${API_TOKEN}`);
  return metadata;
}

type Raw = (request: any, metadata: Metadata, callback: (error: ServiceError | null, response?: any) => void) => unknown;

function call(client: object, method: Raw, request: unknown): Promise<[string, any]> {
  return new Promise((resolve) => {
    method.call(client, request, auth(), (error, response) => resolve(error ? [GrpcStatus[error.code]!, error.details] : ['OK', response]));
  });
}

interface Clients {
  world: World;
  multicast: MulticastGroupServiceClient;
  device: DeviceServiceClient;
  gateway: GatewayServiceClient;
  application: ApplicationServiceClient;
  internal: InternalServiceClient;
  close(): Promise<void>;
}

async function start(options: Parameters<typeof startWorld>[0] = {}): Promise<Clients> {
  const world = await startWorld({ applicationIds: [APPLICATION_ID, OTHER_APP], applicationTenantIds: { [OTHER_APP]: OTHER_TENANT }, ...options });
  const address = world.server.address;
  const insecure = credentials.createInsecure();
  const clients = {
    multicast: new MulticastGroupServiceClient(address, insecure),
    device: new DeviceServiceClient(address, insecure),
    gateway: new GatewayServiceClient(address, insecure),
    application: new ApplicationServiceClient(address, insecure),
    internal: new InternalServiceClient(address, insecure),
  };
  return {
    world, ...clients,
    async close() {
      for (const client of Object.values(clients)) client.close();
      await world.close();
    },
  };
}

function groupPb(name: string, applicationId = APPLICATION_ID) {
  const mg = new multicastPb.MulticastGroup();
  mg.setName(name);
  mg.setApplicationId(applicationId);
  mg.setMcAddr('01abcdef');
  mg.setMcNwkSKey('00'.repeat(16));
  mg.setMcAppSKey('11'.repeat(16));
  mg.setFrequency(869_525_000);
  return mg;
}

async function createGroup(c: Clients, name: string, applicationId = APPLICATION_ID): Promise<string> {
  const request = new multicastPb.CreateMulticastGroupRequest();
  request.setMulticastGroup(groupPb(name, applicationId));
  const [code, response] = await call(c.multicast, c.multicast.create as Raw, request);
  if (code !== 'OK') throw new Error(`${code}: ${response}`);
  return response.getId();
}

test('MulticastGroupService.List: by application, name ilike %search%, ordered by name, then limit/offset', async (t) => {
  const c = await start();
  t.teardown(() => c.close());
  for (const name of ['wave-c', 'wave-a', 'other', 'Wave-b']) await createGroup(c, name);
  await createGroup(c, 'wave-z', OTHER_APP);
  const list = async (edit: (r: InstanceType<typeof multicastPb.ListMulticastGroupsRequest>) => void) => {
    const request = new multicastPb.ListMulticastGroupsRequest();
    request.setLimit(10);
    edit(request);
    const [code, response] = await call(c.multicast, c.multicast.list as Raw, request);
    return code === 'OK' ? [response.getTotalCount(), response.getResultList().map((g: any) => g.getName())] : [code, response];
  };
  t.deepEqual(await list((r) => r.setApplicationId(APPLICATION_ID)), [4, ['Wave-b', 'other', 'wave-a', 'wave-c']]);
  t.deepEqual(await list((r) => { r.setApplicationId(APPLICATION_ID); r.setSearch('WAVE-'); }), [3, ['Wave-b', 'wave-a', 'wave-c']]);
  t.deepEqual(await list((r) => { r.setApplicationId(APPLICATION_ID); r.setSearch('wave'); r.setLimit(1); r.setOffset(1); }), [3, ['wave-a']]);
  t.deepEqual(await list((r) => r.setSearch('wave-z')), [1, ['wave-z']], 'no application: every application');
  t.deepEqual(await list((r) => r.setApplicationId('app')), ['INVALID_ARGUMENT', 'invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `p` at 2']);
});

test('DeviceService.List: application_id required, multicast_group_id narrows to the members', async (t) => {
  const c = await start();
  t.teardown(() => c.close());
  const id = await createGroup(c, 'g');
  c.world.server.multicast.addDevice(id, DEV_EUIS[2]!);
  c.world.server.multicast.addDevice(id, DEV_EUIS[0]!);
  const list = async (applicationId: string, groupId = '', search = '') => {
    const request = new devicePb.ListDevicesRequest();
    request.setLimit(10);
    request.setApplicationId(applicationId);
    request.setMulticastGroupId(groupId);
    request.setSearch(search);
    const [code, response] = await call(c.device, c.device.list as Raw, request);
    return code === 'OK' ? [response.getTotalCount(), response.getResultList().map((d: any) => [d.getDevEui(), d.getName()])] : [code, response];
  };
  t.deepEqual(await list(APPLICATION_ID), [3, DEV_EUIS.map((d) => [d, d])]);
  t.deepEqual(await list(APPLICATION_ID, id), [2, [DEV_EUIS[0], DEV_EUIS[2]].map((d) => [d, d])]);
  t.deepEqual(await list(APPLICATION_ID, '', '0003'), [1, [[DEV_EUIS[2], DEV_EUIS[2]]]]);
  t.deepEqual(await list(OTHER_APP), [0, []], 'the simulated devices are the first application\'s');
  t.deepEqual(await list(''), ['INVALID_ARGUMENT', 'invalid length: expected length 32 for simple format, found 0']);
  t.deepEqual(await list(APPLICATION_ID, 'x'), ['INVALID_ARGUMENT', 'invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `x` at 1']);
});

test('GatewayService.List: every gateway of the tenant, or a group\'s; state, last seen and region config follow the gateway', async (t) => {
  const c = await start({ offlineGateways: [FAR_GATEWAY], regionConfigIds: { [GATEWAY_2]: 'us915_0' } });
  t.teardown(() => c.close());
  const id = await createGroup(c, 'g');
  c.world.server.multicast.addGateway(id, GATEWAY_2);
  const list = async (groupId = '', tenantId = '') => {
    const request = new gatewayPb.ListGatewaysRequest();
    request.setLimit(10);
    request.setMulticastGroupId(groupId);
    request.setTenantId(tenantId);
    const [code, response] = await call(c.gateway, c.gateway.list as Raw, request);
    if (code !== 'OK') return [code, response];
    return [response.getTotalCount(), response.getResultList().map((g: any) => [g.getGatewayId(), g.getTenantId(), g.getState(), g.getPropertiesMap().get('region_config_id'), g.hasLastSeenAt()])];
  };
  const { ONLINE, OFFLINE, NEVER_SEEN } = gatewayPb.GatewayState;
  const tenant = DEFAULT_TENANCY.tenantId;
  t.deepEqual(await list(), [3, [[GATEWAY_1, tenant, ONLINE, 'eu868', true], [GATEWAY_2, tenant, ONLINE, 'us915_0', true], [FAR_GATEWAY, tenant, NEVER_SEEN, 'eu868', false]]]);
  t.deepEqual(await list(id), [1, [[GATEWAY_2, tenant, ONLINE, 'us915_0', true]]]);
  t.deepEqual(await list('', OTHER_TENANT), [0, []]);
  c.world.server.multicast.setGatewayOnline(GATEWAY_1, false);
  c.world.server.multicast.setGatewayOnline(FAR_GATEWAY, true);
  t.deepEqual((await list())[1].map((g: unknown[]) => g[2]), [OFFLINE, ONLINE, ONLINE]);
});

test('ApplicationService.Get: known applications with their tenant; others NOT_FOUND', async (t) => {
  const c = await start();
  t.teardown(() => c.close());
  const get = async (id: string) => {
    const request = new applicationPb.GetApplicationRequest();
    request.setId(id);
    const [code, response] = await call(c.application, c.application.get as Raw, request);
    if (code !== 'OK') return [code, response];
    const app = response.getApplication();
    return [app.getId(), app.getName(), app.getTenantId()];
  };
  t.deepEqual(await get(APPLICATION_ID), [APPLICATION_ID, DEFAULT_TENANCY.applicationName, DEFAULT_TENANCY.tenantId]);
  t.deepEqual(await get(OTHER_APP.toUpperCase()), [OTHER_APP, DEFAULT_TENANCY.applicationName, OTHER_TENANT]);
  t.deepEqual(await get('11111111-2222-4333-8444-555555555555'), ['NOT_FOUND', 'Object does not exist (id: 11111111-2222-4333-8444-555555555555)']);
});

test('InternalService.GetVersion answers the version played (default 4.19.0)', async (t) => {
  for (const version of [undefined, '4.7.2']) {
    const c = await start(version === undefined ? {} : { version });
    const [code, response] = await call(c.internal, c.internal.getVersion as Raw, new emptyPb.Empty());
    await c.close();
    t.deepEqual([code, response.getVersion()], ['OK', version ?? '4.19.0']);
  }
});

/** Protobuf varint (LEB128). */
function varint(value: number): number[] {
  const out: number[] = [];
  for (let v = value; ; v = Math.floor(v / 128)) {
    if (v < 128) return [...out, v];
    out.push((v % 128) | 0x80);
  }
}

/** CreateMulticastGroupRequest bytes with MulticastGroup field 12 appended (what a v4.0–4.7 client sends). */
function createWithField12(mg: InstanceType<typeof multicastPb.MulticastGroup>, period: number | undefined): Buffer {
  const group = [...mg.serializeBinary(), ...(period === undefined ? [] : [...varint(12 << 3), ...varint(period)])];
  return Buffer.from([...varint((1 << 3) | 2), ...varint(group.length), ...group]);
}

test('v4.7: the class B ping period comes from field 12 of the raw request (1024 slots: ping_nb 4); without it Enqueue is INTERNAL "ping_nb must be > 0"', async (t) => {
  const c = await start({ version: '4.7.0' });
  t.teardown(() => c.close());
  const client = new Client(c.world.server.address, credentials.createInsecure());
  t.teardown(() => client.close());
  const create = (period: number | undefined) => new Promise<string>((resolve, reject) => {
    const mg = groupPb('b');
    mg.setGroupType(multicastPb.MulticastGroupType.CLASS_B);
    mg.setClassBPingSlotPeriodicity(3); // field 14: unknown to v4.7, ignored
    client.makeUnaryRequest('/api.MulticastGroupService/Create', (bytes: Buffer) => bytes, (bytes: Buffer) => multicastPb.CreateMulticastGroupResponse.deserializeBinary(bytes),
      createWithField12(mg, period), auth(), (error, response) => (error ? reject(error) : resolve(response!.getId())));
  });
  const withPeriod = await create(1024);
  const without = await create(undefined);
  t.like(c.world.server.multicast.get(withPeriod), { classBPingSlotPeriod: 1024, classBPingNb: 4, classBPingSlotPeriodicity: 0 });
  t.like(c.world.server.multicast.get(without), { classBPingNb: 0 });
  const enqueue = (groupId: string) => {
    const item = new multicastPb.MulticastGroupQueueItem();
    item.setMulticastGroupId(groupId);
    item.setFPort(1);
    item.setData(Uint8Array.of(1));
    const request = new multicastPb.EnqueueMulticastGroupQueueItemRequest();
    request.setQueueItem(item);
    return call(c.multicast, c.multicast.enqueue as Raw, request);
  };
  c.world.server.multicast.addGateway(withPeriod, GATEWAY_1);
  c.world.server.multicast.addGateway(without, GATEWAY_1);
  t.is((await enqueue(withPeriod))[0], 'OK');
  t.deepEqual(await enqueue(without), ['INTERNAL', 'ping_nb must be > 0']);
});
