import test from 'ava';
import { down, fragmenter, makeDevice, nextUplink, setupFrame, testBlock, ts004Frame, uplinks, verifierFor } from '../device-harness.js';

// LoRa Basics Modem v4.8.0 TS004: vectors from ../shared/reference/device-stacks.md, and from
// lorawan_fragmentation_package_v{1,2}.0.0.c / fragmentation_helper_v{1,2}.0.0.c where marked.

test('v1, M = 2, no loss → 0102000100: MissingFrag stays 1 (helper ~298 returns before updating it), so Participants 0 answers too', (t) => {
  const block = testBlock(2 * 10, 1);
  const { device, radio } = makeDevice('lbm', { verifyImage: verifierFor(block) });
  const fragment = fragmenter('v1', block, 10, 1, 0);
  down(device, 201, setupFrame(1, 0, block, 10, device.config.rootKey));
  t.deepEqual(uplinks(device, radio), ['201:0200']);
  down(device, 201, fragment(1));
  down(device, 201, fragment(2));
  t.is(device.completedAtN.get(0), 2);
  t.is(device.upgrade.status, 'valid');
  down(device, 201, '0101');
  down(device, 201, '0100');
  t.deepEqual(uplinks(device, radio), ['201:0102000100', '201:0102000100']);
});

test('v1: NbFragReceived = FragNbRx − FragNbLost, MissingFrag = M − N + FragNbLost while data fragments come', (t) => {
  const block = testBlock(10 * 10, 2);
  const { device, radio } = makeDevice('lbm');
  const fragment = fragmenter('v1', block, 10, 1, 0);
  down(device, 201, setupFrame(1, 0, block, 10, device.config.rootKey));
  uplinks(device, radio);
  for (const n of [1, 2, 4, 5]) down(device, 201, fragment(n));
  down(device, 201, '0100');
  t.deepEqual(uplinks(device, radio), ['201:0104000600']); // received 5 − 1 lost, missing 10 − 5 + 1
});

test('v2, before the first fragment: the status answer is all zeros, FragIndex reading 0 (package v2 ~490)', (t) => {
  const { device, radio } = makeDevice('lbm', { packageVersions: { ts003: 2, ts004: 2, ts005: 2 } });
  down(device, 201, setupFrame(2, 2, testBlock(40, 3), 10, device.config.rootKey));
  t.deepEqual(uplinks(device, radio), ['201:0280']);
  down(device, 201, '0105'); // Participants 1, FragIndex 2
  t.deepEqual(uplinks(device, radio), ['201:0100000000']);
});

// M = 10 fragments of 8 bytes, data fragments 3 and 7 lost: the coded fragments rebuild them.
const LOST = [3, 7];

function v2Run(matrix: 'v2-lbm' | 'v2', payloadMode: 'full' | 'rank-only' = 'full') {
  const block = testBlock(10 * 8, 4);
  const made = makeDevice('lbm', { packageVersions: { ts003: 2, ts004: 2, ts005: 2 }, v2Seed: 'N', verifyImage: verifierFor(block), payloadMode });
  const { device, radio } = made;
  const fragment = fragmenter(matrix, block, 8, 2, 0);
  down(device, 201, setupFrame(2, 0, block, 8, device.config.rootKey));
  uplinks(device, radio);
  for (let n = 1; n <= 40 && device.completedAtN.get(0) === undefined; n++) if (!LOST.includes(n)) down(device, 201, fragment(n));
  return made;
}

test('v2 decodes with seed N − M whatever v2Seed says: an N − M stream rebuilds the block, FragDataBlockReceivedReq MICError 0', (t) => {
  const { device, radio } = v2Run('v2-lbm');
  const doneAt = device.completedAtN.get(0)!;
  t.true(doneAt > 10);
  t.is(device.upgrade.status, 'valid');
  // FragDataBlockReceivedReq, MICError 0: sent three times when no FragDataBlockReceivedAns comes (~655).
  t.deepEqual(uplinks(device, radio), ['201:0400', '201:0400', '201:0400']);
  // The status: MissingFrag 0 after a rebuild with losses, MICError checked and clear.
  down(device, 201, '0101');
  const received = (doneAt - LOST.length).toString(16).padStart(2, '0');
  t.deepEqual(uplinks(device, radio), [`201:0100${received}0000`]);
});

