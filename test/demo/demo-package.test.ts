import test from 'ava';
import { buildDemoPackage } from '../../src/demo/demo-package.js';
import { packageVerifier } from '../../src/demo/device-verifier.js';
import { NAMESPACE_URL, uuidV5 } from '../../src/manifest/uuid5.js';

// The demo's simulated devices apply the package with the patcher its manifest names (issue #18):
// JojoDiff by default, detools (streamed through DetoolsPatcher) when their firmware has it, and a
// device without that patcher refuses, as its bootloader would.

const HEATSHRINK = { windowSz2: 8, lookaheadSz2: 7 };
const FIRMWARE_BYTES = 16 * 1024;

test('default: a legacy JojoDiff delta, which the demo devices apply to the new image', (t) => {
  const demo = buildDemoPackage({ firmwareBytes: FIRMWARE_BYTES, seed: 1 });
  t.is(demo.deltaFormat, 'jojodiff');
  const check = demo.verifyImage(demo.bytes, { image: demo.oldImage, firmwareVersion: 0 });
  t.is(check.status, 'valid');
  t.deepEqual(check.status === 'valid' ? check.image : undefined, demo.newImage);
});

test('devices with detools get a detools patch, applied streamed; a device with JojoDiff only refuses it', (t) => {
  const demo = buildDemoPackage({ firmwareBytes: FIRMWARE_BYTES, seed: 2, delta: { formats: ['detools'], janpatch: 'legacy', compression: 'heatshrink', heatshrink: HEATSHRINK } });
  t.is(demo.deltaFormat, 'detools-sequential');
  const check = demo.verifyImage(demo.bytes, { image: demo.oldImage, firmwareVersion: 0 });
  t.is(check.status, 'valid', check.status === 'valid' ? '' : check.reason);
  t.deepEqual(check.status === 'valid' ? check.image : undefined, demo.newImage);

  const ids = { vendorId: uuidV5(NAMESPACE_URL, 'example.com'), classId: uuidV5(NAMESPACE_URL, 'sensor-node-v1') };
  const jojoOnly = packageVerifier({ verifyingKey: demo.verifyingKey, ...ids, rankOnlyVersion: demo.targetVersion });
  const refused = jojoOnly(demo.bytes, { image: demo.oldImage, firmwareVersion: 0 });
  t.is(refused.status, 'corrupt');
  t.regex(refused.status === 'corrupt' ? refused.reason : '', /delta format: expected one this device applies \(jojodiff\), got detools-sequential/);
  // A detools build without heatshrink refuses the patch its header says is heatshrink.
  const crleOnly = packageVerifier({ verifyingKey: demo.verifyingKey, ...ids, rankOnlyVersion: demo.targetVersion, delta: { formats: ['detools'], janpatch: 'legacy', detools: { compressions: ['crle'], heatshrink: HEATSHRINK } } });
  const noHeatshrink = crleOnly(demo.bytes, { image: demo.oldImage, firmwareVersion: 0 });
  t.regex(noHeatshrink.status === 'corrupt' ? noHeatshrink.reason : '', /detools patch compression: expected one the device's build has .*got "heatshrink 8\/7"/);
});

test('devices with both: the smaller of the two is sent, and applies', (t) => {
  const demo = buildDemoPackage({ firmwareBytes: FIRMWARE_BYTES, seed: 3, delta: { formats: ['jojodiff', 'detools'], janpatch: 'current', compression: 'heatshrink', heatshrink: HEATSHRINK } });
  const jojo = buildDemoPackage({ firmwareBytes: FIRMWARE_BYTES, seed: 3, delta: { formats: ['jojodiff'], janpatch: 'current', compression: 'heatshrink', heatshrink: HEATSHRINK } });
  const detools = buildDemoPackage({ firmwareBytes: FIRMWARE_BYTES, seed: 3, delta: { formats: ['detools'], janpatch: 'current', compression: 'heatshrink', heatshrink: HEATSHRINK } });
  t.is(demo.bytes.length, Math.min(jojo.bytes.length, detools.bytes.length));
  t.is(demo.deltaFormat, jojo.bytes.length <= detools.bytes.length ? 'jojodiff-implicit-mod' : 'detools-sequential');
  const check = demo.verifyImage(demo.bytes, { image: demo.oldImage, firmwareVersion: 0 });
  t.deepEqual(check.status === 'valid' ? check.image : check.reason, demo.newImage);
});
