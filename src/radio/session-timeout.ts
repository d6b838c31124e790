import type { DeviceClass } from './region-types.js';

// TS005 (Remote Multicast Setup v1.0.0 / v2.0.0) session lengths:
//   McClassCSessionReq SessionTimeOut (4 bits): the session lasts at most 2^SessionTimeOut s (§4.5);
//   McClassBSessionReq TimeOut (4 bits): the session lasts at most 128 · 2^TimeOut s (§4.6).
// We pick the smallest field value whose length covers the planned duration.

export interface SessionTimeout {
  deviceClass: DeviceClass;
  /** Value of the 4-bit field (0..15). */
  field: number;
  /** Session length that field gives, in seconds. */
  seconds: number;
  /** False when even 15 is too short: the campaign needs more than one session. */
  covers: boolean;
}

export function sessionSecondsFor(deviceClass: DeviceClass, field: number): number {
  return deviceClass === 'C' ? 2 ** field : 128 * 2 ** field;
}

export function sessionTimeoutFor(deviceClass: DeviceClass, durationUs: number): SessionTimeout {
  for (let field = 0; field <= 15; field++) {
    const seconds = sessionSecondsFor(deviceClass, field);
    if (seconds * 1_000_000 >= durationUs) return { deviceClass, field, seconds, covers: true };
  }
  return { deviceClass, field: 15, seconds: sessionSecondsFor(deviceClass, 15), covers: false };
}
