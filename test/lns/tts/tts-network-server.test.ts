import test from 'ava';
import { pino } from 'pino';
import { logMqttRejects } from '../../../src/app/network-server-wiring.js';
import { TtsTopics } from '../../../src/lns/tts/tts-topics.js';
import { APP, downEvent, DUTY_CYCLE_ERROR, failedEvent, T0, upEvent, world } from './tts-adapter-world.js';

// TtsNetworkServer's unicast path, uplinks and start-up, against a fake MQTT connection and a
// fake HTTP API in simulated time. Event JSON as lorawan-stack publishes it
// (../shared/reference/network-servers.md, TTS section; api/messages.proto ApplicationUp).

const DEV = '70b3d57ed0000001';
const DEVICE = 'sensor-1';
/** Different requests carry different payloads: the same one asked again is not pushed twice (see below). */
const unicast = (id: string, devEui = DEV, payloadHex = '0102') => ({ type: 'unicast' as const, id, devEui, fPort: 201, payloadHex });

test('start connects, subscribes to up and down events with QoS 0 (TTS has no other), and refuses a second start', async (t) => {
  const w = world(t);
  await w.network.start();
  t.true(w.mqtt.connected);
  t.deepEqual(w.mqtt.subscriptions, [...new Set([...new TtsTopics(APP).subscriptions(), `v3/${APP}/devices/+/down/invalidated`])].map((filter) => ({ filter, qos: 0 })));
  t.true(w.mqtt.subscriptions.some((s) => s.filter === `v3/${APP}/devices/+/up`));
  await t.throwsAsync(w.network.start(), { code: 'TTS_ALREADY_STARTED' });
  await t.throwsAsync(world(t).network.sendUnicast(unicast('c-1')), { code: 'TTS_NOT_STARTED' });
});

test('an up event becomes an Uplink (DevEUI from end_device_ids, time from received_at); one without payload only teaches ids', async (t) => {
  const w = world(t);
  await w.network.start();
  await w.mqtt.deliver(DEVICE, 'up', upEvent(DEVICE, DEV, { fPort: 201, fCnt: 7, payloadHex: '0a0b', receivedAtMs: T0 - 500 }));
  await w.mqtt.deliver(DEVICE, 'up', upEvent(DEVICE, DEV, { fCnt: 8, receivedAtMs: T0 }));
  t.deepEqual(w.uplinks, [{ devEui: DEV, fPort: 201, payload: Uint8Array.of(10, 11), atMs: T0 - 500 }]);
  await w.mqtt.deliver(DEVICE, 'up', { nonsense: true });
  t.deepEqual(w.errors, [], 'a malformed event is counted, not an error');
  t.deepEqual(w.network.rejectedMessages(), [{ reason: 'event-invalid', count: 1 }]);
});

test('unicast: pushed on down/push with our correlation id and priority (QoS 0), settled by down/sent; the device id comes from its uplink', async (t) => {
  const w = world(t, { priority: 'HIGH' });
  await w.network.start();
  await w.mqtt.deliver(DEVICE, 'up', upEvent(DEVICE, DEV, { fPort: 201, payloadHex: '00', receivedAtMs: T0 }));
  await w.network.sendUnicast(unicast('camp-1-4'));
  await w.settle();
  t.is(w.network.pendingUnicasts, 1);
  t.deepEqual(w.mqtt.published, [
    { topic: `v3/${APP}/devices/${DEVICE}/down/push`, qos: 0, payload: '{"downlinks":[{"f_port":201,"frm_payload":"AQI=","priority":"HIGH","correlation_ids":["fuota:camp-1-4"]}]}' },
  ]);
  t.false(w.http.calls.includes('list'), 'no device listing needed');
  await w.mqtt.deliver(DEVICE, 'down/queued', downEvent(DEVICE, 'downlink_queued', ['fuota:camp-1-4']));
  t.is(w.network.pendingUnicasts, 1, 'queued is not sent');
  await w.mqtt.deliver(DEVICE, 'down/sent', downEvent(DEVICE, 'downlink_sent', ['fuota:other', 'fuota:camp-1-4']));
  t.is(w.network.pendingUnicasts, 0);
  await w.clock.run({ untilMs: T0 + 3_600_000 });
  t.deepEqual(w.failed, []);
});

