import { sameJson } from '../core/same-json.js';
import { countUplinkForRetry } from './device-progress.js';
import type { DeviceState } from './state.js';
import { copyDevice } from './state-copy.js';

// What every uplink does to its device, whatever it carries (device-answers.ts applyUplink): it
// is counted, the device is heard at its time, and it counts toward repeating the request the
// device has not answered (device-progress.ts countUplinkForRetry).
//
// Most uplinks do nothing else: a device's periodic application traffic while it waits (81 % of a
// 10 000-device campaign's transitions, issue #17). A transition that changed its device only so
// says so (TransitionResult.heard), and a store may then record "heard at atMs" instead of
// rewriting the whole device: SQLite appends ~40 bytes to a journal where rewriting the ~1 KB
// device row costs a random page write (measured 1.5 µs against 15-25 µs a row,
// store/sqlite-heard-journal.ts). Replaying `hearUplink` over the device as last written gives
// back exactly the state the engine holds: `heardOnly` proves it for each transition it marks.

/** Applies an uplink heard at `atMs` to `device` (a copy the caller may change). */
export function hearUplink(device: DeviceState, atMs: number): void {
  device.counters.uplinks += 1;
  device.timestamps.lastUplinkAtMs = atMs;
  countUplinkForRetry(device, atMs);
}

/** Whether `after` is exactly `before` heard at `atMs` and nothing else (same JSON). */
export function heardOnly(before: DeviceState, after: DeviceState, atMs: number): boolean {
  const expected = copyDevice(before);
  hearUplink(expected, atMs);
  return sameJson(expected, after);
}
