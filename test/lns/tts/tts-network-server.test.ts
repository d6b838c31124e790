import test from 'ava';
import { TtsTopics } from '../../../src/lns/tts/tts-topics.js';
import { APP, downEvent, DUTY_CYCLE_ERROR, failedEvent, T0, upEvent, world } from './tts-adapter-world.js';

// TtsNetworkServer's unicast path, uplinks and start-up, against a fake MQTT connection and a
// fake HTTP API in simulated time. Event JSON as lorawan-stack publishes it
// (../shared/reference/network-servers.md, TTS section; api/messages.proto ApplicationUp).

const DEV = '70b3d57ed0000001';
const DEVICE = 'sensor-1';
const unicast = (id: string, devEui = DEV) => ({ type: 'unicast' as const, id, devEui, fPort: 201, payloadHex: '0102' });

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
  t.like(w.errors[0], { code: 'TTS_EVENT_INVALID', context: `The Things Stack event on v3/${APP}/devices/${DEVICE}/up: not decodable, dropped` });
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

test('unicast: down/failed and down/nack fail it; silence fails it once after txAckTimeoutMs; an unknown device fails it with the reason', async (t) => {
  const w = world(t, { txAckTimeoutMs: 60_000 });
  await w.network.start();
  await w.mqtt.deliver(DEVICE, 'up', upEvent(DEVICE, DEV, { fPort: 201, payloadHex: '00', receivedAtMs: T0 }));
  await w.network.sendUnicast(unicast('a'));
  await w.network.sendUnicast(unicast('b'));
  await w.network.sendUnicast(unicast('c'));
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
  await w.network.sendUnicast(unicast('d', '70b3d57ed00000ff'));
  await w.settle();
  t.like(w.failed[3], { devEui: '70b3d57ed00000ff' });
  t.regex(w.failed[3]!.reason, /The Things Stack down\/push failed: device 70b3d57ed00000ff: expected a device with this DevEUI/);
  t.is(w.network.pendingUnicasts, 0);
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
  await w.network.sendUnicast(unicast('a'));
  await w.network.sendUnicast(unicast('b'));
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