test('v2 with the absolute-N stream of the v2.0.0 text: a wrong block, MICError in FragDataBlockReceivedReq and the status; never installed', (t) => {
  const { device, radio } = v2Run('v2');
  t.true(device.completedAtN.get(0)! > 10);
  t.is(device.upgrade.status, 'corrupt');
  t.is(nextUplink(device, radio), '201:0404'); // FragDataBlockReceivedReq, MICError
  down(device, 201, '0400'); // FragDataBlockReceivedAns: the repeat already scheduled goes, no third
  t.deepEqual(uplinks(device, radio), ['201:0404']);
  down(device, 201, '0101');
  t.regex(uplinks(device, radio)[0]!, /^201:0102..0000$/); // Status MICError, MissingFrag 0
});

test('rank-only: the same completion and answers, the block taken as good', (t) => {
  const full = v2Run('v2-lbm');
  const rankOnly = v2Run('v2-lbm', 'rank-only');
  t.is(rankOnly.device.completedAtN.get(0), full.device.completedAtN.get(0));
  t.is(rankOnly.device.upgrade.status, 'valid');
  t.deepEqual(uplinks(rankOnly.device, rankOnly.radio), uplinks(full.device, full.radio));
});

test('more data fragments lost than FRAG_MAX_REDUNDANCY: MatrixError at the first coded fragment, the session FAILED, nothing installed', (t) => {
  const block = testBlock(10 * 10, 5);
  const { device, radio } = makeDevice('lbm', { fragMax: { nb: 10, size: 10, redundancy: 2 } });
  const fragment = fragmenter('v1', block, 10, 1, 0);
  down(device, 201, setupFrame(1, 0, block, 10, device.config.rootKey));
  uplinks(device, radio);
  for (let n = 1; n <= 14; n++) if (![2, 4, 6].includes(n)) down(device, 201, fragment(n));
  down(device, 201, '0100');
  t.deepEqual(uplinks(device, radio), ['201:0108000301']); // FragNbRx 11 (later ones skipped) − 3 lost, MissingFrag 3, MatrixError
  t.is(device.upgrade.status, 'none');
  t.is(device.completedAtN.get(0), undefined);
});

test('multicast fragments only from a group in McGroupBitMask; unicast ones always', (t) => {
  const block = testBlock(20, 6);
  const { device, radio } = makeDevice('lbm');
  const fragment = fragmenter('v1', block, 10, 1, 0);
  down(device, 201, setupFrame(1, 0, block, 10, device.config.rootKey, { mcGroupBitMask: 0b0010 }));
  uplinks(device, radio);
  device.stackModel.receive(201, Buffer.from(fragment(1), 'hex'), 0); // group 0: not in the mask
  down(device, 201, '0101');
  t.deepEqual(uplinks(device, radio), ['201:0100000200']);
  device.stackModel.receive(201, Buffer.from(fragment(1), 'hex'), 1);
  down(device, 201, '0101');
  t.deepEqual(uplinks(device, radio), ['201:0101000100']);
});

test('v2 SessionCnt: a setup is refused as a replay once a fragment of that SessionCnt was received', (t) => {
  const { device, radio } = makeDevice('lbm', { packageVersions: { ts003: 2, ts004: 2, ts005: 2 } });
  const block = testBlock(20, 7);
  down(device, 201, setupFrame(2, 0, block, 10, device.config.rootKey));
  down(device, 201, setupFrame(2, 0, block, 10, device.config.rootKey)); // same SessionCnt, no fragment yet: accepted
  down(device, 201, ts004Frame(2, { command: 'DataFragment', fragIndex: 0, n: 1, data: block.subarray(0, 10) }));
  down(device, 201, setupFrame(2, 0, block, 10, device.config.rootKey));
  t.deepEqual(uplinks(device, radio), ['201:0200', '201:0200', '201:0210']);
});
