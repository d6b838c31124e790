import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { CreateMulticastGroupCommand } from '../../../src/campaign/commands.js';
import { FileGroupRegistry } from '../../../src/lns/group-registry.js';
import { THE_THINGS_STACK } from '../../../src/lns/server-label.js';
import { multicastDeviceIdOf } from '../../../src/lns/tts/tts-ids.js';
import { downEvent, DUTY_CYCLE_ERROR, failedEvent, T0, upEvent, world } from './tts-adapter-world.js';

// TtsNetworkServer's multicast groups against a fake TTS HTTP API in simulated time: the
// registration of the multicast end device, when frames are pushed (lead and absolute_time for
// class C, ping slots for class B: grpc_asns.go rules in network-servers.md), the queue capacity,
// drain-then-delete and finding the group again after a restart.

const GROUP = 'camp-1-w1-f0';
const DEVICE_ID = multicastDeviceIdOf(GROUP);
const DEVS = ['70b3d57ed0000001', '70b3d57ed0000002'];

function command(overrides: Partial<CreateMulticastGroupCommand> = {}): CreateMulticastGroupCommand {
  return {
    type: 'create-multicast-group', groupName: GROUP, mcAddr: 0x01fffff0, mcAppSKeyHex: '11'.repeat(16), mcNwkSKeyHex: '22'.repeat(16), deviceClass: 'C', dr: 5,
    frequencyHz: 869_525_000, periodicity: 0, devEuis: [...DEVS], gateways: ['gtw-a', 'gtw-b'], region: 'EU868', ...overrides,
  };
}

const frame = (id: string, atMs: number, payload = Uint8Array.of(8, 1)) => ({ id, groupName: GROUP, fPort: 201, payload, atMs });

test('create registers a multicast ABP device (McAddr as DevAddr, McNwkSKey / McAppSKey, class, DR, frequency) and remembers its gateways', async (t) => {
  const w = world(t);
  await w.network.start();
  await w.network.createMulticastGroup(command());
  t.deepEqual(w.http.calls, [`get ${DEVICE_ID}`, `create ${DEVICE_ID}`]);
  t.deepEqual(w.http.devices.get(DEVICE_ID)!.registration, {
    deviceId: DEVICE_ID, name: GROUP, multicast: true, deviceClass: 'C', frequencyPlanId: 'EU_863_870_TTN', lorawanVersion: 'MAC_V1_0_3', lorawanPhyVersion: 'PHY_V1_0_3_REV_A',
    devAddrHex: '01fffff0', fNwkSIntKeyHex: '22'.repeat(16), appSKeyHex: '11'.repeat(16), dataRateIndex: 5, frequencyHz: 869_525_000,
  });
  t.deepEqual(w.registry.get(GROUP), { id: DEVICE_ID, maxPayloadBytes: 242, gatewayIds: ['gtw-a', 'gtw-b'], deviceClass: 'C', memberDevEui: DEVS[0] });
  await w.network.createMulticastGroup(command({ groupName: 'camp-1-w1-f1', deviceClass: 'B', periodicity: 5, gateways: [] , dr: 3 }))
    .then(() => t.fail('no gateway known'), (error: { code?: string }) => t.is(error.code, 'TTS_NO_GATEWAY'));
  await w.mqtt.deliver('sensor-1', 'up', upEvent('sensor-1', DEVS[0]!, { fPort: 201, payloadHex: '00', receivedAtMs: T0, gateways: ['gtw-c'] }));
  await w.network.createMulticastGroup(command({ groupName: 'camp-1-w1-f1', deviceClass: 'B', periodicity: 5, gateways: [], dr: 3 }));
  t.like(w.http.devices.get(multicastDeviceIdOf('camp-1-w1-f1'))!.registration, { deviceClass: 'B', pingSlotPeriodicity: 5, dataRateIndex: 3 });
  t.deepEqual(w.registry.get('camp-1-w1-f1')!.gatewayIds, ['gtw-c'], 'a cover of the gateways that heard the members');
});

