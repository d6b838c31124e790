import test from 'ava';
import fc from 'fast-check';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import { PeerError } from '../../../src/core/errors.js';
import type { Eui64 } from '../../../src/core/eui.js';
import {
  decodeEvent, encodeEvent, LOG_CODES, LOG_LEVELS, toUplink,
  type AckEvent, type ChirpstackEvent, type LogEvent, type TxAckEvent, type UpEvent, type UpWithoutPayloadEvent,
} from '../../../src/lns/chirpstack/events.js';
import { pb, timestampOfMs } from '../../../src/lns/chirpstack/integration-pb.js';
import { ChirpstackPayloadError } from '../../../src/lns/chirpstack/payload-error.js';
import {
  ACK_JSON, APPLICATION_ID, DEV_EUI, GATEWAY_ID, jsonBytes, LOG_EXPIRED_JSON, LOG_GATEWAY_JSON, NACK_JSON, QUEUE_ITEM_ID,
  TXACK_JSON, UP_JSON, UP_MAC_ONLY_JSON,
} from './fixtures.js';

const devEui = DEV_EUI as Eui64;
const T0 = Date.UTC(2025, 0, 1);

const UP: UpEvent = {
  kind: 'up', applicationId: APPLICATION_ID, devEui, deduplicationId: UP_JSON.deduplicationId, timeMs: T0, fCnt: 42,
  fPort: 201, data: Uint8Array.of(1, 2, 255), dr: 5, confirmed: false, gatewayIds: [GATEWAY_ID],
};
const UP_MAC_ONLY: UpWithoutPayloadEvent = {
  kind: 'up-without-payload', applicationId: APPLICATION_ID, devEui, deduplicationId: UP_MAC_ONLY_JSON.deduplicationId,
  timeMs: T0 + 60_250, fCnt: 43, reason: 'no fPort: MAC commands only, or an empty frame',
};
const TXACK: TxAckEvent = {
  kind: 'txack', applicationId: APPLICATION_ID, devEui, queueItemId: QUEUE_ITEM_ID, downlinkId: 3141592, fCntDown: 7,
  gatewayId: GATEWAY_ID, timeMs: T0 + 1500,
};
const ACK: AckEvent = { kind: 'ack', applicationId: APPLICATION_ID, devEui, queueItemId: QUEUE_ITEM_ID, acknowledged: true, fCntDown: 7, timeMs: T0 + 9000 };
const NACK: AckEvent = { ...ACK, acknowledged: false };
const LOG_GATEWAY: LogEvent = {
  kind: 'log', applicationId: APPLICATION_ID, devEui, level: 'ERROR', code: 'DOWNLINK_GATEWAY', description: 'TOO_LATE', context: {}, timeMs: T0 + 1123,
};
const LOG_EXPIRED: LogEvent = {
  kind: 'log', applicationId: APPLICATION_ID, devEui, level: 'WARNING', code: 'EXPIRED', description: LOG_EXPIRED_JSON.description,
  context: { queue_item_id: QUEUE_ITEM_ID }, timeMs: T0 + 600_000,
};

const jsonCases: Array<[string, string, unknown, ChirpstackEvent]> = [
  ['up (network-servers.md example)', 'up', UP_JSON, UP],
  ['MAC-only up', 'up', UP_MAC_ONLY_JSON, UP_MAC_ONLY],
  ['txack', 'txack', TXACK_JSON, TXACK],
  ['ack', 'ack', ACK_JSON, ACK],
  ['ack with acknowledged omitted (false)', 'ack', NACK_JSON, NACK],
  ['log of a gateway rejection (nanosecond time)', 'log', LOG_GATEWAY_JSON, LOG_GATEWAY],
  ['log of an expired queue item', 'log', LOG_EXPIRED_JSON, LOG_EXPIRED],
];

for (const [name, event, json, expected] of jsonCases) {
  test(`JSON ${name} decodes`, (t) => {
    t.deepEqual(decodeEvent(event, jsonBytes(json), 'json'), expected);
  });
}

