// Every error a device can report ends it with the decoded reason; bad input and faults are
// counted and logged, never thrown, and never count a device twice.

import test from 'ava';
import { hexToBytes } from '../../src/core/hex.js';
import {
  A,
  B,
  FIRMWARE_VERSION,
  HW_VERSION,
  MINUTE,
  OLD_VERSION,
  PACKAGE_ID,
  PORT,
  SECOND,
  Script,
  TIMING,
  V1,
  V2,
  fragSessionSetupAns,
  sessionAns,
  statusAnsV1,
  statusAnsV2,
  type Cmd,
  type Versions,
} from './script.js';

// ---------------------------------------------------------------------------------------------
// Device error codes

interface ErrorCase {
  name: string;
  versions: Versions;
  /** The request the device answers. */
  step: string;
  answer: (s: Script) => { fPort: number; version: 1 | 2; command: Cmd };
  outcome: 'failed' | 'rejected';
  error: string;
}

const setupErrors: ErrorCase[] = [
  ...(['fragAlgoUnsupported', 'notEnoughMemory', 'fragIndexUnsupported', 'wrongDescriptor'] as const).map(
    (flag): ErrorCase => ({
      name: `FragSessionSetupAns ${flag} (v1)`,
      versions: V1,
      step: 'frag-session-setup',
      answer: (s) => ({ fPort: PORT.TS004, version: 1, command: fragSessionSetupAns(s.device(A).fragIndex!, 1, { [flag]: true }) }),
      outcome: 'failed',
      error: `FragSessionSetupAns: ${flag[0]!.toUpperCase()}${flag.slice(1)}`,
    }),
  ),
  {
    name: 'FragSessionSetupAns SessionCntReplay (v2)',
    versions: V2,
    step: 'frag-session-setup',
    answer: (s) => ({ fPort: PORT.TS004, version: 2, command: fragSessionSetupAns(s.device(A).fragIndex!, 2, { sessionCntReplay: true }) }),
    outcome: 'failed',
    error: 'FragSessionSetupAns: SessionCntReplay',
  },
  {
    name: 'FragSessionSetupAns with two error bits names both',
    versions: V2,
    step: 'frag-session-setup',
    answer: (s) => ({ fPort: PORT.TS004, version: 2, command: fragSessionSetupAns(s.device(A).fragIndex!, 2, { notEnoughMemory: true, wrongDescriptor: true }) }),
    outcome: 'failed',
    error: 'FragSessionSetupAns: NotEnoughMemory, WrongDescriptor',
  },
  {
    name: 'McGroupSetupAns IDerror',
    versions: V1,
    step: 'mc-group-setup',
    answer: () => ({ fPort: PORT.TS005, version: 1, command: { command: 'McGroupSetupAns', mcGroupId: 1, idError: true } }),
    outcome: 'failed',
    error: 'McGroupSetupAns: IDerror',
  },
  ...(['ts004', 'ts005', 'ts003'] as const).map(
    (pkg): ErrorCase => ({
      name: `PackageVersionAns ${pkg.toUpperCase()} version 3`,
      versions: V1,
      step: `version-${pkg}`,
      answer: () => ({
        fPort: { ts004: PORT.TS004, ts005: PORT.TS005, ts003: PORT.TS003 }[pkg],
        version: 1,
        command: { command: 'PackageVersionAns', packageIdentifier: PACKAGE_ID[pkg], packageVersion: 3 },
      }),
      outcome: 'failed',
      error: `PackageVersionAns: ${pkg.toUpperCase()} version 3 is not supported (1 or 2)`,
    }),
  ),
];