test('a replayed create finds the device again: from the registry, or (a crash before the registry write) by its derived id; never creates twice', async (t) => {
  const w = world(t);
  await w.network.start();
  await w.network.createMulticastGroup(command());
  w.http.calls.length = 0;
  await w.network.createMulticastGroup(command());
  t.deepEqual(w.http.calls, [`get ${DEVICE_ID}`]);
  const restarted = world(t, {}, { clock: w.clock, http: w.http });
  await restarted.network.start();
  w.http.calls.length = 0;
  await restarted.network.createMulticastGroup(command());
  t.deepEqual(w.http.calls, [`get ${DEVICE_ID}`]);
  t.is(restarted.registry.get(GROUP)!.id, DEVICE_ID);
  // A unicast device squatting on the id is refused, not taken over.
  w.http.devices.set(multicastDeviceIdOf('camp-9-w1-f0'), { registration: { ...w.http.devices.get(DEVICE_ID)!.registration!, multicast: false as unknown as true }, queue: [] });
  await t.throwsAsync(restarted.network.createMulticastGroup(command({ groupName: 'camp-9-w1-f0' })), { code: 'TTS_DEVICE_NOT_MULTICAST' });
});

test('class C: pushed multicastPushLeadMs before atMs with absolute_time = atMs, through every gateway in its own group (simulcast)', async (t) => {
  const w = world(t, { multicastPushLeadMs: 10_000, priority: 'ABOVE_NORMAL' });
  await w.network.start();
  await w.network.createMulticastGroup(command());
  const atMs = T0 + 60_000;
  await w.network.sendMulticast(frame('camp-1-f1', atMs));
  t.is(w.network.heldMulticasts(GROUP), 1);
  await w.clock.run({ untilMs: atMs - 10_001, settle: w.settle });
  t.deepEqual(w.http.pushes, []);
  await w.clock.run({ untilMs: atMs, settle: w.settle });
  t.is(w.network.heldMulticasts(), 0);
  t.deepEqual(w.http.pushes, [{
    deviceId: DEVICE_ID, atMs: atMs - 10_000,
    downlink: { fPort: 201, payload: Uint8Array.of(8, 1), priority: 'ABOVE_NORMAL', correlationIds: ['fuota:camp-1-f1'], classBC: { gateways: [{ gatewayId: 'gtw-a', groupIndex: 0 }, { gatewayId: 'gtw-b', groupIndex: 1 }], absoluteTimeMs: atMs } },
  }]);
});

test('class B, and class C without absolute time: held until atMs and pushed without absolute_time; a late retry drops absolute_time', async (t) => {
  const b = world(t);
  await b.network.start();
  await b.network.createMulticastGroup(command({ deviceClass: 'B', periodicity: 4 }));
  await b.network.sendMulticast(frame('b-1', T0 + 30_000));
  await b.clock.run({ untilMs: T0 + 30_000, settle: b.settle });
  t.deepEqual(b.http.pushes.map((p) => [p.atMs, p.downlink.classBC!.absoluteTimeMs]), [[T0 + 30_000, undefined]]);

  const c = world(t, { multicastAbsoluteTime: false });
  await c.network.start();
  await c.network.createMulticastGroup(command());
  await c.network.sendMulticast(frame('c-1', T0 + 30_000));
  await c.clock.run({ untilMs: T0 + 30_000, settle: c.settle });
  t.deepEqual(c.http.pushes.map((p) => [p.atMs, p.downlink.classBC!.absoluteTimeMs]), [[T0 + 30_000, undefined]]);

  t.throws(() => world(t, { multicastPushLeadMs: 2_000 }), { code: 'TTS_OPTION_INVALID', message: /multicastPushLeadMs: expected at least 3000 ms/ });
  t.notThrows(() => world(t, { multicastPushLeadMs: 2_000, multicastAbsoluteTime: false }));
  const late = world(t, { multicastPushLeadMs: 4_000, enqueueRetryMs: 2_000 });
  await late.network.start();
  await late.network.createMulticastGroup(command());
  late.http.failPushes = 1;
  await late.network.sendMulticast(frame('l-1', T0 + 30_000));
  await late.clock.run({ untilMs: T0 + 40_000, settle: late.settle });
  t.deepEqual(late.http.pushes.map((p) => [p.atMs, p.downlink.classBC!.absoluteTimeMs]), [[T0 + 28_000, undefined]], 'retried 2 s before atMs: too close for absolute_time');
  t.like(late.errors[0], { context: 'multicast l-1 to camp-1-w1-f0: down/push failed, retrying' });
});