test('unicast over HTTP: the device id is looked up in the application when no uplink taught it', async (t) => {
  const w = world(t, { downlinkVia: 'http' });
  w.http.devices.set('eui-70b3d57ed0000001', { devEui: DEV, queue: [] });
  await w.network.start();
  await w.network.sendUnicast(unicast('camp-1-5'));
  await w.settle();
  await w.settle();
  t.deepEqual(w.http.calls, ['list', 'push eui-70b3d57ed0000001']);
  t.deepEqual(w.http.pushes.map((p) => p.downlink.correlationIds), [['fuota:camp-1-5']]);
  t.deepEqual(w.mqtt.published, []);
});

test('unicast: down/failed and down/nack fail it; silence fails it once after txAckTimeoutMs; an unknown device is refused for good', async (t) => {
  const w = world(t, { txAckTimeoutMs: 60_000 });
  await w.network.start();
  await w.mqtt.deliver(DEVICE, 'up', upEvent(DEVICE, DEV, { fPort: 201, payloadHex: '00', receivedAtMs: T0 }));
  await w.network.sendUnicast(unicast('a', DEV, '01'));
  await w.network.sendUnicast(unicast('b', DEV, '02'));
  await w.network.sendUnicast(unicast('c', DEV, '03'));
  await w.settle();
  await w.mqtt.deliver(DEVICE, 'down/failed', failedEvent(DEVICE, ['fuota:a'], { namespace: 'pkg/networkserver', name: 'downlink_expired', message_format: 'downlink expired' }));
  await w.mqtt.deliver(DEVICE, 'down/nack', downEvent(DEVICE, 'downlink_nack', ['fuota:b']));
  await w.settle();
  t.deepEqual(w.failed.map((f) => f.reason), [
    'The Things Stack down/failed: pkg/networkserver:downlink_expired (downlink expired)',
    'The Things Stack down/nack: the device did not acknowledge the downlink',
  ]);
  t.deepEqual(w.overflows, [], 'not a duty-cycle refusal');
  await w.clock.run({ untilMs: T0 + 59_999, settle: w.settle });
  t.is(w.failed.length, 2);
  await w.clock.run({ untilMs: T0 + 120_000, settle: w.settle });
  t.is(w.failed.length, 3);
  t.regex(w.failed[2]!.reason, /^no down\/sent from The Things Stack within 60000 ms/);
  // Issue #14: the Application Server answers device_not_found and publishes nothing
  // (applicationserver.go downlinkQueueOp); the push used to fail, be asked again, and the device end `absent`.
  const error = await t.throwsAsync(w.network.sendUnicast(unicast('d', '70b3d57ed00000ff')), { code: 'DEVICE_NOT_ON_NETWORK_SERVER' });
  t.is(error!.message, 'device 70b3d57ed00000ff: expected it registered on The Things Stack, got no such DevEUI in application fuota-app (a downlink cannot reach it: failed, not retried)');
  await w.settle();
  t.is(w.failed.length, 3, 'refused, not failed later');
  t.is(w.network.pendingUnicasts, 0);
});

test('unicast over HTTP to a device deleted since its lookup: 404 end_device_not_found fails the push; the next ask finds it gone and refuses it for good', async (t) => {
  const w = world(t, { downlinkVia: 'http' });
  w.http.devices.set('eui-70b3d57ed0000001', { devEui: DEV, queue: [] });
  await w.network.start();
  await w.network.sendUnicast(unicast('camp-1-6'));
  await w.settle();
  t.is(w.http.pushes.length, 1);
  w.http.devices.delete('eui-70b3d57ed0000001');
  await w.network.sendUnicast(unicast('camp-1-7', DEV, '0103'));
  await w.settle();
  await w.settle();
  t.is(w.failed.length, 1);
  t.regex(w.failed[0]!.reason, /^The Things Stack down\/push failed: .*not found/);
  // The engine asks again after a failure: the device is listed afresh, and is gone.
  await t.throwsAsync(w.network.sendUnicast(unicast('camp-1-8')), { code: 'DEVICE_NOT_ON_NETWORK_SERVER' });
  t.is(w.http.calls.filter((c) => c === 'list').length, 2, 'listed again once, for the forgotten device');
});

