import { status as GrpcStatus } from '@grpc/grpc-js';
import test from 'ava';
import { unixMsToGpsMs } from '../../../src/core/gps-time.js';
import { BEACON_PERIOD_US, BEACON_RESERVED_US, PING_SLOT_US, pingPeriodSlots } from '../../../src/radio/class-b-timing.js';
import { nextPingSlotAfterGpsMs, pingOffsetSlots } from '../../../src/sim/chirpstack/sim-chirpstack-class-b.js';
import { MULTICAST_TX_ACK_LATENCY_MS } from '../../../src/sim/chirpstack/sim-chirpstack-multicast-scheduler.js';
import { SimGrpcStatus } from '../../../src/sim/chirpstack/sim-chirpstack-status.js';
import { DEV_EUIS, GATEWAY_1, GATEWAY_2, INTERVAL_MS, MARGIN_MS, setupMulticast as setup, simGroup as group, simItem as item, T0 } from './sim-chirpstack-world.js';

// The multicast queue of the simulated ChirpStack in simulated time (no sockets): ChirpStack's
// enqueue timing (storage/multicast.rs enqueue) and what its scheduler and the gateways make of
// the rows (sources in sim-chirpstack-multicast.ts and -multicast-scheduler.ts).

test('class C DELAY: one row per gateway, a margin apart; the next item after the last queued row', async (t) => {
  const { multicast, devices, run } = setup();
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
  // The queue is empty (every row acked): the next item goes now.
  multicast.enqueue(id, item(0xc));
  t.is(multicast.listQueue(id)[0]!.runAfterMs, T0 + 10_000);
});

test('a sent row stays until the gateway acks it, its run-after 2 scheduler intervals on: an item enqueued meanwhile waits behind it', async (t) => {
  const { multicast, devices, run } = setup();
  const id = multicast.create(group());
  multicast.addDevice(id, DEV_EUIS[0]!);
  multicast.addGateway(id, GATEWAY_1);
  multicast.enqueue(id, item(1));
  await run(T0 + MULTICAST_TX_ACK_LATENCY_MS / 2);
  t.deepEqual(devices[0]!.heard.map((f) => f.atMs - T0), [0], 'on air at once');
  t.deepEqual(multicast.listQueue(id).map((r) => [r.fCnt, r.state, r.runAfterMs - T0]), [[0, 'sent', 2 * INTERVAL_MS]], 'still listed: not acked yet');
  multicast.enqueue(id, item(2));
  t.is(multicast.listQueue(id)[1]!.runAfterMs, T0 + 2 * INTERVAL_MS + MARGIN_MS);
  await run(T0 + 5_000);
  t.deepEqual(devices[0]!.heard.map((f) => f.atMs - T0), [0, 2 * INTERVAL_MS + MARGIN_MS]);
  t.deepEqual(multicast.listQueue(id), [], 'both acked');
  multicast.enqueue(id, item(3));
  t.is(multicast.listQueue(id)[0]!.runAfterMs, T0 + 5_000, 'after the ack, the next item goes now');
});

test('the scheduler picks due rows on its interval ticks: items enqueued between two ticks queue behind each other and go at the ticks', async (t) => {
  const { multicast, devices, run } = setup();
  const id = multicast.create(group());
  multicast.addDevice(id, DEV_EUIS[0]!);
  multicast.addGateway(id, GATEWAY_1);
  await run(T0 + 300);
  multicast.enqueue(id, item(1));
  multicast.enqueue(id, item(2));
  t.deepEqual(multicast.listQueue(id).map((r) => [r.state, r.runAfterMs - T0]), [['queued', 300], ['queued', 300 + MARGIN_MS]], 'not picked before the next tick');
  await run(T0 + 5_000);
  t.deepEqual(devices[0]!.heard.map((f) => [f.payload[0], f.atMs - T0]), [[1, INTERVAL_MS], [2, 2 * INTERVAL_MS]]);
});

test('class C GPS_TIME: run-after equals the emit time, so every gateway answers TOO_LATE: nothing on air, the rows deleted at the ack', async (t) => {
  const { multicast, devices, run } = setup();
  const id = multicast.create(group({ classCSchedulingType: 'GPS_TIME' }));
  for (const devEui of DEV_EUIS) multicast.addDevice(id, devEui);
  multicast.addGateway(id, GATEWAY_1);
  multicast.addGateway(id, GATEWAY_2);
  multicast.enqueue(id, item(1));
  const [row] = multicast.listQueue(id);
  t.is(row!.runAfterMs, T0 + MARGIN_MS);
  t.is(row!.emitAtGpsMs, unixMsToGpsMs(T0 + MARGIN_MS));
  await run(T0 + MARGIN_MS + MULTICAST_TX_ACK_LATENCY_MS / 2);
  t.is(multicast.listQueue(id).length, 1, 'handed to the gateways, not acked yet');
  await run(T0 + 5_000);
  t.deepEqual(multicast.emissions.map((e) => [e.gatewayIds, e.atMs - T0, e.outcome]), [[[GATEWAY_1, GATEWAY_2], MARGIN_MS, 'too-late']]);
  t.deepEqual(devices.map((d) => d.heard.length), [0, 0, 0]);
  t.deepEqual(multicast.listQueue(id), []);
});

