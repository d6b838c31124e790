import { checkRange } from '../core/byte-writer.js';
import { ValueError } from '../core/errors.js';

// Class B timing (LoRaWAN L2 1.0.4 §13 "Beacon acquisition and tracking", §14 ping slots;
// RP002 class B defaults). Beacons go out every 128 s on the GPS timeline (a beacon at every
// GPS time that is a multiple of 128 s). Each beacon period is:
//   beacon_reserved 2.120 s | beacon_window 122.880 s = 4096 ping slots of 30 ms | beacon_guard 3 s.
// With periodicity K (0..7) a device opens pingNb = 2^(7−K) slots per beacon period, one every
// pingPeriod = 2^(5+K) slots = 0.96 · 2^K s, starting at slot pingOffset (0..pingPeriod − 1),
// which the network and device derive from the beacon time and the (multicast) address.
// Times here are integer microseconds on the GPS timeline.

export const BEACON_PERIOD_US = 128_000_000;
export const BEACON_RESERVED_US = 2_120_000;
export const BEACON_GUARD_US = 3_000_000;
export const PING_SLOT_US = 30_000;
export const BEACON_WINDOW_SLOTS = 4096;

export function checkPeriodicity(periodicity: number, field = 'periodicity'): number {
  return checkRange(periodicity, 0, 7, field);
}

/** Slots between two ping slots of one device: 2^(5+K). */
export function pingPeriodSlots(periodicity: number): number {
  return 2 ** (5 + checkPeriodicity(periodicity));
}

/** 0.96 · 2^K s, in µs. */
export function pingPeriodUs(periodicity: number): number {
  return pingPeriodSlots(periodicity) * PING_SLOT_US;
}

/** Ping slots per beacon period: 2^(7−K). */
export function pingSlotsPerBeaconPeriod(periodicity: number): number {
  return 2 ** (7 - checkPeriodicity(periodicity));
}

/** Start of the first ping slot at or after `timeUs`. */
export function nextPingSlotUs(timeUs: number, periodicity: number, pingOffsetSlots = 0): number {
  if (!Number.isSafeInteger(timeUs) || timeUs < 0) throw new ValueError('timeUs', 'a non-negative integer number of µs on the GPS timeline', timeUs);
  const periodSlots = pingPeriodSlots(periodicity);
  checkRange(pingOffsetSlots, 0, periodSlots - 1, 'pingOffsetSlots');
  const count = pingSlotsPerBeaconPeriod(periodicity);
  const periodUs = periodSlots * PING_SLOT_US;
  const offsetUs = pingOffsetSlots * PING_SLOT_US;
  let beaconUs = Math.floor(timeUs / BEACON_PERIOD_US) * BEACON_PERIOD_US;
  const first = beaconUs + BEACON_RESERVED_US + offsetUs;
  const n = timeUs <= first ? 0 : Math.ceil((timeUs - first) / periodUs);
  if (n < count) return first + n * periodUs;
  beaconUs += BEACON_PERIOD_US;
  return beaconUs + BEACON_RESERVED_US + offsetUs;
}