test('queueCapacity: never more of our frames in TTS queue than that; the rest is held, in order, until the queue has room', async (t) => {
  const w = world(t, { queueCapacity: 2, queuePollMs: 5_000, multicastPushLeadMs: 10_000, enqueueMaxLateMs: 600_000 });
  await w.network.start();
  await w.network.createMulticastGroup(command());
  for (let i = 0; i < 4; i++) await w.network.sendMulticast(frame(`f-${i}`, T0 + 20_000 + i * 1_000));
  await w.clock.run({ untilMs: T0 + 30_000, settle: w.settle });
  t.deepEqual(w.http.pushes.map((p) => p.downlink.correlationIds[0]), ['fuota:f-0', 'fuota:f-1']);
  t.is(w.network.heldMulticasts(GROUP), 2);
  w.http.devices.get(DEVICE_ID)!.queue.shift(); // one frame went on air
  await w.clock.run({ untilMs: T0 + 40_000, settle: w.settle });
  t.deepEqual(w.http.pushes.map((p) => p.downlink.correlationIds[0]), ['fuota:f-0', 'fuota:f-1', 'fuota:f-2']);
  w.http.devices.get(DEVICE_ID)!.queue.length = 0;
  await w.clock.run({ untilMs: T0 + 50_000, settle: w.settle });
  t.deepEqual(w.http.pushes.map((p) => p.downlink.correlationIds[0]), ['fuota:f-0', 'fuota:f-1', 'fuota:f-2', 'fuota:f-3']);
  t.is(w.network.heldMulticasts(), 0);
});

test('drain-then-delete: the device goes once nothing is held and its queue is empty; at the drain deadline what is left goes with it', async (t) => {
  const w = world(t, { queuePollMs: 5_000, multicastExpiresAfterMs: 120_000 });
  await w.network.start();
  await w.network.createMulticastGroup(command());
  await w.network.sendMulticast(frame('f-1', T0 + 30_000));
  await w.network.deleteMulticastGroup(GROUP);
  t.like(w.registry.get(GROUP), { deleting: true, drainDeadlineMs: T0 + 150_000 });
  await w.clock.run({ untilMs: T0 + 60_000, settle: w.settle });
  t.deepEqual(w.deleted, [], 'the pushed frame is still queued');
  t.is(w.http.pushes.length, 1);
  await w.clock.run({ untilMs: T0 + 160_000, settle: w.settle, done: () => w.deleted.length > 0 });
  t.deepEqual(w.deleted, [GROUP]);
  t.false(w.http.devices.has(DEVICE_ID));
  t.is(w.registry.get(GROUP), undefined);
  t.like(w.errors[0], { code: 'TTS_MULTICAST_UNSENT', context: `multicast group ${GROUP}: drain ended by expiry` });

  const quick = world(t, { queuePollMs: 5_000 });
  await quick.network.start();
  await quick.network.createMulticastGroup(command());
  await quick.network.deleteMulticastGroup(GROUP);
  await quick.clock.run({ untilMs: T0 + 1, settle: quick.settle, done: () => quick.deleted.length > 0 });
  t.deepEqual(quick.deleted, [GROUP]);
  t.deepEqual(quick.errors, []);
});

