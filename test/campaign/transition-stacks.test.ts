// A campaign reads each device stack as it really answers (../shared/reference/device-stacks.md):
// LoRaMac-node has no TS006, LBM answers DevRebootTimeAns in seconds to go, and a v2 device of
// unknown stack that reports a MICError is served again with the other v2 seed.

import test from 'ava';
import { gpsSecondsToUnixMs, unixMsToGpsSeconds } from '../../src/core/gps-time.js';
import { A, B, FIRMWARE_VERSION, MC_ADDR, MINUTE, OLD_VERSION, PORT, SECOND, Script, V1, V2, fragSessionSetupAns, statusAnsV1, type Cmd } from './script.js';

/** Every device reports a complete block; the status round ends (and, without TS006, the wave). */
function deliverAll(s: Script): void {
  s.toStatus();
  s.advanceBy(10 * SECOND);
  for (const d of s.inWave()) if (d.phase === 'receiving') s.reportComplete(d.devEui);
  s.advanceTo(s.campaign.wave!.statusDeadlineMs!);
}

function appUplink(s: Script, devEui: string, version: number): void {
  const payload = Uint8Array.of(0x01, version & 0xff, (version >>> 8) & 0xff, (version >>> 16) & 0xff, (version >>> 24) & 0xff);
  s.raw(devEui, 1, payload);
}

test('LoRaMac-node: no PackageVersionReq (its v1 packages are known), no TS006 request ever; a complete block ends `delivered` with the reason', (t) => {
  const s = new Script({ devices: 2, stacks: 'loramac-node', fragmentation: { initialRedundancy: 1 } });
  s.start();
  t.deepEqual(s.namesTo(A), ['McGroupSetupReq'], 'straight to the group setup');
  deliverAll(s);
  s.advanceBy(MINUTE);
  for (const devEui of [A, B]) {
    t.is(s.device(devEui).outcome, 'delivered');
    t.regex(s.device(devEui).error!, /block delivered; version not confirmed: loramac-node has no TS006/);
    t.false(s.unicastsTo(devEui).some((u) => u.fPort === PORT.TS006), 'nothing on fPort 203');
  }
  t.is(s.campaign.phase, 'completed');
  t.deepEqual(s.campaign.waveResults, [{ index: 0, participants: 2, confirmed: 0, failed: 0, delivered: 2 }]);
});

test('LoRaMac-node canary of delivered devices does not halt the campaign', (t) => {
  const s = new Script({ devices: 2, stacks: 'loramac-node', fragmentation: { initialRedundancy: 1 }, canaryFraction: 0.5 });
  deliverAll(s);
  s.advanceBy(MINUTE);
  t.is(s.device(A).outcome, 'delivered');
  t.is(s.campaign.phase, 'running');
  t.is(s.campaign.waveIndex, 1);
});

test('LoRaMac-node with firmware.versionUplink: confirmed when its application reports the new version after delivery', (t) => {
  const s = new Script({ devices: 2, stacks: 'loramac-node', fragmentation: { initialRedundancy: 1 }, versionUplink: { fPort: 1, offset: 1, length: 4, byteOrder: 'little' } });
  s.start();
  appUplink(s, A, OLD_VERSION);
  t.is(s.device(A).firmwareBefore, OLD_VERSION);
  s.toUpgrade();
  t.is(s.device(A).phase, 'confirming');
  t.deepEqual(s.unicastsTo(A).filter((u) => u.fPort === PORT.TS006), [], 'nothing asked');
  appUplink(s, A, OLD_VERSION);
  t.is(s.device(A).outcome, undefined, 'the old version confirms nothing');
  appUplink(s, A, FIRMWARE_VERSION);
  t.like(s.device(A), { outcome: 'confirmed', firmwareAfter: FIRMWARE_VERSION });
  // B keeps reporting its old version: failed at the deadline, naming what it reports.
  appUplink(s, B, OLD_VERSION);
  s.advanceTo(s.campaign.wave!.upgradeDeadlineMs! + MINUTE);
  t.is(s.device(B).outcome, 'failed');
  t.regex(s.device(B).error!, new RegExp(`still report version ${OLD_VERSION}, expected ${FIRMWARE_VERSION}`));
});