for (const c of setupErrors) {
  test(`setup error: ${c.name} → ${c.outcome} "${c.error}"`, (t) => {
    const s = new Script({ devices: 2 });
    s.start();
    s.answerUntil(A, c.step, c.versions);
    const { fPort, version, command } = c.answer(s);
    const mark = s.mark();
    s.advanceBy(5 * SECOND);
    s.uplink(A, fPort, version, [command]);
    const device = s.device(A);
    t.is(device.outcome, c.outcome);
    t.is(device.error, c.error);
    t.is(device.phase, 'done');
    t.is(device.pending, undefined);
    t.deepEqual(s.namesTo(A, mark), [], 'nothing more is asked');
    t.true(s.notes(A).includes(`${c.outcome}: ${c.error}`));
    t.deepEqual(s.campaign.ignoredUplinks, {});
    // The other device carries on, and the failed one is asked nothing later either.
    s.completeSetup(B);
    s.advanceBy(30 * SECOND);
    t.is(s.campaign.wave?.stage, 'session');
    t.false(s.namesTo(A, mark).some((n) => n.startsWith('McClass')));
  });
}

const sessionErrors: Array<{ flag: 'drError' | 'freqError' | 'mcGroupUndefined' | 'startMissed'; versions: Versions; reason: string }> = [
  { flag: 'drError', versions: V1, reason: 'DRError' }, // TS005 §4.5 spells it "DR error"
  { flag: 'freqError', versions: V1, reason: 'FreqError' },
  { flag: 'mcGroupUndefined', versions: V1, reason: 'McGroupUndefined' },
  { flag: 'startMissed', versions: V2, reason: 'StartMissed' },
];

for (const c of sessionErrors) {
  test(`session error: McClassCSessionAns ${c.reason} (TS005 v${c.versions.ts005}) fails the device; it gets no fragments and is released at teardown`, (t) => {
    const s = new Script({ devices: 2 });
    s.toSession(c.versions);
    s.advanceBy(10 * SECOND);
    s.answer(A, sessionAns('C', c.versions.ts005!, { [c.flag]: true }));
    t.is(s.device(A).outcome, 'failed');
    t.is(s.device(A).error, `McClassCSessionAns: ${c.reason}`);
    s.answerPending(B);
    s.advanceTo(s.campaign.wave!.sessionStartMs!);
    t.is(s.device(A).phase, 'done');
    t.is(s.device(B).phase, 'receiving');
    // At the end, the failed device frees what it set up.
    s.advanceBy(10 * SECOND);
    const mark = s.mark();
    s.reportComplete(B);
    s.advanceTo(s.campaign.wave!.statusDeadlineMs!);
    s.advanceBy(5 * SECOND);
    s.answerPending(B); // DevUpgradeImageAns
    s.advanceBy(5 * SECOND);
    s.answerPending(B); // DevRebootTimeAns
    s.advanceTo(s.device(B).timestamps.rebootAtMs! + MINUTE);
    s.answerPending(B); // DevVersionAns
    s.advanceBy(MINUTE);
    t.is(s.campaign.phase, 'completed');
    t.deepEqual(s.namesTo(A, mark), ['FragSessionDeleteReq', 'McGroupDeleteReq']);
    t.is(s.lastTo(A)?.mcGroupId, 1);
    t.deepEqual(s.campaign.waveResults, [{ index: 0, participants: 2, confirmed: 1, failed: 1, delivered: 0 }]);
  });
}

test('session error: a class B McClassBSessionAns FreqError fails the device', (t) => {
  const s = new Script({ devices: 2, deviceClass: 'B' });
  s.toSession();
  s.answer(A, sessionAns('B', 1, { freqError: true }));
  t.is(s.device(A).outcome, 'failed');
  t.is(s.device(A).error, 'McClassBSessionAns: FreqError');
});