test('JSON accepts proto field names, numbers as strings and enums as numbers (proto3 JSON mapping)', (t) => {
  const json = { ...LOG_GATEWAY_JSON, device_info: LOG_GATEWAY_JSON.deviceInfo, deviceInfo: undefined, level: 2, code: 8 };
  t.deepEqual(decodeEvent('log', jsonBytes(json), 'json'), LOG_GATEWAY);
  const up = { ...UP_JSON, fPort: '201', f_cnt: '42', fCnt: undefined };
  t.deepEqual(decodeEvent('up', jsonBytes(up), 'json'), UP);
});

test('JSON log with a code newer than chirpstack-api 4.19 reads as UNKNOWN', (t) => {
  const event = decodeEvent('log', jsonBytes({ ...LOG_GATEWAY_JSON, code: 'SOME_FUTURE_CODE' }), 'json');
  t.like(event, { kind: 'log', code: 'UNKNOWN', description: 'TOO_LATE' });
});

test('an up with fPort 0 and MAC commands in FRMPayload is no application payload', (t) => {
  const event = decodeEvent('up', jsonBytes({ ...UP_MAC_ONLY_JSON, data: 'AwcB' }), 'json');
  t.like(event, { kind: 'up-without-payload', reason: 'fPort 0: the FRMPayload holds MAC commands only' });
});

test('an up on an application port with an empty payload is an up with no bytes', (t) => {
  const event = decodeEvent('up', jsonBytes({ ...UP_JSON, data: undefined }), 'json');
  t.like(event, { kind: 'up', fPort: 201 });
  t.is((event as UpEvent).data.length, 0);
});

for (const event of ['join', 'status', 'location', 'integration', 'somethingNew']) {
  test(`event ${event} is ignored with a reason`, (t) => {
    for (const encoding of ['json', 'protobuf'] as const) {
      const result = decodeEvent(event, jsonBytes({ not: 'decoded' }), encoding);
      t.is(result.kind, 'ignored');
      t.is((result as { event: string }).event, event);
      t.true((result as { reason: string }).reason.length > 10);
    }
  });
}

test('toUplink gives the campaign port type', (t) => {
  t.deepEqual(toUplink(UP), { devEui: DEV_EUI, fPort: 201, payload: Uint8Array.of(1, 2, 255), atMs: T0 });
});

test('LOG_LEVELS and LOG_CODES follow the proto numbers of chirpstack-api', (t) => {
  const levels: readonly string[] = LOG_LEVELS;
  const codes: readonly string[] = LOG_CODES;
  for (const [name, number] of Object.entries(pb.LogLevel)) t.is(levels[number], name);
  for (const [name, number] of Object.entries(pb.LogCode)) t.is(codes[number], name);
  t.is(codes.length, Object.keys(pb.LogCode).length);
});

// Protobuf, built field by field with the generated classes as ChirpStack fills them.

function fullDeviceInfo(): InstanceType<typeof pb.DeviceInfo> {
  const info = new pb.DeviceInfo();
  info.setTenantId(UP_JSON.deviceInfo.tenantId);
  info.setTenantName('ChirpStack');
  info.setApplicationId(APPLICATION_ID);
  info.setApplicationName('fuota');
  info.setDeviceProfileId(UP_JSON.deviceInfo.deviceProfileId);
  info.setDeviceName('meter-0001');
  info.setDevEui(DEV_EUI);
  info.getTagsMap().set('site', 'north');
  return info;
}

