import test from 'ava';
import { ValueError } from '../../src/core/errors.js';
import { nextPingSlotUs, pingPeriodUs, pingSlotsPerBeaconPeriod } from '../../src/radio/class-b-timing.js';
import { sessionTimeoutFor } from '../../src/radio/session-timeout.js';

// LoRaWAN L2 1.0.4 class B: beacon every 128 s, beacon_reserved 2.12 s, 4096 slots of 30 ms,
// pingPeriod = 2^(5+K) slots = 0.96 · 2^K s, pingNb = 2^(7−K).
test('ping period and slots per beacon period', (t) => {
  t.deepEqual([0, 1, 4, 7].map(pingPeriodUs), [960_000, 1_920_000, 15_360_000, 122_880_000]);
  t.deepEqual([0, 1, 4, 7].map(pingSlotsPerBeaconPeriod), [128, 64, 8, 1]);
});

test('ping slots are placed after beacon_reserved, every pingPeriod, and skip the guard', (t) => {
  t.is(nextPingSlotUs(0, 0), 2_120_000);
  t.is(nextPingSlotUs(2_120_000, 0), 2_120_000);
  t.is(nextPingSlotUs(2_120_001, 0), 3_080_000);
  // Last slot of the period at K=0: 2.12 s + 127 · 0.96 s = 124.04 s; after it, the next period.
  t.is(nextPingSlotUs(124_040_000, 0), 124_040_000);
  t.is(nextPingSlotUs(124_040_001, 0), 128_000_000 + 2_120_000);
  // Offset 10 slots at K=7: one slot per period at 2.12 s + 0.3 s.
  t.is(nextPingSlotUs(0, 7, 10), 2_420_000);
  t.is(nextPingSlotUs(2_420_001, 7, 10), 130_420_000);
});

test('ping-slot input is checked', (t) => {
  t.throws(() => nextPingSlotUs(0, 8), { instanceOf: ValueError, message: /^periodicity: expected an integer in 0\.\.7, got 8$/ });
  t.throws(() => nextPingSlotUs(0, 0, 32), { instanceOf: ValueError, message: /^pingOffsetSlots: expected an integer in 0\.\.31, got 32$/ });
  t.throws(() => nextPingSlotUs(-1, 0), { instanceOf: ValueError });
});

// TS005: class C SessionTimeOut = 2^n s; class B TimeOut = 128 · 2^n s; 4-bit fields.
test('session timeouts cover the duration with the smallest field', (t) => {
  t.deepEqual(sessionTimeoutFor('C', 1_822_571_520), { deviceClass: 'C', field: 11, seconds: 2048, covers: true });
  t.deepEqual(sessionTimeoutFor('C', 2_048_000_000), { deviceClass: 'C', field: 11, seconds: 2048, covers: true });
  t.deepEqual(sessionTimeoutFor('C', 2_048_000_001), { deviceClass: 'C', field: 12, seconds: 4096, covers: true });
  t.deepEqual(sessionTimeoutFor('B', 1_823_314_496), { deviceClass: 'B', field: 4, seconds: 2048, covers: true });
  t.deepEqual(sessionTimeoutFor('B', 100_000_000), { deviceClass: 'B', field: 0, seconds: 128, covers: true });
  t.deepEqual(sessionTimeoutFor('C', 32_769_000_000), { deviceClass: 'C', field: 15, seconds: 32768, covers: false });
});
