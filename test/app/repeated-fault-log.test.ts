import { Writable } from 'node:stream';
import test from 'ava';
import pino from 'pino';
import { RepeatedFaultLog } from '../../src/app/repeated-fault-log.js';
import { InternalError, PeerError } from '../../src/core/errors.js';

// The disk-full fault run of issue #14 (test/fault: 64 error lines with stacks in 15 s for 4
// devices): an expected fault is one line without a stack, then at most one per interval.

function capture(): { log: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => void (chunks.push(chunk.toString()), done()) });
  return { log: pino({ level: 'info' }, stream), lines: () => chunks.join('').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

test('a disk full on every uplink: one line without a stack, then one per interval naming how many came meanwhile', (t) => {
  const { log, lines } = capture();
  let nowMs = 0;
  const faults = new RepeatedFaultLog(log, 60_000, () => nowMs);
  const full = new InternalError('STORE_FULL', 'campaign store /var/lib/fuota/fuota.sqlite: commit failed: database or disk is full');
  for (let i = 0; i < 64; i++) {
    faults.error(full, 'network server error', { context: `onUplink for device ${i}` });
    nowMs += 15_000 / 64;
  }
  t.is(lines().length, 1);
  nowMs = 60_000;
  faults.error(full, 'network server error', { context: 'onUplink' });
  const [first, second] = lines();
  t.is(first!['msg'], 'network server error: STORE_FULL: campaign store /var/lib/fuota/fuota.sqlite: commit failed: database or disk is full');
  t.is(second!['msg'], 'network server error: STORE_FULL: campaign store /var/lib/fuota/fuota.sqlite: commit failed: database or disk is full (and 63 more since 60 s ago)');
  t.is(second!['repeatedSinceLastLine'], 63);
  for (const line of lines()) t.false(JSON.stringify(line).includes('    at '), 'no stack');
});

test('each code is limited on its own; a fault without an expected code keeps its stack every time', (t) => {
  const { log, lines } = capture();
  const faults = new RepeatedFaultLog(log, 60_000, () => 0);
  faults.error(new InternalError('STORE_FULL', 'full'), 'm');
  faults.error(new PeerError('CHIRPSTACK_UNAVAILABLE', 'grpc down'), 'm');
  faults.error(new PeerError('CHIRPSTACK_UNAVAILABLE', 'grpc down'), 'm');
  faults.error(new TypeError('a defect'), 'm');
  faults.error(new TypeError('a defect'), 'm');
  const logged = lines();
  t.deepEqual(logged.map((line) => line['code'] ?? (line['err'] as { type: string }).type), ['STORE_FULL', 'CHIRPSTACK_UNAVAILABLE', 'TypeError', 'TypeError']);
  t.true(String((logged[3]!['err'] as { stack: string }).stack).includes('    at '));
});
