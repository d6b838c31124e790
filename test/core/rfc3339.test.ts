import test from 'ava';
import { formatRfc3339, parseRfc3339Ms } from '../../src/core/rfc3339.js';

// chrono's to_rfc3339 (ChirpStack's pbjson) writes "+00:00" and up to nanoseconds; others write "Z".

const good: Array<[string, number]> = [
  ['2025-01-01T00:00:00+00:00', Date.UTC(2025, 0, 1)],
  ['2025-01-01T00:00:00Z', Date.UTC(2025, 0, 1)],
  ['2025-01-01T00:00:00.5Z', Date.UTC(2025, 0, 1) + 500],
  ['2025-01-01T00:00:00.123456789+00:00', Date.UTC(2025, 0, 1) + 123],
  ['2025-01-01T02:30:00+02:30', Date.UTC(2025, 0, 1)],
  ['2024-12-31T19:00:00-05:00', Date.UTC(2025, 0, 1)],
  ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)], // leap day
  ['2025-01-01T23:59:00+23:59', Date.UTC(2025, 0, 1)],
];
for (const [text, ms] of good) {
  test(`parses ${text}`, (t) => {
    t.is(parseRfc3339Ms(text), ms);
  });
}

// Also days past their month's end (not only past 31) and offsets past 23:59 (RFC 3339 §5.6, §5.7).
const bad = ['2025-01-01', '2025-01-01 00:00:00Z', '2025-13-01T00:00:00Z', '2025-01-01T00:00:00', '1735689600', '2025-01-01T00:00:00.Z', '2022-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2025-04-31T00:00:00Z', '2025-01-01T00:00:00+99:99', '2025-01-01T00:00:00+24:00', '2025-01-01T00:00:00-01:60'];
for (const text of bad) {
  test(`refuses ${JSON.stringify(text)}`, (t) => {
    t.is(parseRfc3339Ms(text), undefined);
  });
}

test('format is UTC with milliseconds and round-trips', (t) => {
  t.is(formatRfc3339(Date.UTC(2025, 0, 1) + 7), '2025-01-01T00:00:00.007Z');
  t.is(parseRfc3339Ms(formatRfc3339(1_700_000_000_123)), 1_700_000_000_123);
});
