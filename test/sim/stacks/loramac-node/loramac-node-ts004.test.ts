import test from 'ava';
import { bytesToHex } from '../../../../src/core/hex.js';
import { down, fragmenter, makeDevice, NEW_VERSION, setupFrame, testBlock, uplinks, verifierFor } from '../device-harness.js';

// LoRaMac-node v4.7.0 TS004: expected bytes from ../shared/reference/device-stacks.md (measured
// on master dcbcfb3) unless a line says otherwise.

// Chosen (seeded search, v1 matrix, M = 200) so that, with these fragments lost, the block is
// rebuilt exactly at N = 235: 27 data fragments lost, 7 coded ones too.
const LOST_DATA = [8, 12, 15, 19, 26, 32, 44, 48, 60, 64, 72, 89, 90, 91, 100, 101, 103, 111, 114, 117, 125, 138, 139, 150, 155, 163, 190];
const LOST_CODED = [202, 213, 218, 224, 229, 230, 234];

for (const [payloadMode, onBlock] of [['full', 'reboot-into-image'], ['rank-only', 'reboot-into-image'], ['full', 'keep-running']] as const) {
  test(`${payloadMode}: FragIndex 1, M = 200, S = 120, 27 data lost, rebuilt at N = 235 → 01eb401b00; FragDone, then the application (${onBlock})`, (t) => {
    const block = testBlock(200 * 120, 1);
    const { device, radio } = makeDevice('loramac-node', { fragMax: { nb: 200, size: 120, redundancy: 40 }, verifyImage: verifierFor(block), payloadMode, onBlock });
    const fragment = fragmenter('v1', block, 120, 1, 1);
    down(device, 201, setupFrame(1, 1, block, 120, device.config.rootKey));
    t.deepEqual(uplinks(device, radio), ['201:0240']); // FragSessionSetupAns: FragIndex 1, no error
    for (let n = 1; n <= 235; n++) {
      if (LOST_DATA.includes(n) || LOST_CODED.includes(n)) continue;
      down(device, 201, fragment(n));
      if (n < 235) t.is(device.rebuiltAtN.get(1), undefined, `complete early at ${n}`);
    }
    t.is(device.rebuiltAtN.get(1), 235);
    t.is(device.completedAtN.get(1), undefined, 'not handed over yet');
    down(device, 201, '0103'); // FragSessionStatusReq, Participants 1, FragIndex 1
    t.deepEqual(uplinks(device, radio), ['201:01eb401b00']); // NbFragReceived 235 (last N), MissingFrag 27 (never goes down)
    // OnDone fires at the next fragment of the slot (LmhpFragmentation.c ~400), not at the finishing one.
    t.is(device.upgrade.status, 'none');
    down(device, 201, fragment(236));
    t.is(device.upgrade.status, 'valid');
    t.is(device.completedAtN.get(1), 236, 'handed over (OnDone) at the next fragment');
    down(device, 201, '0102'); // Participants 0: answered, FragNbLost is still 27; FragNbRx stays 235
    t.deepEqual(uplinks(device, radio), ['201:01eb401b00']);
    // No TS006: ST's example application reboots into the image by itself (SELF_REBOOT_DELAY_MS);
    // Semtech's keeps running the old one.
    radio.nowMs += 60_000;
    t.is(device.takeUplink(radio.nowMs)?.fPort, 1);
    if (onBlock === 'keep-running') {
      t.not(device.firmwareVersion, NEW_VERSION);
      t.is(device.reboots, 0);
      return;
    }
    t.is(device.firmwareVersion, NEW_VERSION);
    t.is(bytesToHex(device.takeUplink(radio.nowMs)!.payload), '0100000101'); // 01, version u32 LE
  });
}

test('M = 40, only N = 1..30 delivered (tail lost) → 011e000000; Participants 0 → no answer', (t) => {
  const block = testBlock(40 * 10, 2);
  const { device, radio } = makeDevice('loramac-node', { fragMax: { nb: 40, size: 50, redundancy: 5 } });
  const fragment = fragmenter('v1', block, 10, 1, 0);
  down(device, 201, setupFrame(1, 0, block, 10, device.config.rootKey));
  uplinks(device, radio);
  for (let n = 1; n <= 30; n++) down(device, 201, fragment(n));
  down(device, 201, '0100'); // Participants 0: FragNbLost is 0, the lost tail is not counted yet
  t.deepEqual(uplinks(device, radio), []);
  down(device, 201, '0101');
  t.deepEqual(uplinks(device, radio), ['201:011e000000']);
});

test('FragNbRx is the N of every fragment given to the decoder, also one dropped out of order', (t) => {
  const block = testBlock(10 * 10, 7);
  const { device, radio } = makeDevice('loramac-node');
  const fragment = fragmenter('v1', block, 10, 1, 0);
  down(device, 201, setupFrame(1, 0, block, 10, device.config.rootKey));
  uplinks(device, radio);
  for (const n of [1, 2, 4, 5, 3]) down(device, 201, fragment(n));
  down(device, 201, '0100');
  t.deepEqual(uplinks(device, radio), ['201:0103000100']); // N 3 (dropped: below FragNbLastRx 5), FragNbLost 1
});

