import test from 'ava';
import fc from 'fast-check';
import { firstInstantAtWallMs, isTimeZone, minutesOfDay, nextWindowStartMs, openWindow, wallMs, windowEndMs, type DailyWindow } from '../../src/campaign/schedule-windows.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'];

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Windows on a 15-minute grid (start ≠ end), so that DST boundaries (whole or half hours) fall on them often. */
const windowArb = fc
  .tuple(fc.integer({ min: 0, max: 95 }), fc.integer({ min: 1, max: 95 }))
  .map(([s, len]): DailyWindow => ({ start: hhmm(s * 15), end: hhmm(((s + len) % 96) * 15) }));

/** Instants in 2026, half of them within two days of a Paris or New York DST change. */
const DST_CHANGES = [Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1), Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 10, 1, 6), Date.UTC(2026, 3, 5, 15)];
const nowArb = fc.oneof(
  fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }),
  fc.tuple(fc.constantFrom(...DST_CHANGES), fc.integer({ min: -2 * DAY, max: 2 * DAY })).map(([c, d]) => c + d),
);

/**
 * Independent oracle: walks the clock minute by minute and reports the first minute (≥ from)
 * at which the local clock has, for the first time, read ≥ some window's start on some day
 * (readings tracked as a running maximum, so the repeated autumn hour does not open twice).
 */
function oracleStarts(fromMs: number, windows: readonly DailyWindow[], zone: string, spanMs: number): number[] {
  const starts: number[] = [];
  const first = Math.ceil(fromMs / MINUTE) * MINUTE;
  let maxReading = wallMs(first - MINUTE, zone);
  for (let t = first; t <= fromMs + spanMs; t += MINUTE) {
    const reading = Math.max(maxReading, wallMs(t, zone));
    for (const w of windows) {
      const startOfDay = minutesOfDay(w.start)! * MINUTE;
      const endOfDay = minutesOfDay(w.end)! * MINUTE + (minutesOfDay(w.end)! > minutesOfDay(w.start)! ? 0 : DAY);
      // A window start of the reading's day or the day before was crossed between the two readings.
      for (const day of [Math.floor(reading / DAY) * DAY, Math.floor(reading / DAY) * DAY - DAY]) {
        const at = day + startOfDay;
        // A jump over the whole window (spring gap) does not open it.
        if (maxReading < at && at <= reading && reading < day + endOfDay) starts.push(t);
      }
    }
    maxReading = reading;
  }
  return starts;
}

test('HH:MM and zone checks', (t) => {
  t.is(minutesOfDay('01:30'), 90);
  t.is(minutesOfDay('23:59'), 1439);
  for (const bad of ['24:00', '1:30', '12:60', '12:3', 'noon']) t.is(minutesOfDay(bad), undefined, bad);
  t.true(isTimeZone('Europe/Paris'));
  t.false(isTimeZone('Europe/Atlantis'));
});

test('Europe/Paris, 01:00–05:00 on the DST days: the spring window is 3 h long, the autumn one 5 h', (t) => {
  const w = [{ start: '01:00', end: '05:00' }];
  // 2026-03-29: 01:00 CET = 00:00 UTC; 05:00 CEST = 03:00 UTC.
  t.deepEqual(openWindow(Date.UTC(2026, 2, 29, 1), w, 'Europe/Paris'), { startMs: Date.UTC(2026, 2, 29, 0), endMs: Date.UTC(2026, 2, 29, 3) });
  // 2026-10-25: 01:00 CEST = 23:00 UTC the day before; 05:00 CET = 04:00 UTC.
  t.deepEqual(openWindow(Date.UTC(2026, 9, 25, 1), w, 'Europe/Paris'), { startMs: Date.UTC(2026, 9, 24, 23), endMs: Date.UTC(2026, 9, 25, 4) });
  // In the repeated hour (02:30 CET = 01:30 UTC) the window is still the same one.
  t.is(windowEndMs(Date.UTC(2026, 9, 25, 1, 30), w, 'Europe/Paris'), Date.UTC(2026, 9, 25, 4));
});

test('Europe/Paris: a window inside the spring gap does not open that day; a boundary in it moves to 03:00', (t) => {
  t.is(nextWindowStartMs(Date.UTC(2026, 2, 28, 22), [{ start: '02:00', end: '02:30' }], 'Europe/Paris'), Date.UTC(2026, 2, 30, 0));
  t.is(firstInstantAtWallMs(Date.UTC(2026, 2, 29, 2, 30), 'Europe/Paris'), Date.UTC(2026, 2, 29, 1));
  t.deepEqual(openWindow(Date.UTC(2026, 2, 29, 0, 30), [{ start: '01:00', end: '02:30' }], 'Europe/Paris'), { startMs: Date.UTC(2026, 2, 29, 0), endMs: Date.UTC(2026, 2, 29, 1) });
});

test('a window that crosses midnight is open on both sides of it', (t) => {
  const w = [{ start: '22:00', end: '02:00' }];
  t.deepEqual(openWindow(Date.UTC(2026, 0, 6, 1), w, 'UTC'), { startMs: Date.UTC(2026, 0, 5, 22), endMs: Date.UTC(2026, 0, 6, 2) });
  t.is(nextWindowStartMs(Date.UTC(2026, 0, 6, 3), w, 'UTC'), Date.UTC(2026, 0, 6, 22));
  t.is(nextWindowStartMs(Date.UTC(2026, 0, 6, 23), w, 'UTC'), Date.UTC(2026, 0, 6, 23));
});

test('overlapping windows merge: the end is the later one', (t) => {
  t.is(windowEndMs(Date.UTC(2026, 0, 6, 2, 30), [{ start: '01:00', end: '03:00' }, { start: '02:00', end: '05:00' }], 'UTC'), Date.UTC(2026, 0, 6, 5));
});

test('property: the returned start lies in a window, at or after now', (t) => {
  fc.assert(
    fc.property(nowArb, fc.array(windowArb, { minLength: 1, maxLength: 3 }), fc.constantFrom(...ZONES), (now, windows, zone) => {
      const start = nextWindowStartMs(now, windows, zone);
      const end = windowEndMs(start, windows, zone);
      return start >= now && end !== undefined && end > start && start - now < 3 * DAY;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('property: no window start is skipped (against a minute-by-minute walk of the local clock)', (t) => {
  fc.assert(
    fc.property(nowArb, fc.array(windowArb, { minLength: 1, maxLength: 2 }), fc.constantFrom(...ZONES), (now, windows, zone) => {
      const next = nextWindowStartMs(now, windows, zone);
      const starts = oracleStarts(now, windows, zone, 2 * DAY);
      // The oracle walks whole minutes: a start between two minutes shows at the later one.
      if (starts.length > 0 && next > starts[0]!) return false;
      // Outside a window, the answer is the oracle's first start (to the minute).
      if (windowEndMs(now, windows, zone) === undefined) return starts.length > 0 && starts[0]! - next < MINUTE && starts[0]! >= next;
      return next === now;
    }),
    { numRuns: 60 },
  );
  t.pass();
});

test('property: a window stays open until its end and is closed right after it', (t) => {
  fc.assert(
    fc.property(nowArb, windowArb, fc.constantFrom(...ZONES), (now, window, zone) => {
      const start = nextWindowStartMs(now, [window], zone);
      const end = windowEndMs(start, [window], zone)!;
      const mid = start + Math.floor((end - start) / 2);
      return windowEndMs(mid, [window], zone) === end && windowEndMs(end, [window], zone) === undefined;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