function protobufUp(): InstanceType<typeof pb.UplinkEvent> {
  const msg = new pb.UplinkEvent();
  msg.setDeduplicationId(UP_JSON.deduplicationId);
  msg.setTime(timestampOfMs(T0));
  msg.setDeviceInfo(fullDeviceInfo());
  msg.setDevAddr('01020304');
  msg.setAdr(true);
  msg.setDr(5);
  msg.setFCnt(42);
  msg.setFPort(201);
  msg.setData(Uint8Array.of(1, 2, 255));
  const rx = msg.addRxInfo();
  rx.setGatewayId(GATEWAY_ID);
  rx.setRssi(-50);
  rx.setSnr(9.5);
  rx.setContext(new Uint8Array(16));
  const tx = new gw.UplinkTxInfo();
  tx.setFrequency(868100000);
  msg.setTxInfo(tx);
  return msg;
}

test('Protobuf up, as ChirpStack fills it, decodes', (t) => {
  t.deepEqual(decodeEvent('up', protobufUp().serializeBinary(), 'protobuf'), UP);
});

test('Protobuf MAC-only up (fPort 0) is no application payload', (t) => {
  const msg = protobufUp();
  msg.setFPort(0);
  msg.setData(new Uint8Array(0));
  t.like(decodeEvent('up', msg.serializeBinary(), 'protobuf'), { kind: 'up-without-payload', fCnt: 42, timeMs: T0 });
});

test('Protobuf txack, ack and log decode', (t) => {
  const txack = new pb.TxAckEvent();
  txack.setDownlinkId(3141592);
  txack.setTime(timestampOfMs(T0 + 1500));
  txack.setDeviceInfo(fullDeviceInfo());
  txack.setQueueItemId(QUEUE_ITEM_ID);
  txack.setFCntDown(7);
  txack.setGatewayId(GATEWAY_ID);
  t.deepEqual(decodeEvent('txack', txack.serializeBinary(), 'protobuf'), TXACK);

  const ack = new pb.AckEvent();
  ack.setTime(timestampOfMs(T0 + 9000));
  ack.setDeviceInfo(fullDeviceInfo());
  ack.setQueueItemId(QUEUE_ITEM_ID);
  ack.setAcknowledged(true);
  ack.setFCntDown(7);
  t.deepEqual(decodeEvent('ack', ack.serializeBinary(), 'protobuf'), ACK);

  const log = new pb.LogEvent();
  log.setTime(timestampOfMs(T0 + 600_000));
  log.setDeviceInfo(fullDeviceInfo());
  log.setLevel(pb.LogLevel.WARNING);
  log.setCode(pb.LogCode.EXPIRED);
  log.setDescription(LOG_EXPIRED_JSON.description);
  log.getContextMap().set('queue_item_id', QUEUE_ITEM_ID);
  t.deepEqual(decodeEvent('log', log.serializeBinary(), 'protobuf'), LOG_EXPIRED);
});

// Round trips: what the simulated ChirpStack publishes is what the adapter reads.

const roundTrips: Array<[string, UpEvent | UpWithoutPayloadEvent | TxAckEvent | AckEvent | LogEvent]> = [
  ['up', UP], ['MAC-only up', UP_MAC_ONLY], ['txack', TXACK], ['txack without gateway and time', { ...TXACK, gatewayId: undefined, timeMs: undefined } as unknown as TxAckEvent],
  ['ack', ACK], ['nack', NACK], ['log', LOG_EXPIRED], ['INFO log with code UNKNOWN', { ...LOG_GATEWAY, level: 'INFO', code: 'UNKNOWN' }],
];

for (const [name, event] of roundTrips) {
  for (const encoding of ['json', 'protobuf'] as const) {
    test(`${encoding} round trip: ${name}`, (t) => {
      const expected = JSON.parse(JSON.stringify({ ...event, data: undefined }));
      const decoded = decodeEvent(event.kind === 'up-without-payload' ? 'up' : event.kind, encodeEvent(event, encoding), encoding);
      t.deepEqual(JSON.parse(JSON.stringify({ ...decoded, data: undefined })), expected);
      if (event.kind === 'up') t.deepEqual((decoded as UpEvent).data, event.data);
    });
  }
}

