import { MulticastGroupServiceClient } from '@chirpstack/chirpstack-api/api/multicast_group_grpc_pb.js';
import multicastPb from '@chirpstack/chirpstack-api/api/multicast_group_pb.js';
import { DeviceServiceClient } from '@chirpstack/chirpstack-api/api/device_grpc_pb.js';
import devicePb from '@chirpstack/chirpstack-api/api/device_pb.js';
import { credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import test from 'ava';
import { API_TOKEN, APPLICATION_ID, DEV_EUIS, FAR_GATEWAY, startWorld, type World } from './sim-chirpstack-world.js';

// The simulated ChirpStack as a raw gRPC client sees it: statuses and messages worded as
// ChirpStack words them, including what our client never sends (it checks hex locally).

let world: World;
let multicast: MulticastGroupServiceClient;
let device: DeviceServiceClient;
test.before(async () => {
  world = await startWorld();
  multicast = new MulticastGroupServiceClient(world.server.address, credentials.createInsecure());
  device = new DeviceServiceClient(world.server.address, credentials.createInsecure());
});
test.after.always(async () => {
  multicast?.close();
  device?.close();
  await world?.close();
});

function auth(value = `Bearer ${API_TOKEN}`): Metadata {
  const metadata = new Metadata();
  if (value !== '') metadata.set('authorization', value);
  return metadata;
}

type Raw = (request: any, metadata: Metadata, callback: (error: ServiceError | null, response?: any) => void) => unknown;

/** [code, details] of a raw call, or ['OK', response]. */
function raw(client: object, method: Raw, request: unknown, metadata = auth()): Promise<[string, any]> {
  return new Promise((resolve) => {
    method.call(client, request, metadata, (error, response) => resolve(error ? [GrpcStatus[error.code]!, error.details] : ['OK', response]));
  });
}

function groupRequest(edit: (mg: InstanceType<typeof multicastPb.MulticastGroup>) => void = () => {}) {
  const mg = new multicastPb.MulticastGroup();
  mg.setName('g');
  mg.setApplicationId(APPLICATION_ID);
  mg.setMcAddr('01abcdef');
  mg.setMcNwkSKey('00'.repeat(16));
  mg.setMcAppSKey('11'.repeat(16));
  mg.setFrequency(869_525_000);
  edit(mg);
  const request = new multicastPb.CreateMulticastGroupRequest();
  request.setMulticastGroup(mg);
  return request;
}

const create = (request: unknown, metadata?: Metadata) => raw(multicast, multicast.create as Raw, request, metadata);

async function newGroup(): Promise<string> {
  const [code, response] = await create(groupRequest());
  if (code !== 'OK') throw new Error(code);
  return response.getId();
}

test('bearer check first: missing, malformed and wrong tokens are UNAUTHENTICATED', async (t) => {
  t.deepEqual(await create(groupRequest(), auth('')), ['UNAUTHENTICATED', 'no authorization provided']);
  t.deepEqual(await create(groupRequest(), auth(API_TOKEN)), ['UNAUTHENTICATED', "authorization metadata must in format 'Bearer <TOKEN>"]);
  t.deepEqual(await create(groupRequest(), auth('Bearer nope')), ['UNAUTHENTICATED', 'InvalidSignature']);
  t.is((await create(groupRequest()))[0], 'OK');
});

const createCases: Array<[string, (mg: InstanceType<typeof multicastPb.MulticastGroup>) => void, [string, string]]> = [
  ['mc_addr of 3 bytes', (mg) => mg.setMcAddr('01abcd'), ['INTERNAL', 'Invalid string length']],
  ['mc_addr with an odd number of digits', (mg) => mg.setMcAddr('01abcde'), ['INTERNAL', 'Odd number of digits']],
  ['mc_addr not hex', (mg) => mg.setMcAddr('zzabcdef'), ['INTERNAL', "Invalid character 'z' at position 0"]],
  ['mc_nwk_s_key of 15 bytes', (mg) => mg.setMcNwkSKey('00'.repeat(15)), ['INTERNAL', 'Invalid string length']],
  ['mc_app_s_key empty', (mg) => mg.setMcAppSKey(''), ['INTERNAL', 'Invalid string length']],
  ['application_id not a UUID', (mg) => mg.setApplicationId('app-1'), ['INVALID_ARGUMENT', 'invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `p` at 2']],
  ['application_id empty', (mg) => mg.setApplicationId(''), ['INVALID_ARGUMENT', 'invalid length: expected length 32 for simple format, found 0']],
  ['unknown application', (mg) => mg.setApplicationId('11111111-2222-4333-8444-555555555555'), ['NOT_FOUND', 'Object does not exist (id: 11111111-2222-4333-8444-555555555555)']],
  ['empty name', (mg) => mg.setName(''), ['INVALID_ARGUMENT', 'Validation error: name is not set']],
];

for (const [name, edit, expected] of createCases) {
  test(`Create with ${name}: ${expected[0]}`, async (t) => {
    t.deepEqual(await create(groupRequest(edit)), expected);
  });
}

test('Create without multicast_group, Enqueue without queue_item: INVALID_ARGUMENT', async (t) => {
  t.deepEqual(await create(new multicastPb.CreateMulticastGroupRequest()), ['INVALID_ARGUMENT', 'multicast_group is missing']);
  t.deepEqual(await raw(multicast, multicast.enqueue as Raw, new multicastPb.EnqueueMulticastGroupQueueItemRequest()), ['INVALID_ARGUMENT', 'queue_item is missing']);
});

test('AddDevice / AddGateway: unknown ones NOT_FOUND, twice INTERNAL (a duplicate primary key, never ALREADY_EXISTS), bad EUI INTERNAL', async (t) => {
  const id = await newGroup();
  const addDevice = (devEui: string) => {
    const request = new multicastPb.AddDeviceToMulticastGroupRequest();
    request.setMulticastGroupId(id);
    request.setDevEui(devEui);
    return raw(multicast, multicast.addDevice as Raw, request);
  };
  const addGateway = (gatewayId: string) => {
    const request = new multicastPb.AddGatewayToMulticastGroupRequest();
    request.setMulticastGroupId(id);
    request.setGatewayId(gatewayId);
    return raw(multicast, multicast.addGateway as Raw, request);
  };
  t.is((await addDevice(DEV_EUIS[0]!))[0], 'OK');
  t.deepEqual(await addDevice(DEV_EUIS[0]!), ['INTERNAL', 'duplicate key value violates unique constraint "multicast_group_device_pkey"']);
  t.deepEqual(await addDevice('0000000000000099'), ['NOT_FOUND', 'Object does not exist (id: 0000000000000099)']);
  t.deepEqual(await addDevice('01020304'), ['INTERNAL', 'Invalid string length']);
  t.is((await addGateway(FAR_GATEWAY))[0], 'OK');
  t.deepEqual(await addGateway(FAR_GATEWAY), ['INTERNAL', 'duplicate key value violates unique constraint "multicast_group_gateway_pkey"']);
  t.deepEqual(await addGateway('00000000000000aa'), ['NOT_FOUND', 'Object does not exist (id: 00000000000000aa)']);
});

function enqueueRequest(groupId: string, fPort: number) {
  const item = new multicastPb.MulticastGroupQueueItem();
  item.setMulticastGroupId(groupId);
  item.setFPort(fPort);
  item.setData(Uint8Array.of(1));
  const request = new multicastPb.EnqueueMulticastGroupQueueItemRequest();
  request.setQueueItem(item);
  return request;
}

test('Enqueue errors past the id parse are INTERNAL (anyhow in downlink::multicast::enqueue): FPort 0 / 256, an unknown group', async (t) => {
  const id = await newGroup();
  const enqueue = (groupId: string, fPort: number) => raw(multicast, multicast.enqueue as Raw, enqueueRequest(groupId, fPort));
  t.deepEqual(await enqueue(id, 0), ['INTERNAL', 'Validation error: FPort must be between 1 - 255']);
  t.deepEqual(await enqueue(id, 256), ['INTERNAL', 'Validation error: FPort must be between 1 - 255']);
  t.deepEqual(await enqueue('11111111-2222-4333-8444-555555555555', 1), ['INTERNAL', 'Object does not exist (id: 11111111-2222-4333-8444-555555555555)']);
  t.deepEqual(await enqueue('nope', 1), ['INVALID_ARGUMENT', 'invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1']);
  t.is(world.server.multicast.get(id).fCnt, 0, 'no f_cnt taken');
});

test('methods outside the subset answer UNIMPLEMENTED', async (t) => {
  t.is((await raw(multicast, multicast.update as Raw, new multicastPb.UpdateMulticastGroupRequest()))[0], 'UNIMPLEMENTED');
  t.is((await raw(device, device.delete as Raw, new devicePb.DeleteDeviceRequest()))[0], 'UNIMPLEMENTED');
});

test('DeviceService.Get: NOT_FOUND for a DevEUI the network does not have, INTERNAL for malformed hex (as ChirpStack)', async (t) => {
  const get = (devEui: string) => {
    const request = new devicePb.GetDeviceRequest();
    request.setDevEui(devEui);
    return raw(device, device.get as Raw, request);
  };
  t.deepEqual(await get('70b3d57ed00000ff'), ['NOT_FOUND', 'Object does not exist (id: 70b3d57ed00000ff)']);
  t.is((await get('xyz'))[0], 'INTERNAL');
});

function deviceEnqueue(devEui: string, fPort: number, id = '') {
  const item = new devicePb.DeviceQueueItem();
  item.setDevEui(devEui);
  item.setFPort(fPort);
  item.setData(Uint8Array.of(1));
  item.setId(id);
  const request = new devicePb.EnqueueDeviceQueueItemRequest();
  request.setQueueItem(item);
  return raw(device, device.enqueue as Raw, request);
}

test.serial('DeviceService.Enqueue: unknown device NOT_FOUND, FPort 0 refused, nothing queued', async (t) => {
  t.deepEqual(await deviceEnqueue('0000000000000099', 200), ['NOT_FOUND', 'Object does not exist (id: 0000000000000099)']);
  t.deepEqual(await deviceEnqueue(DEV_EUIS[0]!, 0), ['INVALID_ARGUMENT', 'Validation error: FPort must be between 1 - 255']);
  t.is(world.network.stats.unicastQueued, 0);
});

test.serial('DeviceService.Enqueue ignores the caller\'s id: a new v4 UUID each time, returned and queued', async (t) => {
  const mine = '6f2c1a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
  const [code, response] = await deviceEnqueue(DEV_EUIS[1]!, 200, mine);
  t.is(code, 'OK');
  const id = response.getId();
  t.regex(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.not(id, mine);
  t.true(world.network.hasQueuedUnicast(DEV_EUIS[1]!, id));
  t.false(world.network.hasQueuedUnicast(DEV_EUIS[1]!, mine));
  t.not((await deviceEnqueue(DEV_EUIS[1]!, 200, mine))[1].getId(), id);
  t.deepEqual((await deviceEnqueue(DEV_EUIS[1]!, 200, 'not-a-uuid'))[0], 'OK', 'not even parsed');
});
