import test from 'ava';
import fc from 'fast-check';
import { ValueError } from '../../../src/core/errors.js';
import type { Eui64 } from '../../../src/core/eui.js';
import { decodeDownlinkCommand, encodeDownlinkCommand, type DownlinkCommand } from '../../../src/lns/chirpstack/downlink-command.js';
import { encodeEvent } from '../../../src/lns/chirpstack/events.js';
import { pb, timestampOfMs } from '../../../src/lns/chirpstack/integration-pb.js';
import { decodeDownlinkMessage, decodeEventMessage, downlinkMessage } from '../../../src/lns/chirpstack/messages.js';
import { ChirpstackPayloadError } from '../../../src/lns/chirpstack/payload-error.js';
import { ChirpstackTopics } from '../../../src/lns/chirpstack/topics.js';
import { APPLICATION_ID, DEV_EUI, jsonBytes, QUEUE_ITEM_ID } from './fixtures.js';

// Shape: network-servers.md, "Down command" ({"id","devEui","confirmed","fPort","data","expiresAt"}).

const COMMAND: DownlinkCommand = { id: QUEUE_ITEM_ID, devEui: DEV_EUI as Eui64, confirmed: false, fPort: 201, data: Uint8Array.of(0x02, 0x00, 0xff) };
const EXPIRING: DownlinkCommand = { ...COMMAND, confirmed: true, expiresAtMs: Date.UTC(2025, 0, 1, 1) };

test('JSON command is the documented object', (t) => {
  t.deepEqual(JSON.parse(new TextDecoder().decode(encodeDownlinkCommand(COMMAND, 'json'))), {
    id: QUEUE_ITEM_ID, devEui: DEV_EUI, confirmed: false, fPort: 201, data: 'AgD/',
  });
  t.is(JSON.parse(new TextDecoder().decode(encodeDownlinkCommand(EXPIRING, 'json'))).expiresAt, '2025-01-01T01:00:00.000Z');
});

test('Protobuf command is an integration.DownlinkCommand', (t) => {
  const msg = pb.DownlinkCommand.deserializeBinary(encodeDownlinkCommand(EXPIRING, 'protobuf'));
  t.is(msg.getId(), QUEUE_ITEM_ID);
  t.is(msg.getDevEui(), DEV_EUI);
  t.true(msg.getConfirmed());
  t.is(msg.getFPort(), 201);
  t.deepEqual(msg.getData_asU8(), COMMAND.data);
  t.is(msg.getExpiresAt()?.getSeconds(), Date.UTC(2025, 0, 1, 1) / 1000);
});

for (const encoding of ['json', 'protobuf'] as const) {
  for (const [name, command] of [['plain', COMMAND], ['confirmed with expiry', EXPIRING]] as const) {
    test(`${encoding} round trip: ${name} command`, (t) => {
      t.deepEqual(decodeDownlinkCommand(encodeDownlinkCommand(command, encoding), encoding), command);
    });
  }
}

test('property: commands survive both encodings', (t) => {
  const arb = fc.record({
    id: fc.uuid(),
    devEui: fc.stringMatching(/^[0-9a-f]{16}$/).map((s) => s as Eui64),
    confirmed: fc.boolean(),
    fPort: fc.integer({ min: 1, max: 255 }),
    data: fc.uint8Array({ maxLength: 242 }),
  });
  fc.assert(fc.property(arb, fc.constantFrom('json' as const, 'protobuf' as const), (command, encoding) => {
    t.deepEqual(decodeDownlinkCommand(encodeDownlinkCommand(command, encoding), encoding), command);
  }), { numRuns: 200 });
});

test('decoding what a hand-written client sends: proto names, no id (ChirpStack then picks one)', (t) => {
  const decoded = decodeDownlinkCommand(jsonBytes({ dev_eui: DEV_EUI, f_port: 10, data: 'AQ==' }), 'json');
  t.deepEqual(decoded, { id: '', devEui: DEV_EUI, confirmed: false, fPort: 10, data: Uint8Array.of(1) });
  const msg = new pb.DownlinkCommand();
  msg.setDevEui(DEV_EUI);
  msg.setFPort(10);
  msg.setExpiresAt(timestampOfMs(1_000_500));
  t.deepEqual(decodeDownlinkCommand(msg.serializeBinary(), 'protobuf'), { id: '', devEui: DEV_EUI, confirmed: false, fPort: 10, data: new Uint8Array(0), expiresAtMs: 1_000_500 });
});

const badEncode: Array<[string, Partial<DownlinkCommand>, RegExp]> = [
  ['id not a UUID', { id: 'fuota-1' }, /DownlinkCommand.id: expected a UUID, got "fuota-1"/],
  ['empty id', { id: '' }, /DownlinkCommand.id: expected a UUID/],
  ['devEui short', { devEui: '0102' as Eui64 }, /DownlinkCommand.devEui: expected 16 hex digits/],
  ['fPort 0', { fPort: 0 }, /DownlinkCommand.fPort: expected an integer 1..255, got 0/],
  ['fPort 256', { fPort: 256 }, /DownlinkCommand.fPort: expected an integer 1..255, got 256/],
  ['expiry NaN', { expiresAtMs: Number.NaN }, /DownlinkCommand.expiresAtMs: expected milliseconds/],
];
for (const [name, change, message] of badEncode) {
  test(`encode refuses ${name} (caller error)`, (t) => {
    t.throws(() => encodeDownlinkCommand({ ...COMMAND, ...change }, 'json'), { instanceOf: ValueError, message });
  });
}