test('stock limits 21/50/5: 6 of 20 data fragments lost, then coded 21 → 0115000601; OnDone hands over garbage', (t) => {
  const block = testBlock(20 * 50, 3);
  const { device, radio } = makeDevice('loramac-node', { verifyImage: verifierFor(block) });
  const fragment = fragmenter('v1', block, 50, 1, 0);
  down(device, 201, setupFrame(1, 0, block, 50, device.config.rootKey));
  t.deepEqual(uplinks(device, radio), ['201:0200']);
  for (let n = 1; n <= 21; n++) if (![2, 5, 7, 11, 13, 17].includes(n)) down(device, 201, fragment(n));
  down(device, 201, '0100'); // FragNbLost 6 > 0: answered also with Participants 0
  t.deepEqual(uplinks(device, radio), ['201:0115000601']); // N 21, MissingFrag 6, NotEnoughMatrixMemory
  t.is(device.completedAtN.get(0), undefined);
  down(device, 201, fragment(22)); // "finished" with MatrixError: OnDone now, with a garbage block
  t.is(device.upgrade.status, 'corrupt');
  t.false(device.rebootScheduled);
});

test('stock limits: M = 22 fragments of 50 bytes → NotEnoughMemory; FragAlgo 1 → FragAlgoUnsupported; the descriptor is never checked', (t) => {
  const { device, radio } = makeDevice('loramac-node');
  down(device, 201, setupFrame(1, 2, new Uint8Array(22 * 50), 50, device.config.rootKey));
  down(device, 201, setupFrame(1, 0, new Uint8Array(20), 10, device.config.rootKey, { fragmentationMatrix: 1, descriptor: new Uint8Array(4) }));
  down(device, 201, setupFrame(1, 0, new Uint8Array(20), 10, device.config.rootKey, { descriptor: Uint8Array.of(9, 9, 9, 9) }));
  t.deepEqual(uplinks(device, radio), ['201:0282', '201:0201', '201:0200']);
});

test('a data-only stream never finishes; the first coded fragment with nothing lost does', (t) => {
  const block = testBlock(4 * 10, 4);
  const { device, radio } = makeDevice('loramac-node', { verifyImage: verifierFor(block) });
  const fragment = fragmenter('v1', block, 10, 1, 0);
  down(device, 201, setupFrame(1, 0, block, 10, device.config.rootKey));
  uplinks(device, radio);
  for (let n = 1; n <= 4; n++) down(device, 201, fragment(n));
  t.is(device.rebuiltAtN.get(0), undefined); // FragDecoder.c: data fragments return ONGOING
  down(device, 201, fragment(5));
  t.is(device.rebuiltAtN.get(0), 5);
  down(device, 201, '0101');
  t.deepEqual(uplinks(device, radio), ['201:0105000000']);
});

test('one decoder for all FragIndex values: a second setup re-initialises it under the first session', (t) => {
  const { device, radio } = makeDevice('loramac-node');
  const first = fragmenter('v1', testBlock(40, 5), 10, 1, 0);
  down(device, 201, setupFrame(1, 0, testBlock(40, 5), 10, device.config.rootKey));
  down(device, 201, first(1));
  down(device, 201, first(2));
  down(device, 201, setupFrame(1, 1, testBlock(80, 6), 10, device.config.rootKey));
  uplinks(device, radio);
  down(device, 201, '0101'); // FragIndex 0's status is the shared decoder's: FragNbRx kept, FragNbLost reset
  t.deepEqual(uplinks(device, radio), ['201:0102000000']);
  down(device, 201, first(5)); // slot 0 still ONGOING: fed to the decoder now set up for M = 8
  down(device, 201, '0101');
  t.deepEqual(uplinks(device, radio), ['201:0105000400']); // rows 1..4 of the new block counted lost
});

test('the reference frame to FragIndex 1 while only FragIndex 0 is set up crashes the device (reset)', (t) => {
  const { device, radio } = makeDevice('loramac-node');
  down(device, 200, '020000000026' + '00'.repeat(16) + '00000000ffffffff'); // McGroupSetupReq group 0
  down(device, 201, setupFrame(1, 0, new Uint8Array(40), 10, device.config.rootKey));
  t.truthy(device.groups[0]);
  down(device, 201, '082940af566bade2385be7d4e8010fb7a27dce04d34539726238de9308e1fed9c79b8237677d4ec08d55d1');
  t.is(device.crashes, 1);
  t.deepEqual(device.groups, [undefined, undefined, undefined, undefined]);
  const restartAt = radio.scheduled.at(-1)! - radio.nowMs;
  t.true(restartAt >= 10_000 && restartAt <= 30_000, `${restartAt} ms`);
  // The pending setup answers are gone, and so is the session: the decoder status reads zero.
  down(device, 201, '0101');
  t.deepEqual(uplinks(device, radio), ['201:0100000000']);
});

test('a DataFragment for a slot never set up, no other session: OnDone with size 0, its data parsed as commands', (t) => {
  const { device, radio } = makeDevice('loramac-node');
  down(device, 201, '08014000'); // FragIndex 1, N 1, data 00 = PackageVersionReq
  t.is(device.crashes, 0);
  t.is(device.upgrade.status, 'corrupt'); // the application's check of a 0-byte block
  t.deepEqual(uplinks(device, radio), ['201:000301']);
});

test('a FragSessionSetupReq over multicast is skipped without its 10 bytes, which are read as commands', (t) => {
  const { device, radio } = makeDevice('loramac-node');
  // 02 skipped; 00 (PackageVersionReq, skipped over multicast); 01 03: FragSessionStatusReq, Participants 1, FragIndex 1.
  device.stackModel.receive(201, Uint8Array.from([0x02, 0x00, 0x01, 0x03]), 0);
  t.deepEqual(uplinks(device, radio), ['201:0100400000']);
});
