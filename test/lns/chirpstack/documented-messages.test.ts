import common from '@chirpstack/chirpstack-api/common/common_pb.js';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import integration from '@chirpstack/chirpstack-api/integration/integration_pb.js';
import duration from 'google-protobuf/google/protobuf/duration_pb.js';
import timestamp from 'google-protobuf/google/protobuf/timestamp_pb.js';
import test from 'ava';
import { FuotaError, ValueError } from '../../../src/core/errors.js';
import type { Eui64 } from '../../../src/core/eui.js';
import { toUplink, type ChirpstackEvent, type UpEvent } from '../../../src/lns/chirpstack/events.js';
import { decodeEventMessage, downlinkMessage } from '../../../src/lns/chirpstack/messages.js';
import type { PayloadEncoding } from '../../../src/lns/chirpstack/payload-encoding.js';
import { ChirpstackPayloadError } from '../../../src/lns/chirpstack/payload-error.js';
import { ChirpstackTopics } from '../../../src/lns/chirpstack/topics.js';
import {
  CLASS_A_TEST_ACK, CLASS_A_TEST_UP, DATA_RS_NACK, DATA_RS_PAYLOAD_SIZE_LOG, DOCS_OBJECT_COMMAND, DOCUMENTED_ACK,
  DOCUMENTED_INTEGRATION, DOCUMENTED_JOIN, DOCUMENTED_LOCATION, DOCUMENTED_LOG, DOCUMENTED_STATUS, DOCUMENTED_TXACK,
  DOCUMENTED_UP, MQTT_RS_COMMAND, MQTT_RS_EVENTS, TX_ACK_RS_GATEWAY_LOG, TX_ACK_TEST_TXACK,
} from '../../sim/chirpstack/chirpstack-documented-messages.js';

// The adapter (messages.ts) against ChirpStack's own messages (chirpstack-documented-messages.ts:
// each constant cites its source). JSON: the constants as they stand. Protobuf: the same values
// set field by field with the generated classes of @chirpstack/chirpstack-api 4.19 (not our
// encoder). Topics: ChirpStack's default template, as mqtt.rs test_mqtt spells them out.

type Json = Record<string, any>;
const topics = new ChirpstackTopics();
const topicOf = (event: string, app: string, dev: string) => `application/${app}/device/${dev}/event/${event}`;
const jsonBytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const base64 = (text: string) => Uint8Array.from(Buffer.from(text, 'base64'));

// ---- Protobuf, from the documented values, with ChirpStack's generated classes ----

function ts(text: string): InstanceType<typeof timestamp.Timestamp> {
  const m = /^(.+?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text)!;
  const out = new timestamp.Timestamp();
  out.setSeconds(Date.parse(`${m[1]}${m[3]}`) / 1000);
  out.setNanos(Number((m[2] ?? '').padEnd(9, '0')));
  return out;
}

function seconds(text: string): InstanceType<typeof duration.Duration> {
  const out = new duration.Duration();
  out.setSeconds(Number(text.replace(/s$/, '')));
  return out;
}

function deviceInfo(j: Json): InstanceType<typeof integration.DeviceInfo> {
  const info = new integration.DeviceInfo();
  info.setTenantId(j.tenantId ?? '');
  info.setTenantName(j.tenantName ?? '');
  info.setApplicationId(j.applicationId ?? '');
  info.setApplicationName(j.applicationName ?? '');
  info.setDeviceProfileId(j.deviceProfileId ?? '');
  info.setDeviceProfileName(j.deviceProfileName ?? '');
  info.setDeviceName(j.deviceName ?? '');
  info.setDevEui(j.devEui ?? '');
  info.setDeviceClassEnabled(common.DeviceClass[(j.deviceClassEnabled ?? 'CLASS_A') as keyof typeof common.DeviceClass]);
  for (const [key, value] of Object.entries(j.tags ?? {})) info.getTagsMap().set(key, value as string);
  return info;
}

interface Head {
  setTime(value?: InstanceType<typeof timestamp.Timestamp>): void;
  setDeviceInfo(value?: InstanceType<typeof integration.DeviceInfo>): void;
}

