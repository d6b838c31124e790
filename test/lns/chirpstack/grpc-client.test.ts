import test from 'ava';
import { isFuotaError, type FuotaError } from '../../../src/core/errors.js';
import { ChirpstackGrpcClient } from '../../../src/lns/chirpstack/grpc-client.js';
import { mcRootKeyInputFrom } from '../../../src/lns/chirpstack/grpc-device.js';
import { deriveMcRootKey } from '../../../src/lorawan/keys.js';
import { API_TOKEN, APPLICATION_ID, CLASS_C_MARGIN_MS, classCGroup, DEV_EUIS, GATEWAY_1, startWorld, waitFor, type World } from '../../sim/chirpstack/sim-chirpstack-world.js';

// The ChirpStack gRPC client against the simulated ChirpStack over a real loopback socket, the
// simulated network running in real time (a class C margin of 400 ms keeps it fast).

const worlds: World[] = [];
test.afterEach.always(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

async function world(options: Parameters<typeof startWorld>[0] = {}): Promise<World> {
  const w = await startWorld(options);
  worlds.push(w);
  return w;
}

async function failure(promise: Promise<unknown>): Promise<FuotaError> {
  try {
    await promise;
  } catch (error) {
    if (isFuotaError(error)) return error;
    throw new Error(`expected a FuotaError, got ${String(error)}`);
  }
  throw new Error('expected the call to fail');
}

/** ChirpStack's scheduler loop period (default 1 s), shortened below the margin so that items do not share a pass. */
const SCHEDULER_INTERVAL_MS = 50;

test.serial('class C group: create, fill, enqueue 3, queue drains as the devices hear them, delete when empty', async (t) => {
  const w = await world({ schedulerIntervalMs: SCHEDULER_INTERVAL_MS });
  const spec = classCGroup();
  const groupId = await w.client.createMulticastGroup(spec);
  t.regex(groupId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  t.deepEqual(await w.client.getMulticastGroup(groupId), { id: groupId, ...spec });

  await w.client.addDeviceToMulticastGroup(groupId, DEV_EUIS[0]!);
  await w.client.addDeviceToMulticastGroup(groupId, DEV_EUIS[1]!.toUpperCase());
  await w.client.addGatewayToMulticastGroup(groupId, GATEWAY_1);

  const payloads = [Uint8Array.of(0x08, 0x00, 0x01), Uint8Array.of(0x08, 0x00, 0x02), Uint8Array.of(0x08, 0x00, 0x03)];
  const fCnts: number[] = [];
  // Simulated time stands still while the three are enqueued: ChirpStack spaces an item by the
  // margin from the items still queued, and on a busy machine the first one went out before the
  // second call arrived (issue #14: no test may depend on how fast the machine is).
  await w.driver.stop();
  for (const payload of payloads) fCnts.push(await w.client.enqueueMulticast(groupId, { fPort: 201, payload }));
  w.driver.start();
  t.deepEqual(fCnts, [10, 11, 12]);

  // Poll ListQueue: the f_cnts still queued shrink from the front until none is left.
  const seen: string[] = [];
  const drained = await waitFor(async () => {
    const queue = await w.client.listMulticastQueue(groupId);
    const key = queue.map((item) => item.fCnt).join(',');
    if (seen.at(-1) !== key) seen.push(key);
    return queue.length === 0;
  }, 60_000, 15);
  t.true(drained, `queue snapshots ${JSON.stringify(seen)}`);
  // Each snapshot is what is left after the front items went, each shorter than the one before;
  // which of them a poll catches depends on the machine's speed (a busy one skipped "11,12").
  const suffixes = ['10,11,12', '11,12', '12', ''];
  const positions = seen.map((key) => suffixes.indexOf(key));
  t.true(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!)), `queue snapshots ${JSON.stringify(seen)}`);
  t.is(seen.at(-1), '');

  for (const device of w.devices.slice(0, 2)) {
    t.deepEqual(device.heard.map((f) => [f.mcAddr, f.fPort, [...f.payload]]), payloads.map((p) => [0x01abcdef, 201, [...p]]));
    // ChirpStack spaces the items of a group by multicast_class_c_margin; its scheduler picks a
    // row on the first pass at or after that (storage/multicast.rs get_schedulable_queue_items).
    const times = device.heard.map((f) => f.atMs);
    for (const gap of [times[1]! - times[0]!, times[2]! - times[1]!]) {
      t.true(gap >= CLASS_C_MARGIN_MS && gap <= CLASS_C_MARGIN_MS + SCHEDULER_INTERVAL_MS, `gap ${gap} ms`);
    }
  }
  t.deepEqual(w.devices[2]!.heard, [], 'not in the group');
  t.is((await w.client.getMulticastGroup(groupId)).fCnt, 13);

  await w.client.deleteMulticastGroup(groupId);
  const gone = await failure(w.client.getMulticastGroup(groupId));
  t.is(gone.code, 'CHIRPSTACK_NOT_FOUND');
});