// MICError from an LBM device (its seed is known) is a real failure; from a device of unknown
// stack it means the other v2 seed (transition-seed-learning.test.ts).
const statusErrors: Array<{ name: string; versions: Versions; answer: (s: Script) => Cmd; error: string }> = [
  { name: 'v1 NotEnoughMatrixMemory', versions: V1, answer: (s) => statusAnsV1(s.device(A).fragIndex!, 3, 4, true), error: 'FragSessionStatusAns: NotEnoughMatrixMemory' },
  { name: 'v2 MemoryError', versions: V2, answer: (s) => statusAnsV2({ memoryError: true, fragIndex: s.device(A).fragIndex!, nbFragReceived: 3, missingFrag: 4 }), error: 'FragSessionStatusAns: MemoryError' },
  { name: 'v2 MICError', versions: V2, answer: (s) => statusAnsV2({ micError: true, fragIndex: s.device(A).fragIndex!, nbFragReceived: 7, missingFrag: 0 }), error: 'FragSessionStatusAns: MICError (the reassembled block does not match the setup MIC)' },
];

for (const c of statusErrors) {
  test(`status error: FragSessionStatusAns ${c.name} fails the device`, (t) => {
    const s = new Script({ devices: 2, stacks: 'lbm' });
    s.toStatus(c.versions);
    s.advanceBy(5 * SECOND);
    s.answer(A, c.answer(s));
    t.is(s.device(A).outcome, 'failed');
    t.is(s.device(A).error, c.error);
    t.is(s.device(B).outcome, undefined);
  });
}

test('FragDataBlockReceivedReq with MICError from an LBM device: acknowledged (so the device stops asking) and the device fails', (t) => {
  const s = new Script({ devices: 2, stacks: 'lbm' });
  s.toFragments(V2);
  s.advanceBy(5 * SECOND);
  const mark = s.mark();
  s.answer(A, { command: 'FragDataBlockReceivedReq', fragIndex: s.device(A).fragIndex!, micError: true });
  t.deepEqual(s.unicastsTo(A, mark).map((u) => [u.command, u.fragIndex, u.fPort]), [['FragDataBlockReceivedAns', s.device(A).fragIndex, PORT.TS004]]);
  t.is(s.device(A).outcome, 'failed');
  t.is(s.device(A).error, 'FragDataBlockReceivedReq: MICError (the reassembled block does not match the setup MIC)');
});