function head<M extends Head>(msg: M, j: Json): M {
  if (j.time !== undefined) msg.setTime(ts(j.time));
  if (j.deviceInfo !== undefined) msg.setDeviceInfo(deviceInfo(j.deviceInfo));
  return msg;
}

function modulation(j: Json): InstanceType<typeof gw.Modulation> {
  const lora = new gw.LoraModulationInfo();
  lora.setBandwidth(j.lora.bandwidth);
  lora.setSpreadingFactor(j.lora.spreadingFactor);
  lora.setCodeRate(gw.CodeRate[j.lora.codeRate as keyof typeof gw.CodeRate]);
  lora.setPolarizationInversion(j.lora.polarizationInversion ?? false);
  const out = new gw.Modulation();
  out.setLora(lora);
  return out;
}

function location(j: Json): InstanceType<typeof common.Location> {
  const out = new common.Location();
  out.setLatitude(j.latitude ?? 0);
  out.setLongitude(j.longitude ?? 0);
  out.setAltitude(j.altitude ?? 0);
  return out;
}

function rxInfo(j: Json): InstanceType<typeof gw.UplinkRxInfo> {
  const rx = new gw.UplinkRxInfo();
  rx.setGatewayId(j.gatewayId);
  rx.setUplinkId(j.uplinkId ?? 0);
  rx.setRssi(j.rssi ?? 0);
  rx.setSnr(j.snr ?? 0);
  rx.setContext(base64(j.context ?? ''));
  if (j.location !== undefined) rx.setLocation(location(j.location));
  for (const [key, value] of Object.entries(j.metadata ?? {})) rx.getMetadataMap().set(key, value as string);
  return rx;
}

function downlinkTxInfo(j: Json): InstanceType<typeof gw.DownlinkTxInfo> {
  const tx = new gw.DownlinkTxInfo();
  tx.setFrequency(j.frequency ?? 0);
  tx.setPower(j.power ?? 0);
  if (j.modulation !== undefined) tx.setModulation(modulation(j.modulation));
  const timing = new gw.Timing();
  if (j.timing?.delay !== undefined) timing.setDelay(delayOf(j.timing.delay.delay));
  if (j.timing?.gpsEpoch !== undefined) timing.setGpsEpoch(gpsEpochOf(j.timing.gpsEpoch.timeSinceGpsEpoch));
  if (j.timing !== undefined) tx.setTiming(timing);
  tx.setContext(base64(j.context ?? ''));
  return tx;
}

function delayOf(text: string): InstanceType<typeof gw.DelayTimingInfo> {
  const out = new gw.DelayTimingInfo();
  out.setDelay(seconds(text));
  return out;
}

function gpsEpochOf(text: string): InstanceType<typeof gw.GPSEpochTimingInfo> {
  const out = new gw.GPSEpochTimingInfo();
  out.setTimeSinceGpsEpoch(seconds(text));
  return out;
}