const badDecode: Array<[string, 'json' | 'protobuf', Uint8Array, string, RegExp]> = [
  ['missing devEui', 'json', jsonBytes({ id: QUEUE_ITEM_ID, fPort: 201, data: 'AQ==' }), 'CHIRPSTACK_FIELD_MISSING', /down command \(JSON\) devEui: expected 16 hex digits, got nothing/],
  ['bad base64', 'json', jsonBytes({ devEui: DEV_EUI, fPort: 201, data: 'A=Q=' }), 'CHIRPSTACK_FIELD_INVALID', /data: expected base64 bytes, got "A=Q="/],
  ['fPort a string', 'json', jsonBytes({ devEui: DEV_EUI, fPort: 'x', data: 'AQ==' }), 'CHIRPSTACK_FIELD_INVALID', /fPort: expected an integer 0..255, got "x"/],
  ['no fPort', 'json', jsonBytes({ devEui: DEV_EUI, data: 'AQ==' }), 'CHIRPSTACK_FIELD_MISSING', /fPort: expected an integer 1..255, got nothing/],
  ['id not a UUID', 'json', jsonBytes({ id: 'abc', devEui: DEV_EUI, fPort: 1 }), 'CHIRPSTACK_FIELD_INVALID', /id: expected a UUID or nothing, got "abc"/],
  ['confirmed a number', 'json', jsonBytes({ devEui: DEV_EUI, fPort: 1, confirmed: 1 }), 'CHIRPSTACK_FIELD_INVALID', /confirmed: expected true or false, got 1/],
  ['expiresAt not a time', 'json', jsonBytes({ devEui: DEV_EUI, fPort: 1, expiresAt: 'tomorrow' }), 'CHIRPSTACK_FIELD_INVALID', /expiresAt: expected an RFC 3339 date-time/],
  ['truncated Protobuf', 'protobuf', encodeDownlinkCommand(COMMAND, 'protobuf').subarray(0, 20), 'CHIRPSTACK_PROTOBUF_INVALID', /down command \(Protobuf\) payload: expected an integration.DownlinkCommand Protobuf message, got 20 bytes that do not parse/],
  ['JSON sent to a Protobuf integration', 'protobuf', encodeDownlinkCommand(COMMAND, 'json'), 'CHIRPSTACK_PROTOBUF_INVALID', /do not parse/],
];
for (const [name, encoding, payload, code, message] of badDecode) {
  test(`decode ${encoding} refuses ${name} (peer error)`, (t) => {
    t.throws(() => decodeDownlinkCommand(payload, encoding), { instanceOf: ChirpstackPayloadError, code, message });
  });
}

// Topic and payload together.

const topics = new ChirpstackTopics();

test('downlink message round trip through topic and payload', (t) => {
  for (const encoding of ['json', 'protobuf'] as const) {
    const message = downlinkMessage(topics, APPLICATION_ID, COMMAND, encoding);
    t.is(message.topic, `application/${APPLICATION_ID}/device/${DEV_EUI}/command/down`);
    t.deepEqual(decodeDownlinkMessage(topics, message, encoding), { applicationId: APPLICATION_ID, command: COMMAND });
  }
});

test('a command whose devEui differs from the topic is refused, as ChirpStack does', (t) => {
  const payload = encodeDownlinkCommand({ ...COMMAND, devEui: '1111111111111111' as Eui64 }, 'json');
  t.throws(() => decodeDownlinkMessage(topics, { topic: topics.commandTopic(APPLICATION_ID, DEV_EUI), payload }, 'json'), {
    code: 'CHIRPSTACK_TOPIC_PAYLOAD_MISMATCH', message: /devEui: expected the topic's 0102030405060708, got 1111111111111111/,
  });
  t.throws(() => decodeDownlinkMessage(topics, { topic: topics.commandTopic(APPLICATION_ID, DEV_EUI, 'flush'), payload }, 'json'), {
    code: 'CHIRPSTACK_TOPIC_MISMATCH', message: /command: expected "down"/,
  });
});

test('an event whose deviceInfo differs from its topic is refused', (t) => {
  const ack = { kind: 'ack' as const, applicationId: APPLICATION_ID, devEui: DEV_EUI as Eui64, queueItemId: QUEUE_ITEM_ID, acknowledged: true, fCntDown: 1 };
  const payload = encodeEvent(ack, 'json');
  t.like(decodeEventMessage(topics, { topic: topics.eventTopic(APPLICATION_ID, DEV_EUI, 'ack'), payload }, 'json'), { event: { kind: 'ack', acknowledged: true } });
  t.throws(() => decodeEventMessage(topics, { topic: topics.eventTopic(APPLICATION_ID, '1111111111111111', 'ack'), payload }, 'json'), { code: 'CHIRPSTACK_TOPIC_PAYLOAD_MISMATCH', message: /deviceInfo.devEui/ });
  t.throws(() => decodeEventMessage(topics, { topic: topics.eventTopic('other-app', DEV_EUI, 'ack'), payload }, 'json'), { code: 'CHIRPSTACK_TOPIC_PAYLOAD_MISMATCH', message: /deviceInfo.applicationId: expected the topic's other-app/ });
  t.like(decodeEventMessage(topics, { topic: topics.eventTopic(APPLICATION_ID, DEV_EUI, 'join'), payload: new Uint8Array(0) }, 'json'), { event: { kind: 'ignored', event: 'join' } });
});