test('a deletion accepted before a restart is finished after it (registry file), and the file keeps the ChirpStack-era format', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-tts-mc-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'groups.json');
  const w = world(t, { registry: file });
  await w.network.start();
  await w.network.createMulticastGroup(command());
  await w.network.sendMulticast(frame('f-1', T0 + 15_000));
  await w.clock.run({ untilMs: T0 + 6_000, settle: w.settle });
  await w.network.deleteMulticastGroup(GROUP);
  await w.network.close();
  t.like(JSON.parse(fs.readFileSync(file, 'utf8'))[GROUP], { id: DEVICE_ID, deleting: true, gatewayIds: ['gtw-a', 'gtw-b'] });
  w.http.devices.get(DEVICE_ID)!.queue.length = 0;
  const restarted = world(t, { registry: new FileGroupRegistry(file, THE_THINGS_STACK) }, { clock: w.clock, http: w.http });
  await restarted.network.start();
  await restarted.clock.run({ untilMs: T0 + 10_000, settle: restarted.settle, done: () => restarted.deleted.length > 0 });
  t.deepEqual(restarted.deleted, [GROUP]);
  t.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), {});
});

test("a duty-cycle down/failed of the multicast device is charged to a member's campaign with the group's gateways; so are TTS's bare absolute_time refusals from the second in a row (reported too); other failures are errors only", async (t) => {
  const w = world(t);
  await w.network.start();
  await w.network.createMulticastGroup(command());
  await w.mqtt.deliver(DEVICE_ID, 'down/failed', failedEvent(DEVICE_ID, ['fuota:f-1'], DUTY_CYCLE_ERROR, ['gtw-b']));
  await w.settle();
  t.deepEqual(w.overflows, [{ devEui: DEVS[0], gatewayIds: ['gtw-b'] }]);
  await w.mqtt.deliver(DEVICE_ID, 'down/failed', failedEvent(DEVICE_ID, ['fuota:f-2'], DUTY_CYCLE_ERROR));
  await w.settle();
  t.deepEqual(w.overflows[1], { devEui: DEVS[0], gatewayIds: ['gtw-a', 'gtw-b'] }, 'without gateways in the event: all the group has');
  // downlink.go: every path refused a timed frame (duty cycle, conflict or no GPS) → the bare absolute_time error.
  const timedFailure = (id: string) => failedEvent(DEVICE_ID, [id], { namespace: 'pkg/networkserver', name: 'absolute_time', message_format: 'invalid absolute time set in application downlink' });
  await w.mqtt.deliver(DEVICE_ID, 'down/failed', timedFailure('fuota:f-3'));
  await w.settle();
  t.is(w.overflows.length, 2, 'one timed refusal alone (a busy instant) is not charged');
  t.like(w.errors[0], { code: 'TTS_MULTICAST_FAILED', context: `multicast to ${GROUP}: frame lost` });
  t.notRegex(w.errors[0]!.message, /charged/);
  await w.mqtt.deliver(DEVICE_ID, 'down/failed', timedFailure('fuota:f-4'));
  await w.settle();
  t.is(w.overflows.length, 3, 'the second in a row is');
  t.regex(w.errors[1]!.message, /2 in a row: charged to the duty-cycle ledger/);
  // A frame went (down/sent): the streak starts again.
  await w.mqtt.deliver(DEVICE_ID, 'down/sent', { end_device_ids: { device_id: DEVICE_ID, application_ids: { application_id: 'fuota-app' } }, correlation_ids: ['fuota:f-5'], downlink_sent: { f_port: 201, frm_payload: 'AQ==', correlation_ids: ['fuota:f-5'] } });
  await w.mqtt.deliver(DEVICE_ID, 'down/failed', timedFailure('fuota:f-6'));
  await w.settle();
  t.is(w.overflows.length, 3);
  // All fixed paths disconnected (fixed_paths): not the duty cycle, an error only.
  await w.mqtt.deliver(DEVICE_ID, 'down/failed', failedEvent(DEVICE_ID, ['fuota:f-7'], { namespace: 'pkg/networkserver', name: 'fixed_paths', message_format: 'invalid fixed paths set in application downlink' }));
  await w.settle();
  t.is(w.overflows.length, 3);
  t.is(w.errors.length, 4);
  t.deepEqual(w.failed, [], 'no unicast failed');
});

