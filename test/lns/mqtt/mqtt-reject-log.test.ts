import test from 'ava';
import { PeerError } from '../../../src/core/errors.js';
import { MqttRejectLog, type MqttRejectSummary } from '../../../src/lns/mqtt/mqtt-reject-log.js';
import { rejectReasonOf } from '../../../src/lns/mqtt/mqtt-reject-reason.js';
import { SimClock } from '../../../src/sim/sim-clock.js';

// The rate limiter of dropped MQTT event messages (issue #14), on a simulated clock: no real waiting.

const T0 = Date.UTC(2026, 11, 6, 12);
const notJson = new PeerError('CHIRPSTACK_JSON_INVALID', 'ChirpStack up event payload: expected JSON, got "x"');
const tooDeep = new PeerError('TTS_JSON_TOO_DEEP', 'TTS up event of d: expected JSON nested at most 64 levels, got 100001 levels');

/** Moves the simulated time to `untilMs`, running what falls due (SimClock.run stops at the last event). */
async function advance(clock: SimClock, untilMs: number): Promise<void> {
  clock.at(untilMs, () => {});
  await clock.run({ untilMs });
}

function limiter(intervalMs?: number): { clock: SimClock; log: MqttRejectLog; lines: MqttRejectSummary[] } {
  const clock = new SimClock(T0);
  const lines: MqttRejectSummary[] = [];
  const log = new MqttRejectLog({ clock, ...(intervalMs === undefined ? {} : { intervalMs }), onSummary: (s) => lines.push(s) });
  return { clock, log, lines };
}

test('the reason is the decoder\'s code without the server prefix; anything else is other', (t) => {
  t.is(rejectReasonOf(notJson), 'not-json');
  t.is(rejectReasonOf(tooDeep), 'too-deep');
  t.is(rejectReasonOf(new PeerError('CHIRPSTACK_JSON_TOO_DEEP', 'x')), 'too-deep');
  t.is(rejectReasonOf(new PeerError('CHIRPSTACK_PROTOBUF_INVALID', 'x')), 'not-protobuf');
  t.is(rejectReasonOf(new PeerError('TTS_TOPIC_UNEXPECTED', 'x')), 'unknown-topic');
  t.is(rejectReasonOf(new PeerError('TTS_EVENT_INVALID', 'x')), 'event-invalid');
  t.is(rejectReasonOf(new TypeError('boom')), 'other');
  t.is(rejectReasonOf('a string'), 'other');
});

test('the first reject of a reason is said at once; the rest of the interval only counted, then one summary by the timer', async (t) => {
  const { clock, log, lines } = limiter();
  log.reject('application/a/device/b/event/up', Buffer.from('x'), notJson);
  t.is(lines.length, 1);
  t.like(lines[0], { reason: 'not-json', count: 1, total: 1, sinceMs: 0, sample: { topic: 'application/a/device/b/event/up', code: 'CHIRPSTACK_JSON_INVALID', error: notJson.message, payloadHex: '78', payloadBytes: 1 } });
  for (let i = 0; i < 500; i++) log.reject(`t/${i}`, Buffer.alloc(1000, i), notJson);
  t.is(lines.length, 1, 'counted, not said');
  t.deepEqual(log.counts(), [{ reason: 'not-json', count: 501 }]);
  await advance(clock, T0 + 59_999);
  t.is(lines.length, 1);
  await advance(clock, T0 + 60_000);
  t.is(lines.length, 2, 'the timer says what waited');
  t.like(lines[1], { reason: 'not-json', count: 500, total: 501, sinceMs: 60_000, sample: { topic: 't/0', payloadBytes: 1000 } });
  t.is(lines[1]!.sample.payloadHex, '00'.repeat(32), 'the payload cut to 32 bytes (64 hex)');
  await advance(clock, T0 + 10 * 60_000);
  t.is(lines.length, 2, 'nothing pending: no more lines');
});

test('a reject after a quiet interval is said at once; reasons are limited apart; an interval option', async (t) => {
  const { clock, log, lines } = limiter(5_000);
  log.reject('a', '', notJson);
  log.reject('b', '', tooDeep);
  t.deepEqual(lines.map((l) => l.reason), ['not-json', 'too-deep']);
  await advance(clock, T0 + 5_000);
  log.reject('c', '', notJson);
  t.is(lines.length, 3);
  t.like(lines[2], { reason: 'not-json', count: 1, total: 2, sinceMs: 5_000 });
});

test('flush (the adapter closes) says what is pending and stops the timer', async (t) => {
  const { clock, log, lines } = limiter();
  log.reject('a', '', notJson);
  log.reject('a', '', notJson);
  log.reject('a', '', notJson);
  log.flush();
  t.is(lines.length, 2);
  t.like(lines[1], { count: 2, total: 3 });
  await advance(clock, T0 + 3_600_000);
  t.is(lines.length, 2, 'no timer left');
});

test('the sample is one line and short, whatever the error says', (t) => {
  const { log, lines } = limiter();
  const error = new Error(`first line\n    at somewhere (file.ts:1:1)\n${'y'.repeat(10_000)}`);
  log.reject('x'.repeat(1_000), Buffer.alloc(5), error);
  const sample = lines[0]!.sample;
  t.false(sample.error.includes('\n'));
  t.true(sample.error.length <= 300);
  t.true(sample.topic.length <= 200);
  t.is(lines[0]!.reason, 'other');
});