test.serial('wrong API token: CallerError CHIRPSTACK_UNAUTHENTICATED "API token refused"', async (t) => {
  const w = await world();
  const client = new ChirpstackGrpcClient({ address: w.server.address, apiToken: 'not-the-token', transport: { kind: 'insecure' } });
  try {
    const error = await failure(client.createMulticastGroup(classCGroup()));
    t.is(error.code, 'CHIRPSTACK_UNAUTHENTICATED');
    t.is(error.fault, 'caller');
    t.regex(error.message, /API token refused/);
    t.regex(error.message, /MulticastGroupService\.Create at 127\.0\.0\.1:\d+/);
  } finally {
    client.close();
  }
});

test.serial('unknown group id: CHIRPSTACK_NOT_FOUND with ChirpStack\'s message, for every group method (Enqueue: INTERNAL)', async (t) => {
  const w = await world();
  const unknown = '00000000-0000-4000-8000-000000000000';
  const calls: Array<[string, Promise<unknown>]> = [
    ['Get', w.client.getMulticastGroup(unknown)],
    ['AddDevice', w.client.addDeviceToMulticastGroup(unknown, DEV_EUIS[0]!)],
    ['AddGateway', w.client.addGatewayToMulticastGroup(unknown, GATEWAY_1)],
    ['Enqueue', w.client.enqueueMulticast(unknown, { fPort: 201, payload: Uint8Array.of(1) })],
    ['ListQueue', w.client.listMulticastQueue(unknown)],
    ['FlushQueue', w.client.flushMulticastQueue(unknown)],
    ['Delete', w.client.deleteMulticastGroup(unknown)],
  ];
  for (const [method, call] of calls) {
    const error = await failure(call);
    // api/multicast.rs enqueue turns every error of the enqueue into Status::internal (api/error.rs).
    t.is(error.code, method === 'Enqueue' ? 'CHIRPSTACK_INTERNAL' : 'CHIRPSTACK_NOT_FOUND', method);
    t.is(error.fault, method === 'Enqueue' ? 'peer' : 'caller', method);
    t.true(error.message.includes(`Object does not exist (id: ${unknown})`), error.message);
    t.true(error.message.includes(`MulticastGroupService.${method}`), error.message);
  }
});

test.serial('server down: PeerError CHIRPSTACK_UNAVAILABLE naming the address', async (t) => {
  const w = await world();
  const address = w.server.address;
  await w.server.stop();
  const error = await failure(w.client.listMulticastQueue('00000000-0000-4000-8000-000000000000'));
  t.is(error.code, 'CHIRPSTACK_UNAVAILABLE');
  t.is(error.fault, 'peer');
  t.true(error.message.includes(address), error.message);
});