test('LoRaMac-node: a device not known complete after the rounds is asked FragSessionStatusReq by unicast; incomplete → failed, never `delivered` on a guess', (t) => {
  const s = new Script({ devices: 2, stacks: 'loramac-node', fragmentation: { initialRedundancy: 1, maxStatusRounds: 2 } });
  s.toStatus();
  s.advanceBy(10 * SECOND);
  s.reportComplete(B);
  const m = s.ctx.layout.nbFrag;
  for (let round = 0; round < 3 && s.campaign.wave?.stage !== 'upgrade'; round++) {
    s.answer(A, statusAnsV1(s.device(A).fragIndex!, m - 2, 0)); // heard up to M − 2: the tail is missing
    s.advanceTo(s.campaign.wave!.statusDeadlineMs ?? s.nowMs);
    while (s.campaign.wave?.stage === 'fragments') s.advanceTo(s.campaign.nextWakeMs!);
    s.advanceBy(10 * SECOND);
  }
  t.is(s.campaign.wave?.stage, 'upgrade');
  const ask = s.lastTo(A)!;
  t.like(ask, { command: 'FragSessionStatusReq', fPort: PORT.TS004, participants: true, fragIndex: s.device(A).fragIndex });
  t.is(s.device(A).pending?.step, 'frag-status');
  s.answer(A, statusAnsV1(s.device(A).fragIndex!, m - 2, 0));
  t.is(s.device(A).outcome, 'failed');
  t.regex(s.device(A).error!, /^FragSessionStatusAns after the session \(loramac-node\): last fragment/);
  t.is(s.device(B).outcome, 'delivered');
});

test('LoRaMac-node: the unicast FragSessionStatusReq after the session finds the block complete → delivered', (t) => {
  const s = new Script({ devices: 1, stacks: 'loramac-node', fragmentation: { initialRedundancy: 1, maxStatusRounds: 1 } });
  s.toStatus();
  s.advanceTo(s.campaign.wave!.statusDeadlineMs!); // its status answer was lost
  t.is(s.device(A).pending?.step, 'frag-status');
  s.answer(A, statusAnsV1(s.device(A).fragIndex!, s.ctx.layout.nbFrag + 1, 0));
  t.is(s.device(A).outcome, 'delivered');
});

test('LBM: DevRebootTimeAns carries the seconds to go; DevVersionReq only after that time', (t) => {
  const s = new Script({ devices: 2, stacks: 'lbm' });
  s.toUpgrade();
  s.advanceBy(5 * SECOND);
  s.answerPending(A); // DevUpgradeImageAns status 3
  s.advanceBy(5 * SECOND);
  const asked = s.lastTo(A)!;
  t.is(asked.command, 'DevRebootTimeReq');
  const secondsToGo = asked.rebootTime - unixMsToGpsSeconds(s.nowMs);
  t.true(secondsToGo > 60);
  const mark = s.mark();
  s.answer(A, { command: 'DevRebootTimeAns', rebootTime: secondsToGo });
  t.is(s.device(A).phase, 'rebooting');
  t.is(s.device(A).timestamps.rebootAtMs, s.nowMs + secondsToGo * 1000);
  s.advanceBy((secondsToGo - 5) * SECOND);
  t.deepEqual(s.namesTo(A, mark), [], 'no DevVersionReq before the reboot');
  s.advanceBy(2 * MINUTE);
  t.deepEqual(s.namesTo(A, mark), ['DevVersionReq']);
});

