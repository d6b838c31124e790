import { sameJson } from '../core/same-json.js';
import { countUplinkForRetry } from './device-progress.js';
import type { DeviceState } from './state.js';

// What every uplink does to its device, whatever it carries (device-answers.ts applyUplink): it
// is counted, the device is heard at its time, and it counts toward repeating the request the
// device has not answered (device-progress.ts countUplinkForRetry).
//
// Most uplinks do nothing else: a device's periodic application traffic while it waits (81 % of a
// 10 000-device campaign's transitions, issue #17). A transition that changed its device only so
// says so (TransitionResult.heard), and a store may then record "heard at atMs" instead of
// rewriting the whole device: SQLite appends ~40 bytes to a journal where rewriting the ~1 KB
// device row costs a random page write (measured 1.5 µs against 15-25 µs a row,
// store/sqlite-device-journal.ts). Replaying `hearUplink` over the device as last written gives
// back exactly the state the engine holds: `heardOnly` proves it for each transition it marks.

/** Applies an uplink heard at `atMs` to `device` (a copy the caller may change). */
export function hearUplink(device: DeviceState, atMs: number): void {
  device.counters.uplinks += 1;
  device.timestamps.lastUplinkAtMs = atMs;
  countUplinkForRetry(device, atMs);
}

/** The parts hearUplink writes: compared against their heard copies, every other part as it was. */
const HEARD_PARTS = new Set<string>(['counters', 'timestamps', 'pending']);

/**
 * Whether `after` is exactly `before` heard at `atMs` and nothing else (same JSON). Only the
 * three parts hearUplink writes are copied to compare (not the whole device: this runs on most
 * uplinks); the others must be the same as before.
 */
export function heardOnly(before: DeviceState, after: DeviceState, atMs: number): boolean {
  const expected = { counters: { ...before.counters }, timestamps: { ...before.timestamps }, pending: before.pending && { ...before.pending } } as DeviceState;
  hearUplink(expected, atMs);
  if (!sameJson(expected.counters, after.counters) || !sameJson(expected.timestamps, after.timestamps) || !sameJson(expected.pending, after.pending)) return false;
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  let defined = 0;
  for (const key in a) {
    if (HEARD_PARTS.has(key) || a[key] === undefined) continue;
    defined++;
    if (!sameJson(a[key], b[key])) return false;
  }
  for (const key in b) if (!HEARD_PARTS.has(key) && b[key] !== undefined) defined--;
  return defined === 0;
}