const upgradeErrors: Array<{ name: string; answer: Cmd; outcome: 'failed' | 'rejected'; error: string | RegExp }> = [
  { name: 'status 0 (no image)', answer: { command: 'DevUpgradeImageAns', upImageStatus: 0 }, outcome: 'failed', error: /^DevUpgradeImageAns: no image \(block incomplete; / },
  { name: 'status 1 (corrupt)', answer: { command: 'DevUpgradeImageAns', upImageStatus: 1 }, outcome: 'rejected', error: 'DevUpgradeImageAns: image corrupt or signature invalid' },
  { name: 'status 2 (other hardware)', answer: { command: 'DevUpgradeImageAns', upImageStatus: 2 }, outcome: 'rejected', error: 'DevUpgradeImageAns: image for other hardware' },
  {
    name: 'status 3 with another version',
    answer: { command: 'DevUpgradeImageAns', upImageStatus: 3, nextFirmwareVersion: OLD_VERSION },
    outcome: 'rejected',
    error: `DevUpgradeImageAns: valid image of version ${OLD_VERSION}, expected ${FIRMWARE_VERSION}`,
  },
];

for (const c of upgradeErrors) {
  test(`upgrade error: DevUpgradeImageAns ${c.name} → ${c.outcome}, no DevRebootTimeReq`, (t) => {
    const s = new Script({ devices: 2 });
    s.toUpgrade();
    t.is(s.lastTo(A)?.command, 'DevUpgradeImageReq');
    const mark = s.mark();
    s.advanceBy(10 * SECOND);
    s.answer(A, c.answer);
    t.is(s.device(A).outcome, c.outcome);
    if (typeof c.error === 'string') t.is(s.device(A).error, c.error);
    else t.regex(s.device(A).error!, c.error);
    s.advanceBy(10 * MINUTE);
    t.false(s.namesTo(A, mark).includes('DevRebootTimeReq'));
    t.false(s.namesTo(A, mark).includes('DevVersionReq'));
  });
}

test('DevUpgradeImageAns status 0 names what the last status report said', (t) => {
  const s = new Script({ devices: 2 });
  s.toStatus();
  s.advanceBy(5 * SECOND);
  s.answer(A, statusAnsV1(s.device(A).fragIndex!, 2, 5));
  // No more status rounds: the session is over for A when the rounds run out; make it quick.
  for (let i = 0; s.campaign.wave?.stage !== 'upgrade'; i++) {
    if (i > 200) throw new Error('never reached the upgrade');
    s.advanceTo(s.campaign.nextWakeMs!);
  }
  s.advanceBy(5 * SECOND);
  s.answer(A, { command: 'DevUpgradeImageAns', upImageStatus: 0 });
  t.is(s.device(A).error, 'DevUpgradeImageAns: no image (block incomplete; last FragSessionStatusAns: 5 fragments missing)');
});

test('DevVersionAns with the old version after the reboot time: asked once more 5 min later, then the device fails', (t) => {
  const s = new Script({ devices: 2 });
  s.toUpgrade();
  s.advanceBy(5 * SECOND);
  s.answerPending(A); // DevUpgradeImageAns status 3
  s.advanceBy(5 * SECOND);
  s.answerPending(A); // DevRebootTimeAns
  s.advanceTo(s.device(A).timestamps.rebootAtMs! + MINUTE);
  t.is(s.lastTo(A)?.command, 'DevVersionReq');
  s.answer(A, { command: 'DevVersionAns', fwVersion: OLD_VERSION, hwVersion: HW_VERSION });
  t.is(s.device(A).outcome, undefined, 'not failed on the first old version');
  const mark = s.mark();
  s.advanceBy(4 * MINUTE);
  t.deepEqual(s.namesTo(A, mark), [], 'not asked again before the delay');
  s.advanceBy(2 * MINUTE);
  t.deepEqual(s.namesTo(A, mark), ['DevVersionReq']);
  s.answer(A, { command: 'DevVersionAns', fwVersion: OLD_VERSION, hwVersion: HW_VERSION });
  t.is(s.device(A).outcome, 'failed');
  t.is(s.device(A).error, `DevVersionAns: running version ${OLD_VERSION} after the reboot time, expected ${FIRMWARE_VERSION}`);
  t.is(s.device(A).firmwareAfter, OLD_VERSION);
  t.is(s.device(A).firmwareBefore, OLD_VERSION);
});

// ---------------------------------------------------------------------------------------------
// Bad input and faults

test('an uplink from a device not in the campaign is counted unknown-device and logged; nothing else changes', (t) => {
  const s = new Script({ devices: 2 });
  s.start();
  s.advanceBy(10 * SECOND);
  const before = structuredClone({ campaign: s.campaign, devices: [...s.devices.values()] });
  const r = s.uplink('ffffffffffffffff', PORT.TS005, 1, [{ command: 'McGroupSetupAns', mcGroupId: 1, idError: false }]);
  t.deepEqual(r.commands, []);
  t.deepEqual(r.devices, []);
  t.deepEqual(s.campaign.ignoredUplinks, { 'unknown-device': 1 });
  t.deepEqual(r.log.map((l) => [l.devEui, l.direction]), [['ffffffffffffffff', 'note']]);
  t.regex(r.log[0]!.text, /not in this campaign/);
  t.deepEqual([...s.devices.values()], before.devices);
  const { updatedAtMs: _u, nextWakeMs: _n, ignoredUplinks: _i, ...rest } = s.campaign;
  const { updatedAtMs: _u0, nextWakeMs: _n0, ignoredUplinks: _i0, ...restBefore } = before.campaign;
  t.deepEqual(rest, restBefore);
});

const malformed: Array<{ name: string; fPort: number; hex: string }> = [
  { name: 'an unknown CID', fPort: PORT.TS005, hex: 'ff00' },
  { name: 'a truncated McGroupSetupAns', fPort: PORT.TS005, hex: '02' },
  { name: 'an empty frame', fPort: PORT.TS004, hex: '' },
  { name: 'DevUpgradeImageAns status 3 without the version', fPort: PORT.TS006, hex: '0403' },
  { name: 'a good answer followed by garbage', fPort: PORT.TS005, hex: '0201ee' },
];

for (const c of malformed) {
  test(`a malformed payload (${c.name}) is counted malformed, logged, and changes nothing else`, (t) => {
    const s = new Script({ devices: 2 });
    s.start();
    s.answerUntil(A, 'mc-group-setup');
    const pending = structuredClone(s.device(A).pending);
    const mark = s.mark();
    const r = s.raw(A, c.fPort, hexToBytes(c.hex));
    t.deepEqual(s.campaign.ignoredUplinks, { malformed: 1 });
    t.is(s.device(A).counters.ignored, 1);
    t.is(s.device(A).pending?.step, pending?.step);
    t.false(s.device(A).done.mcGroupSetup, 'a frame is decoded whole or not at all');
    t.deepEqual(s.namesTo(A, mark), []);
    t.is(s.device(A).outcome, undefined);
    t.regex(r.log.find((l) => l.direction === 'up')!.text, /^malformed: /);
  });
}

test('uplinks on application ports are not FUOTA answers: not counted as ignored, not logged', (t) => {
  const s = new Script({ devices: 2 });
  s.start();
  const r = s.raw(A, 10, 'ffffffff');
  t.deepEqual(s.campaign.ignoredUplinks, {});
  t.is(s.device(A).counters.uplinks, 1);
  t.is(s.device(A).counters.ignored, 0);
  t.deepEqual(r.log, []);
});

test('a duplicate McGroupSetupAns is counted duplicate and does not move the device twice', (t) => {
  const s = new Script({ devices: 2 });
  s.start();
  s.answerUntil(A, 'mc-group-setup');
  const ans: Cmd = { command: 'McGroupSetupAns', mcGroupId: 1, idError: false };
  s.answer(A, ans);
  s.answer(A, ans);
  t.deepEqual(s.campaign.ignoredUplinks, { duplicate: 1 });
  t.is(s.device(A).counters.ignored, 1);
  t.is(s.namesTo(A).filter((n) => n === 'FragSessionSetupReq').length, 1);
  t.is(s.device(A).pending?.step, 'frag-session-setup');
  t.is(s.device(A).pending?.attempts, 1);
  t.true(s.notes(A).includes('McGroupSetupAns ignored: duplicate'));
  // Even a duplicate with IDerror set does not fail a device that is set up.
  s.answer(A, { command: 'McGroupSetupAns', mcGroupId: 1, idError: true });
  t.is(s.device(A).outcome, undefined);
  t.deepEqual(s.campaign.ignoredUplinks, { duplicate: 2 });
});

test('a duplicate PackageVersionAns is counted duplicate and does not change the versions', (t) => {
  const s = new Script({ devices: 2 });
  s.start();
  s.answerPending(A, V1); // TS004 v1
  s.uplink(A, PORT.TS004, 1, [{ command: 'PackageVersionAns', packageIdentifier: PACKAGE_ID.ts004, packageVersion: 2 }]);
  t.deepEqual(s.campaign.ignoredUplinks, { duplicate: 1 });
  t.is(s.device(A).packageVersions.ts004, 1);
  t.is(s.device(A).fecScheme, 'v1');
});

test('a duplicate DevVersionAns after the confirmation does not count the device twice', (t) => {
  const s = new Script({ devices: 2 });
  s.toUpgrade();
  for (const devEui of [A, B]) {
    s.advanceBy(5 * SECOND);
    s.answerPending(devEui);
    s.advanceBy(5 * SECOND);
    s.answerPending(devEui);
  }
  s.advanceTo(Math.max(s.device(A).timestamps.rebootAtMs!, s.device(B).timestamps.rebootAtMs!) + MINUTE);
  s.answerPending(A);
  s.answer(A, { command: 'DevVersionAns', fwVersion: FIRMWARE_VERSION, hwVersion: HW_VERSION });
  t.deepEqual(s.campaign.ignoredUplinks, { duplicate: 1 });
  s.answerPending(B);
  s.advanceBy(MINUTE);
  t.is(s.campaign.phase, 'completed');
  t.deepEqual(s.campaign.waveResults, [{ index: 0, participants: 2, confirmed: 2, failed: 0, delivered: 0 }]);
});

test('a FragSessionSetupAns for another FragIndex is stale: the request stays pending, even with error bits', (t) => {
  const s = new Script({ devices: 2 });
  s.start();
  s.answerUntil(A, 'frag-session-setup');
  const other = (s.device(A).fragIndex! + 1) % 4;
  s.answer(A, fragSessionSetupAns(other, 1, { notEnoughMemory: true }));
  t.deepEqual(s.campaign.ignoredUplinks, { stale: 1 });
  t.is(s.device(A).outcome, undefined);
  t.is(s.device(A).pending?.step, 'frag-session-setup');
  t.false(s.device(A).done.fragSessionSetup);
  s.answerPending(A);
  t.true(s.device(A).done.fragSessionSetup);
});

test('a FragSessionStatusAns for another FragIndex is stale', (t) => {
  const s = new Script({ devices: 2 });
  s.toStatus();
  s.answer(A, statusAnsV1((s.device(A).fragIndex! + 1) % 4, 7, 0));
  t.deepEqual(s.campaign.ignoredUplinks, { stale: 1 });
  t.is(s.device(A).phase, 'receiving');
});

const unexpected: Array<{ name: string; command: Cmd }> = [
  { name: 'DevUpgradeImageAns', command: { command: 'DevUpgradeImageAns', upImageStatus: 3, nextFirmwareVersion: FIRMWARE_VERSION } },
  { name: 'McClassCSessionAns', command: sessionAns('C', 1, { timeToStart: 10 }) },
  { name: 'FragSessionSetupAns', command: fragSessionSetupAns(0, 1) },
  { name: 'DevRebootTimeAns', command: { command: 'DevRebootTimeAns', rebootTime: 1_000_000 } },
];

for (const c of unexpected) {
  test(`an answer with no request pending (${c.name} during the version questions) is unexpected and changes nothing`, (t) => {
    const s = new Script({ devices: 2 });
    s.start();
    const before = structuredClone(s.device(A));
    s.answer(A, c.command);
    t.deepEqual(s.campaign.ignoredUplinks, { unexpected: 1 });
    const { step, attempts, retryAtMs } = s.device(A).pending!;
    t.deepEqual({ step, attempts, retryAtMs }, { step: before.pending!.step, attempts: before.pending!.attempts, retryAtMs: before.pending!.retryAtMs });
    t.deepEqual(s.device(A).done, before.done);
    t.is(s.device(A).phase, 'setup');
    t.is(s.device(A).outcome, undefined);
  });
}

test('a PackageVersionAns naming another package than its port is unexpected', (t) => {
  const s = new Script({ devices: 2 });
  s.start();
  s.uplink(A, PORT.TS004, 1, [{ command: 'PackageVersionAns', packageIdentifier: PACKAGE_ID.ts005, packageVersion: 1 }]);
  t.deepEqual(s.campaign.ignoredUplinks, { unexpected: 1 });
  t.deepEqual(s.device(A).packageVersions, {});
  t.is(s.device(A).pending?.step, 'version-ts004');
});

test('downlink-failed sends the request again at once, long before the answer timeout', (t) => {
  const s = new Script({ devices: 2, timing: { answerTimeoutMs: 60 * MINUTE } });
  s.start();
  s.answerUntil(A, 'mc-group-setup');
  const sentAt = s.lastTo(A)!.sentAtMs;
  s.advanceBy(10 * SECOND);
  const r = s.apply({ type: 'downlink-failed', atMs: s.nowMs, devEui: A, reason: 'queue item expired' });
  t.deepEqual(r.commands.map((c) => c.type === 'unicast' && c.devEui), [A]);
  t.true(s.notes(A).includes('downlink failed: queue item expired'));
  const again = s.unicastsTo(A).filter((u) => u.command === 'McGroupSetupReq');
  t.is(again.length, 2);
  t.true(again[1]!.sentAtMs < sentAt + MINUTE);
  t.is(s.device(A).pending?.attempts, 2);
  t.is(s.device(A).pending?.retryAtMs, again[1]!.sentAtMs + 60 * MINUTE);
});

test('downlink-failed for a device not in the campaign changes nothing', (t) => {
  const s = new Script({ devices: 2 });
  s.start();
  const r = s.apply({ type: 'downlink-failed', atMs: s.nowMs, devEui: 'ffffffffffffffff', reason: 'x' });
  t.deepEqual(r.commands, []);
  t.deepEqual(r.devices, []);
  t.deepEqual(r.log, []);
});

test('a failed downlink for the last attempt ends the device at once', (t) => {
  const s = new Script({ devices: 2 });
  s.start();
  s.advanceTo(s.unicastsTo(B)[0]!.sentAtMs + 2 * TIMING.answerTimeoutMs);
  t.is(s.device(B).pending?.attempts, 3);
  s.advanceBy(SECOND);
  s.apply({ type: 'downlink-failed', atMs: s.nowMs, devEui: B, reason: 'device queue full' });
  s.advanceBy(30 * SECOND);
  t.is(s.device(B).outcome, 'absent');
});

// A TS004 v2 device repeats FragDataBlockReceivedReq until it hears FragDataBlockReceivedAns
// (TS004-2.0.0 §3.5). applyAnswer answers only while the device is 'receiving': once it is
// 'block-complete' a repeat (our answer was lost) is counted 'duplicate' and NOT answered, and
// after the wave moved to the upgrade ('upgrading') it is 'stale' and not answered either; the
// device keeps asking. Fix: send FragDataBlockReceivedAns for any FragDataBlockReceivedReq whose
// FragIndex is the device's, whatever the phase, and only change the state the first time.
test('FIXED: a repeated FragDataBlockReceivedReq (our answer lost) is answered again', (t) => {
  const s = new Script({ devices: 2 });
  s.toFragments(V2);
  s.advanceBy(5 * SECOND);
  const req: Cmd = { command: 'FragDataBlockReceivedReq', fragIndex: s.device(A).fragIndex!, micError: false };
  s.answer(A, req);
  t.is(s.device(A).phase, 'block-complete');
  const mark = s.mark();
  s.advanceBy(2 * MINUTE);
  s.answer(A, req);
  t.deepEqual(s.namesTo(A, mark), ['FragDataBlockReceivedAns']);
  t.is(s.device(A).phase, 'block-complete');
});

test('a McClassCSessionAns after the session start is ignored; the device stays in the session', (t) => {
  const s = new Script({ devices: 2 });
  s.toSession();
  s.answerPending(B);
  s.advanceTo(s.campaign.wave!.sessionStartMs!);
  t.is(s.device(A).phase, 'receiving');
  t.true(s.notes(A).some((n) => n.startsWith('no McClassC/BSessionAns before the session start')));
  s.answer(A, sessionAns('C', 1, { timeToStart: 0 }));
  t.deepEqual(s.campaign.ignoredUplinks, { unexpected: 1 });
  t.is(s.device(A).phase, 'receiving');
});
