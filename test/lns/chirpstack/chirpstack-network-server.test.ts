import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { CreateMulticastGroupCommand } from '../../../src/campaign/commands.js';
import type { Eui64 } from '../../../src/core/eui.js';
import { bytesToHex } from '../../../src/core/hex.js';
import { decodeCommands, encodeCommands, type AppCommand } from '../../../src/lorawan/app-layer.js';
import { TS004 } from '../../../src/lorawan/ts004-fragmentation.js';
import { ChirpstackNetworkServer, queueItemIdOf, type ChirpstackNetworkServerOptions } from '../../../src/lns/chirpstack/chirpstack-network-server.js';
import type { PayloadEncoding } from '../../../src/lns/chirpstack/payload-encoding.js';
import { encodeEvent } from '../../../src/lns/chirpstack/events.js';
import type { MqttRejectSummary } from '../../../src/lns/mqtt/mqtt-reject-log.js';
import { startBroker, type Broker } from '../mqtt/mosquitto.js';
import { CLASS_C_MARGIN_MS, eventually, GATEWAY, mqttConnection, startWireWorld, wireDeviceConfig, type WireWorld } from './chirpstack-wire-world.js';

// ChirpstackNetworkServer against a real mosquitto (TLS + password) and the simulated
// ChirpStack (gRPC + MQTT) in real time, in both payload encodings.

const DEV_EUIS = ['70b3d57ed0000101', '70b3d57ed0000102', '70b3d57ed0000103'];
const UNKNOWN_DEV_EUI = '70b3d57ed00001ff';

let broker: Broker;

test.before(async () => {
  broker = await startBroker();
});

test.after.always(async () => {
  await broker?.dispose();
});

async function world(t: { teardown: (fn: () => Promise<void>) => void }, encoding: PayloadEncoding, seed: number, server: Partial<ChirpstackNetworkServerOptions> = {}): Promise<WireWorld> {
  const w = await startWireWorld({ broker, encoding, seed, server, devices: DEV_EUIS.map((devEui) => wireDeviceConfig(devEui)) });
  t.teardown(() => w.close());
  return w;
}

function packageVersionReq(): string {
  return bytesToHex(encodeCommands(TS004, 1, 'downlink', [{ command: 'PackageVersionReq' } as AppCommand]));
}

/** Another request on the same FPort (the same one asked again while queued is not enqueued twice). */
function fragStatusReq(): string {
  return bytesToHex(encodeCommands(TS004, 1, 'downlink', [{ command: 'FragSessionStatusReq', participants: true, fragIndex: 0 } as AppCommand]));
}

function group(name: string, devEuis: string[]): CreateMulticastGroupCommand {
  return {
    type: 'create-multicast-group', groupName: name, mcAddr: 0x01abcd00, mcAppSKeyHex: '11'.repeat(16), mcNwkSKeyHex: '22'.repeat(16),
    deviceClass: 'C', dr: 5, frequencyHz: 869_525_000, periodicity: 0, devEuis, gateways: [GATEWAY],
  };
}

/** A gateway ChirpStack knows but has not seen lately (storage/multicast.rs 694-703: its rows are never scheduled). */
const OFFLINE_GATEWAY = '0016c001ff10b0ff';