/** chirpstack-api 4.19 has no IntegrationEvent class: that event is checked in JSON only. */
const PROTOBUF: Record<string, (j: Json) => Uint8Array> = {
  up: (j) => {
    const msg = head(new integration.UplinkEvent(), j);
    msg.setDeduplicationId(j.deduplicationId ?? '');
    msg.setDevAddr(j.devAddr ?? '');
    msg.setAdr(j.adr ?? false);
    msg.setDr(j.dr ?? 0);
    msg.setFCnt(j.fCnt ?? 0);
    msg.setFPort(j.fPort ?? 0);
    msg.setConfirmed(j.confirmed ?? false);
    msg.setData(base64(j.data ?? ''));
    for (const rx of j.rxInfo ?? []) msg.addRxInfo(rxInfo(rx));
    if (j.txInfo !== undefined) {
      const tx = new gw.UplinkTxInfo();
      tx.setFrequency(j.txInfo.frequency);
      tx.setModulation(modulation(j.txInfo.modulation));
      msg.setTxInfo(tx);
    }
    msg.setRegionConfigId(j.regionConfigId ?? '');
    return msg.serializeBinary();
  },
  txack: (j) => {
    const msg = head(new integration.TxAckEvent(), j);
    msg.setDownlinkId(j.downlinkId ?? 0);
    msg.setQueueItemId(j.queueItemId ?? '');
    msg.setFCntDown(j.fCntDown ?? 0);
    msg.setGatewayId(j.gatewayId ?? '');
    if (j.txInfo !== undefined) msg.setTxInfo(downlinkTxInfo(j.txInfo));
    return msg.serializeBinary();
  },
  ack: (j) => {
    const msg = head(new integration.AckEvent(), j);
    msg.setDeduplicationId(j.deduplicationId ?? '');
    msg.setQueueItemId(j.queueItemId ?? '');
    msg.setAcknowledged(j.acknowledged ?? false);
    msg.setFCntDown(j.fCntDown ?? 0);
    return msg.serializeBinary();
  },
  log: (j) => {
    const msg = head(new integration.LogEvent(), j);
    msg.setLevel(integration.LogLevel[(j.level ?? 'INFO') as keyof typeof integration.LogLevel]);
    msg.setCode(integration.LogCode[(j.code ?? 'UNKNOWN') as keyof typeof integration.LogCode]);
    msg.setDescription(j.description ?? '');
    for (const [key, value] of Object.entries(j.context ?? {})) msg.getContextMap().set(key, value as string);
    return msg.serializeBinary();
  },
  join: (j) => {
    const msg = head(new integration.JoinEvent(), j);
    msg.setDeduplicationId(j.deduplicationId ?? '');
    msg.setDevAddr(j.devAddr ?? '');
    return msg.serializeBinary();
  },
  status: (j) => {
    const msg = head(new integration.StatusEvent(), j);
    msg.setDeduplicationId(j.deduplicationId ?? '');
    msg.setMargin(j.margin ?? 0);
    msg.setExternalPowerSource(j.externalPowerSource ?? false);
    msg.setBatteryLevelUnavailable(j.batteryLevelUnavailable ?? false);
    msg.setBatteryLevel(j.batteryLevel ?? 0);
    return msg.serializeBinary();
  },
  location: (j) => {
    const msg = head(new integration.LocationEvent(), j);
    msg.setDeduplicationId(j.deduplicationId ?? '');
    if (j.location !== undefined) msg.setLocation(location(j.location));
    return msg.serializeBinary();
  },
};

function payloadOf(event: string, json: Json | string, encoding: PayloadEncoding): Uint8Array {
  if (encoding === 'json') return jsonBytes(json);
  return PROTOBUF[event]!(typeof json === 'string' ? JSON.parse(json) : json);
}

function decode(event: string, json: Json | string, encoding: PayloadEncoding, topic?: string): ChirpstackEvent {
  const info = (typeof json === 'string' ? JSON.parse(json) : json).deviceInfo;
  const message = { topic: topic ?? topicOf(event, info.applicationId, info.devEui), payload: payloadOf(event, json, encoding) };
  return decodeEventMessage(topics, message, encoding).event;
}

// ---- Expected: what the adapter must read from each ----

const DOC_APP = DOCUMENTED_UP.deviceInfo.applicationId;
const DOC_DEV = DOCUMENTED_UP.deviceInfo.devEui as Eui64;
const NIL = '00000000-0000-0000-0000-000000000000';
const MQTT_RS = { applicationId: MQTT_RS_EVENTS.applicationId, devEui: MQTT_RS_EVENTS.devEui as Eui64 };
const docRef = { applicationId: DOC_APP, devEui: DOC_DEV };