test("timed refusals right after a class A downlink of ours went via the group's gateway are read as a scheduling conflict (busy instant), not charged to the duty-cycle ledger; away from class A traffic the second in a row still is", async (t) => {
  const w = world(t);
  await w.network.start();
  await w.network.createMulticastGroup(command());
  // A class A device heard by gtw-a gets a reply: TTS books it on gtw-a (RX1/RX2) and publishes down/sent.
  await w.mqtt.deliver('unicast-1', 'up', upEvent('unicast-1', '70b3d57ed00000aa', { fPort: 201, receivedAtMs: T0, gateways: ['gtw-a'] }));
  await w.mqtt.deliver('unicast-1', 'down/sent', downEvent('unicast-1', 'downlink_sent', ['fuota:u-1']));
  // grpc_asns.go / downlink.go: a frame whose absolute_time overlaps that emission: conflict (AlreadyExists) on every path → bare absolute_time.
  const timedFailure = (id: string) => failedEvent(DEVICE_ID, [id], { namespace: 'pkg/networkserver', name: 'absolute_time', message_format: 'invalid absolute time set in application downlink' });
  for (const id of ['fuota:f-1', 'fuota:f-2', 'fuota:f-3']) {
    await w.mqtt.deliver(DEVICE_ID, 'down/failed', timedFailure(id));
    await w.settle();
  }
  t.deepEqual(w.overflows, [], 'three in a row, each just after a class A downlink via gtw-a: not the duty cycle');
  t.is(w.errors.length, 3, 'each lost frame is reported');
  t.regex(w.errors[2]!.message, /class A downlink/);
  // Long after the class A downlink: the refusals are unexplained, and the second in a row is charged.
  w.clock.at(T0 + 60_000, () => {});
  await w.clock.run({ untilMs: T0 + 60_000, settle: w.settle });
  t.is(w.clock.now(), T0 + 60_000);
  for (const id of ['fuota:f-4', 'fuota:f-5']) {
    await w.mqtt.deliver(DEVICE_ID, 'down/failed', timedFailure(id));
    await w.settle();
  }
  t.deepEqual(w.overflows, [{ devEui: DEVS[0], gatewayIds: ['gtw-a', 'gtw-b'] }]);
});

test('a frame longer than the group DR carries is dropped and reported; an unknown group is refused', async (t) => {
  const w = world(t);
  await w.network.start();
  await w.network.createMulticastGroup(command({ dr: 0 })); // EU868 DR0: 51 bytes (RP002)
  await w.network.sendMulticast(frame('big', T0 + 20_000, new Uint8Array(52)));
  t.like(w.errors[0], { code: 'TTS_PAYLOAD_TOO_LARGE' });
  t.is(w.network.heldMulticasts(), 0);
  await t.throwsAsync(w.network.sendMulticast({ ...frame('x', T0), groupName: 'nope' }), { code: 'TTS_GROUP_UNKNOWN' });
});

test('a campaign in another region than the configured frequency plan is refused before anything is created', async (t) => {
  const w = world(t);
  await w.network.start();
  const error = await t.throwsAsync(w.network.createMulticastGroup(command({ groupName: 'us-w1-f0', region: 'US915', frequencyHz: 923_300_000, dr: 8 })), { code: 'TTS_REGION_MISMATCH' });
  t.regex(error!.message, /region: expected EU868 \(networkServer\.frequencyPlanId EU_863_870_TTN\), got the campaign's US915/);
  t.is(w.http.devices.size, 0);
});