test('a gateway that never comes online: its rows never go out, the drain ends when the items expired, and the group is deleted', async (t) => {
  const expiresAfterMs = 3_000;
  const w = await startWireWorld({
    broker, encoding: 'json', seed: 9, devices: DEV_EUIS.map((devEui) => wireDeviceConfig(devEui)),
    grpc: { gateways: [GATEWAY, OFFLINE_GATEWAY], offlineGateways: [OFFLINE_GATEWAY] },
    server: { gatewayIds: [GATEWAY, OFFLINE_GATEWAY], multicastExpiresAfterMs: expiresAfterMs },
  });
  t.teardown(() => w.close());
  await w.server.createMulticastGroup({ ...group('camp-off', DEV_EUIS), gateways: [GATEWAY, OFFLINE_GATEWAY] });
  const id = w.registry.get('camp-off')!.id;
  const t0 = Date.now();
  const atMs = [t0 + 500, t0 + 1_500];
  for (const [i, at] of atMs.entries()) await w.server.sendMulticast({ id: `off-${i}`, groupName: 'camp-off', fPort: 201, payload: Uint8Array.of(0x08, i, 0, 0xbb), atMs: at });
  await w.server.deleteMulticastGroup('camp-off');
  t.is(w.registry.get('camp-off')!.drainDeadlineMs, atMs[1]! + expiresAfterMs);

  await eventually(() => w.deleted.includes('camp-off'), 30_000, () => `the group deleted; queue ${w.grpcServer.multicast.has(id) ? w.grpcServer.multicast.listQueue(id).length : 'gone'}`);
  t.true(Date.now() >= atMs[1]! + expiresAfterMs, 'not before the last item expired');
  t.false(w.grpcServer.multicast.has(id), 'deleted in ChirpStack, its stale rows with it');
  // The online gateway sent both frames; the offline one never sent anything.
  const emissions = w.grpcServer.multicast.emissions.filter((e) => e.groupId === id);
  t.deepEqual(emissions.map((e) => [e.fCnt, e.outcome, e.gatewayIds]), [[0, 'sent', [GATEWAY]], [1, 'sent', [GATEWAY]]]);
  for (const device of w.devices) t.is(device.heard.filter((h) => h.mcAddr === 0x01abcd00).length, 2);
  const unsent = w.errors.filter((e) => (e.error as { code?: string }).code === 'CHIRPSTACK_MULTICAST_UNSENT');
  t.is(unsent.length, 1);
  t.regex((unsent[0]!.error as Error).message, /2 item\(s\) still queued after they expired \(f_cnt 0, 1\)/);
});

test('a gateway refuses a class A downlink: a rejection, not a failure; ChirpStack sends the kept item at the next uplink, and the device gets the request once', async (t) => {
  const w = await world(t, 'json', 10);
  const devEui = DEV_EUIS[1]! as Eui64;
  // downlink/tx_ack.rs: the gateway's refusal is logged (DOWNLINK_GATEWAY) and the item stays queued.
  w.simMqtt.rejectNextDownlink(devEui, 'DUTY_CYCLE_OVERFLOW');
  await w.server.sendUnicast({ type: 'unicast', id: 'camp-rej', devEui, fPort: TS004.fPort, payloadHex: packageVersionReq() });
  await eventually(() => w.rejections.length >= 1, 15_000, () => 'the refusal');
  t.like(w.rejections[0], { devEui, status: 'DUTY_CYCLE_OVERFLOW', code: 'DOWNLINK_GATEWAY' });
  t.deepEqual(w.failures, [], 'not a failure: the engine must not ask again');
  t.is(w.server.pendingUnicasts, 1, 'still waiting for its txack');
  // The next uplink takes the kept item down; its txack settles it and the device answers once.
  await eventually(() => w.server.pendingUnicasts === 0, 15_000, () => 'the txack of the kept item');
  await eventually(() => w.uplinks.some((u) => u.devEui === devEui && u.fPort === TS004.fPort), 15_000, () => 'the PackageVersionAns');
  t.is(w.simMqtt.stats.downlinksRefused, 1);
  t.is(w.simMqtt.stats.commandsReceived, 1, 'one command/down: nothing sent twice');
  t.is(w.uplinks.filter((u) => u.devEui === devEui && u.fPort === TS004.fPort).length, 1);
  t.deepEqual(w.failures, []);
});

function noErrors(w: WireWorld): string {
  return w.errors.map((e) => `${e.context}: ${(e.error as Error).message}`).join('\n');
}

