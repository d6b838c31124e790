import { status as GrpcStatus } from '@grpc/grpc-js';
import test from 'ava';
import { unixMsToGpsMs } from '../../../src/core/gps-time.js';
import { BEACON_PERIOD_US, BEACON_RESERVED_US, PING_SLOT_US, pingPeriodSlots } from '../../../src/radio/class-b-timing.js';
import { nextPingSlotAfterGpsMs, pingOffsetSlots } from '../../../src/lns/sim/sim-chirpstack-class-b.js';
import { SimChirpstackMulticast, type NewMulticastGroup } from '../../../src/lns/sim/sim-chirpstack-multicast.js';
import { SimGrpcStatus } from '../../../src/lns/sim/sim-chirpstack-status.js';
import { SimClock } from '../../../src/lns/sim/sim-clock.js';
import { APPLICATION_ID, DEV_EUIS, GATEWAY_1, GATEWAY_2, simNetwork } from './sim-chirpstack-world.js';

// The multicast queue of the simulated ChirpStack in simulated time (no sockets): ChirpStack's
// scheduling rules from storage/multicast.rs enqueue.

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const MARGIN_MS = 1_000;

function setup(gateways: readonly string[] = [GATEWAY_1, GATEWAY_2]) {
  const clock = new SimClock(T0);
  const { network, devices } = simNetwork(clock);
  const multicast = new SimChirpstackMulticast({ network, clock, gateways, classCMarginMs: MARGIN_MS, classBMarginMs: 5_000 });
  return { clock, network, devices, multicast, run: (untilMs: number) => clock.run({ untilMs }) };
}

function group(overrides: Partial<NewMulticastGroup> = {}): NewMulticastGroup {
  return {
    name: 'g', applicationId: APPLICATION_ID, region: 0, mcAddr: 0x01abcdef, mcNwkSKeyHex: '00'.repeat(16), mcAppSKeyHex: '11'.repeat(16),
    fCnt: 0, groupType: 'C', dr: 5, frequencyHz: 869_525_000, classCSchedulingType: 'DELAY', classBPingSlotPeriodicity: 0, ...overrides,
  };
}

const item = (byte: number) => ({ fPort: 201, data: Uint8Array.of(byte) });

test('class C DELAY: one row per gateway, a margin apart; the next item after the last queued row', async (t) => {
  const { multicast, devices, run, clock } = setup();
  const id = multicast.create(group());
  multicast.addDevice(id, DEV_EUIS[0]!); // near gateway 1
  multicast.addDevice(id, DEV_EUIS[2]!); // near gateway 2
  multicast.addGateway(id, GATEWAY_1);
  multicast.addGateway(id, GATEWAY_2);
  t.is(multicast.enqueue(id, item(0xa)), 0);
  t.is(multicast.enqueue(id, item(0xb)), 1);
  t.deepEqual(multicast.listQueue(id).map((r) => r.fCnt), [0, 1], 'one entry per f_cnt, not per gateway');
  await run(T0 + 1_500);
  t.deepEqual(multicast.listQueue(id).map((r) => r.fCnt), [1]);
  clock.at(T0 + 10_000, () => {}); // SimClock.run stops at its last event: land on T0 + 10 s
  await run(T0 + 10_000);
  t.deepEqual(multicast.emissions.map((e) => [e.fCnt, e.gatewayIds, e.atMs - T0, e.outcome]), [
    [0, [GATEWAY_1], 0, 'sent'],
    [0, [GATEWAY_2], 1_000, 'sent'],
    [1, [GATEWAY_1], 2_000, 'sent'],
    [1, [GATEWAY_2], 3_000, 'sent'],
  ]);
  t.deepEqual(devices[0]!.heard.map((f) => [f.payload[0], f.atMs - T0]), [[0xa, 0], [0xb, 2_000]]);
  t.deepEqual(devices[2]!.heard.map((f) => [f.payload[0], f.atMs - T0]), [[0xa, 1_000], [0xb, 3_000]]);
  t.deepEqual(devices[1]!.heard, [], 'near gateway 1 but not in the group');
  // The queue is empty and the last row went out more than a margin ago: the next item goes now.
  multicast.enqueue(id, item(0xc));
  t.is(multicast.listQueue(id)[0]!.runAtMs, T0 + 10_000);
});

test('class C: an item enqueued just after the previous one went out still waits a margin', async (t) => {
  const { multicast, devices, run, clock } = setup();
  const id = multicast.create(group());
  multicast.addDevice(id, DEV_EUIS[0]!);
  multicast.addGateway(id, GATEWAY_1);
  multicast.enqueue(id, item(1));
  clock.at(T0 + 200, () => {});
  await run(T0 + 200);
  t.deepEqual(multicast.listQueue(id), [], 'the first one went out at T0');
  multicast.enqueue(id, item(2));
  t.is(multicast.listQueue(id)[0]!.runAtMs, T0 + MARGIN_MS);
  await run(T0 + 5_000);
  t.deepEqual(devices[0]!.heard.map((f) => f.atMs - T0), [0, MARGIN_MS]);
});

