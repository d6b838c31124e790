import test from 'ava';
import { PeerError } from '../../../src/core/errors.js';
import { decodeTtsEvent, type TtsDownlinkFailedEvent } from '../../../src/lns/tts/tts-events.js';
import { TtsTopics } from '../../../src/lns/tts/tts-topics.js';
import { APP, APP_TOPIC, DEVICE, DEV_EUI, DOWN_ACK, DOWN_FAILED_DUTY_CYCLE, DOWN_FAILED_DUTY_CYCLE_FLAT, DOWN_FAILED_NO_PATH, DOWN_QUEUED, DOWN_SENT, UPLINK, UPLINK_NO_PAYLOAD, json } from './tts-recorded-json.js';

const topics = new TtsTopics(APP_TOPIC);
const topic = (device: string, event: string): string => `v3/${APP_TOPIC}/devices/${device}/${event}`;
const MC = DOWN_QUEUED.end_device_ids.device_id;

test('uplink (tenant topic): ids, counters, payload, gateways with GPS time', (t) => {
  const event = decodeTtsEvent(topic(DEVICE, 'up'), json(UPLINK), topics);
  t.deepEqual(event, {
    kind: 'up',
    deviceId: DEVICE,
    devEui: DEV_EUI,
    fPort: 201,
    fCnt: 42,
    payload: Uint8Array.from([0x01, 0x02, 0xff]),
    receivedAtMs: Date.UTC(2026, 11, 6, 17, 0, 0, 123),
    gateways: [
      { gatewayId: 'gtw-north', gpsTimeMs: Date.UTC(2026, 11, 6, 17, 0, 0, 50), rssi: -91, snr: 7.25 },
      { gatewayId: 'gtw-south', rssi: -112, snr: -3.5 },
    ],
    correlationIds: UPLINK.correlation_ids,
  });
});

test('uplink on an open-source topic (no tenant), payload given as text', (t) => {
  const plain = new TtsTopics(APP);
  const event = decodeTtsEvent(`v3/${APP}/devices/${DEVICE}/up`, JSON.stringify(UPLINK), plain);
  t.is(event.kind, 'up');
  t.is(event.deviceId, DEVICE);
});

test('uplink without frm_payload: no fPort, empty payload', (t) => {
  const event = decodeTtsEvent(topic(DEVICE, 'up'), json(UPLINK_NO_PAYLOAD), topics);
  t.like(event, { kind: 'up', fCnt: 43, receivedAtMs: Date.UTC(2026, 11, 6, 17, 1) });
  t.false('fPort' in event);
  t.deepEqual((event as { payload: Uint8Array }).payload, new Uint8Array(0));
});

test('uplink: received_at falls back to uplink_message.received_at', (t) => {
  const { received_at: _, ...rest } = UPLINK;
  const event = decodeTtsEvent(topic(DEVICE, 'up'), json(rest), topics);
  t.like(event, { receivedAtMs: Date.UTC(2026, 11, 6, 17, 0, 0, 100) });
});

test('down/queued and down/sent: the downlink\'s correlation ids first, then the message\'s, no repeats', (t) => {
  const queued = decodeTtsEvent(topic(MC, 'down/queued'), json(DOWN_QUEUED), topics);
  t.deepEqual(queued, {
    kind: 'down-queued',
    deviceId: MC,
    correlationIds: ['fuota:campaign-1:frag-7', 'as:downlink:01JEXAMPLE0000000000000003', 'ns:downlink:01JEXAMPLE0000000000000004'],
    fPort: 201,
  });
  const sent = decodeTtsEvent(topic(MC, 'down/sent'), json(DOWN_SENT), topics);
  t.like(sent, { kind: 'down-sent', deviceId: MC, fPort: 201 });
  t.true(sent.kind === 'down-sent' && sent.correlationIds.includes('gs:tx:01JEXAMPLE0000000000000005'));
});

test('down/ack and down/nack', (t) => {
  t.like(decodeTtsEvent(topic(DEVICE, 'down/ack'), json(DOWN_ACK), topics), { kind: 'down-ack', devEui: DEV_EUI, fPort: 200, correlationIds: ['fuota:unicast:1', 'as:up:01JEXAMPLE0000000000000006'] });
  const { downlink_ack, ...rest } = DOWN_ACK;
  t.like(decodeTtsEvent(topic(DEVICE, 'down/nack'), json({ ...rest, downlink_nack: downlink_ack }), topics), { kind: 'down-nack' });
});

