import test from 'ava';
import { down, makeDevice, uplinks } from '../device-harness.js';

// LoRaMac-node v4.7.0: packages v1 only, no TS006 (../shared/reference/device-stacks.md).

test('anything on fPort 203 gets no answer at all (no TS006)', (t) => {
  const { device, radio } = makeDevice('loramac-node');
  for (const frame of ['00', '01', '04', '0200000000', '0500000001']) down(device, 203, frame);
  t.deepEqual(uplinks(device, radio), []);
});

test('PackageVersionReq answers version 1 for TS003, TS004, TS005 whatever the configured versions', (t) => {
  const { device, radio } = makeDevice('loramac-node', { packageVersions: { ts003: 2, ts004: 2, ts005: 2 } });
  down(device, 202, '00');
  down(device, 201, '00');
  down(device, 200, '00');
  t.deepEqual(uplinks(device, radio), ['202:000101', '201:000301', '200:000201']);
});