test('JSON encoding leaves out defaults as pbjson does', (t) => {
  const nack = JSON.parse(new TextDecoder().decode(encodeEvent(NACK, 'json')));
  t.false('acknowledged' in nack);
  const info = JSON.parse(new TextDecoder().decode(encodeEvent({ ...LOG_GATEWAY, level: 'INFO', code: 'UNKNOWN', context: {} }, 'json')));
  t.deepEqual(Object.keys(info).sort(), ['description', 'deviceInfo', 'time']);
});

test('property: any up survives both encodings', (t) => {
  const upArb = fc.record({
    kind: fc.constant('up' as const),
    applicationId: fc.uuid(),
    devEui: fc.stringMatching(/^[0-9a-f]{16}$/).map((s) => s as Eui64),
    deduplicationId: fc.uuid(),
    timeMs: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    fCnt: fc.integer({ min: 0, max: 0xffff_ffff }),
    fPort: fc.integer({ min: 1, max: 255 }),
    data: fc.uint8Array({ maxLength: 242 }),
    dr: fc.integer({ min: 0, max: 15 }),
    confirmed: fc.boolean(),
    gatewayIds: fc.array(fc.stringMatching(/^[0-9a-f]{16}$/), { maxLength: 3 }),
  });
  fc.assert(fc.property(upArb, fc.constantFrom('json' as const, 'protobuf' as const), (up, encoding) => {
    const decoded = decodeEvent('up', encodeEvent(up, encoding), encoding);
    t.deepEqual(decoded, up);
  }), { numRuns: 200 });
});

// Malformed payloads: PeerErrors that name the field.

type BadCase = [name: string, event: string, payload: unknown, code: string, message: RegExp];