const DECODED: Array<[string, string, Json | string, ChirpstackEvent]> = [
  ['events.md up (v4.0: fCnt, confirmed, adr left out = 0, false, false)', 'up', DOCUMENTED_UP, {
    kind: 'up', ...docRef, deduplicationId: '3ac7e3c4-4401-4b8d-9386-a5c902f9202d', timeMs: Date.UTC(2022, 6, 18, 9, 34, 15, 775),
    fCnt: 0, fPort: 1, data: Uint8Array.of(0xaa), dr: 1, confirmed: false, gatewayIds: ['0016c001f153a14c'],
  }],
  ['events.md txack', 'txack', DOCUMENTED_TXACK, {
    kind: 'txack', ...docRef, queueItemId: '42cb6459-a640-46ec-9623-bdff39dc4736', downlinkId: 3461958127, fCntDown: 2,
    gatewayId: '0016c001f153a14c', timeMs: Date.UTC(2022, 6, 18, 9, 37, 48, 929),
  }],
  ['events.md ack', 'ack', DOCUMENTED_ACK, {
    kind: 'ack', ...docRef, queueItemId: '1bbcab1d-6ec6-4136-b3f5-d63be1dc08de', acknowledged: true, fCntDown: 3, timeMs: Date.UTC(2022, 6, 18, 9, 38, 49, 235),
  }],
  ['events.md log', 'log', DOCUMENTED_LOG, {
    kind: 'log', ...docRef, level: 'ERROR', code: 'UPLINK_MIC', description: 'MIC of join-request is invalid, make sure keys are correct',
    context: { deduplication_id: '4e91db13-5ce3-4c8c-ab0f-dfc626cf0771' }, timeMs: Date.UTC(2022, 6, 18, 9, 39, 57, 311),
  }],
  ['mqtt.rs test_mqtt log (every field at its default)', 'log', MQTT_RS_EVENTS.json.log, {
    kind: 'log', ...MQTT_RS, level: 'INFO', code: 'UNKNOWN', description: '', context: {},
  }],
  ['class_a_test.rs uplink (v4.1+ form, every scalar written)', 'up', CLASS_A_TEST_UP, {
    kind: 'up', applicationId: CLASS_A_TEST_UP.deviceInfo.applicationId, devEui: '0202030405060708' as Eui64,
    deduplicationId: CLASS_A_TEST_UP.deduplicationId, timeMs: Date.UTC(2024, 4, 6, 7, 8, 9, 123), fCnt: 10, fPort: 1,
    data: Uint8Array.of(215, 241, 112, 52), dr: 0, confirmed: false, gatewayIds: ['0102030405060708'],
  }],
  ['class_a_test.rs ack of queue item Uuid::nil()', 'ack', CLASS_A_TEST_ACK, {
    kind: 'ack', applicationId: CLASS_A_TEST_ACK.deviceInfo.applicationId, devEui: '0202030405060708' as Eui64, queueItemId: NIL,
    acknowledged: true, fCntDown: 4, timeMs: Date.UTC(2024, 4, 6, 7, 8, 10, 500),
  }],
  ['tx_ack.rs txack of a class-B downlink (GPS-epoch timing)', 'txack', TX_ACK_TEST_TXACK, {
    kind: 'txack', applicationId: TX_ACK_TEST_TXACK.deviceInfo.applicationId, devEui: '0102030405060708' as Eui64,
    queueItemId: TX_ACK_TEST_TXACK.queueItemId, downlinkId: 1234, fCntDown: 10, gatewayId: '0807060504030201', timeMs: Date.UTC(2024, 4, 6, 7, 10, 0, 0),
  }],
  ['tx_ack.rs DOWNLINK_GATEWAY log (gateway answered TOO_LATE)', 'log', TX_ACK_RS_GATEWAY_LOG, {
    kind: 'log', ...docRef, level: 'ERROR', code: 'DOWNLINK_GATEWAY', description: 'TOO_LATE', context: {}, timeMs: Date.UTC(2024, 4, 6, 7, 11, 0, 250),
  }],
  ['data.rs DOWNLINK_PAYLOAD_SIZE log', 'log', DATA_RS_PAYLOAD_SIZE_LOG, {
    kind: 'log', ...docRef, level: 'ERROR', code: 'DOWNLINK_PAYLOAD_SIZE', description: DATA_RS_PAYLOAD_SIZE_LOG.description,
    context: { max_payload_size: '51', item_size: '60', queue_item_id: 'c1a55a00-0000-4000-8000-0000000000ad' }, timeMs: Date.UTC(2024, 4, 6, 7, 12),
  }],
  ['data.rs nack of a timed-out confirmed item (acknowledged: false written)', 'ack', DATA_RS_NACK, {
    kind: 'ack', ...docRef, queueItemId: 'c1a55a00-0000-4000-8000-0000000000ae', acknowledged: false, fCntDown: 7, timeMs: Date.UTC(2024, 4, 6, 7, 13, 0, 999),
  }],
];