// Issue #17 (campaign bench, seed 42, 10 000 devices): an LBM device rebooted into the image; a
// DevRebootTimeReq still queued reached the new image, whose answer (seconds to go) put it back to
// 'rebooting'; the DevVersionAns that came next reported the new version and was kept as the
// version *before*. Three DevVersionReq lost later, it was called lost contact at the deadline.
test('LBM: a DevVersionAns with the campaign\'s version while the device is rebooting (no DevVersionReq pending) confirms it', (t) => {
  const s = new Script({ devices: 2, stacks: 'lbm' });
  s.toUpgrade();
  s.advanceBy(5 * SECOND);
  s.answerPending(A); // DevUpgradeImageAns status 3
  s.advanceBy(5 * SECOND);
  const asked = s.lastTo(A)!;
  s.answer(A, { command: 'DevRebootTimeAns', rebootTime: asked.rebootTime - unixMsToGpsSeconds(s.nowMs) });
  t.like(s.device(A), { phase: 'rebooting', pending: undefined });
  s.advanceBy(5 * SECOND);
  s.answer(A, { command: 'DevVersionAns', fwVersion: FIRMWARE_VERSION, hwVersion: 7 });
  t.like(s.device(A), { outcome: 'confirmed', firmwareAfter: FIRMWARE_VERSION, firmwareBefore: OLD_VERSION });
  // The old version before the reboot stays what it was: the version before.
  s.advanceBy(5 * SECOND);
  s.answerPending(B);
  s.advanceBy(5 * SECOND);
  const askedB = s.lastTo(B)!;
  s.answer(B, { command: 'DevRebootTimeAns', rebootTime: askedB.rebootTime - unixMsToGpsSeconds(s.nowMs) });
  s.answer(B, { command: 'DevVersionAns', fwVersion: OLD_VERSION, hwVersion: 7 });
  t.like(s.device(B), { phase: 'rebooting', outcome: undefined, firmwareBefore: OLD_VERSION });
});

test('LBM: DevRebootTimeAns 0 (time past on its clock) schedules nothing: the request goes again', (t) => {
  const s = new Script({ devices: 2, stacks: 'lbm' });
  s.toUpgrade();
  s.advanceBy(5 * SECOND);
  s.answerPending(A);
  s.advanceBy(5 * SECOND);
  const mark = s.mark();
  s.answer(A, { command: 'DevRebootTimeAns', rebootTime: 0 });
  t.is(s.device(A).phase, 'upgrading');
  t.deepEqual(s.namesTo(A, mark), [], 'no DevVersionReq');
  s.advanceBy(3 * MINUTE);
  t.deepEqual(s.namesTo(A, mark), ['DevRebootTimeReq']);
});

/** Lets time pass until a DevRebootTimeReq went to A again after `mark` (its earlier one unanswered) and that one's time has passed. */
function untilAskedAgain(s: Script, mark: number): Cmd {
  const first = s.unicastsTo(A, mark).find((u) => u.command === 'DevRebootTimeReq')!;
  for (let i = 0; s.unicastsTo(A, mark).filter((u) => u.command === 'DevRebootTimeReq').length < 2; i++) {
    if (i > 100) throw new Error('script: DevRebootTimeReq never asked again');
    s.advanceBy(10 * SECOND);
  }
  s.advanceTo(Math.max(s.nowMs, gpsSecondsToUnixMs(first.rebootTime)) + 10 * SECOND);
  return first;
}

/** LBM: DevUpgradeImageAns; the first DevRebootTimeReq's answer is lost (the device reboots at its time) and it is asked again. */
function lbmRebootAskedTwice(s: Script): void {
  s.toUpgrade();
  s.advanceBy(5 * SECOND);
  const mark = s.mark();
  s.answerPending(A); // DevUpgradeImageAns status 3
  untilAskedAgain(s, mark);
}

