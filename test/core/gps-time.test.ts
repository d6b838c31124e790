import test from 'ava';
import fc from 'fast-check';
import { gpsMsToUnixMs, gpsSecondsToUnixMs, leapSecondsAt, unixMsToGpsMs, unixMsToGpsSeconds } from '../../src/core/gps-time.js';
import { ValueError } from '../../src/core/errors.js';

// Known answers: the GPS epoch is 1980-01-06T00:00:00Z (GPS 0); GPS − UTC = 18 s since
// 2017-01-01 (IERS Bulletin C 52). 2020-01-01T00:00:00Z is GPS 1261872018 (widely published, e.g.
// the US Naval Observatory converter and brocaar/lorawan gps tests use the same leap table).
test('known answers', (t) => {
  t.is(unixMsToGpsSeconds(Date.UTC(1980, 0, 6)), 0);
  t.is(unixMsToGpsSeconds(Date.UTC(2020, 0, 1)), 1261872018);
  t.is(leapSecondsAt(Date.UTC(2026, 10, 21)), 18);
  t.is(leapSecondsAt(Date.UTC(2016, 11, 31, 23, 59, 59)), 17);
  t.is(leapSecondsAt(Date.UTC(1980, 0, 6)), 0);
  t.is(gpsSecondsToUnixMs(1261872018), Date.UTC(2020, 0, 1));
});

test('leap second boundary: one GPS second more across 2017-01-01', (t) => {
  const before = unixMsToGpsSeconds(Date.UTC(2016, 11, 31, 23, 59, 59));
  const after = unixMsToGpsSeconds(Date.UTC(2017, 0, 1, 0, 0, 0));
  t.is(after - before, 2);
});

test('GPS ↔ Unix round trip (property)', (t) => {
  fc.assert(fc.property(fc.integer({ min: Date.UTC(1980, 0, 6), max: Date.UTC(2100, 0, 1) }), (unixMs) => gpsMsToUnixMs(unixMsToGpsMs(unixMs)) === unixMs));
  t.pass();
});

test('rejects times before the GPS epoch', (t) => {
  t.throws(() => unixMsToGpsMs(0), { instanceOf: ValueError });
  t.throws(() => gpsMsToUnixMs(-1), { instanceOf: ValueError });
  t.throws(() => unixMsToGpsMs(Number.NaN), { instanceOf: ValueError });
});
