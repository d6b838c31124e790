import { ValueError } from './errors.js';

// GPS time counts SI seconds since 1980-01-06T00:00:00Z without leap seconds; UTC inserts them.
// LoRaWAN carries GPS seconds in DeviceTime (TS003), SessionTime (TS005) and RebootTime (TS006),
// as u32 values (they wrap in 2116). GPS − UTC has been 18 s since 2017-01-01.

export const GPS_EPOCH_UNIX_MS = Date.UTC(1980, 0, 6);

/** UTC instants (Unix seconds) at which GPS − UTC grew by one second (IERS Bulletin C). */
const LEAP_SECOND_INSTANTS_UNIX_S: readonly number[] = [
  Date.UTC(1981, 6, 1), Date.UTC(1982, 6, 1), Date.UTC(1983, 6, 1), Date.UTC(1985, 6, 1),
  Date.UTC(1988, 0, 1), Date.UTC(1990, 0, 1), Date.UTC(1991, 0, 1), Date.UTC(1992, 6, 1),
  Date.UTC(1993, 6, 1), Date.UTC(1994, 6, 1), Date.UTC(1996, 0, 1), Date.UTC(1997, 6, 1),
  Date.UTC(1999, 0, 1), Date.UTC(2006, 0, 1), Date.UTC(2009, 0, 1), Date.UTC(2012, 6, 1),
  Date.UTC(2015, 6, 1), Date.UTC(2017, 0, 1),
].map((ms) => ms / 1000);

/** GPS − UTC in seconds at a given Unix time. */
export function leapSecondsAt(unixMs: number): number {
  const unixS = unixMs / 1000;
  let count = 0;
  for (const instant of LEAP_SECOND_INSTANTS_UNIX_S) {
    if (unixS >= instant) count++;
  }
  return count;
}

/** Unix milliseconds → GPS milliseconds since the GPS epoch. */
export function unixMsToGpsMs(unixMs: number): number {
  if (!Number.isFinite(unixMs) || unixMs < GPS_EPOCH_UNIX_MS) {
    throw new ValueError('unixMs', `a time at or after ${new Date(GPS_EPOCH_UNIX_MS).toISOString()}`, unixMs);
  }
  return unixMs - GPS_EPOCH_UNIX_MS + leapSecondsAt(unixMs) * 1000;
}

/** GPS milliseconds since the GPS epoch → Unix milliseconds. */
export function gpsMsToUnixMs(gpsMs: number): number {
  if (!Number.isFinite(gpsMs) || gpsMs < 0) {
    throw new ValueError('gpsMs', 'a non-negative number', gpsMs);
  }
  // The leap count at the result: try the count at the naive instant, then correct once.
  const naive = gpsMs + GPS_EPOCH_UNIX_MS;
  let unixMs = naive - leapSecondsAt(naive) * 1000;
  unixMs = naive - leapSecondsAt(unixMs) * 1000;
  return unixMs;
}

/** Whole GPS seconds as carried on air (u32, wrapping). */
export function unixMsToGpsSeconds(unixMs: number): number {
  return Math.floor(unixMsToGpsMs(unixMs) / 1000) % 0x100000000;
}

/** GPS seconds from a frame → Unix milliseconds (the first era, before the 2116 wrap). */
export function gpsSecondsToUnixMs(gpsSeconds: number): number {
  return gpsMsToUnixMs(gpsSeconds * 1000);
}