test('class B: items go out in ping slots of McAddr, after now + class B margin; run-after 2 scheduler intervals before', async (t) => {
  const { multicast, devices, run } = setup();
  const periodicity = 2;
  const id = multicast.create(group({ groupType: 'B', classBPingSlotPeriodicity: periodicity }));
  multicast.addDevice(id, DEV_EUIS[0]!);
  multicast.addGateway(id, GATEWAY_1);
  multicast.enqueue(id, item(1));
  multicast.enqueue(id, item(2));
  const rows = multicast.listQueue(id);
  const emits = rows.map((r) => r.emitAtGpsMs!);
  t.is(emits[0], nextPingSlotAfterGpsMs(unixMsToGpsMs(T0 + 5_000), 0x01abcdef, periodicity));
  t.is(emits[1], nextPingSlotAfterGpsMs(emits[0]!, 0x01abcdef, periodicity));
  for (const row of rows) t.is(unixMsToGpsMs(row.runAfterMs + 2 * INTERVAL_MS), row.emitAtGpsMs!);
  for (const gpsMs of emits) {
    const us = gpsMs * 1000;
    const beaconUs = Math.floor(us / BEACON_PERIOD_US) * BEACON_PERIOD_US;
    const slot = (us - beaconUs - BEACON_RESERVED_US) / PING_SLOT_US;
    const offset = pingOffsetSlots(beaconUs / 1e6, 0x01abcdef, periodicity);
    t.is((slot - offset) % pingPeriodSlots(periodicity), 0, `slot ${slot}, offset ${offset}`);
  }
  await run(T0 + 300_000);
  t.deepEqual(devices[0]!.heard.map((f) => unixMsToGpsMs(f.atMs)), emits);
  t.deepEqual(multicast.emissions.map((e) => e.outcome), ['sent', 'sent']);
});

test('class B with no ping_nb (v4.7, field 12 unset): INTERNAL "ping_nb must be > 0", no row, f_cnt not consumed', (t) => {
  const { multicast } = setup({ version: '4.7.0' });
  const id = multicast.create(group({ groupType: 'B', classBPingSlotPeriodicity: 0, fCnt: 4 }));
  multicast.addGateway(id, GATEWAY_1);
  const error = t.throws(() => multicast.enqueue(id, item(1)), { instanceOf: SimGrpcStatus });
  t.like(error, { code: GrpcStatus.INTERNAL, message: 'ping_nb must be > 0' });
  t.is(multicast.get(id).fCnt, 4);
  const withPeriod = multicast.create(group({ groupType: 'B', classBPingSlotPeriodicity: 0, classBPingSlotPeriod: 1024 }));
  multicast.addGateway(withPeriod, GATEWAY_1);
  multicast.enqueue(withPeriod, item(1));
  t.is(multicast.listQueue(withPeriod)[0]!.emitAtGpsMs, nextPingSlotAfterGpsMs(unixMsToGpsMs(T0 + 5_000), 0x01abcdef, 5), 'period 1024 slots: ping_nb 4, k 5');
});

test('expired items are dropped unsent at scheduling; FlushQueue and Delete drop queued items', async (t) => {
  const { multicast, devices, run, clock } = setup();
  const id = multicast.create(group());
  multicast.addDevice(id, DEV_EUIS[0]!);
  multicast.addGateway(id, GATEWAY_1);
  multicast.enqueue(id, item(1));
  multicast.enqueue(id, { ...item(2), expiresAtMs: T0 + 500 });
  t.is(multicast.listQueue(id)[1]!.expiresAtMs, T0 + 500);
  await run(T0 + 5_000);
  t.deepEqual(multicast.emissions.map((e) => [e.fCnt, e.atMs - T0, e.outcome]), [[0, 0, 'sent'], [1, MARGIN_MS, 'expired']]);
  t.true(multicast.serverLog.some((line) => line.startsWith('Discarding multicast-group queue item because it has expired')));

  multicast.enqueue(id, item(3));
  multicast.enqueue(id, item(4));
  multicast.flushQueue(id);
  t.deepEqual(multicast.listQueue(id), []);
  multicast.enqueue(id, item(5));
  t.is(multicast.listQueue(id)[0]!.runAfterMs, clock.now(), 'after a flush the next item goes now');
  multicast.enqueue(id, item(6));
  multicast.delete(id);
  await run(T0 + 20_000);
  t.deepEqual(devices[0]!.heard.map((f) => f.payload[0]), [1]);
  const error = t.throws(() => multicast.listQueue(id), { instanceOf: SimGrpcStatus });
  t.is(error?.code, GrpcStatus.NOT_FOUND);
});

test('before v4.10 there is no expires_at: the row has none and goes out late', async (t) => {
  const { multicast, devices, run } = setup({ version: '4.9.0' });
  const id = multicast.create(group());
  multicast.addDevice(id, DEV_EUIS[0]!);
  multicast.addGateway(id, GATEWAY_1);
  multicast.enqueue(id, item(1));
  multicast.enqueue(id, { ...item(2), expiresAtMs: T0 + 500 });
  t.is(multicast.listQueue(id)[1]!.expiresAtMs, undefined);
  await run(T0 + 5_000);
  t.deepEqual(multicast.emissions.map((e) => e.outcome), ['sent', 'sent']);
  t.deepEqual(devices[0]!.heard.map((f) => f.payload[0]), [1, 2]);
});

test('repeated AddDevice / AddGateway: INTERNAL with Postgres\' duplicate-key message', (t) => {
  const { multicast } = setup();
  const id = multicast.create(group());
  multicast.addDevice(id, DEV_EUIS[0]!);
  multicast.addGateway(id, GATEWAY_1);
  t.like(t.throws(() => multicast.addDevice(id, DEV_EUIS[0]!)), { code: GrpcStatus.INTERNAL, message: 'duplicate key value violates unique constraint "multicast_group_device_pkey"' });
  t.like(t.throws(() => multicast.addGateway(id, GATEWAY_1)), { code: GrpcStatus.INTERNAL, message: 'duplicate key value violates unique constraint "multicast_group_gateway_pkey"' });
});