const IGNORED: Array<[string, string, Json | string]> = [
  ['events.md join', 'join', DOCUMENTED_JOIN],
  ['events.md status', 'status', DOCUMENTED_STATUS],
  ['events.md location', 'location', DOCUMENTED_LOCATION],
  ...(['join', 'status', 'location'] as const).map((e) => [`mqtt.rs test_mqtt ${e}`, e, MQTT_RS_EVENTS.json[e]] as [string, string, string]),
];

/**
 * mqtt.rs test_mqtt events with nothing but deviceInfo. Real ones always carry them (an uplink its
 * rx time; tx_ack.rs send_tx_ack_event and data.rs the queue item id): refused, naming the field.
 */
const REFUSED: Array<[string, string, string, string]> = [
  ['up', MQTT_RS_EVENTS.json.up, 'CHIRPSTACK_FIELD_MISSING', 'time'],
  ['txack', MQTT_RS_EVENTS.json.txack, 'CHIRPSTACK_FIELD_MISSING', 'queueItemId'],
  ['ack', MQTT_RS_EVENTS.json.ack, 'CHIRPSTACK_FIELD_MISSING', 'queueItemId'],
];

for (const encoding of ['json', 'protobuf'] as const) {
  for (const [name, event, json, expected] of DECODED) {
    test(`${encoding}: ${name} decodes to exactly its values`, (t) => {
      t.deepEqual(decode(event, json, encoding), expected);
    });
  }

  for (const [name, event, json] of IGNORED) {
    test(`${encoding}: ${name} is accepted and ignored`, (t) => {
      t.like(decode(event, json, encoding), { kind: 'ignored', event });
    });
  }

  for (const [event, json, code, field] of REFUSED) {
    test(`${encoding}: mqtt.rs test_mqtt ${event} (defaults only) is refused: ${field}`, (t) => {
      const error = t.throws(() => decode(event, json, encoding), { instanceOf: ChirpstackPayloadError });
      t.like(error, { code, field });
    });
  }
}

test('json: events.md integration (LoRa Cloud object) is accepted and ignored', (t) => {
  t.like(decode('integration', DOCUMENTED_INTEGRATION, 'json'), { kind: 'ignored', event: 'integration' });
  t.like(decode('integration', MQTT_RS_EVENTS.json.integration, 'json'), { kind: 'ignored', event: 'integration' });
});

test('the v4.0 up really lacks the fields v4.1 writes, and the v4.1+ examples have them', (t) => {
  for (const key of ['fCnt', 'confirmed', 'adr']) {
    t.false(key in DOCUMENTED_UP, key);
    t.true(key in CLASS_A_TEST_UP, key);
  }
  t.true('acknowledged' in DATA_RS_NACK);
  t.true(TX_ACK_RS_GATEWAY_LOG.description in gw.TxAckStatus, 'description is a gw.TxAckStatus name');
});

test('toUplink of the documented up: the campaign sees device, port, bytes and time', (t) => {
  const up = decode('up', DOCUMENTED_UP, 'json') as UpEvent;
  t.deepEqual(toUplink(up), { devEui: DOC_DEV, fPort: 1, payload: Uint8Array.of(0xaa), atMs: Date.UTC(2022, 6, 18, 9, 34, 15, 775) });
});

// ---- Commands: our downlinkMessage against what ChirpStack reads ----

const COMMAND_APP = 'c1a55a00-0000-4000-8000-000000000002';
const q = MQTT_RS_COMMAND.queueItem;
const MQTT_RS_DOWN = { id: q.id, devEui: q.devEui as Eui64, confirmed: q.confirmed, fPort: q.fPort, data: Uint8Array.from(q.data) };

