import test from 'ava';
import { down, fragmenter, makeDevice, NEW_VERSION, setupFrame, testBlock, uplinks, verifierFor } from '../device-harness.js';

// The 'spec' stack: TS006 v1.0.0 §3 as written, and TS005 McGroupStatusReq (§4.2).

test('DevRebootTimeAns echoes the accepted GPS RebootTime once a valid image is held; 0 before', (t) => {
  const block = testBlock(4 * 10, 1);
  const { device, radio } = makeDevice('spec', { verifyImage: verifierFor(block) });
  const at = device.deviceGpsS() + 600;
  const req = `02${Buffer.from(Uint32Array.of(at).buffer).toString('hex')}`;
  down(device, 203, req);
  t.deepEqual(uplinks(device, radio), ['203:0200000000']);
  const fragment = fragmenter('v1', block, 10, 1, 0);
  down(device, 201, setupFrame(1, 0, block, 10, device.config.rootKey));
  for (let n = 1; n <= 4; n++) down(device, 201, fragment(n));
  down(device, 203, '04');
  down(device, 203, req);
  const version = Buffer.from(Uint32Array.of(NEW_VERSION).buffer).toString('hex');
  t.deepEqual(uplinks(device, radio), ['201:0200', `203:0403${version}`, `203:${req}`]);
  radio.nowMs += 600_000;
  device.takeUplink(radio.nowMs);
  t.is(device.firmwareVersion, NEW_VERSION);
});

test('McGroupStatusReq lists the defined groups asked for', (t) => {
  const { device, radio } = makeDevice('spec');
  down(device, 200, `020104030201${'00'.repeat(16)}00000000ffffffff`);
  down(device, 200, '010f');
  t.deepEqual(uplinks(device, radio), ['200:0201', '200:01120104030201']);
});
