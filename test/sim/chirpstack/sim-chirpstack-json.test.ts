import integration from '@chirpstack/chirpstack-api/integration/integration_pb.js';
import test from 'ava';
import { queueItemOf, SimCommandError } from '../../../src/sim/chirpstack/sim-chirpstack-command.js';
import type { SimAckEvent, SimChirpstackEvent, SimLogEvent, SimTxAckEvent, SimUpEvent } from '../../../src/sim/chirpstack/sim-chirpstack-events.js';
import { DEFAULT_TENANCY, integrationMessage } from '../../../src/sim/chirpstack/sim-chirpstack-integration.js';
import { readJsonDownlinkCommand, writeJsonEvent } from '../../../src/sim/chirpstack/sim-chirpstack-json.js';
import { DOCS_OBJECT_COMMAND, DOCUMENTED_ACK, DOCUMENTED_LOG, DOCUMENTED_TXACK, DOCUMENTED_UP, MQTT_RS_COMMAND } from './chirpstack-documented-messages.js';

// The simulated ChirpStack's JSON against ChirpStack's own: the documented examples
// (chirpstack-documented-messages.ts) for the shape of every field, the generated classes of
// chirpstack-api 4.19 for the set of fields, and pbjson's rules (sim-chirpstack-json.ts) for
// the rest.

const APP = '17c82e96-be03-4f38-aef3-f83d48582d97';
const DEV = '0101010101010101';
const GW = '0016c001f153a14c';
const QUEUE_ITEM = '42cb6459-a640-46ec-9623-bdff39dc4736';
const T0 = Date.UTC(2025, 0, 1);

const UP: SimUpEvent = {
  kind: 'up', applicationId: APP, devEui: DEV, deduplicationId: '3ac7e3c4-4401-4b8d-9386-a5c902f9202d', timeMs: T0, fCnt: 0, fPort: 1,
  data: Uint8Array.of(1, 2, 255), dr: 5, confirmed: false, gatewayIds: [GW],
};
const TXACK: SimTxAckEvent = { kind: 'txack', applicationId: APP, devEui: DEV, queueItemId: QUEUE_ITEM, downlinkId: 3461958127, fCntDown: 2, gatewayId: GW, timeMs: T0 + 120 };
const ACK: SimAckEvent = { kind: 'ack', applicationId: APP, devEui: DEV, queueItemId: QUEUE_ITEM, acknowledged: true, fCntDown: 3, timeMs: T0 };
const LOG: SimLogEvent = { kind: 'log', applicationId: APP, devEui: DEV, level: 'ERROR', code: 'DOWNLINK_GATEWAY', description: 'TOO_LATE', context: { queue_item_id: QUEUE_ITEM }, timeMs: T0 };

function written(event: SimChirpstackEvent, nowMs = T0): Record<string, any> {
  return JSON.parse(new TextDecoder().decode(writeJsonEvent(integrationMessage(event, DEFAULT_TENANCY, nowMs))));
}

/** Maps of free keys (and the codec's object): their content is data, not shape. */
const FREE_KEYS = new Set(['tags', 'context', 'metadata', 'object']);

/** Every field path (`rxInfo[].gatewayId`) with its JSON type. */
function shape(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (path !== '') out.set(path, type);
  if (Array.isArray(value)) for (const item of value) shape(item, `${path}[]`, out);
  else if (type === 'object' && !FREE_KEYS.has(path.split('.').pop()!.replace('[]', ''))) {
    for (const [key, item] of Object.entries(value as object)) shape(item, path === '' ? key : `${path}.${key}`, out);
  }
  return out;
}

/** The JSON names of a generated message's fields; `emitted`: those not of message type (written even at their default). */
function generatedFields(message: { toObject(): object }): { all: Set<string>; emitted: Set<string> } {
  const entries = Object.entries(message.toObject()).map(([key, value]) => [key.replace(/(List|Map)$/, ''), value] as const);
  return { all: new Set(entries.map(([key]) => key)), emitted: new Set(entries.filter(([, value]) => value !== undefined).map(([key]) => key)) };
}

const DEVICE_INFO_FIELDS = generatedFields(new integration.DeviceInfo());