test('command, JSON: byte for byte the command mqtt.rs test_mqtt publishes, on its topic', (t) => {
  const message = downlinkMessage(topics, COMMAND_APP, MQTT_RS_DOWN, 'json');
  t.is(message.topic, `application/${COMMAND_APP}/device/${MQTT_RS_COMMAND.topicDevEui}/command/down`);
  t.is(new TextDecoder().decode(message.payload), MQTT_RS_COMMAND.json);
});

test('command, Protobuf: chirpstack-api reads the same queue item, and the bytes are those of its own setters', (t) => {
  const message = downlinkMessage(topics, COMMAND_APP, MQTT_RS_DOWN, 'protobuf');
  const read = integration.DownlinkCommand.deserializeBinary(message.payload);
  t.deepEqual({ id: read.getId(), devEui: read.getDevEui(), confirmed: read.getConfirmed(), fPort: read.getFPort(), data: [...read.getData_asU8()] }, q);
  t.false(read.hasObject());
  t.false(read.hasExpiresAt());
  const json = JSON.parse(MQTT_RS_COMMAND.json);
  const built = new integration.DownlinkCommand();
  built.setId(json.id);
  built.setDevEui(json.devEui);
  built.setConfirmed(json.confirmed);
  built.setFPort(json.fPort);
  built.setData(base64(json.data));
  t.deepEqual(message.payload, built.serializeBinary());
});

test("command: field names are the mqtt.md example's and integration.proto's; expiresAt is RFC 3339 / a Timestamp", (t) => {
  const docs = JSON.parse(DOCS_OBJECT_COMMAND.json);
  const expiresAtMs = Date.UTC(2025, 0, 1, 1, 0, 0, 500);
  const command = { id: q.id, devEui: docs.devEui, confirmed: docs.confirmed, fPort: docs.fPort, data: Uint8Array.of(1, 2, 3), expiresAtMs };
  const json = JSON.parse(new TextDecoder().decode(downlinkMessage(topics, COMMAND_APP, command, 'json').payload));
  const known = new Set([...Object.keys(docs), ...Object.keys(new integration.DownlinkCommand().toObject())]);
  t.deepEqual(Object.keys(json).filter((key) => !known.has(key)), []);
  t.like(json, { id: q.id, devEui: '0102030405060708', confirmed: true, fPort: 10, data: 'AQID', expiresAt: '2025-01-01T01:00:00.500Z' });
  const read = integration.DownlinkCommand.deserializeBinary(downlinkMessage(topics, COMMAND_APP, command, 'protobuf').payload);
  t.deepEqual([read.getExpiresAt()?.getSeconds(), read.getExpiresAt()?.getNanos()], [Math.floor(expiresAtMs / 1000), 500_000_000]);
});

test('command: a devEui given in capitals is the same lower-case string in topic and payload (mqtt.rs compares them as strings)', (t) => {
  const message = downlinkMessage(topics, COMMAND_APP, { ...MQTT_RS_DOWN, devEui: '0A0B0C0D0E0F1011' as Eui64 }, 'json');
  t.is(message.topic, `application/${COMMAND_APP}/device/0a0b0c0d0e0f1011/command/down`);
  t.is(JSON.parse(new TextDecoder().decode(message.payload)).devEui, '0a0b0c0d0e0f1011');
});

test('command: fPort 0 and an id that is not a UUID are refused before sending (integration.proto "FPort (must be > 0)"; mod.rs parses id as a UUID)', (t) => {
  for (const [change, code, field] of [[{ fPort: 0 }, 'VALUE_OUT_OF_RANGE', 'fPort'], [{ id: 'queue-1' }, 'INVALID_UUID', 'id']] as const) {
    const error = t.throws(() => downlinkMessage(topics, COMMAND_APP, { ...MQTT_RS_DOWN, ...change }, 'json'), { instanceOf: ValueError });
    t.is(error.code, code);
    t.is(error.field, `DownlinkCommand.${field}`);
  }
});

// ---- Bad input: documented messages broken the way deployments break them ----

