import test from 'ava';
import fc from 'fast-check';
import { decodeEventMessage } from '../../../src/lns/chirpstack/messages.js';
import { ChirpstackTopics } from '../../../src/lns/chirpstack/topics.js';
import { jsonNestingDepth, mayNestDeeperThan, MAX_EVENT_JSON_NESTING } from '../../../src/lns/json-nesting.js';
import { decodeTtsEvent } from '../../../src/lns/tts/tts-events.js';
import { TtsTopics } from '../../../src/lns/tts/tts-topics.js';

// Network-server events nested deeper than any real one are refused in one line before they are
// parsed: walking a 100 000-deep value later (JSON.stringify into a log or the store) overflowed
// the stack (issue #14: "Maximum call stack size exceeded" in the logs).

test('nesting depth, known answers: strings and escapes do not count', (t) => {
  const cases: Array<[string, number]> = [
    ['1', 0],
    ['{}', 1],
    ['[[], {"a": [1]}]', 3],
    ['{"a": "[[[{{{"}', 1],
    ['{"a": "\\"[[["}', 1],
    ['{"a": "\\\\", "b": [[]]}', 3],
  ];
  for (const [text, depth] of cases) t.is(jsonNestingDepth(text), depth, text);
});

function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

test('nesting depth equals the parsed value\'s depth (property)', (t) => {
  fc.assert(fc.property(fc.jsonValue(), (value) => jsonNestingDepth(JSON.stringify(value)) === depthOf(value)));
  t.pass();
});

test('the quick bracket count never lets a text deeper than the bound past (property, and at the bound)', (t) => {
  fc.assert(fc.property(fc.string(), fc.nat(8), (text, levels) => mayNestDeeperThan(text, levels) || jsonNestingDepth(text) <= levels));
  fc.assert(fc.property(fc.jsonValue(), fc.nat(8), (value, levels) => {
    const text = JSON.stringify(value);
    return mayNestDeeperThan(text, levels) || jsonNestingDepth(text) <= levels;
  }));
  const deep = '['.repeat(MAX_EVENT_JSON_NESTING + 1) + ']'.repeat(MAX_EVENT_JSON_NESTING + 1);
  t.true(mayNestDeeperThan(deep, MAX_EVENT_JSON_NESTING));
  const atBound = '{"a":"' + '['.repeat(MAX_EVENT_JSON_NESTING - 1) + '"}';
  t.false(mayNestDeeperThan(atBound, MAX_EVENT_JSON_NESTING), 'the bound: one object and the brackets in its string');
  t.true(mayNestDeeperThan(`[${atBound}]`, MAX_EVENT_JSON_NESTING), 'one bracket more');
});

const DEEP = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

test('a ChirpStack up event whose decoded object nests 100 000 deep is refused in one line', (t) => {
  const payload = Buffer.from(`{"deduplicationId":"x","deviceInfo":{"applicationId":"00000000-0000-4000-8000-00000000f0a7","devEui":"0102030405060708"},"fPort":1,"data":"AQ==","object":${DEEP}}`);
  const error = t.throws(() => decodeEventMessage(new ChirpstackTopics(), { topic: 'application/00000000-0000-4000-8000-00000000f0a7/device/0102030405060708/event/up', payload }, 'json'));
  t.like(error, { code: 'CHIRPSTACK_JSON_TOO_DEEP' });
  t.regex(error!.message, new RegExp(`payload: expected JSON nested at most ${MAX_EVENT_JSON_NESTING} levels, got 100001 levels$`));
  t.false(error!.message.includes('\n'));
});

test('a TTS up event whose decoded payload nests 100 000 deep is refused in one line', (t) => {
  const payload = `{"end_device_ids":{"device_id":"dev1","dev_eui":"0102030405060708"},"uplink_message":{"f_port":1,"frm_payload":"AQ==","decoded_payload":${DEEP}}}`;
  const error = t.throws(() => decodeTtsEvent('v3/app1/devices/dev1/up', payload, new TtsTopics('app1')));
  t.like(error, { code: 'TTS_JSON_TOO_DEEP' });
  t.regex(error!.message, new RegExp(`expected JSON nested at most ${MAX_EVENT_JSON_NESTING} levels, got 100002 levels$`));
});

test('events as deep as the limit still decode', (t) => {
  const nested = `${'['.repeat(MAX_EVENT_JSON_NESTING - 3)}1${']'.repeat(MAX_EVENT_JSON_NESTING - 3)}`;
  const event = decodeTtsEvent('v3/app1/devices/dev1/up', `{"end_device_ids":{"device_id":"dev1","dev_eui":"0102030405060708"},"received_at":"2026-01-01T00:00:00Z","uplink_message":{"f_port":1,"frm_payload":"AQ==","decoded_payload":{"x":${nested}}}}`, new TtsTopics('app1'));
  t.is(event.kind, 'up');
});