test('down/failed for duty cycle, nested in cause and details: dutyCycle true, gateways named', (t) => {
  const event = decodeTtsEvent(topic(MC, 'down/failed'), json(DOWN_FAILED_DUTY_CYCLE), topics) as TtsDownlinkFailedEvent;
  t.is(event.kind, 'down-failed');
  t.deepEqual(event.error, { namespace: 'pkg/networkserver', name: 'absolute_time', message: 'invalid absolute time set in application downlink', code: 3 });
  t.true(event.dutyCycle);
  t.deepEqual(event.gatewayIds, ['gtw-north', 'gtw-south']);
  t.deepEqual(event.correlationIds.slice(0, 1), ['fuota:campaign-1:frag-7']);
});

test('down/failed for duty cycle at the top: message rendered from attributes', (t) => {
  const event = decodeTtsEvent(topic(MC, 'down/failed'), json(DOWN_FAILED_DUTY_CYCLE_FLAT), topics) as TtsDownlinkFailedEvent;
  t.true(event.dutyCycle);
  t.is(event.error.name, 'duty_cycle');
  t.is(event.error.message, 'utilization `1.2%` would be higher than the available `1%` for priority `HIGHEST`');
  t.is(event.error.code, 8);
});

test('down/failed no_downlink_path: not duty cycle, no gateways', (t) => {
  const event = decodeTtsEvent(topic(MC, 'down/failed'), json(DOWN_FAILED_NO_PATH), topics) as TtsDownlinkFailedEvent;
  t.like(event, { kind: 'down-failed', dutyCycle: false, gatewayIds: [], error: { namespace: 'pkg/networkserver', name: 'no_downlink_path', message: 'no downlink path available', code: 5 } });
  t.deepEqual(event.correlationIds, ['fuota:campaign-1:frag-8', 'as:downlink:01JEXAMPLE0000000000000007']);
});

test('down/failed: a duty-cycle word in the downlink itself (not the error) does not count', (t) => {
  const failed = structuredClone(DOWN_FAILED_NO_PATH);
  failed.downlink_failed.downlink.correlation_ids.push('fuota:duty_cycle-test');
  t.false((decodeTtsEvent(topic(MC, 'down/failed'), json(failed), topics) as TtsDownlinkFailedEvent).dutyCycle);
});

test('other events carry only device and event', (t) => {
  const ids = { end_device_ids: UPLINK.end_device_ids };
  t.deepEqual(decodeTtsEvent(topic(DEVICE, 'join'), json({ ...ids, join_accept: { session_key_id: 'AQ==' } }), topics), { kind: 'other', deviceId: DEVICE, event: 'join' });
  t.deepEqual(decodeTtsEvent(topic(DEVICE, 'down/invalidated'), json({ ...ids, downlink_queue_invalidated: { downlinks: [], last_f_cnt_down: 5 } }), topics), { kind: 'other', deviceId: DEVICE, event: 'down/invalidated' });
  t.deepEqual(decodeTtsEvent(topic(DEVICE, 'service/data'), json({ ...ids, service_data: { service: 'alcsync-v1', data: {} } }), topics), { kind: 'other', deviceId: DEVICE, event: 'service/data' });
});

function withUp(change: (up: Record<string, unknown>) => void): unknown {
  const copy = structuredClone(UPLINK) as unknown as Record<string, Record<string, unknown>>;
  change(copy['uplink_message']!);
  return copy;
}