test('class C GPS_TIME: all gateways at one emit time, a margin from now', async (t) => {
  const { multicast, devices, run } = setup();
  const id = multicast.create(group({ classCSchedulingType: 'GPS_TIME' }));
  for (const devEui of DEV_EUIS) multicast.addDevice(id, devEui);
  multicast.addGateway(id, GATEWAY_1);
  multicast.addGateway(id, GATEWAY_2);
  multicast.enqueue(id, item(1));
  const [row] = multicast.listQueue(id);
  t.is(row!.runAtMs, T0 + MARGIN_MS);
  t.is(row!.emitAtGpsMs, unixMsToGpsMs(T0 + MARGIN_MS));
  await run(T0 + 5_000);
  t.deepEqual(multicast.emissions.map((e) => [e.gatewayIds, e.atMs - T0]), [[[GATEWAY_1, GATEWAY_2], MARGIN_MS]]);
  t.deepEqual(devices.map((d) => d.heard.length), [1, 1, 1]);
});

test('class B: items go out in ping slots of McAddr, after now + class B margin', async (t) => {
  const { multicast, devices, run } = setup();
  const periodicity = 2;
  const id = multicast.create(group({ groupType: 'B', classBPingSlotPeriodicity: periodicity }));
  multicast.addDevice(id, DEV_EUIS[0]!);
  multicast.addGateway(id, GATEWAY_1);
  multicast.enqueue(id, item(1));
  multicast.enqueue(id, item(2));
  const emits = multicast.listQueue(id).map((r) => r.emitAtGpsMs!);
  t.true(emits[0]! > unixMsToGpsMs(T0 + 5_000));
  t.true(emits[1]! > emits[0]!);
  for (const gpsMs of emits) {
    const us = gpsMs * 1000;
    const beaconUs = Math.floor(us / BEACON_PERIOD_US) * BEACON_PERIOD_US;
    const slot = (us - beaconUs - BEACON_RESERVED_US) / PING_SLOT_US;
    const offset = pingOffsetSlots(beaconUs / 1e6, 0x01abcdef, periodicity);
    t.is((slot - offset) % pingPeriodSlots(periodicity), 0, `slot ${slot}, offset ${offset}`);
  }
  await run(T0 + 300_000);
  t.deepEqual(devices[0]!.heard.map((f) => unixMsToGpsMs(f.atMs)), emits);
});

test('expired items are dropped unsent; FlushQueue and Delete drop queued items', async (t) => {
  const { multicast, devices, run, clock } = setup();
  const id = multicast.create(group());
  multicast.addDevice(id, DEV_EUIS[0]!);
  multicast.addGateway(id, GATEWAY_1);
  multicast.enqueue(id, item(1));
  multicast.enqueue(id, { ...item(2), expiresAtMs: T0 + 500 });
  await run(T0 + 5_000);
  t.deepEqual(multicast.emissions.map((e) => [e.fCnt, e.outcome]), [[0, 'sent'], [1, 'expired']]);

  clock.at(T0 + 5_000, () => {}); // land on T0 + 5 s, well past the last run + margin
  await run(T0 + 5_000);
  multicast.enqueue(id, item(3));
  multicast.enqueue(id, item(4));
  multicast.flushQueue(id);
  t.deepEqual(multicast.listQueue(id), []);
  multicast.enqueue(id, item(5));
  t.is(multicast.listQueue(id)[0]!.runAtMs, clock.now(), 'after a flush the next item goes now');
  multicast.enqueue(id, item(6));
  multicast.delete(id);
  await run(T0 + 20_000);
  t.deepEqual(devices[0]!.heard.map((f) => f.payload[0]), [1]);
  const error = t.throws(() => multicast.listQueue(id), { instanceOf: SimGrpcStatus });
  t.is(error?.code, GrpcStatus.NOT_FOUND);
});

test('without added gateways every sim gateway is used; with none at all nothing is queued but f_cnt moves', async (t) => {
  const world = setup();
  const id = world.multicast.create(group({ fCnt: 7 }));
  world.multicast.addDevice(id, DEV_EUIS[2]!);
  world.multicast.enqueue(id, item(1));
  await world.run(T0 + 5_000);
  t.deepEqual(world.multicast.emissions.map((e) => e.gatewayIds), [[GATEWAY_1], [GATEWAY_2]]);
  t.is(world.devices[2]!.heard.length, 1);

  const bare = setup([]);
  const bareId = bare.multicast.create(group({ fCnt: 7 }));
  t.is(bare.multicast.enqueue(bareId, item(1)), 7);
  t.is(bare.multicast.enqueue(bareId, item(2)), 8);
  t.deepEqual(bare.multicast.listQueue(bareId), []);
  t.is(bare.multicast.get(bareId).fCnt, 9);
});

test('next ping slot: the vectors of ChirpStack\'s classb.rs test_get_next_ping_slot_after', (t) => {
  // [after (GPS ms), ping_nb = 2^(7−k) → k, expected (GPS ms)], DevAddr 00000000.
  const vectors: Array<[number, number, number]> = [
    [0, 7, 74_300],
    [120_000, 7, 185_620],
    [0, 6, 12_860],
    [13_000, 6, 74_300],
    [124_000, 0, 124_220],
  ];
  for (const [afterGpsMs, periodicity, expectedGpsMs] of vectors) {
    t.is(nextPingSlotAfterGpsMs(afterGpsMs, 0, periodicity), expectedGpsMs, `after ${afterGpsMs}, k ${periodicity}`);
  }
});
