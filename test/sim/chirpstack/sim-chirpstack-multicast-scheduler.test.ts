import test from 'ava';
import { DEV_EUIS, GATEWAY_1, GATEWAY_2, INTERVAL_MS, MARGIN_MS, setupMulticast as setup, simGroup as group, simItem as item, T0 } from './sim-chirpstack-world.js';

// What ChirpStack's multicast scheduler does with a queue row beyond its timing: the gateway's
// state and region, and the gateway set of a group without gateways (sources in
// sim-chirpstack-multicast-scheduler.ts, -gateways.ts, -gateway-set.ts).

test('a row whose gateway is offline is neither sent nor expired: it waits, listed, and goes when the gateway is back', async (t) => {
  const { multicast, devices, run } = setup({ offline: [GATEWAY_1] });
  const id = multicast.create(group());
  multicast.addDevice(id, DEV_EUIS[0]!);
  multicast.addGateway(id, GATEWAY_1);
  multicast.enqueue(id, item(1));
  multicast.enqueue(id, { ...item(2), expiresAtMs: T0 + 5_000 });
  await run(T0 + 60_000);
  t.deepEqual(multicast.emissions, []);
  t.deepEqual(multicast.listQueue(id).map((r) => [r.fCnt, r.state]), [[0, 'queued'], [1, 'queued']], 'still listed, the expired one too');
  multicast.setGatewayOnline(GATEWAY_1, true);
  await run(T0 + 61_000);
  t.deepEqual(multicast.emissions.map((e) => [e.fCnt, e.atMs - T0, e.outcome]), [[0, 60_000, 'sent'], [1, 60_000, 'expired']], 'both due: picked at once');
  t.deepEqual(devices[0]!.heard.map((f) => [f.payload[0], f.atMs - T0]), [[1, 60_000]]);
  t.deepEqual(multicast.listQueue(id), []);
});

test('a gateway that goes offline keeps its later rows; the other gateway\'s rows go out', async (t) => {
  const { multicast, devices, run } = setup();
  const id = multicast.create(group());
  multicast.addDevice(id, DEV_EUIS[0]!); // near gateway 1
  multicast.addDevice(id, DEV_EUIS[2]!); // near gateway 2
  multicast.addGateway(id, GATEWAY_1);
  multicast.addGateway(id, GATEWAY_2);
  multicast.setGatewayOnline(GATEWAY_1, false);
  multicast.enqueue(id, item(1));
  await run(T0 + 10_000);
  t.deepEqual(multicast.emissions.map((e) => [e.gatewayIds, e.atMs - T0]), [[[GATEWAY_2], MARGIN_MS]]);
  t.deepEqual(devices.map((d) => d.heard.length), [0, 0, 1]);
  t.deepEqual(multicast.listQueue(id).map((r) => [r.gatewayId, r.state]), [[GATEWAY_1, 'queued']]);
});

test('payload size: the limit of the GATEWAY\'s region at the group\'s DR (RP002 N), not the group\'s region field', async (t) => {
  // DR8: none in EU868; US915 SF12/500 kHz, M 61, N 53.
  const { multicast, run } = setup({ regionConfigIds: { [GATEWAY_2]: 'us915_0' } });
  const id = multicast.create(group({ dr: 8, region: 0 /* EU868 */ }));
  multicast.addDevice(id, DEV_EUIS[2]!);
  multicast.addGateway(id, GATEWAY_2);
  multicast.enqueue(id, item(1, 53));
  multicast.enqueue(id, item(2, 54));
  await run(T0 + 10_000);
  t.deepEqual(multicast.emissions.map((e) => [e.fCnt, e.outcome]), [[0, 'sent'], [1, 'payload-too-large']]);
  t.deepEqual(multicast.listQueue(id), []);
  t.true(multicast.serverLog.some((line) => line.includes('exceeds max. payload size') && line.includes('max_pl_size: 53, pl_size: 54')));

  const eu = setup();
  const euId = eu.multicast.create(group({ dr: 0 })); // EU868 DR0: M 59, N 51
  eu.multicast.addGateway(euId, GATEWAY_1);
  eu.multicast.enqueue(euId, item(1, 51));
  eu.multicast.enqueue(euId, item(2, 52));
  await eu.run(T0 + 10_000);
  t.deepEqual(eu.multicast.emissions.map((e) => e.outcome), ['sent', 'payload-too-large']);
});

test('a DR the gateway\'s region lacks: the row stays queued, retried at every pass (run-after pushed on), never sent', async (t) => {
  const { multicast, devices, run } = setup();
  const id = multicast.create(group({ dr: 8 })); // no DR8 in eu868
  multicast.addDevice(id, DEV_EUIS[0]!);
  multicast.addGateway(id, GATEWAY_1);
  multicast.enqueue(id, item(1));
  await run(T0 + 5_500);
  t.deepEqual(multicast.emissions.map((e) => [e.fCnt, e.atMs - T0, e.outcome]), [[0, 0, 'dr-invalid']]);
  t.deepEqual(multicast.listQueue(id).map((r) => [r.fCnt, r.state]), [[0, 'retrying']]);
  // Picked at 0, 2 s, 4 s: its run-after is now 6 s, so the next item queues behind it.
  multicast.enqueue(id, item(2));
  t.is(multicast.listQueue(id)[1]!.runAfterMs, T0 + 3 * 2 * INTERVAL_MS + MARGIN_MS);
  await run(T0 + 600_000);
  t.is(multicast.listQueue(id).length, 2);
  t.deepEqual(devices[0]!.heard, []);
  t.true(multicast.serverLog.every((line) => line.includes('DR8 not in region config eu868')));
});

test('no gateways of its own and no member ever uplinked: zero rows, the f_cnt still taken, OK', async (t) => {
  const { multicast, run } = setup();
  const id = multicast.create(group({ fCnt: 7 }));
  multicast.addDevice(id, DEV_EUIS[0]!);
  multicast.addDevice(id, DEV_EUIS[2]!);
  t.is(multicast.enqueue(id, item(1)), 7);
  t.is(multicast.enqueue(id, item(2)), 8);
  t.deepEqual(multicast.listQueue(id), []);
  t.is(multicast.get(id).fCnt, 9);
  await run(T0 + 10_000);
  t.deepEqual(multicast.emissions, []);
});

test('no gateways of its own: the gateways of the members\' last uplinks (the devices that uplinked only)', async (t) => {
  const { multicast, network, devices, run } = setup();
  const id = multicast.create(group());
  multicast.addDevice(id, DEV_EUIS[0]!); // near gateway 1, silent for now
  multicast.addDevice(id, DEV_EUIS[2]!); // near gateway 2
  network.scheduleUplink(devices[2]!, T0 + 1_000);
  network.scheduleUplink(devices[1]!, T0 + 1_000); // near gateway 1, not a member
  await run(T0 + 2_000);
  multicast.enqueue(id, item(1));
  t.deepEqual(multicast.get(id).queue.map((r) => r.gatewayId), [GATEWAY_2]);
  network.scheduleUplink(devices[0]!, T0 + 3_000);
  await run(T0 + 4_000);
  multicast.enqueue(id, item(2));
  t.deepEqual(multicast.get(id).queue.filter((r) => r.fCnt === 1).map((r) => r.gatewayId), [GATEWAY_1, GATEWAY_2]);
  await run(T0 + 20_000);
  t.deepEqual(devices[0]!.heard.map((f) => f.payload[0]), [2]);
  t.deepEqual(devices[2]!.heard.map((f) => f.payload[0]), [1, 2]);
});