for (const encoding of ['json', 'protobuf'] as const) {
  test(`${encoding}: a unicast goes down as command/down, the device answers, the answer comes up as onUplink, the txack clears it`, async (t) => {
    const w = await world(t, encoding, 1);
    const devEui = DEV_EUIS[0]!;
    await w.server.sendUnicast({ type: 'unicast', id: 'camp-1', devEui, fPort: TS004.fPort, payloadHex: packageVersionReq() });
    t.is(w.server.pendingUnicasts, 1);
    await eventually(() => w.uplinks.some((u) => u.devEui === devEui && u.fPort === TS004.fPort), 15_000, () => `a PackageVersionAns from ${devEui}; uplinks: ${w.uplinks.length}`);
    const answer = w.uplinks.find((u) => u.devEui === devEui && u.fPort === TS004.fPort)!;
    t.like(decodeCommands(TS004, 1, 'uplink', answer.payload)[0], { command: 'PackageVersionAns', packageIdentifier: 3, packageVersion: 1 });
    // The periodic uplinks of every device arrive too (fPort 1): the engine filters, not the adapter.
    t.true(w.uplinks.some((u) => u.fPort === 1));
    t.true(Math.abs(answer.atMs - Date.now()) < 10_000, 'the uplink time is the event time (wall clock)');
    t.is(w.server.pendingUnicasts, 0, 'the txack with our id cleared it');
    t.is(w.simMqtt.stats.txAcksPublished, 1);
    t.deepEqual(w.failures, []);
    t.is(noErrors(w), '');
  });

  test(`${encoding}: no txack in time → onDownlinkFailed (a gateway that never acks)`, async (t) => {
    const w = await world(t, encoding, 2);
    const muted = DEV_EUIS[1]!;
    w.simMqtt.muteTxAck.add(muted);
    const startedAt = Date.now();
    await w.server.sendUnicast({ type: 'unicast', id: 'camp-3', devEui: muted, fPort: TS004.fPort, payloadHex: packageVersionReq() });
    await eventually(() => w.failures.length >= 1, 12_000, () => `a failure, got ${JSON.stringify(w.failures)}`);
    t.true(Date.now() - startedAt >= 5_900, 'not before txAckTimeoutMs');
    t.deepEqual(w.failures.map((f) => f.devEui), [muted]);
    t.regex(w.failures[0]!.reason, /no txack from ChirpStack within 6000 ms/);
    t.is(w.simMqtt.stats.txAcksMuted, 1, 'the muted device got its downlink, only the txack was lost');
    await eventually(() => w.uplinks.some((u) => u.devEui === muted && u.fPort === TS004.fPort), 15_000, () => 'the muted device answering');
    t.is(w.server.pendingUnicasts, 0);
  });

  // Issue #14: ChirpStack drops a command/down for an unknown DevEUI and only logs it server-side,
  // so the downlink used to time out, be asked again, and the device end `absent`. The adapter
  // asks DeviceService.Get first (NOT_FOUND, as storage/device.rs answers) and refuses it for good.
  test(`${encoding}: a device ChirpStack does not know → DEVICE_NOT_ON_NETWORK_SERVER from sendUnicast, nothing published; a known device is looked up once`, async (t) => {
    const w = await world(t, encoding, 2);
    const error = await t.throwsAsync(w.server.sendUnicast({ type: 'unicast', id: 'camp-2', devEui: UNKNOWN_DEV_EUI, fPort: TS004.fPort, payloadHex: packageVersionReq() }), { code: 'DEVICE_NOT_ON_NETWORK_SERVER' });
    t.is(error!.message, `device ${UNKNOWN_DEV_EUI}: expected it registered on ChirpStack, got NOT_FOUND from DeviceService.Get (a downlink cannot reach it: failed, not retried)`);
    t.is(w.server.pendingUnicasts, 0, 'not tracked');
    t.is(w.simMqtt.stats.commandsIgnored, 0, 'nothing published for it');
    const devEui = DEV_EUIS[0]!;
    let gets = 0;
    const getDevice = w.grpc.getDevice.bind(w.grpc);
    w.grpc.getDevice = (eui, call) => {
      gets++;
      return getDevice(eui, call);
    };
    await w.server.sendUnicast({ type: 'unicast', id: 'camp-6', devEui, fPort: TS004.fPort, payloadHex: packageVersionReq() });
    await w.server.sendUnicast({ type: 'unicast', id: 'camp-7', devEui, fPort: TS004.fPort, payloadHex: fragStatusReq() });
    t.is(gets, 1, 'a known device is asked for once');
    t.is(w.server.pendingUnicasts, 2);
  });

  // Issue #14: every garbage message on the event topics used to log an error line with a full
  // stack (724 lines from 1 248 messages). Now counted by reason; at most one line per reason and interval.
  test(`${encoding}: 1 000 garbage messages on the event topics → a handful of summaries without a stack, counted by reason; a good uplink after them is handled`, async (t) => {
    const summaries: MqttRejectSummary[] = [];
    const w = await world(t, encoding, 4, { onRejected: (summary) => void summaries.push(summary) });
    const publisher = mqttConnection(broker, 'garbage');
    t.teardown(() => publisher.close());
    await publisher.connect();
    const devEui = DEV_EUIS[0]! as Eui64;
    const up = `application/${w.applicationId}/device/${devEui}/event/up`;
    const deep = `{"deviceInfo":{"applicationId":"${w.applicationId}","devEui":"${devEui}"},"object":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const otherDevice = encodeEvent({ kind: 'up', applicationId: w.applicationId, devEui: DEV_EUIS[1]! as Eui64, deduplicationId: '00000000-0000-4000-8000-000000000001', timeMs: Date.now(), fCnt: 1, fPort: 1, data: Uint8Array.of(1), dr: 5, confirmed: false, gatewayIds: [GATEWAY] }, encoding);
    const garbage: Array<[string, string | Uint8Array]> = [
      [up, 'not json at all'],
      [up, ''],
      [up, '{"deviceInfo":5}'],
      [up, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])], // a 4 GiB string in 6 bytes: google-protobuf spun for minutes on it (protobuf-length-guard.ts)
      [up, Buffer.alloc(256 * 1024, 0x41)],
      [up, deep],
      [up, otherDevice], // names another device than its topic
    ];
    const total = 1_000;
    for (let i = 0; i < total; i++) {
      const [topic, payload] = garbage[i % garbage.length]!;
      await publisher.publish(topic, payload, { qos: 1 });
    }
    const counted = (): number => w.server.rejectedMessages().reduce((sum, r) => sum + r.count, 0);
    await eventually(() => counted() >= total, 60_000, () => `all ${total} counted, got ${counted()}`);
    const counts = Object.fromEntries(w.server.rejectedMessages().map((r) => [r.reason, r.count]));
    t.is(counted(), total);
    t.is(counts['topic-payload-mismatch'], 142, 'the other device\'s uplink on this device\'s topic');
    // 1 000 over 7 kinds: 143 of each, 142 of the last.
    if (encoding === 'json') t.deepEqual(counts, { 'not-json': 572, 'field-invalid': 143, 'too-deep': 143, 'topic-payload-mismatch': 142 });
    else t.deepEqual(counts, { 'not-protobuf': 715, 'field-missing': 143, 'topic-payload-mismatch': 142 }, 'the empty payload is an UplinkEvent without deviceInfo');
    t.deepEqual(Object.keys(counts).sort(), summaries.map((s) => s.reason).sort(), 'one line per reason, the first reject of each');
    for (const summary of summaries) {
      t.false(summary.sample.error.includes('\n'));
      t.true(summary.sample.payloadHex.length <= 64);
    }
    t.is(noErrors(w), '', 'nothing through onError');
    // A good uplink after the garbage is still handled.
    const before = w.uplinks.length;
    await w.simMqtt.publishEvent({ kind: 'up', applicationId: w.applicationId, devEui, deduplicationId: '00000000-0000-4000-8000-000000000002', timeMs: Date.now(), fCnt: 7, fPort: 9, data: Uint8Array.of(9), dr: 5, confirmed: false, gatewayIds: [GATEWAY] });
    await eventually(() => w.uplinks.slice(before).some((u) => u.devEui === devEui && u.fPort === 9), 30_000, () => 'the good uplink');
  });

  test(`${encoding}: a log event naming the queue item fails it at once; a gateway's DUTY_CYCLE_OVERFLOW goes to onGatewayRejection and leaves the item waiting (ChirpStack keeps it queued)`, async (t) => {
    const w = await world(t, encoding, 3);
    const devEui = DEV_EUIS[2]! as Eui64;
    w.simMqtt.muteTxAck.add(devEui);
    await w.server.sendUnicast({ type: 'unicast', id: 'camp-4', devEui, fPort: TS004.fPort, payloadHex: packageVersionReq() });
    await w.server.sendUnicast({ type: 'unicast', id: 'camp-5', devEui, fPort: TS004.fPort, payloadHex: fragStatusReq() });
    // chirpstack/src/downlink/data.rs: an expired item is logged with its id in the context.
    await w.simMqtt.publishEvent({
      kind: 'log', applicationId: w.applicationId, devEui, level: 'ERROR', code: 'EXPIRED', description: 'Device queue-item discarded because it has expired',
      context: { queue_item_id: queueItemIdOf('camp-5') }, timeMs: Date.now(),
    });
    await eventually(() => w.failures.length >= 1, 30_000, () => 'the EXPIRED failure');
    t.like(w.failures[0], { devEui });
    t.regex(w.failures[0]!.reason, /EXPIRED/);
    t.is(w.server.pendingUnicasts, 1, 'camp-4 still waits');
    // tx_ack.rs: a gateway refusal names no queue item, and ChirpStack keeps the item queued for
    // the device's next uplink: a rejection for the ledger, not a failure (failing it would make
    // the engine send the request a second time).
    await w.simMqtt.publishEvent({
      kind: 'log', applicationId: w.applicationId, devEui, level: 'ERROR', code: 'DOWNLINK_GATEWAY', description: 'DUTY_CYCLE_OVERFLOW', context: {}, timeMs: Date.now(),
    });
    await eventually(() => w.rejections.length >= 1, 30_000, () => 'the DUTY_CYCLE_OVERFLOW rejection');
    t.like(w.rejections[0], { devEui, status: 'DUTY_CYCLE_OVERFLOW', code: 'DOWNLINK_GATEWAY' });
    // An INFO log about nothing of ours changes nothing.
    await w.simMqtt.publishEvent({ kind: 'log', applicationId: w.applicationId, devEui, level: 'INFO', code: 'UPLINK_CODEC', description: 'codec', context: {}, timeMs: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.is(w.failures.length, 1);
    t.is(w.server.pendingUnicasts, 1, 'camp-4 still waits for its txack');
    t.is(noErrors(w), '');
  });

  test(`${encoding}: a gateway rejection names the gateways that heard the device's last uplink (the log itself names none)`, async (t) => {
    const w = await world(t, encoding, 5);
    // Devices the simulation does not run: only the events published here concern them.
    const [heard, neverHeard] = ['70b3d57ed00001a1', '70b3d57ed00001a2'] as Eui64[];
    const [g1, g2] = ['0016c001ff10c001', '0016c001ff10c002'];
    const up = (gatewayIds: string[], fCnt: number) =>
      w.simMqtt.publishEvent({
        kind: 'up', applicationId: w.applicationId, devEui: heard!, deduplicationId: randomUUID(), timeMs: Date.now(), fCnt, fPort: 10, data: Uint8Array.of(1), dr: 5, confirmed: false, gatewayIds,
      });
    const overflow = (devEui: Eui64) =>
      w.simMqtt.publishEvent({ kind: 'log', applicationId: w.applicationId, devEui, level: 'ERROR', code: 'DOWNLINK_GATEWAY', description: 'DUTY_CYCLE_OVERFLOW', context: {}, timeMs: Date.now() });
    const uplinksOf = () => w.uplinks.filter((u) => u.devEui === heard).length;

    await up([g1!], 1);
    await eventually(() => uplinksOf() === 1, 30_000, () => 'the first up event');
    await overflow(heard!);
    await overflow(neverHeard!);
    await eventually(() => w.rejections.length >= 2, 30_000, () => 'two rejections');
    t.deepEqual(w.rejections.map((r) => [r.devEui, r.status, r.gatewayIds]), [
      [heard, 'DUTY_CYCLE_OVERFLOW', [g1]],
      [neverHeard, 'DUTY_CYCLE_OVERFLOW', []],
    ]);
    // Only the last uplink counts: a later one heard by other gateways replaces it.
    await up([g2!, g1!], 2);
    await eventually(() => uplinksOf() === 2, 30_000, () => 'the second up event');
    await overflow(heard!);
    await eventually(() => w.rejections.length >= 3, 30_000, () => 'the third rejection');
    t.deepEqual(w.rejections[2]!.gatewayIds, [g2, g1]);
    // The ledger hears of DUTY_CYCLE_OVERFLOW only, with the same gateways; TOO_LATE is a rejection, not an overflow.
    await w.simMqtt.publishEvent({ kind: 'log', applicationId: w.applicationId, devEui: heard!, level: 'ERROR', code: 'DOWNLINK_GATEWAY', description: 'TOO_LATE', context: {}, timeMs: Date.now() });
    await eventually(() => w.rejections.length >= 4, 30_000, () => 'the TOO_LATE rejection');
    t.deepEqual(w.overflows.map((o) => [o.devEui, o.gatewayIds]), [[heard, [g1]], [neverHeard, []], [heard, [g2, g1]]]);
    t.is(noErrors(w), '');
  });

  test(`${encoding}: a rejection handler that fails asynchronously is reported, not lost`, async (t) => {
    const w = await world(t, encoding, 6, { onGatewayRejection: async () => Promise.reject(new Error('engine down')) });
    await w.simMqtt.publishEvent({
      kind: 'log', applicationId: w.applicationId, devEui: DEV_EUIS[0]! as Eui64, level: 'ERROR', code: 'DOWNLINK_GATEWAY', description: 'DUTY_CYCLE_OVERFLOW', context: {}, timeMs: Date.now(),
    });
    await eventually(() => w.errors.length >= 1, 30_000, () => 'the reported error');
    t.is(noErrors(w), `onGatewayRejection for ${DEV_EUIS[0]}: engine down`);
  });

  test(`${encoding}: multicast: create (idempotent), hold each frame until atMs, devices hear them, delete only after the queue drained`, async (t) => {
    const w = await world(t, encoding, 4);
    const cmd = group('camp-w0', DEV_EUIS);
    await w.server.createMulticastGroup(cmd);
    const id = w.registry.get('camp-w0')!.id;
    // A repeat (the outbox replayed after a crash): same group; ChirpStack's INTERNAL for the members already in is checked with List, then success.
    await w.server.createMulticastGroup(cmd);
    t.is(w.registry.get('camp-w0')!.id, id);
    const simGroup = w.grpcServer.multicast.get(id);
    t.deepEqual([...simGroup.devEuis].sort(), [...DEV_EUIS].sort());
    t.deepEqual([...simGroup.gatewayIds], [GATEWAY]);
    t.is(simGroup.mcAddr, 0x01abcd00);
    t.is(simGroup.applicationId, w.applicationId);

    const t0 = Date.now();
    const atMs = [t0 + 1_000, t0 + 1_800, t0 + 2_600];
    for (const [i, at] of atMs.entries()) {
      await w.server.sendMulticast({ id: `camp-f${i}`, groupName: 'camp-w0', fPort: 201, payload: Uint8Array.of(0x08, i, 0, 0xaa), atMs: at });
    }
    t.is(w.server.heldMulticasts('camp-w0'), 3);
    // Asked to delete before anything went out: it must wait for the held frames and the queue.
    await w.server.deleteMulticastGroup('camp-w0');
    t.true(w.grpcServer.multicast.has(id));
    t.is(w.grpcServer.multicast.listQueue(id).length, 0, 'nothing enqueued before its atMs');

    await eventually(() => w.deleted.includes('camp-w0'), 60_000, () => `the group deleted; emissions ${JSON.stringify(w.grpcServer.multicast.emissions)}`);
    const deletedAt = Date.now();
    const emissions = w.grpcServer.multicast.emissions.filter((e) => e.groupId === id);
    t.is(emissions.length, 3);
    for (const [i, emission] of emissions.entries()) {
      t.is(emission.outcome, 'sent');
      t.true(emission.atMs >= atMs[i]! - 20, `frame ${i} not before its atMs (${emission.atMs - atMs[i]!} ms)`);
      // Real time on a busy machine: "soon" is only bounded loosely (the point is never before atMs).
      t.true(emission.atMs <= atMs[i]! + 20_000 + CLASS_C_MARGIN_MS, `frame ${i} soon after its atMs (${emission.atMs - atMs[i]!} ms)`);
      if (i > 0) t.true(emission.atMs >= emissions[i - 1]!.atMs, `frame ${i} after frame ${i - 1}`);
    }
    t.true(emissions.at(-1)!.atMs <= deletedAt);
    t.false(w.grpcServer.multicast.has(id), 'deleted in ChirpStack');
    t.is(w.registry.get('camp-w0'), undefined);
    for (const device of w.devices) {
      t.deepEqual(device.heard.map((h) => [h.mcAddr, h.fPort, h.payload[1]]), [[0x01abcd00, 201, 0], [0x01abcd00, 201, 1], [0x01abcd00, 201, 2]], device.devEui);
    }
    t.is(noErrors(w), '');
  });
}

// ChirpStack appends every command/down to the device's queue (device_queue::enqueue_item) and
// removes one item only by sending it or at its expires_at: a request asked again while our copy
// waits there would go out twice, at two uplinks, each costing the gateway's duty cycle.
test('asked again before its txack (its copy still queued): not enqueued a second time, and reported as left to the copy; asked again after the txack, it is', async (t) => {
  // The asks left to our queued item: the engine counts no attempt for them (device-progress.ts answeredByQueuedCopy).
  const queuedCopies: string[] = [];
  const w = await world(t, 'json', 5, { onUnicastQueuedCopy: (devEui, commandId) => void queuedCopies.push(`${devEui} ${commandId}`) });
  const devEui = DEV_EUIS[1]! as Eui64;
  w.simMqtt.muteTxAck.add(devEui);
  const ask = (id: string, payloadHex = packageVersionReq()) => w.server.sendUnicast({ type: 'unicast', id, devEui, fPort: TS004.fPort, payloadHex });
  await ask('camp-10');
  await ask('camp-11');
  await ask('camp-10'); // the same command carried out again (an outbox retry): its own item, not a copy left to
  await ask('camp-12', fragStatusReq()); // published after camp-11 would have been, on the same connection
  await eventually(() => w.simMqtt.stats.commandsReceived >= 2, 30_000, () => 'camp-10 and camp-12 received');
  t.is(w.simMqtt.stats.commandsReceived, 2, 'camp-11 was not published');
  await eventually(() => queuedCopies.length > 0, 30_000, () => 'the report of camp-11');
  t.deepEqual(queuedCopies, [`${devEui} camp-11`]);
  t.is(w.server.pendingUnicasts, 2);
  await w.simMqtt.publishEvent({ kind: 'txack', applicationId: w.applicationId, devEui, queueItemId: queueItemIdOf('camp-10'), downlinkId: 1, fCntDown: 1, gatewayId: GATEWAY, timeMs: Date.now() });
  await eventually(() => w.server.pendingUnicasts === 1, 30_000, () => 'camp-10 settled by its txack');
  await ask('camp-13');
  await eventually(() => w.simMqtt.stats.commandsReceived >= 3, 30_000, () => 'camp-13 received');
  t.is(w.server.pendingUnicasts, 2);
  t.deepEqual(queuedCopies, [`${devEui} camp-11`], 'camp-13 was enqueued: not reported');
  t.is(noErrors(w), '');
});

test('a multicast for a group this adapter never created is refused; a delete of it is a no-op', async (t) => {
  const w = await world(t, 'json', 5);
  const error = await t.throwsAsync(w.server.sendMulticast({ id: 'x', groupName: 'nope', fPort: 201, payload: Uint8Array.of(1), atMs: Date.now() }));
  t.is((error as { code?: string }).code, 'CHIRPSTACK_GROUP_UNKNOWN');
  await w.server.deleteMulticastGroup('nope');
  t.deepEqual(w.deleted, []);
});

test('a downlink sent from inside onUplink, awaited as the engine does, does not deadlock the MQTT connection', async (t) => {
  const devEui = DEV_EUIS[0]!;
  const seen: number[] = [];
  let asked = false;
  let server: ChirpstackNetworkServer | undefined;
  const w = await world(t, 'json', 7, {
    onUplink: async (uplink) => {
      if (uplink.devEui !== devEui) return;
      seen.push(uplink.fPort);
      if (asked) return;
      asked = true;
      // The engine commits, then carries out its commands, inside handleUplink.
      await server!.sendUnicast({ type: 'unicast', id: 'inside-1', devEui, fPort: TS004.fPort, payloadHex: packageVersionReq() });
    },
  });
  server = w.server;
  await eventually(() => seen.includes(TS004.fPort), 15_000, () => `the answer uplink after a send from inside onUplink; seen ports ${seen.join(',')}`);
  t.is(w.server.pendingUnicasts, 0);
  t.true(seen.filter((p) => p === 1).length >= 2, 'later uplinks kept flowing');
});

function tempFile(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-cs-registry-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'groups.json');
}

function restarted(w: WireWorld, registry: string, deleted: string[]): ChirpstackNetworkServer {
  return new ChirpstackNetworkServer({
    mqtt: mqttConnection(broker, 'restarted'), grpc: w.grpc, applicationId: w.applicationId, encoding: 'json', gatewayIds: [GATEWAY], registry, queuePollMs: 100,
    onUplink: () => {}, onDownlinkFailed: () => {}, onGroupDeleted: (name) => void deleted.push(name),
  });
}

test('restart: an accepted deletion is finished by the next start; a repeated create finds the group by its persisted id', async (t) => {
  const file = tempFile(t);
  const w = await world(t, 'json', 8, { registry: file });
  const ids = (): Record<string, { id: string; deleting?: boolean }> => JSON.parse(fs.readFileSync(file, 'utf8'));
  await w.server.createMulticastGroup(group('camp-r', DEV_EUIS));
  await w.server.createMulticastGroup({ ...group('camp-s', DEV_EUIS), mcAddr: 0x01abcd01 });
  const { 'camp-r': r, 'camp-s': s } = ids();
  const heldAtMs = Date.now() + 60_000;
  await w.server.sendMulticast({ id: 'r-1', groupName: 'camp-r', fPort: 201, payload: Uint8Array.of(8, 0, 0, 1), atMs: heldAtMs });
  await w.server.deleteMulticastGroup('camp-r');
  // Stopped with a frame still held: the deletion must not happen, and must not be forgotten.
  await w.server.close();
  t.true(w.grpcServer.multicast.has(r!.id));
  // The drain ends at the latest when the held frame (enqueued at its atMs) has expired: 5 min later.
  t.deepEqual(ids()['camp-r'], { id: r!.id, deleting: true, drainDeadlineMs: heldAtMs + 5 * 60_000 });

  const deleted: string[] = [];
  const second = restarted(w, file, deleted);
  t.teardown(() => second.close());
  await second.start();
  await eventually(() => deleted.includes('camp-r'), 30_000, () => 'the resumed deletion');
  t.false(w.grpcServer.multicast.has(r!.id));
  // The outbox replays a create after the restart: the same group, members already in (INTERNAL, checked with List).
  await second.createMulticastGroup({ ...group('camp-s', DEV_EUIS), mcAddr: 0x01abcd01 });
  t.deepEqual(ids(), { 'camp-s': { id: s!.id } });
  t.true(w.grpcServer.multicast.has(s!.id));
});