test('unicast: a bad command is refused before anything is tracked or pushed', async (t) => {
  const w = world(t);
  await w.network.start();
  await t.throwsAsync(w.network.sendUnicast({ ...unicast('x'), fPort: 0 }), { code: 'TTS_DOWNLINK_INVALID' });
  await t.throwsAsync(w.network.sendUnicast({ ...unicast('x'), devEui: '0102' }));
  t.is(w.network.pendingUnicasts, 0);
  t.deepEqual(w.mqtt.published, []);
});

test('a duty-cycle down/failed fails the unicast and reports the overflow with the gateways that heard the device last', async (t) => {
  const w = world(t);
  await w.network.start();
  await w.mqtt.deliver(DEVICE, 'up', upEvent(DEVICE, DEV, { fPort: 201, payloadHex: '00', receivedAtMs: T0, gateways: ['gtw-a', 'gtw-b'] }));
  await w.network.sendUnicast(unicast('camp-2-1'));
  await w.settle();
  await w.mqtt.deliver(DEVICE, 'down/failed', failedEvent(DEVICE, ['fuota:camp-2-1'], DUTY_CYCLE_ERROR));
  await w.settle();
  t.is(w.failed.length, 1);
  t.deepEqual(w.overflows, [{ devEui: DEV, gatewayIds: ['gtw-a', 'gtw-b'] }]);
});

test('down/invalidated fails every pending downlink of the device (its queue is gone)', async (t) => {
  const w = world(t);
  await w.network.start();
  await w.mqtt.deliver(DEVICE, 'up', upEvent(DEVICE, DEV, { fPort: 201, payloadHex: '00', receivedAtMs: T0 }));
  await w.network.sendUnicast(unicast('a', DEV, '01'));
  await w.network.sendUnicast(unicast('b', DEV, '02'));
  await w.mqtt.deliver(DEVICE, 'down/invalidated', { end_device_ids: { device_id: DEVICE, application_ids: { application_id: APP } }, downlink_queue_invalidated: { downlinks: [], last_f_cnt_down: 3 } });
  await w.settle();
  t.is(w.failed.length, 2);
  t.is(w.network.pendingUnicasts, 0);
});

test('start reads missed uplinks from the Storage Integration and hands them over once (the same uplink over MQTT is skipped)', async (t) => {
  const w = world(t, { missedUplinksSinceMs: T0 - 3_600_000 });
  const stored = { kind: 'up' as const, deviceId: DEVICE, devEui: DEV, fPort: 201, fCnt: 3, payload: Uint8Array.of(1), receivedAtMs: T0 - 60_000, gateways: [{ gatewayId: 'gtw-a' }], correlationIds: [] };
  w.http.stored = [{ ...stored, fCnt: 2, receivedAtMs: T0 - 7_200_000 }, stored];
  await w.network.start();
  t.deepEqual(w.uplinks, [{ devEui: DEV, fPort: 201, payload: Uint8Array.of(1), atMs: T0 - 60_000 }]);
  await w.mqtt.deliver(DEVICE, 'up', upEvent(DEVICE, DEV, { fPort: 201, fCnt: 3, payloadHex: '01', receivedAtMs: T0 - 60_000 }));
  t.is(w.uplinks.length, 1);
  await w.mqtt.deliver(DEVICE, 'up', upEvent(DEVICE, DEV, { fPort: 201, fCnt: 4, payloadHex: '01', receivedAtMs: T0 }));
  t.is(w.uplinks.length, 2);
});

