// DevRebootTimeAns per stack: a GPS time (TS006 §3.3) or LBM's seconds to go
// (lorawan_fmp_package.c 613-630, ../shared/reference/device-stacks.md).

import test from 'ava';
import { readDevRebootTimeAns } from '../../src/campaign/reboot-time-reading.js';
import { gpsSecondsToUnixMs, unixMsToGpsSeconds } from '../../src/core/gps-time.js';
import { hexToBytes } from '../../src/core/hex.js';
import { decodeCommands } from '../../src/lorawan/app-layer.js';
import { TS006 } from '../../src/lorawan/ts006-firmware-management.js';

const NOW = Date.UTC(2026, 10, 21, 8, 0, 0);

function rebootTimeOf(hex: string): number {
  const [answer] = decodeCommands(TS006, 1, 'uplink', hexToBytes(hex)) as unknown as Array<{ rebootTime: number }>;
  return answer!.rebootTime;
}

test('LBM: 0x0259 = 601 s to go, not GPS second 601', (t) => {
  const seconds = rebootTimeOf('0259020000');
  t.is(seconds, 601);
  t.deepEqual(readDevRebootTimeAns('lbm', seconds, NOW), { kind: 'scheduled', rebootAtMs: NOW + 601_000 });
});

test('spec: the GPS time echoed; 0 not scheduled; FFFFFFFF a cancel acknowledged, for every stack', (t) => {
  const gps = unixMsToGpsSeconds(NOW + 3_600_000);
  t.deepEqual(readDevRebootTimeAns('spec', gps, NOW), { kind: 'scheduled', rebootAtMs: gpsSecondsToUnixMs(gps) });
  for (const stack of ['spec', 'lbm', 'loramac-node'] as const) {
    t.deepEqual(readDevRebootTimeAns(stack, 0, NOW), { kind: 'not-scheduled' });
    t.deepEqual(readDevRebootTimeAns(stack, 0xffffffff, NOW), { kind: 'cancelled' });
  }
});

test('a device of unknown stack answering a value no GPS time can be (before 1983) is read as LBM does: seconds to go', (t) => {
  t.deepEqual(readDevRebootTimeAns('spec', 601, NOW), { kind: 'scheduled', rebootAtMs: NOW + 601_000 });
  t.deepEqual(readDevRebootTimeAns('spec', 100_000_000, NOW), { kind: 'scheduled', rebootAtMs: gpsSecondsToUnixMs(100_000_000) });
});