// Issue #17 (seed 5, 1 000 devices): an LBM device rebooted on a DevRebootTimeReq whose answer was
// lost; rebooted, it has no GPS time until the network gives it again, so it answers the next
// request 0 (lorawan_fmp_package.c DEV_REBOOT_TIME_REQ, get_gps_time). That 0 was read as "an
// older request arrived late" and the device ended "lost contact" although it ran the new image.
test('LBM: DevRebootTimeAns 0 after an earlier request whose time has passed → DevVersionReq; the new version confirms it', (t) => {
  const s = new Script({ devices: 2, stacks: 'lbm' });
  lbmRebootAskedTwice(s);
  s.advanceBy(30 * SECOND);
  const mark = s.mark();
  s.answer(A, { command: 'DevRebootTimeAns', rebootTime: 0 });
  s.advanceBy(5 * SECOND);
  t.deepEqual(s.namesTo(A, mark), ['DevVersionReq']);
  s.answer(A, { command: 'DevVersionAns', fwVersion: FIRMWARE_VERSION, hwVersion: 7 });
  t.like(s.device(A), { outcome: 'confirmed', firmwareAfter: FIRMWARE_VERSION });
});

test('LBM: after that 0, the old version sends it back to DevRebootTimeReq (not to failure); a reboot the queued request scheduled meanwhile counts', (t) => {
  const s = new Script({ devices: 2, stacks: 'lbm' });
  lbmRebootAskedTwice(s);
  s.advanceBy(30 * SECOND);
  s.answer(A, { command: 'DevRebootTimeAns', rebootTime: 0 });
  s.advanceBy(5 * SECOND);
  let mark = s.mark();
  s.answer(A, { command: 'DevVersionAns', fwVersion: OLD_VERSION, hwVersion: 7 });
  t.is(s.device(A).outcome, undefined);
  s.advanceBy(5 * SECOND);
  t.deepEqual(s.namesTo(A, mark), ['DevRebootTimeReq'], 'a new round of reboot requests');
  const again = s.lastTo(A)!;
  t.true(gpsSecondsToUnixMs(again.rebootTime) > s.nowMs, 'for a time still ahead');
  // Once more 0, then, while its version is asked, the answer of a request queued before: scheduled.
  untilAskedAgain(s, mark);
  s.answer(A, { command: 'DevRebootTimeAns', rebootTime: 0 });
  s.advanceBy(5 * SECOND);
  t.is(s.lastTo(A)!.command, 'DevVersionReq');
  const latest = s.unicastsTo(A).filter((u) => u.command === 'DevRebootTimeReq').at(-1)!;
  const secondsToGo = latest.rebootTime - unixMsToGpsSeconds(s.nowMs);
  mark = s.mark();
  s.answer(A, { command: 'DevRebootTimeAns', rebootTime: secondsToGo });
  t.like(s.device(A), { phase: 'rebooting', outcome: undefined });
  t.is(s.device(A).timestamps.rebootAtMs, s.nowMs + secondsToGo * 1000);
  s.answer(A, { command: 'DevVersionAns', fwVersion: OLD_VERSION, hwVersion: 7 }); // before the reboot
  t.like(s.device(A), { phase: 'rebooting', outcome: undefined });
  s.advanceBy(secondsToGo * SECOND + MINUTE);
  t.deepEqual(s.namesTo(A, mark), ['DevVersionReq']);
  s.answerPending(A);
  t.is(s.device(A).outcome, 'confirmed');
});

// Issue #17 (seed 3, 10 000 devices): every McClassCSessionReq (or its answer) lost up to the
// session start; the device never heard a fragment and answered DevUpgradeImageAns "no image".
test('a device that missed the session (no session answer, no status, DevUpgradeImageAns no image) is served again in a follow-up wave, once', (t) => {
  const s = new Script({ devices: 2 });
  s.toSession();
  s.advanceBy(5 * SECOND);
  s.answerPending(B); // A's session answers are all lost
  s.advanceTo(s.campaign.wave!.sessionStartMs!);
  s.wakeUntil(() => s.campaign.wave?.stage !== 'fragments');
  s.advanceBy(10 * SECOND);
  s.reportComplete(B);
  s.wakeUntil(() => s.device(A).pending?.step === 'upgrade-image');
  s.answer(A, { command: 'DevUpgradeImageAns', upImageStatus: 0 });
  t.like(s.device(A), { outcome: undefined, followUp: true, phase: 'waiting' });
  s.confirmUpgrade(B);
  t.is(s.device(B).outcome, 'confirmed');
  t.is(s.campaign.waveCount, 2, 'a follow-up wave');
  t.like(s.device(A), { wave: 1, phase: 'setup', outcome: undefined, sessionCnt: 2 });
  // The follow-up session missed too: failed this time.
  s.toSession();
  s.advanceTo(s.campaign.wave!.sessionStartMs!);
  s.wakeUntil(() => s.device(A).pending?.step === 'upgrade-image' || s.device(A).outcome !== undefined);
  s.answer(A, { command: 'DevUpgradeImageAns', upImageStatus: 0 });
  t.is(s.device(A).outcome, 'failed');
  t.regex(s.device(A).error!, /^DevUpgradeImageAns: no image/);
});

