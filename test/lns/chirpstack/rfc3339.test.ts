import test from 'ava';
import { formatRfc3339, parseRfc3339Ms } from '../../../src/lns/chirpstack/rfc3339.js';

// chrono's to_rfc3339 (ChirpStack's pbjson) writes "+00:00" and up to nanoseconds; others write "Z".

const good: Array<[string, number]> = [
  ['2025-01-01T00:00:00+00:00', Date.UTC(2025, 0, 1)],
  ['2025-01-01T00:00:00Z', Date.UTC(2025, 0, 1)],
  ['2025-01-01T00:00:00.5Z', Date.UTC(2025, 0, 1) + 500],
  ['2025-01-01T00:00:00.123456789+00:00', Date.UTC(2025, 0, 1) + 123],
  ['2025-01-01T02:30:00+02:30', Date.UTC(2025, 0, 1)],
  ['2024-12-31T19:00:00-05:00', Date.UTC(2025, 0, 1)],
];
for (const [text, ms] of good) {
  test(`parses ${text}`, (t) => {
    t.is(parseRfc3339Ms(text), ms);
  });
}

for (const text of ['2025-01-01', '2025-01-01 00:00:00Z', '2025-13-01T00:00:00Z', '2025-01-01T00:00:00', '1735689600', '2025-01-01T00:00:00.Z']) {
  test(`refuses ${JSON.stringify(text)}`, (t) => {
    t.is(parseRfc3339Ms(text), undefined);
  });
}

test('format is UTC with milliseconds and round-trips', (t) => {
  t.is(formatRfc3339(Date.UTC(2025, 0, 1) + 7), '2025-01-01T00:00:00.007Z');
  t.is(parseRfc3339Ms(formatRfc3339(1_700_000_000_123)), 1_700_000_000_123);
});