const CASES = [
  { event: UP, documented: DOCUMENTED_UP, generated: generatedFields(new integration.UplinkEvent()), notModelled: ['rxInfo[].context', 'rxInfo[].metadata'] },
  { event: TXACK, documented: DOCUMENTED_TXACK, generated: generatedFields(new integration.TxAckEvent()), notModelled: ['txInfo.context'] },
  { event: ACK, documented: DOCUMENTED_ACK, generated: generatedFields(new integration.AckEvent()), notModelled: [] },
  { event: LOG, documented: DOCUMENTED_LOG, generated: generatedFields(new integration.LogEvent()), notModelled: [] },
];

for (const { event, documented, generated, notModelled } of CASES) {
  test(`${event.kind}: every field of ChirpStack's documented example is written, with the same JSON type`, (t) => {
    const ours = shape(written(event));
    for (const [path, type] of shape(documented)) {
      if (notModelled.some((skip) => path === skip || path.startsWith(`${skip}.`))) continue;
      t.is(ours.get(path), type, path);
    }
  });

  test(`${event.kind}: every field written is ChirpStack's (documented, or a field of the chirpstack-api 4.19 message), and every non-message field is written (emit_fields)`, (t) => {
    const json = written(event);
    const documentedPaths = shape(documented);
    const allowed = new Set([...generated.all, ...[...DEVICE_INFO_FIELDS.all].map((name) => `deviceInfo.${name}`)]);
    const strangers = [...shape(json).keys()].filter((path) => !documentedPaths.has(path) && !allowed.has(path));
    t.deepEqual(strangers, []);
    t.deepEqual([...generated.emitted].filter((name) => !(name in json)), []);
    t.deepEqual(Object.keys(json.deviceInfo), [...DEVICE_INFO_FIELDS.all]);
  });
}

test('pbjson values: RFC 3339 as chrono writes it, base64, enums by name, zero values written in the integration messages only', (t) => {
  const up = written(UP);
  t.is(up.time, '2025-01-01T00:00:00+00:00', 'a whole second: no fraction, "+00:00" (chrono to_rfc3339)');
  t.is(written(TXACK).time, '2025-01-01T00:00:00.120+00:00', 'milliseconds: 3 digits');
  t.is(up.data, 'AQL/');
  t.like(up, { fCnt: 0, adr: false, confirmed: false, dr: 5, fPort: 1, devAddr: '01010101', regionConfigId: 'eu868' });
  t.deepEqual(up.deviceInfo, { ...DEFAULT_TENANCY, applicationId: APP, deviceName: DEV, devEui: DEV, deviceClassEnabled: 'CLASS_A', tags: {} });
  // rxInfo is gw.UplinkRxInfo, built without emit_fields: a level of 0 would be left out.
  t.deepEqual(Object.keys(up.rxInfo[0]), ['gatewayId', 'uplinkId', 'rssi', 'snr']);
  t.deepEqual(up.txInfo, { frequency: 868_100_000, modulation: { lora: { bandwidth: 125_000, spreadingFactor: 7, codeRate: 'CR_4_5' } } });
  const info = written({ ...LOG, level: 'INFO', code: 'UNKNOWN', context: {} });
  t.like(info, { level: 'INFO', code: 'UNKNOWN', context: {} });
  const noGateway = written({ ...TXACK, gatewayId: undefined, timeMs: undefined }, T0 + 5_000);
  t.is(noGateway.gatewayId, '');
  t.is(noGateway.time, '2025-01-01T00:00:05+00:00', 'ChirpStack always sets time: the network now');
  t.deepEqual(noGateway.txInfo.timing, { delay: { delay: '1s' } });
  t.deepEqual(written({ ...UP, gatewayIds: [] }).rxInfo, []);
});

test('object: written when the uplink has one that a google.protobuf.Struct can hold, left out otherwise', (t) => {
  t.deepEqual(written({ ...UP, object: { version: '1.2.3', battery: { level: 88.3 } } }).object, { version: '1.2.3', battery: { level: 88.3 } });
  t.false('object' in written(UP));
  t.false('object' in written({ ...UP, object: [1, 2] }));
  t.false('object' in written({ ...UP, object: 7 }));
});

// ---- command/down -----------------------------------------------------------------------

const read = (json: string) => readJsonDownlinkCommand(new TextEncoder().encode(json));