// Issue #17 (campaign bench, seed 42, 10 000 devices): the same for a stack without TS006. Four
// McClassCSessionReq to a LoRaMac-node device lost in a row; after the session the unicast
// FragSessionStatusReq found no fragment received, and it failed where a TS006 device is served again.
test('LoRaMac-node: a device that missed the session (no session answer, no status, then "no fragment received" by unicast) is served again in a follow-up wave, once', (t) => {
  const s = new Script({ devices: 2, stacks: 'loramac-node', fragmentation: { initialRedundancy: 1, maxStatusRounds: 1 } });
  s.toSession();
  s.advanceBy(5 * SECOND);
  s.answerPending(B); // A's session answers are all lost
  s.advanceTo(s.campaign.wave!.sessionStartMs!);
  s.wakeUntil(() => s.campaign.wave?.stage !== 'fragments');
  s.advanceBy(10 * SECOND);
  s.reportComplete(B);
  s.advanceTo(s.campaign.wave!.statusDeadlineMs!);
  t.is(s.device(A).pending?.step, 'frag-status');
  s.answer(A, statusAnsV1(s.device(A).fragIndex!, 0, 0));
  t.like(s.device(A), { outcome: undefined, followUp: true, phase: 'waiting' });
  t.true(s.notes(A).some((n) => n.includes('missed the session') && n.includes('follow-up')));
  s.advanceBy(MINUTE);
  t.is(s.device(B).outcome, 'delivered');
  t.is(s.campaign.waveCount, 2, 'a follow-up wave');
  t.like(s.device(A), { wave: 1, phase: 'setup', outcome: undefined });
  t.is(s.lastTo(A)?.command, 'McGroupSetupReq');
  // The follow-up session missed too: failed this time.
  s.toSession();
  s.advanceTo(s.campaign.wave!.sessionStartMs!);
  s.wakeUntil(() => s.device(A).pending?.step === 'frag-status' || s.device(A).outcome !== undefined);
  s.answer(A, statusAnsV1(s.device(A).fragIndex!, 0, 0));
  t.is(s.device(A).outcome, 'failed');
  t.regex(s.device(A).error!, /^FragSessionStatusAns after the session \(loramac-node\): no fragment received yet$/);
});

// A device that heard fragments was in the session: an incomplete block is the session's outcome, not a missed session.
test('LoRaMac-node: after the session a device that heard some fragments and reports an incomplete block by unicast fails, with no follow-up', (t) => {
  const s = new Script({ devices: 2, stacks: 'loramac-node', fragmentation: { initialRedundancy: 1, maxStatusRounds: 1 } });
  s.toSession();
  s.advanceBy(5 * SECOND);
  s.answerPending(B);
  s.advanceTo(s.campaign.wave!.sessionStartMs!);
  s.wakeUntil(() => s.campaign.wave?.stage !== 'fragments');
  s.advanceBy(10 * SECOND);
  s.reportComplete(B);
  s.advanceTo(s.campaign.wave!.statusDeadlineMs!);
  s.answer(A, statusAnsV1(s.device(A).fragIndex!, 2, 0));
  t.is(s.device(A).outcome, 'failed');
  t.falsy(s.device(A).followUp);
});