test('a failing Storage Integration is reported, not fatal', async (t) => {
  const w = world(t, { missedUplinksSinceMs: T0 - 3_600_000 });
  w.http.storageFails = true;
  w.http.devices.set('eui-70b3d57ed0000001', { devEui: DEV, queue: [] });
  await w.network.start();
  t.is(w.errors.length, 1);
  t.regex(w.errors[0]!.context, /^reading missed uplinks from the Storage Integration/);
  await w.network.sendUnicast(unicast('still-works'));
});

test('start warns when alcsync-v1 is associated (TS003 would be answered twice), and only then', async (t) => {
  const w = world(t);
  w.http.associations = [{ fPort: 202, packageName: 'alcsync-v1' }, { fPort: 200, packageName: 'lora-cloud-device-management-v1' }];
  await w.network.start();
  await w.settle();
  t.is(w.warnings.length, 1);
  t.regex(w.warnings[0]!, /alcsync-v1 package is associated \(application default on FPort 202\)/);
  const quiet = world(t);
  quiet.http.associations = [{ fPort: 200, packageName: 'lora-cloud-device-management-v1' }];
  await quiet.network.start();
  await quiet.settle();
  t.deepEqual(quiet.warnings, []);
});

// Issue #14: every garbage MQTT message used to log an error line with a full stack. Now each is
// counted by reason, and the log gets at most one warning per reason and interval, with one sample.
test('1 000 garbage event messages: a handful of one-line warnings without a stack, counted by reason; a good uplink after them is handled', async (t) => {
  const logLines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  const w = world(t, { onRejected: logMqttRejects(log, 'tts') });
  await w.network.start();
  const up = `v3/${APP}/devices/${DEVICE}/up`;
  const deep = `{"end_device_ids":{"device_id":"${DEVICE}","dev_eui":"${DEV}"},"uplink_message":{"decoded_payload":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
  const garbage: Array<[string, string | Buffer]> = [
    [up, 'not json at all'], // event-invalid
    [up, ''], // event-invalid
    [up, Buffer.from([0x08, 0x96, 0x01, 0xff, 0xfe])], // binary: event-invalid
    [up, '{"end_device_ids":5}'], // a wrong type: event-invalid
    [up, '[1,2,3]'], // event-invalid
    [up, Buffer.alloc(1 << 20, 0x41)], // 1 MiB: event-invalid
    [up, deep], // too-deep
    [`v3/${APP}/devices/${DEVICE}/bogus`, '{}'], // unknown-topic
    [`v3/other-app/devices/${DEVICE}/up`, '{}'], // unknown-topic
    [up, JSON.stringify({ ...upEvent(DEVICE, DEV, { fPort: 1, receivedAtMs: T0 }), end_device_ids: { device_id: DEVICE } })], // no dev_eui: field-missing
  ];
  for (let i = 0; i < 1_000; i++) {
    const [topic, payload] = garbage[i % garbage.length]!;
    await w.mqtt.handler!({ topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: 0, retain: false, duplicate: false });
  }
  t.deepEqual(Object.fromEntries(w.network.rejectedMessages().map((r) => [r.reason, r.count])), { 'event-invalid': 600, 'too-deep': 100, 'unknown-topic': 200, 'field-missing': 100 });
  t.deepEqual(w.errors, [], 'nothing through onError (its lines carry a stack)');
  t.is(logLines.length, 4, 'one line per reason: the first reject of each');
  for (const line of logLines) {
    t.false(line.trimEnd().includes('\n'), 'one line');
    t.false(/"stack"|\bat \S+ \(/.test(line), `no stack: ${line.slice(0, 200)}`);
    const entry = JSON.parse(line) as { level: number; sample: { payloadHex: string } };
    t.is(entry.level, 40, 'a warning');
    t.true(entry.sample.payloadHex.length <= 64);
  }
  // A good uplink after the garbage is still handled.
  await w.mqtt.deliver(DEVICE, 'up', upEvent(DEVICE, DEV, { fPort: 201, payloadHex: '00', receivedAtMs: T0 }));
  t.is(w.uplinks.length, 1);
  // Closing says what was counted since the first lines, once per reason.
  await w.network.close();
  t.is(logLines.length, 8);
  t.regex(logLines[4]!, /"rejected":599/);
});