test(`command/down: the command of ChirpStack's own MQTT test (mqtt.rs test_mqtt) becomes the queue item it asserts`, (t) => {
  const item = queueItemOf(MQTT_RS_COMMAND.topicDevEui, read(MQTT_RS_COMMAND.json));
  t.deepEqual({ ...item, data: [...item.data] }, MQTT_RS_COMMAND.queueItem);
});

test('command/down: the documented example (mqtt.md) with an object and no data or id is taken; the profile has no codec, so the payload is empty', (t) => {
  const command = read(DOCS_OBJECT_COMMAND.json);
  t.deepEqual(command.object, { temperatureSensor: { 1: 25 }, humiditySensor: { 1: 32 } });
  t.like(command, { id: '', devEui: '0102030405060708', confirmed: true, fPort: 10 });
  const item = queueItemOf(DOCS_OBJECT_COMMAND.topicDevEui, command);
  t.regex(item.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'ChirpStack picks a v4 UUID');
  t.is(item.data.length, 0);
});

test('command/down: proto names, numbers as strings, URL-safe unpadded base64, expiresAt with an offset, null messages, unknown fields', (t) => {
  const command = read('{"id":"","dev_eui":"0102030405060708","f_port":"+10","data":"-_8","expires_at":"2025-01-01T02:00:00.5+02:00","object":null,"priority":"HIGH"}');
  t.deepEqual({ ...command, data: [...command.data] }, { id: '', devEui: '0102030405060708', confirmed: false, fPort: 10, data: [0xfb, 0xff], expiresAtMs: T0 + 500 });
  t.false('expiresAtMs' in read('{"devEui":"0102030405060708","fPort":1,"expiresAt":null}'));
  t.deepEqual([...read('{"devEui":"0102030405060708","fPort":1,"data":"AQI"}').data], [1, 2], 'padding is optional');
});

for (const [json, why] of [
  ['{"devEui":', 'not JSON'],
  ['[1]', 'not an object'],
  ['{"devEui":"0102030405060708","dev_eui":"0102030405060708"}', 'a field given by both its names'],
  ['{"devEui":null}', 'null for a string'],
  ['{"confirmed":"true"}', 'a bool as a string'],
  ['{"fPort":-1}', 'a negative uint32'],
  ['{"fPort":1.5}', 'a fraction'],
  ['{"fPort":"0x10"}', 'a hex string'],
  ['{"data":"AQ="}', 'wrong padding'],
  ['{"data":"AR=="}', 'stray bits in the last symbol'],
  ['{"data":"A"}', 'a length of 1 mod 4'],
  ['{"data":"AQ+_"}', 'both alphabets at once'],
  ['{"data":"AQ I="}', 'a space'],
  ['{"object":[1]}', 'an object that is not a JSON object'],
  ['{"expiresAt":"2025-01-01"}', 'a date without time'],
] as const) {
  test(`command/down refused: ${why}`, (t) => {
    t.throws(() => read(json), { instanceOf: SimCommandError });
  });
}

test('deviceInfo kept per device: each event written is one JSON object with the deviceInfo of its message, another tenancy is not served the kept one', (t) => {
  const check = (event: SimChirpstackEvent, tenancy = DEFAULT_TENANCY): void => {
    const message = integrationMessage(event, tenancy, T0);
    const text = new TextDecoder().decode(writeJsonEvent(message));
    const json = JSON.parse(text) as Record<string, unknown>;
    // Written again from the parse: same text, so no key is doubled and the order holds.
    t.is(text, JSON.stringify(json));
    t.deepEqual(Object.keys(json).slice(0, 3).includes('deviceInfo'), true);
    const info = message.deviceInfo;
    t.deepEqual(json['deviceInfo'], {
      tenantId: info.tenantId, tenantName: info.tenantName, applicationId: info.applicationId, applicationName: info.applicationName,
      deviceProfileId: info.deviceProfileId, deviceProfileName: info.deviceProfileName, deviceName: info.deviceName, devEui: info.devEui,
      deviceClassEnabled: info.deviceClassEnabled, tags: {},
    });
  };
  for (const event of [UP, TXACK, ACK, LOG, UP, { ...UP, object: { temperature: 21.5 } }]) check(event);
  check(UP, { ...DEFAULT_TENANCY, tenantName: 'another tenant' });
  check(UP);
});