test('a v2 device of unknown stack reporting MICError is served again in a follow-up wave with the N − M seed and SessionCnt + 1', (t) => {
  const s = new Script({ devices: 2 });
  s.toFragments(V2);
  s.advanceBy(5 * SECOND);
  t.is(s.device(A).fecScheme, 'v2');
  const mark = s.mark();
  s.answer(A, { command: 'FragDataBlockReceivedReq', fragIndex: s.device(A).fragIndex!, micError: true });
  t.deepEqual(s.namesTo(A, mark), ['FragDataBlockReceivedAns'], 'acknowledged so that it stops asking');
  t.like(s.device(A), { outcome: undefined, phase: 'waiting', v2Seed: 'N-M', followUp: true });
  t.true(s.notes(A).some((n) => n.includes('MICError') && n.includes('follow-up')));
  s.reportComplete(B);
  // Wave 0 ends (B confirms), then the follow-up wave 1 serves A.
  while (s.device(B).phase !== 'done' || s.campaign.waveIndex === 0) {
    s.advanceBy(30 * SECOND);
    if (s.device(B).pending) s.answerPending(B, V2);
    if (s.nowMs > 1e15) break;
  }
  t.is(s.device(B).outcome, 'confirmed');
  t.is(s.campaign.waveIndex, 1);
  t.is(s.campaign.waveCount, 2);
  t.deepEqual(s.campaign.followUpWaves, [1]);
  t.like(s.device(A), { wave: 1, phase: 'setup', fecScheme: 'v2-lbm', sessionCnt: 2 });
  s.completeSetup(A, V2);
  const setup = s.unicastsTo(A).filter((u) => u.command === 'FragSessionSetupReq');
  t.is(setup.length, 2);
  t.is(setup[1]!.sessionCnt, 2);
  const group = s.unicastsTo(A).filter((u) => u.command === 'McGroupSetupReq').at(-1)!;
  t.is(group.mcAddr, MC_ADDR + 4 + s.device(A).fragIndex!, 'a new group');
  s.advanceBy(30 * SECOND);
  s.answerPending(A, V2); // McClassCSessionAns
  s.advanceTo(s.campaign.wave!.sessionStartMs!);
  while (s.campaign.wave?.stage === 'fragments') s.advanceTo(s.campaign.nextWakeMs!);
  t.true(s.fragments().filter((f) => f.groupName === `camp-1-w1-f${s.device(A).fragIndex}`).every((f) => f.scheme === 'v2-lbm'));
  s.advanceBy(10 * SECOND);
  s.reportComplete(A);
  s.advanceTo(s.campaign.wave!.statusDeadlineMs!);
  for (let i = 0; i < 10 && !s.device(A).outcome; i++) {
    s.advanceBy(5 * SECOND);
    if (s.device(A).pending) s.answerPending(A, V2);
    else s.advanceBy(2 * MINUTE);
  }
  t.is(s.device(A).outcome, 'confirmed');
  s.advanceBy(MINUTE);
  t.is(s.campaign.phase, 'completed');
  t.deepEqual(s.campaign.waveResults.map((r) => [r.index, r.participants, r.confirmed, r.followUpOf]), [[0, 1, 1, undefined], [1, 1, 1, 0]]);
});

test('a second MICError (both seeds tried) fails the device; an LBM device never gets a second seed', (t) => {
  const s = new Script({ devices: 2, stacks: [undefined, 'lbm'] });
  s.toFragments(V2);
  s.advanceBy(5 * SECOND);
  t.is(s.device(B).fecScheme, 'v2-lbm', "LBM's seed from its stack");
  s.answer(B, { command: 'FragDataBlockReceivedReq', fragIndex: s.device(B).fragIndex!, micError: true });
  t.is(s.device(B).outcome, 'failed');
  // A device that already switched seed fails on its next MICError.
  const learnt = new Script({ devices: 1 });
  learnt.toFragments(V2);
  learnt.advanceBy(5 * SECOND);
  learnt.answer(A, { command: 'FragDataBlockReceivedReq', fragIndex: learnt.device(A).fragIndex!, micError: true });
  t.is(learnt.device(A).v2Seed, 'N-M');
  t.is(learnt.device(A).outcome, undefined);
});