test.serial('ChirpStack\'s INVALID_ARGUMENT comes back as CallerError with its message', async (t) => {
  const w = await world();
  const cases: Array<[string, Promise<unknown>, RegExp]> = [
    ['empty name', w.client.createMulticastGroup(classCGroup({ name: '' })), /Validation error: name is not set/],
    ['application id not a UUID', w.client.createMulticastGroup(classCGroup({ applicationId: 'my-app' })), /invalid character: .*found `m` at 1/],
    ['group id not a UUID', w.client.listMulticastQueue('group-1'), /invalid character/],
  ];
  for (const [name, call, message] of cases) {
    const error = await failure(call);
    t.is(error.code, 'CHIRPSTACK_INVALID_ARGUMENT', name);
    t.is(error.fault, 'caller', name);
    t.regex(error.message, message, name);
  }
  const unknownApp = await failure(w.client.createMulticastGroup(classCGroup({ applicationId: '11111111-2222-4333-8444-555555555555' })));
  t.is(unknownApp.code, 'CHIRPSTACK_NOT_FOUND');
});

test.serial('device keys for McRootKey and the unicast fallback', async (t) => {
  const genAppKeyHex = '000102030405060708090a0b0c0d0e0f';
  const w = await world({ deviceKeys: new Map([[DEV_EUIS[0]!, { nwkKeyHex: 'ffeeddccbbaa99887766554433221100', genAppKeyHex }]]) });
  const keys = await w.client.getDeviceKeys(DEV_EUIS[0]!);
  t.deepEqual(keys, { devEui: DEV_EUIS[0]!, nwkKeyHex: 'ffeeddccbbaa99887766554433221100', appKeyHex: '0'.repeat(32), genAppKeyHex });
  const input = mcRootKeyInputFrom(keys, '1.0');
  t.deepEqual(deriveMcRootKey(input), deriveMcRootKey({ lorawanVersion: '1.0', genAppKey: Buffer.from(genAppKeyHex, 'hex') }));
  t.deepEqual(mcRootKeyInputFrom(keys, '1.1'), { lorawanVersion: '1.1' }, 'an all-zero AppKey is no key');

  const missing = await failure(w.client.getDeviceKeys(DEV_EUIS[1]!));
  t.is(missing.code, 'CHIRPSTACK_NOT_FOUND');

  // ChirpStack generates the queue item id (api/device.rs enqueue); the caller's is not kept.
  const id = '3f1e2d3c-4b5a-4697-8887-a9b8c7d6e5f4';
  const given = await w.client.enqueueUnicast({ devEui: DEV_EUIS[0]!, fPort: 200, payload: Uint8Array.of(0x00), id });
  t.regex(given, /^[0-9a-f-]{36}$/);
  t.not(given, id);
  t.regex(await w.client.enqueueUnicast({ devEui: DEV_EUIS[1]!, fPort: 200, payload: Uint8Array.of(0x00) }), /^[0-9a-f-]{36}$/);
  t.is(w.network.stats.unicastQueued, 2);
  const unknown = await failure(w.client.enqueueUnicast({ devEui: 'aaaaaaaaaaaaaaaa', fPort: 200, payload: Uint8Array.of(0) }));
  t.is(unknown.code, 'CHIRPSTACK_NOT_FOUND');
});

test.serial('the bearer token is on every call, including DeviceService', async (t) => {
  const w = await world();
  const client = new ChirpstackGrpcClient({ address: w.server.address, apiToken: `${API_TOKEN}x`, transport: { kind: 'insecure' } });
  try {
    for (const call of [client.getDeviceKeys(DEV_EUIS[0]!), client.enqueueUnicast({ devEui: DEV_EUIS[0]!, fPort: 1, payload: Uint8Array.of(1) }), client.listMulticastQueue(APPLICATION_ID)]) {
      t.is((await failure(call)).code, 'CHIRPSTACK_UNAUTHENTICATED');
    }
  } finally {
    client.close();
  }
});
