import test from 'ava';
import { down, fragmenter, makeDevice, setupFrame, testBlock, uplinks, verifierFor } from '../device-harness.js';

// The 'spec' stack: TS004 v1.0.0 / v2.0.0 §3.2 as written. NbFragReceived counts the fragments
// received, MissingFrag is what the block still needs (M − rank), 0 once complete.

const LOST = [3, 7];

test('v1: NbFragReceived is a count, MissingFrag the fragments still needed; complete → 0, and Participants 0 is silent', (t) => {
  const block = testBlock(10 * 8, 1);
  const { device, radio } = makeDevice('spec', { verifyImage: verifierFor(block) });
  const fragment = fragmenter('v1', block, 8, 1, 0);
  down(device, 201, setupFrame(1, 0, block, 8, device.config.rootKey));
  t.deepEqual(uplinks(device, radio), ['201:0200']);
  for (let n = 1; n <= 10; n++) if (!LOST.includes(n)) down(device, 201, fragment(n));
  down(device, 201, '0100');
  t.deepEqual(uplinks(device, radio), ['201:0108000200']);
  let received = 8;
  for (let n = 11; device.completedAtN.get(0) === undefined; n++, received++) down(device, 201, fragment(n));
  t.is(device.upgrade.status, 'valid');
  down(device, 201, '0100');
  t.deepEqual(uplinks(device, radio), []);
  down(device, 201, '0101');
  t.deepEqual(uplinks(device, radio), [`201:01${received.toString(16).padStart(2, '0')}000000`]);
});

for (const payloadMode of ['full', 'rank-only'] as const) {
  for (const [v2Seed, matrix] of [['N', 'v2'], ['N-M', 'v2-lbm']] as const) {
    test(`${payloadMode}: v2 with v2Seed ${v2Seed} rebuilds a ${matrix} stream: FragDataBlockReceivedReq MICError 0, the image valid`, (t) => {
      const block = testBlock(10 * 8, 2);
      const { device, radio } = makeDevice('spec', { packageVersions: { ts003: 2, ts004: 2, ts005: 2 }, v2Seed, verifyImage: verifierFor(block), payloadMode });
      const fragment = fragmenter(matrix, block, 8, 2, 0);
      down(device, 201, setupFrame(2, 0, block, 8, device.config.rootKey));
      for (let n = 1; n <= 40 && device.completedAtN.get(0) === undefined; n++) if (!LOST.includes(n)) down(device, 201, fragment(n));
      t.true(device.completedAtN.get(0)! > 10);
      t.is(device.upgrade.status, 'valid');
      t.deepEqual(uplinks(device, radio), ['201:0200', '201:0400']);
    });
  }
}

test('v2: a stream with the other seed rebuilds a wrong block: MICError, and MissingFrag 0 in the status', (t) => {
  const block = testBlock(10 * 8, 3);
  const { device, radio } = makeDevice('spec', { packageVersions: { ts003: 2, ts004: 2, ts005: 2 }, v2Seed: 'N', verifyImage: verifierFor(block) });
  const fragment = fragmenter('v2-lbm', block, 8, 2, 0);
  down(device, 201, setupFrame(2, 0, block, 8, device.config.rootKey));
  for (let n = 1; n <= 40 && device.completedAtN.get(0) === undefined; n++) if (!LOST.includes(n)) down(device, 201, fragment(n));
  t.is(device.upgrade.status, 'none');
  down(device, 201, '0101');
  const frames = uplinks(device, radio);
  t.deepEqual(frames.slice(0, 2), ['201:0200', '201:0404']);
  t.regex(frames[2]!, /^201:0102..0000$/);
});

test('v2, no such session: SessionDoesNotExist alone (§3.2)', (t) => {
  const { device, radio } = makeDevice('spec', { packageVersions: { ts003: 2, ts004: 2, ts005: 2 } });
  down(device, 201, '0103');
  t.deepEqual(uplinks(device, radio), ['201:0104']);
});

test('fragMax bounds the spec device too: FragSize above it → NotEnoughMemory', (t) => {
  const { device, radio } = makeDevice('spec', { fragMax: { nb: 100, size: 50, redundancy: 10 } });
  down(device, 201, setupFrame(1, 0, new Uint8Array(600), 60, device.config.rootKey));
  down(device, 201, setupFrame(1, 0, new Uint8Array(500), 50, device.config.rootKey));
  t.deepEqual(uplinks(device, radio), ['201:0202', '201:0200']);
});