test('no stray multicast data: a device whose FragSessionSetupAns failed after McGroupSetupAns gets McGroupDeleteReq before the session starts', (t) => {
  const s = new Script({ devices: 2 });
  s.start();
  s.answerUntil(A, 'frag-session-setup');
  t.true(s.device(A).done.mcGroupSetup);
  s.answer(A, fragSessionSetupAns(s.device(A).fragIndex!, 1, { notEnoughMemory: true }));
  t.is(s.device(A).outcome, 'failed');
  const mark = s.mark();
  s.toSession();
  const names = s.namesTo(A, mark);
  t.deepEqual(names, ['McGroupDeleteReq']);
  const deleteAt = s.unicastsTo(A, mark)[0]!.sentAtMs;
  t.true(deleteAt < s.campaign.wave!.sessionStartMs!);
  t.deepEqual(s.commandsOf('create-multicast-group').map((c) => c.devEuis), [[B]], 'and it is not in the network-server group');
  // Its answers to the delete are taken, not counted as a failure again.
  s.answer(A, { command: 'McGroupDeleteAns', mcGroupId: 1, mcGroupUndefined: false } as Cmd);
  t.is(s.device(A).outcome, 'failed');
  void V1;
});

test('LoRaMac-node rebooting into the image in the middle of the session (ST example): its version uplink confirms it', (t) => {
  const s = new Script({ devices: 2, stacks: 'loramac-node', fragmentation: { initialRedundancy: 1 }, versionUplink: { fPort: 1, offset: 1, length: 4, byteOrder: 'little' } });
  s.toStatus();
  appUplink(s, A, OLD_VERSION);
  t.is(s.device(A).outcome, undefined);
  appUplink(s, A, FIRMWARE_VERSION);
  t.like(s.device(A), { outcome: 'confirmed', firmwareAfter: FIRMWARE_VERSION });
  t.is(s.device(B).phase, 'receiving');
});

test('a version uplink before the campaign reaches the device only records the version it runs', (t) => {
  const s = new Script({ devices: 2, stacks: 'loramac-node', canaryFraction: 0.5, versionUplink: { fPort: 1, offset: 1, length: 4, byteOrder: 'big' } });
  s.start();
  s.raw(B, 1, Uint8Array.of(0x01, 0x00, 0x01, 0x00, 0x00));
  t.is(s.device(B).firmwareBefore, 0x00010000, 'big-endian');
  t.is(s.device(B).outcome, undefined);
  s.raw(B, 1, Uint8Array.of(0x01, 0x00)); // too short: ignored
  t.is(s.device(B).firmwareReported, 0x00010000);
});

test('LoRaMac-node with firmware.versionUplink as a jsonPath into the decoded object: confirmed by the network server codec\'s "1.1.0"', (t) => {
  const s = new Script({ devices: 1, stacks: 'loramac-node', fragmentation: { initialRedundancy: 1 }, versionUplink: { jsonPath: 'firmware.version' } });
  deliverAll(s);
  t.is(s.device(A).phase, 'confirming');
  const packed = `${FIRMWARE_VERSION >>> 24}.${(FIRMWARE_VERSION >>> 16) & 0xff}.${FIRMWARE_VERSION & 0xffff}`;
  s.apply({ type: 'uplink', atMs: s.nowMs, devEui: A, fPort: 2, payload: Uint8Array.of(9), object: { firmware: { version: '0.1.0' } } });
  t.is(s.device(A).outcome, undefined);
  s.apply({ type: 'uplink', atMs: s.nowMs, devEui: A, fPort: 2, payload: Uint8Array.of(9), object: { firmware: { version: packed } } });
  t.like(s.device(A), { outcome: 'confirmed', firmwareAfter: FIRMWARE_VERSION });
});