function omit<T extends object>(obj: T, key: keyof T): Partial<T> {
  const { [key]: _dropped, ...rest } = obj;
  return rest as Partial<T>;
}
const withDevEui = <T extends { deviceInfo: object }>(obj: T, devEui: string) => ({ ...obj, deviceInfo: { ...obj.deviceInfo, devEui } });
const pb = (event: string, json: Json) => PROTOBUF[event]!(json);
const docTopic = (event: string) => topicOf(event, DOC_APP, DOC_DEV);

const BAD: Array<{ name: string; event: string; payload: Uint8Array; encoding: PayloadEncoding; code: string; field: string; topic?: string }> = [
  { name: 'up without deviceInfo', event: 'up', payload: jsonBytes(omit(DOCUMENTED_UP, 'deviceInfo')), encoding: 'json', code: 'CHIRPSTACK_FIELD_MISSING', field: 'deviceInfo' },
  { name: 'txack without deviceInfo (Protobuf)', event: 'txack', payload: pb('txack', omit(DOCUMENTED_TXACK, 'deviceInfo')), encoding: 'protobuf', code: 'CHIRPSTACK_FIELD_MISSING', field: 'deviceInfo' },
  { name: 'up with a 14-digit devEui', event: 'up', payload: jsonBytes(withDevEui(DOCUMENTED_UP, '01010101010101')), encoding: 'json', code: 'CHIRPSTACK_FIELD_INVALID', field: 'deviceInfo.devEui' },
  { name: 'ack with an 18-digit devEui (Protobuf)', event: 'ack', payload: pb('ack', withDevEui(DOCUMENTED_ACK, '010101010101010101')), encoding: 'protobuf', code: 'CHIRPSTACK_FIELD_INVALID', field: 'deviceInfo.devEui' },
  { name: 'up with data over-padded', event: 'up', payload: jsonBytes({ ...DOCUMENTED_UP, data: 'qg===' }), encoding: 'json', code: 'CHIRPSTACK_FIELD_INVALID', field: 'data' },
  { name: 'up with data of a single base64 digit', event: 'up', payload: jsonBytes({ ...DOCUMENTED_UP, data: 'q' }), encoding: 'json', code: 'CHIRPSTACK_FIELD_INVALID', field: 'data' },
  { name: 'up with data pasted with a space', event: 'up', payload: jsonBytes({ ...DOCUMENTED_UP, data: 'qg ==' }), encoding: 'json', code: 'CHIRPSTACK_FIELD_INVALID', field: 'data' },
  { name: 'up with data as a byte array', event: 'up', payload: jsonBytes({ ...DOCUMENTED_UP, data: [170] }), encoding: 'json', code: 'CHIRPSTACK_FIELD_INVALID', field: 'data' },
  { name: 'up with fPort 256', event: 'up', payload: jsonBytes({ ...DOCUMENTED_UP, fPort: 256 }), encoding: 'json', code: 'CHIRPSTACK_FIELD_INVALID', field: 'fPort' },
  { name: 'up with fPort -1', event: 'up', payload: jsonBytes({ ...DOCUMENTED_UP, fPort: -1 }), encoding: 'json', code: 'CHIRPSTACK_FIELD_INVALID', field: 'fPort' },
  { name: 'up with fPort 1.5', event: 'up', payload: jsonBytes({ ...DOCUMENTED_UP, fPort: 1.5 }), encoding: 'json', code: 'CHIRPSTACK_FIELD_INVALID', field: 'fPort' },
  { name: 'up with fPort 256 (Protobuf uint32)', event: 'up', payload: pb('up', { ...DOCUMENTED_UP, fPort: 256 }), encoding: 'protobuf', code: 'CHIRPSTACK_FIELD_INVALID', field: 'fPort' },
  { name: 'up with time as Unix seconds', event: 'up', payload: jsonBytes({ ...DOCUMENTED_UP, time: 1658136855 }), encoding: 'json', code: 'CHIRPSTACK_FIELD_INVALID', field: 'time' },
  { name: 'txack with a queueItemId that is no UUID', event: 'txack', payload: jsonBytes({ ...DOCUMENTED_TXACK, queueItemId: '1' }), encoding: 'json', code: 'CHIRPSTACK_FIELD_INVALID', field: 'queueItemId' },
  { name: 'log with level DEBUG', event: 'log', payload: jsonBytes({ ...DOCUMENTED_LOG, level: 'DEBUG' }), encoding: 'json', code: 'CHIRPSTACK_FIELD_INVALID', field: 'level' },
  { name: 'log with a number in context', event: 'log', payload: jsonBytes({ ...DOCUMENTED_LOG, context: { deduplication_id: 4 } }), encoding: 'json', code: 'CHIRPSTACK_FIELD_INVALID', field: 'context.deduplication_id' },
  ...(['up', 'txack', 'ack', 'log'] as const).flatMap((event) => {
    const json = { up: DOCUMENTED_UP, txack: DOCUMENTED_TXACK, ack: DOCUMENTED_ACK, log: DOCUMENTED_LOG }[event];
    return [
      { name: `${event}: Protobuf body to a JSON-configured adapter`, event, payload: pb(event, json), encoding: 'json' as const, code: 'CHIRPSTACK_JSON_INVALID', field: 'payload' },
      { name: `${event}: JSON body to a Protobuf-configured adapter`, event, payload: jsonBytes(json), encoding: 'protobuf' as const, code: 'CHIRPSTACK_PROTOBUF_INVALID', field: 'payload' },
    ];
  }),
  { name: 'empty JSON payload', event: 'up', payload: new Uint8Array(0), encoding: 'json', code: 'CHIRPSTACK_JSON_INVALID', field: 'payload' },
  { name: 'empty Protobuf payload', event: 'up', payload: new Uint8Array(0), encoding: 'protobuf', code: 'CHIRPSTACK_FIELD_MISSING', field: 'deviceInfo' },
  { name: 'JSON null', event: 'ack', payload: jsonBytes('null'), encoding: 'json', code: 'CHIRPSTACK_JSON_INVALID', field: 'payload' },
  { name: "payload devEui other than the topic's", event: 'up', payload: jsonBytes(DOCUMENTED_UP), encoding: 'json', code: 'CHIRPSTACK_TOPIC_PAYLOAD_MISMATCH', field: 'deviceInfo.devEui', topic: topicOf('up', DOC_APP, '0202020202020202') },
  { name: "payload applicationId other than the topic's", event: 'ack', payload: pb('ack', DOCUMENTED_ACK), encoding: 'protobuf', code: 'CHIRPSTACK_TOPIC_PAYLOAD_MISMATCH', field: 'deviceInfo.applicationId', topic: topicOf('ack', NIL, DOC_DEV) },
];