const badUplinks: Array<[string, unknown, RegExp]> = [
  ['not JSON', 'not json', /expected a JSON object, got text that is not JSON/],
  ['empty payload', '', /an empty payload/],
  ['a JSON array', [], /expected a JSON object, got an array/],
  ['no end_device_ids', { uplink_message: UPLINK.uplink_message, received_at: UPLINK.received_at }, /end_device_ids: expected an object/],
  ['device id of another device', { ...UPLINK, end_device_ids: { ...UPLINK.end_device_ids, device_id: 'other-dev' } }, /end_device_ids.device_id: expected "eui-70b3d57ed0000001"/],
  ['application of another app', { ...UPLINK, end_device_ids: { ...UPLINK.end_device_ids, application_ids: { application_id: 'other-app' } } }, /end_device_ids.application_ids.application_id: expected "fuota-app"/],
  ['dev_eui not hex', { ...UPLINK, end_device_ids: { ...UPLINK.end_device_ids, dev_eui: '70B3D57ED00000XY' } }, /end_device_ids.dev_eui: expected 16 hex digits/],
  ['no uplink_message', { end_device_ids: UPLINK.end_device_ids, received_at: UPLINK.received_at }, /uplink_message: expected an object, got nothing/],
  ['f_port 256', withUp((up) => (up['f_port'] = 256)), /uplink_message.f_port: expected an integer 0..255, got 256/],
  ['f_cnt negative', withUp((up) => (up['f_cnt'] = -1)), /uplink_message.f_cnt: expected an integer/],
  ['f_cnt a fraction', withUp((up) => (up['f_cnt'] = 1.5)), /uplink_message.f_cnt/],
  ['frm_payload not base64', withUp((up) => (up['frm_payload'] = 'AQ$$')), /uplink_message.frm_payload: expected base64 text/],
  ['frm_payload a number', withUp((up) => (up['frm_payload'] = 5)), /uplink_message.frm_payload: expected base64 text, got 5/],
  ['rx_metadata not an array', withUp((up) => (up['rx_metadata'] = {})), /uplink_message.rx_metadata: expected an array/],
  ['gateway without id', withUp((up) => (up['rx_metadata'] = [{ gateway_ids: {} }])), /uplink_message.rx_metadata\[0\].gateway_ids.gateway_id: expected a gateway id/],
  ['gps_time not a time', withUp((up) => (up['rx_metadata'] = [{ gateway_ids: { gateway_id: 'g-1' }, gps_time: 'yesterday' }])), /rx_metadata\[0\].gps_time: expected an RFC 3339 date-time/],
  ['rssi a string', withUp((up) => (up['rx_metadata'] = [{ gateway_ids: { gateway_id: 'g-1' }, rssi: '-90' }])), /rx_metadata\[0\].rssi: expected a number/],
  ['no received_at anywhere', { ...(withUp((up) => delete up['received_at']) as object), received_at: undefined }, /received_at: expected an RFC 3339 date-time/],
  ['received_at malformed', { ...UPLINK, received_at: '2026-13-01T00:00:00Z' }, /received_at: expected an RFC 3339 date-time/],
  ['correlation_ids not strings', { ...UPLINK, correlation_ids: [1] }, /correlation_ids\[0\]: expected a string/],
];
for (const [why, payload, message] of badUplinks) {
  test(`bad up event: ${why}`, (t) => {
    const bytes = typeof payload === 'string' ? payload : json(payload);
    const error = t.throws(() => decodeTtsEvent(topic(DEVICE, 'up'), bytes, topics), { instanceOf: PeerError, message });
    t.is(error?.code, 'TTS_EVENT_INVALID');
  });
}

const badDownlinks: Array<[string, string, unknown, RegExp]> = [
  ['down/sent without downlink_sent', 'down/sent', { end_device_ids: DOWN_SENT.end_device_ids }, /downlink_sent: expected an object/],
  ['down/queued with f_port text', 'down/queued', { ...DOWN_QUEUED, downlink_queued: { f_port: 'x' } }, /downlink_queued.f_port: expected an integer/],
  ['down/failed without error', 'down/failed', { ...DOWN_FAILED_NO_PATH, downlink_failed: { downlink: {} } }, /downlink_failed.error: expected an object/],
  ['down/failed error without name', 'down/failed', { ...DOWN_FAILED_NO_PATH, downlink_failed: { error: { namespace: 'pkg/x' } } }, /downlink_failed.error.name: expected an error name/],
  ['down/failed gateway without id', 'down/failed', { ...DOWN_FAILED_NO_PATH, downlink_failed: { error: { name: 'x' }, downlink: { class_b_c: { gateways: [{}] } } } }, /downlink_failed.downlink.class_b_c.gateways\[0\].gateway_ids: expected an object/],
  ['down/failed error code text', 'down/failed', { ...DOWN_FAILED_NO_PATH, downlink_failed: { error: { name: 'x', code: 'five' } } }, /downlink_failed.error.code: expected an integer/],
];
for (const [why, event, payload, message] of badDownlinks) {
  test(`bad downlink event: ${why}`, (t) => {
    const error = t.throws(() => decodeTtsEvent(topic(MC, event), json(payload), topics), { instanceOf: PeerError, message });
    t.is(error?.code, 'TTS_EVENT_INVALID');
  });
}

test('a topic of another application is TTS_TOPIC_UNEXPECTED before the payload is read', (t) => {
  const error = t.throws(() => decodeTtsEvent(`v3/other@ttn/devices/${DEVICE}/up`, 'not json', topics), { instanceOf: PeerError });
  t.is(error?.code, 'TTS_TOPIC_UNEXPECTED');
});
