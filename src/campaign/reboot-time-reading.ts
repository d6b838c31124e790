import { gpsSecondsToUnixMs } from '../core/gps-time.js';
import type { DeviceStack } from './device-stack.js';

// What a DevRebootTimeAns says, per device stack. TS006 §3.3 echoes the GPS time of the
// scheduled reboot (0: refused, FFFFFFFF: cancel acknowledged). LoRa Basics Modem answers the
// seconds to go instead (lorawan_fmp_package.c 613-630: RebootTime − its GPS now; 0 when the
// time is past or it has no GPS time), so 601 is "in ten minutes", not GPS second 601.

export type RebootTimeReading =
  | { kind: 'scheduled'; rebootAtMs: number }
  | { kind: 'not-scheduled' }
  | { kind: 'cancelled' };

const CANCEL_ACK = 0xffffffff;

/**
 * No GPS time a device could mean is this small (GPS second 10^8 was in 1983): a smaller value
 * from a device of unknown stack is LBM's seconds to go.
 */
const SMALLEST_GPS_TIME_S = 100_000_000;

export function readDevRebootTimeAns(stack: DeviceStack, rebootTime: number, answeredAtMs: number): RebootTimeReading {
  if (rebootTime === CANCEL_ACK) return { kind: 'cancelled' };
  if (rebootTime === 0) return { kind: 'not-scheduled' };
  if (stack === 'lbm' || (stack === 'spec' && rebootTime < SMALLEST_GPS_TIME_S)) return { kind: 'scheduled', rebootAtMs: answeredAtMs + rebootTime * 1000 };
  return { kind: 'scheduled', rebootAtMs: gpsSecondsToUnixMs(rebootTime) };
}