const { devEui: _omit, ...infoWithoutDevEui } = UP_JSON.deviceInfo;
const badJson: BadCase[] = [
  ['not JSON', 'up', '{"deviceInfo":', 'CHIRPSTACK_JSON_INVALID', /payload: expected JSON, got/],
  ['a JSON array', 'ack', [], 'CHIRPSTACK_JSON_INVALID', /payload: expected a JSON object, got \[\]/],
  ['no deviceInfo', 'up', { ...UP_JSON, deviceInfo: undefined }, 'CHIRPSTACK_FIELD_MISSING', /deviceInfo: expected a JSON object, got nothing/],
  ['deviceInfo a string', 'up', { ...UP_JSON, deviceInfo: 'x' }, 'CHIRPSTACK_FIELD_INVALID', /deviceInfo: expected a JSON object, got "x"/],
  ['missing devEui', 'up', { ...UP_JSON, deviceInfo: infoWithoutDevEui }, 'CHIRPSTACK_FIELD_MISSING', /up event \(JSON\) deviceInfo.devEui: expected 16 hex digits, got nothing/],
  ['devEui too short', 'txack', { ...TXACK_JSON, deviceInfo: { applicationId: APPLICATION_ID, devEui: '010203' } }, 'CHIRPSTACK_FIELD_INVALID', /deviceInfo.devEui: expected 16 hex digits, got "010203"/],
  ['devEui a number', 'up', { ...UP_JSON, deviceInfo: { applicationId: APPLICATION_ID, devEui: 72623859790382856 } }, 'CHIRPSTACK_FIELD_INVALID', /deviceInfo.devEui: expected a string/],
  ['missing applicationId', 'ack', { ...ACK_JSON, deviceInfo: { devEui: DEV_EUI } }, 'CHIRPSTACK_FIELD_MISSING', /deviceInfo.applicationId: expected an application id/],
  ['bad base64 data', 'up', { ...UP_JSON, data: 'AQ!/' }, 'CHIRPSTACK_FIELD_INVALID', /data: expected base64 bytes, got "AQ!\/"/],
  ['base64 of impossible length', 'up', { ...UP_JSON, data: 'AQL/A' }, 'CHIRPSTACK_FIELD_INVALID', /data: expected base64 bytes/],
  ['data an array of numbers', 'up', { ...UP_JSON, data: [1, 2] }, 'CHIRPSTACK_FIELD_INVALID', /data: expected base64 bytes, got \[1,2\]/],
  ['fPort not a number', 'up', { ...UP_JSON, fPort: 'abc' }, 'CHIRPSTACK_FIELD_INVALID', /fPort: expected an integer 0..4294967295, got "abc"/],
  ['fPort above 255', 'up', { ...UP_JSON, fPort: 300 }, 'CHIRPSTACK_FIELD_INVALID', /fPort: expected an integer 0..255, got 300/],
  ['fPort negative', 'up', { ...UP_JSON, fPort: -1 }, 'CHIRPSTACK_FIELD_INVALID', /fPort: expected an integer/],
  ['fCnt a boolean', 'up', { ...UP_JSON, fCnt: true }, 'CHIRPSTACK_FIELD_INVALID', /fCnt: expected an integer 0..4294967295, got true/],
  ['fCnt fractional', 'up', { ...UP_JSON, fCnt: 4.5 }, 'CHIRPSTACK_FIELD_INVALID', /fCnt: expected an integer/],
  ['no time', 'up', { ...UP_JSON, time: undefined }, 'CHIRPSTACK_FIELD_MISSING', /time: expected an RFC 3339 date-time, got nothing/],
  ['time not RFC 3339', 'up', { ...UP_JSON, time: '1 Jan 2025' }, 'CHIRPSTACK_FIELD_INVALID', /time: expected an RFC 3339 date-time, got "1 Jan 2025"/],
  ['time in seconds', 'txack', { ...TXACK_JSON, time: 1735689600 }, 'CHIRPSTACK_FIELD_INVALID', /time: expected an RFC 3339 date-time, got 1735689600/],
  ['rxInfo an object', 'up', { ...UP_JSON, rxInfo: {} }, 'CHIRPSTACK_FIELD_INVALID', /rxInfo: expected a JSON array/],
  ['rxInfo gatewayId a number', 'up', { ...UP_JSON, rxInfo: [{ gatewayId: 5 }] }, 'CHIRPSTACK_FIELD_INVALID', /rxInfo\[0\].gatewayId: expected a string, got 5/],
  ['txack without queueItemId', 'txack', { ...TXACK_JSON, queueItemId: undefined }, 'CHIRPSTACK_FIELD_MISSING', /txack event \(JSON\) queueItemId: expected a UUID, got nothing/],
  ['txack queueItemId not a UUID', 'txack', { ...TXACK_JSON, queueItemId: 'q-1' }, 'CHIRPSTACK_FIELD_INVALID', /queueItemId: expected a UUID, got "q-1"/],
  ['ack acknowledged a string', 'ack', { ...ACK_JSON, acknowledged: 'yes' }, 'CHIRPSTACK_FIELD_INVALID', /acknowledged: expected true or false, got "yes"/],
  ['log level unknown', 'log', { ...LOG_GATEWAY_JSON, level: 'FATAL' }, 'CHIRPSTACK_FIELD_INVALID', /level: expected one of INFO, WARNING, ERROR, got "FATAL"/],
  ['log code lowercase', 'log', { ...LOG_GATEWAY_JSON, code: 'expired' }, 'CHIRPSTACK_FIELD_INVALID', /code: expected one of UNKNOWN/],
  ['log context value a number', 'log', { ...LOG_EXPIRED_JSON, context: { attempt: 3 } }, 'CHIRPSTACK_FIELD_INVALID', /context.attempt: expected a string, got 3/],
];

for (const [name, event, payload, code, message] of badJson) {
  test(`JSON ${event}: ${name} is a PeerError ${code}`, (t) => {
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : jsonBytes(payload);
    const error = t.throws(() => decodeEvent(event, bytes, 'json'), { instanceOf: ChirpstackPayloadError, code, message });
    t.true(error instanceof PeerError);
  });
}