for (const { name, event, payload, encoding, code, field, topic } of BAD) {
  test(`bad input, ${encoding}: ${name} -> ${code} naming ${field}`, (t) => {
    const error = t.throws(() => decodeEventMessage(topics, { topic: topic ?? docTopic(event), payload }, encoding), { instanceOf: ChirpstackPayloadError });
    t.true(error instanceof FuotaError);
    t.like(error, { code, field, fault: 'peer' });
    t.true(error.message.includes(` ${field}: `), error.message);
  });
}

test('bad input: an event level that no template variable can match is a topic mismatch naming the topic', (t) => {
  for (const topic of [docTopic('up-v2'), `application/${DOC_APP}/device/01010101010101/event/up`]) {
    const error = t.throws(() => decodeEventMessage(topics, { topic, payload: jsonBytes(DOCUMENTED_UP) }, 'json'), { instanceOf: ChirpstackPayloadError });
    t.like(error, { code: 'CHIRPSTACK_TOPIC_MISMATCH', field: JSON.stringify(topic) });
  }
});

test('bad input: an unknown event name is ignored, not thrown, whatever its payload (ChirpStack may add events)', (t) => {
  for (const encoding of ['json', 'protobuf'] as const) {
    const { event } = decodeEventMessage(topics, { topic: docTopic('downlink'), payload: jsonBytes('garbage') }, encoding);
    t.like(event, { kind: 'ignored', event: 'downlink' });
    t.regex((event as { reason: string }).reason, /"downlink"/);
  }
});