const upBytes = protobufUp().serializeBinary();
const badProtobuf: BadCase[] = [
  ['truncated in the last field', 'up', upBytes.subarray(0, upBytes.length - 3), 'CHIRPSTACK_PROTOBUF_INVALID', /up event \(Protobuf\) payload: expected an integration.UplinkEvent Protobuf message, got \d+ bytes that do not parse/],
  ['a JSON payload', 'up', jsonBytes(UP_JSON), 'CHIRPSTACK_PROTOBUF_INVALID', /payload: expected an integration.UplinkEvent/],
  ['a lone tag byte', 'txack', Uint8Array.of(0x12), 'CHIRPSTACK_PROTOBUF_INVALID', /expected an integration.TxAckEvent/],
  ['a length beyond the end', 'log', Uint8Array.of(0x2a, 0x50, 0x41), 'CHIRPSTACK_PROTOBUF_INVALID', /expected an integration.LogEvent/],
  ['an empty message (no deviceInfo)', 'ack', new Uint8Array(0), 'CHIRPSTACK_FIELD_MISSING', /ack event \(Protobuf\) deviceInfo: expected an integration.DeviceInfo, got nothing/],
];

for (const [name, event, payload, code, message] of badProtobuf) {
  test(`Protobuf ${event}: ${name} is a PeerError ${code}`, (t) => {
    t.throws(() => decodeEvent(event, payload as Uint8Array, 'protobuf'), { instanceOf: ChirpstackPayloadError, code, message });
  });
}

test('Protobuf fields that proto3 cannot mark missing are caught by meaning', (t) => {
  const noTime = protobufUp();
  noTime.clearTime();
  t.throws(() => decodeEvent('up', noTime.serializeBinary(), 'protobuf'), { code: 'CHIRPSTACK_FIELD_MISSING', message: /time: expected a google.protobuf.Timestamp/ });
  // Nanos outside 0..999 999 999 (google/protobuf/timestamp.proto) would move the time by seconds.
  const badNanos = protobufUp();
  badNanos.getTime()!.setNanos(2_000_000_000);
  t.throws(() => decodeEvent('up', badNanos.serializeBinary(), 'protobuf'), { code: 'CHIRPSTACK_FIELD_INVALID', message: /time\.nanos: expected nanoseconds 0\.\.999999999, got 2000000000/ });
  const negativeNanos = protobufUp();
  negativeNanos.getTime()!.setNanos(-1);
  t.throws(() => decodeEvent('up', negativeNanos.serializeBinary(), 'protobuf'), { code: 'CHIRPSTACK_FIELD_INVALID' });
  const noEui = protobufUp();
  noEui.getDeviceInfo()?.setDevEui('');
  t.throws(() => decodeEvent('up', noEui.serializeBinary(), 'protobuf'), { code: 'CHIRPSTACK_FIELD_MISSING', message: /deviceInfo.devEui: expected 16 hex digits, got nothing/ });
  const bigPort = protobufUp();
  bigPort.setFPort(256);
  t.throws(() => decodeEvent('up', bigPort.serializeBinary(), 'protobuf'), { code: 'CHIRPSTACK_FIELD_INVALID', message: /fPort: expected an integer 0..255, got 256/ });
  const badLevel = new pb.LogEvent();
  badLevel.setDeviceInfo(fullDeviceInfo());
  badLevel.setLevel(7 as never);
  t.throws(() => decodeEvent('log', badLevel.serializeBinary(), 'protobuf'), { code: 'CHIRPSTACK_FIELD_INVALID', message: /level: expected one of INFO, WARNING, ERROR, got 7/ });
});

test('every truncation of a Protobuf up either decodes or is a PeerError, never another error', (t) => {
  let refused = 0;
  for (let length = 0; length < upBytes.length; length += 1) {
    try {
      decodeEvent('up', upBytes.subarray(0, length), 'protobuf');
    } catch (error) {
      t.true(error instanceof PeerError, `length ${length}: ${String(error)}`);
      refused += 1;
    }
  }
  t.true(refused > upBytes.length / 2);
});

// ChirpStack's UplinkEvent.object (integration.proto field 11, google.protobuf.Struct): the
// payload as the device profile's codec decoded it; pbjson writes it as the JSON object itself.
const OBJECT = { firmware: { version: '1.1.0', build: 17 }, battery: 3.3, ok: true };

test('up with a decoded object: JSON and Protobuf carry it through to the campaign', (t) => {
  const json = { ...UP_JSON, fPort: 1, object: OBJECT };
  const fromJson = decodeEvent('up', jsonBytes(json), 'json') as UpEvent;
  t.deepEqual(fromJson.object, OBJECT);
  const msg = pb.UplinkEvent.deserializeBinary(encodeEvent(fromJson, 'protobuf'));
  t.deepEqual(msg.getObject()?.toJavaScript(), OBJECT, 'set as a google.protobuf.Struct');
  const fromProtobuf = decodeEvent('up', encodeEvent(fromJson, 'protobuf'), 'protobuf') as UpEvent;
  t.deepEqual(fromProtobuf.object, OBJECT);
  t.deepEqual(toUplink(fromProtobuf).object, OBJECT);
  t.false('object' in toUplink(UP), 'no object, no field');
});

test('JSON log context: a key "__proto__" stays a key (defined, not assigned, so no prototype is set)', (t) => {
  const json = `{"time":"2025-01-01T00:00:00Z","deviceInfo":{"applicationId":"${APPLICATION_ID}","devEui":"${DEV_EUI}"},"level":"ERROR","code":"DOWNLINK_GATEWAY","description":"x","context":{"__proto__":"p","queue_item_id":"q"}}`;
  const event = decodeEvent('log', new TextEncoder().encode(json), 'json') as LogEvent;
  t.deepEqual(Object.keys(event.context), ['__proto__', 'queue_item_id']);
  t.is(Object.getPrototypeOf(event.context), Object.prototype);
  t.is(Object.getOwnPropertyDescriptor(event.context, '__proto__')?.value, 'p');
});

// Issue #14: google-protobuf reads a string or nested message of the length a field claims
// without checking it against the buffer: 6 bytes claiming 4 GiB kept the decoder spinning for
// minutes (every MQTT event after it waited). protobuf-length-guard.ts refuses such lengths.
test('Protobuf fields claiming more bytes than the message has are refused at once (a string, a nested message, a negative length)', (t) => {
  for (const bytes of [[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], [0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f], [0x1a, 0x06, 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], [0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]]) {
    for (const event of ['up', 'txack', 'ack', 'log']) {
      const startedMs = Date.now();
      const error = t.throws(() => decodeEvent(event, Uint8Array.from(bytes), 'protobuf'), undefined, `${event} ${Buffer.from(bytes).toString('hex')}`);
      t.like(error, { code: 'CHIRPSTACK_PROTOBUF_INVALID' });
      if (event === 'up') t.regex(error!.message, /longer than the \d+ bytes left|past the \d+ bytes of the message/);
      t.true(Date.now() - startedMs < 30_000);
    }
  }
  // Well-formed messages still decode (the guard only refuses what lies past the buffer).
  const up: UpEvent = { kind: 'up', applicationId: '00000000-0000-4000-8000-00000000f0a7', devEui: '0102030405060708' as Eui64, deduplicationId: '00000000-0000-4000-8000-000000000001', timeMs: 1_765_000_000_000, fCnt: 1, fPort: 201, data: Uint8Array.of(1, 2), dr: 5, confirmed: false, gatewayIds: ['0016c001ff10b001'] };
  t.like(decodeEvent('up', encodeEvent(up, 'protobuf'), 'protobuf'), { kind: 'up', fPort: 201, devEui: '0102030405060708' });
});
