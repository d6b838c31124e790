import { bytesToHex } from '../core/hex.js';
import { isFuotaError } from '../core/errors.js';
import { unixMsToGpsMs } from '../core/gps-time.js';
import { decodeCommands, encodeCommands, type AppCommand } from '../lorawan/app-layer.js';
import { packageForPort } from '../lorawan/packages.js';
import { TS003 } from '../lorawan/ts003-clock-sync.js';
import { TS004 } from '../lorawan/ts004-fragmentation.js';
import { hasFirmwareManagement } from './device-stack.js';
import type { CampaignContext } from './context.js';
import type { Draft } from './draft.js';
import { chooseScheme, deliverBlock, finishDevice, HEARD_ATTEMPTS_FACTOR, sendUnicast } from './device-progress.js';
import type { UplinkEvent } from './events.js';
import { hearUplink } from './heard-uplink.js';
import { rebootLeadMs } from './wave-stages.js';
import type { DeviceState } from './state.js';
import { readFragSessionStatus, sessionLossShare } from './frag-status-reading.js';
import { readDevRebootTimeAns } from './reboot-time-reading.js';
import { readVersionUplink, versionUplinkPlace } from './version-uplink.js';
import { otherV2Seed, switchToOtherSeed } from './seed-learning.js';
import { markForFollowUp, servedInFollowUp } from './follow-up-wave.js';

// Applies one uplink to its device. Whatever comes (a device not in the campaign, a malformed
// payload, a duplicate, an answer for an old session) is counted and logged with a reason and
// never throws, and never counts a device twice.

/** A device still on its old version at the reboot time is asked this many more times, this far apart. */
const VERSION_CHECKS = 1;
const VERSION_RECHECK_MS = 5 * 60_000;
/** LBM's "time past" answers move the reboot time at most this many answer timeouts ahead. */
const MAX_REBOOT_LEADS = 3;
/** A reboot time this much before the latest one asked for answers an older request. */
const STALE_REBOOT_ANSWER_MS = 60_000;
/** A device clock within this of ours is in sync (DeviceTime has whole seconds). */
const CLOCK_TOLERANCE_S = 1;
const FUOTA_PORTS = new Set([200, 201, 202, 203]);
const PACKAGE_IDS: Record<number, 'ts005' | 'ts004' | 'ts003' | undefined> = { 1: 'ts003', 2: 'ts005', 3: 'ts004' };

type AnyAnswer = AppCommand & Record<string, any>;

/**
 * Whether applyUplink does nothing to a device of the campaign but hear it (heard-uplink.ts
 * hearUplink) for an uplink on `fPort`: the application's own traffic, when the spec reads no
 * version from it. The branch below that returns right after hearUplink.
 */
export function uplinkOnlyHeard(fPort: number, ctx: CampaignContext): boolean {
  return !FUOTA_PORTS.has(fPort) && !ctx.spec.firmware.versionUplink;
}

export function applyUplink(draft: Draft, event: UplinkEvent, ctx: CampaignContext): void {
  if (!draft.has(event.devEui)) {
    ignore(draft, undefined, 'unknown-device', '');
    draft.note(event.devEui, `uplink on port ${event.fPort} from a device that is not in this campaign: ignored`);
    return;
  }
  const device = draft.device(event.devEui);
  hearUplink(device, event.atMs);
  if (!FUOTA_PORTS.has(event.fPort)) {
    // The application's own traffic: it may say the version it runs (spec firmware.versionUplink).
    const versionUplink = ctx.spec.firmware.versionUplink;
    if (versionUplink) applyVersionUplink(draft, device, readVersionUplink(versionUplink, event), ctx);
    return;
  }
  // Hex only for the log line of a FUOTA answer: the application's own uplinks (most of them) are not logged.
  draft.log.push({ devEui: device.devEui, atMs: event.atMs, direction: 'up', fPort: event.fPort, payloadHex: bytesToHex(event.payload), text: '' });
  const logEntry = draft.log[draft.log.length - 1]!;
  const spec = packageForPort(event.fPort);
  const version = spec.name === 'TS006' ? 1 : (device.packageVersions[spec.name.toLowerCase() as 'ts003'] ?? 1);
  let answers: AnyAnswer[];
  try {
    answers = decodeCommands(spec, version, 'uplink', event.payload) as AnyAnswer[];
  } catch (error) {
    if (!isFuotaError(error)) throw error;
    logEntry.text = `malformed: ${error.message}`;
    ignore(draft, device, 'malformed', '');
    return;
  }
  logEntry.text = answers.map((a) => a.command).join(', ');
  for (const answer of answers) {
    const outcome = applyAnswer(draft, device, answer, event, ctx);
    if (outcome !== 'applied') ignore(draft, device, outcome, `${answer.command} ignored: ${outcome}`);
    else device.lastAnswer = { command: answer.command, atMs: event.atMs };
  }
}

type AnswerOutcome = 'applied' | 'duplicate' | 'stale' | 'unexpected';

function applyAnswer(draft: Draft, device: DeviceState, answer: AnyAnswer, event: UplinkEvent, ctx: CampaignContext): AnswerOutcome {
  const pending = device.pending?.step;
  switch (answer.command) {
    case 'PackageVersionAns': {
      const key = PACKAGE_IDS[answer.packageIdentifier];
      if (!key || packageForPort(event.fPort).packageIdentifier !== answer.packageIdentifier) return 'unexpected';
      if (pending !== `version-${key}`) return device.packageVersions[key] !== undefined ? 'duplicate' : 'unexpected';
      device.pending = undefined;
      if (answer.packageVersion !== 1 && answer.packageVersion !== 2) {
        fail(draft, device, `PackageVersionAns: ${key.toUpperCase()} version ${answer.packageVersion} is not supported (1 or 2)`);
        return 'applied';
      }
      device.packageVersions[key] = answer.packageVersion;
      if (key === 'ts004') chooseScheme(draft, device, ctx);
      return 'applied';
    }
    case 'McGroupSetupAns':
      if (pending !== 'mc-group-setup') return device.done.mcGroupSetup ? 'duplicate' : 'unexpected';
      if (answer.mcGroupId !== ctx.spec.multicast.groupId) return 'stale';
      device.pending = undefined;
      if (answer.idError) fail(draft, device, 'McGroupSetupAns: IDerror');
      else device.done.mcGroupSetup = true;
      return 'applied';
    case 'FragSessionSetupAns': {
      if (pending !== 'frag-session-setup') return device.done.fragSessionSetup ? 'duplicate' : 'unexpected';
      if (answer.fragIndex !== device.fragIndex) return 'stale';
      device.pending = undefined;
      const errors = flagNames(answer, ['fragAlgoUnsupported', 'notEnoughMemory', 'fragIndexUnsupported', 'wrongDescriptor', 'sessionCntReplay']);
      if (errors.length > 0) fail(draft, device, `FragSessionSetupAns: ${errors.join(', ')}`);
      else device.done.fragSessionSetup = true;
      return 'applied';
    }
    case 'AppTimeReq':
      answerAppTimeReq(draft, device, answer, event, ctx);
      return 'applied';
    case 'DeviceAppTimePeriodicityAns':
      return 'applied';
    case 'McClassCSessionAns':
    case 'McClassBSessionAns': {
      if (pending !== 'mc-session') return device.done.mcSession ? 'duplicate' : 'unexpected';
      const replanned = replannedSessionAnswer(draft, device, answer, event, ctx);
      if (replanned !== 'current') return replanned;
      device.pending = undefined;
      const errors = flagNames(answer, ['drError', 'freqError', 'mcGroupUndefined', 'startMissed']);
      if (errors.length > 0 || answer.timeToStart === undefined) fail(draft, device, `${answer.command}: ${errors.join(', ') || 'unknown status bits'}`);
      else device.done.mcSession = true;
      return 'applied';
    }
    case 'FragSessionStatusAns':
      return applyStatus(draft, device, answer, event, ctx);
    case 'FragDataBlockReceivedReq': {
      if (answer.fragIndex !== device.fragIndex) return 'stale';
      // TS004 v2.0.0 §3.4: acknowledge every time, whatever the MIC said: the device repeats
      // the request until an answer reaches it.
      sendUnicast(draft, device, { fPort: TS004.fPort, payload: encodeCommands(TS004, 2, 'downlink', [{ command: 'FragDataBlockReceivedAns', fragIndex: answer.fragIndex } as AppCommand]), summary: 'FragDataBlockReceivedAns' });
      if (device.phase === 'block-complete' && !answer.micError) device.fragments.completeBy = 'block-received';
      if (device.phase !== 'receiving') return 'duplicate';
      if (answer.micError) micError(draft, device, 'FragDataBlockReceivedReq', ctx);
      else completeBlock(draft, device, 'block-received');
      return 'applied';
    }
    case 'DevUpgradeImageAns': {
      if (pending !== 'upgrade-image') return device.nextFirmwareVersion !== undefined ? 'duplicate' : 'unexpected';
      device.pending = undefined;
      const wanted = ctx.spec.firmware.version;
      if (answer.upImageStatus === 3 && answer.nextFirmwareVersion === wanted) {
        device.nextFirmwareVersion = answer.nextFirmwareVersion;
        // Every device reboots at the wave's time, or later if its answer came late.
        device.timestamps.rebootAtMs = Math.max(draft.campaign.wave?.rebootAtMs ?? 0, draft.nowMs + rebootLeadMs(ctx));
      }
      else if (answer.upImageStatus === 3) finishDevice(draft, device, 'rejected', `DevUpgradeImageAns: valid image of version ${answer.nextFirmwareVersion}, expected ${wanted}`);
      else if (answer.upImageStatus === 1) finishDevice(draft, device, 'rejected', 'DevUpgradeImageAns: image corrupt or signature invalid');
      else if (answer.upImageStatus === 2) finishDevice(draft, device, 'rejected', 'DevUpgradeImageAns: image for other hardware');
      else if (missedSession(device) && draft.campaign.phase === 'running') {
        // Its McClassC/BSessionReq (or every answer) was lost up to the session start, and it
        // never reported a fragment: it missed the session, as losses make a live device do
        // (issue #17, seed 3 at 10 000 devices: four downlinks lost in a row, then the carrier
        // uplink). Served again in a follow-up session, once (teardown: insertFollowUpWave).
        markForFollowUp(draft, device, 'DevUpgradeImageAns: no image, and it never confirmed the session nor reported a fragment: it missed the session; serving it again in a follow-up session');
      } else {
        const last = device.fragments.missing === undefined ? 'no FragSessionStatusAns received' : `last FragSessionStatusAns: ${device.fragments.missing} fragments missing`;
        fail(draft, device, `DevUpgradeImageAns: no image (block incomplete; ${last})`);
      }
      return 'applied';
    }
    case 'DevRebootTimeAns': {
      // While its version is asked after an LBM 0 (below), the answer to a DevRebootTimeReq
      // queued before that DevVersionReq may still come: a reboot it scheduled counts.
      const versionAsked = pending === 'dev-version' && device.versionBeforeRebootAgain === true;
      if (pending !== 'reboot-time' && !versionAsked) return device.phase === 'rebooting' ? 'duplicate' : 'unexpected';
      const target = ctx.targets.get(device.devEui)!;
      const reading = readDevRebootTimeAns(target.stack, answer.rebootTime, event.atMs);
      const requested = device.rebootRequestedMs;
      if (reading.kind === 'scheduled' && target.stack === 'lbm' && requested !== undefined && reading.rebootAtMs < requested - STALE_REBOOT_ANSWER_MS) {
        // LBM's seconds to go name a time we asked for: an earlier one means this answers an
        // older request, and the latest (which replaces it on the device) is still on its way.
        draft.note(device.devEui, `DevRebootTimeAns: ${answer.rebootTime} s to go answers an earlier DevRebootTimeReq; waiting for the answer to the latest`);
        return 'stale';
      }
      if (versionAsked && reading.kind !== 'scheduled') return 'stale'; // its version decides
      if (reading.kind === 'scheduled') {
        device.pending = undefined;
        delete device.versionBeforeRebootAgain;
        device.phase = 'rebooting';
        // The device says when it will reboot; it may differ from what we asked.
        device.timestamps.rebootAtMs = reading.rebootAtMs;
        // The wave waits for the reboots it asked for (a late answer may name a later time).
        const wave = draft.campaign.wave;
        const ours = Math.min(reading.rebootAtMs, Math.max(device.rebootRequestedMs ?? 0, reading.rebootAtMs - rebootLeadMs(ctx)));
        if (wave?.upgradeDeadlineMs !== undefined) wave.upgradeDeadlineMs = Math.max(wave.upgradeDeadlineMs, ours + ctx.spec.timing.confirmTimeoutMs);
      } else if (reading.kind === 'cancelled') {
        device.pending = undefined;
        device.phase = 'confirming';
        draft.note(device.devEui, 'DevRebootTimeAns: cancel acknowledged (no reboot scheduled): asking for the version');
      } else if (target.stack === 'lbm' && mayHaveRebooted(device, event.atMs)) {
        // LBM answers 0 also when it has no GPS time (lorawan_fmp_package.c DEV_REBOOT_TIME_REQ,
        // get_gps_time), as after every reboot until the network gives it the time again. An
        // earlier request named a time now past: the device may have rebooted on it, its answer
        // lost on the way, and run the new image already (issue #17). Its version decides: the
        // new one confirms it, the old one sends it back to DevRebootTimeReq.
        device.pending = undefined;
        device.phase = 'confirming';
        device.versionBeforeRebootAgain = true;
        draft.note(device.devEui, 'DevRebootTimeAns: 0 (LBM: time past, or no GPS time as after a reboot) after an earlier request whose time has passed: asking for the version before asking again');
      } else if (target.stack === 'lbm' && requested !== undefined && requested > event.atMs + STALE_REBOOT_ANSWER_MS) {
        // The latest request names a time still ahead: this 0 answers an older one that
        // reached the device late. The latest answers for itself.
        draft.note(device.devEui, 'DevRebootTimeAns: 0 answers an earlier DevRebootTimeReq that arrived after its time; waiting for the answer to the latest');
        return 'stale';
      } else if (target.stack === 'lbm') {
        // LBM: 0 = the time was past on its clock when the request reached it (a class A
        // downlink waits for an uplink, behind others), or it has no GPS time yet (it then asks
        // the network for it): nothing is scheduled. Ask again at once, with a reboot time
        // further ahead each time.
        const attempts = device.pending?.attempts ?? 1;
        device.timestamps.rebootAtMs = draft.nowMs + rebootLeadMs(ctx) * Math.min(attempts + 1, MAX_REBOOT_LEADS);
        if (device.pending) device.pending.retryAtMs = draft.nowMs;
        draft.note(device.devEui, `DevRebootTimeAns: 0 (LBM: reboot time past on its clock, or no GPS time): not scheduled, asking again for ${new Date(device.timestamps.rebootAtMs).toISOString()}`);
      } else {
        device.pending = undefined;
        // RebootTime 0: no valid image — or the device already rebooted into it after an
        // earlier request whose answer was lost. Its version decides.
        device.phase = 'confirming';
        draft.note(device.devEui, 'DevRebootTimeAns: RebootTime 0 (no image now): asking for the version');
      }
      return 'applied';
    }
    case 'DevVersionAns':
      if (pending !== 'dev-version') {
        if (!device.outcome && answer.fwVersion === ctx.spec.firmware.version && UPGRADE_PHASES.has(device.phase)) {
          // The campaign's version can only come from the new image: the device runs it,
          // whatever request this answers. Issue #17 (campaign bench, 10 000 devices): an LBM
          // device rebooted into the image, its answers lost; DevRebootTimeAns 0 sent it to
          // DevVersionReq, but a DevRebootTimeReq still queued reached the new image, whose
          // answer (seconds to go) put it back to 'rebooting' just before its DevVersionAns —
          // the new version — came and was kept as the version before; then three DevVersionReq
          // lost and the upgrade deadline called it lost contact.
          device.firmwareAfter = answer.fwVersion;
          if (device.firmwareBefore === undefined) device.firmwareBefore = ctx.targets.get(device.devEui)?.firmwareVersion;
          draft.note(device.devEui, `DevVersionAns: running version ${answer.fwVersion}, the campaign's (phase ${device.phase})`);
          finishDevice(draft, device, 'confirmed');
          return 'applied';
        }
        // Sent on its own (or late): before the reboot it is the version the device runs now.
        if (device.phase !== 'confirming' && device.phase !== 'done') device.firmwareBefore = answer.fwVersion;
        return device.outcome === 'confirmed' ? 'duplicate' : 'applied';
      }
      device.pending = undefined;
      if (device.versionBeforeRebootAgain) {
        delete device.versionBeforeRebootAgain;
        if (answer.fwVersion !== ctx.spec.firmware.version) {
          // It has not rebooted into the image: a new round of DevRebootTimeReq (the wave's
          // upgrade deadline bounds the rounds).
          delete device.firstRebootRequestedMs;
          device.phase = 'upgrading';
          device.timestamps.rebootAtMs = draft.nowMs + rebootLeadMs(ctx);
          draft.note(device.devEui, `DevVersionAns: still version ${answer.fwVersion}, not rebooted: asking DevRebootTimeReq again`);
          return 'applied';
        }
      }
      device.firmwareAfter = answer.fwVersion;
      if (device.firmwareBefore === undefined) device.firmwareBefore = ctx.targets.get(device.devEui)?.firmwareVersion;
      if (answer.fwVersion === ctx.spec.firmware.version) finishDevice(draft, device, 'confirmed');
      else if ((device.counters.versionChecks ?? 0) < VERSION_CHECKS) {
        // A device may take a little longer than its reboot time (flash copy, a late clock): ask
        // once more after a while before calling it a failure.
        // A later DevRebootTimeReq may still have been on its way: not before that time either.
        device.counters.versionChecks = (device.counters.versionChecks ?? 0) + 1;
        const retryAtMs = Math.max(draft.nowMs + VERSION_RECHECK_MS, (device.rebootRequestedMs ?? 0) + VERSION_RECHECK_MS);
        device.pending = { step: 'dev-version', attempts: 0, sentAtMs: draft.nowMs, retryAtMs, waitOnly: true };
        draft.note(device.devEui, `DevVersionAns: still version ${answer.fwVersion}; asking again at ${new Date(retryAtMs).toISOString()}`);
      } else fail(draft, device, `DevVersionAns: running version ${answer.fwVersion} after the reboot time, expected ${ctx.spec.firmware.version}`);
      return 'applied';
    case 'FragSessionDeleteAns':
    case 'McGroupDeleteAns':
    case 'McGroupStatusAns':
    case 'DevRebootCountdownAns':
    case 'DevDeleteImageAns':
      return 'applied';
    default:
      return 'unexpected';
  }
}

/** From DevUpgradeImageReq on: a device here may have rebooted into the new image already. */
const UPGRADE_PHASES: ReadonlySet<DeviceState['phase']> = new Set(['upgrading', 'rebooting', 'confirming']);

/**
 * No McClassC/BSessionAns and no FragSessionStatusAns: nothing says it was in the session. Not
 * already a follow-up (its SessionCnt moved on: follow-up-wave.ts), so that it is served once more only.
 */
function missedSession(device: DeviceState): boolean {
  return !device.done.mcSession && device.fragments.statusAtMs === undefined && device.fragments.completeBy === undefined && !servedInFollowUp(device);
}

/**
 * Whether a DevRebootTimeReq sent before the latest one named a time now past: the device may
 * have rebooted on it (its answer lost) although later requests still reach it.
 */
function mayHaveRebooted(device: DeviceState, atMs: number): boolean {
  return (device.pending?.attempts ?? 1) >= 2 && device.firstRebootRequestedMs !== undefined && device.firstRebootRequestedMs <= atMs;
}

function applyStatus(draft: Draft, device: DeviceState, answer: AnyAnswer, event: UplinkEvent, ctx: CampaignContext): AnswerOutcome {
  const target = ctx.targets.get(device.devEui)!;
  const ts004Version = device.packageVersions.ts004 ?? 1;
  // LBM v2 answers all zeros before its first fragment, so its FragIndex reads 0 whatever the
  // session's (../shared/reference/device-stacks.md): that answer is this device's too.
  const lbmAllZero = target.stack === 'lbm' && ts004Version === 2 && !answer.memoryError && !answer.micError && !answer.sessionDoesNotExist && answer.nbFragReceived === 0 && answer.missingFrag === 0;
  if (answer.fragIndex !== undefined && answer.fragIndex !== device.fragIndex && !lbmAllZero) return 'stale';
  // A block taken as complete from a status answer is opened again if a later answer, read the
  // same way, says otherwise while fragments can still come.
  const reopen = device.phase === 'block-complete' && device.fragments.completeBy === 'status' && (draft.campaign.wave?.stage === 'status' || draft.campaign.wave?.stage === 'fragments');
  if (device.phase === 'block-complete' && !reopen) return 'duplicate';
  const unicastAsk = device.pending?.step === 'frag-status';
  if (device.phase !== 'receiving' && !unicastAsk && !reopen) return 'stale';
  if (unicastAsk) device.pending = undefined;
  // Before this answer counts as one: nothing said it was in the session.
  const missed = unicastAsk && missedSession(device);
  device.fragments.statusAtMs = event.atMs;
  if (answer.nbFragReceived !== undefined) device.fragments.received = answer.nbFragReceived;
  if (answer.missingFrag !== undefined) device.fragments.missing = answer.missingFrag;
  if (answer.notEnoughMatrixMemory || answer.memoryError) {
    device.fragments.memoryError = true;
    fail(draft, device, `FragSessionStatusAns: ${answer.memoryError ? 'MemoryError' : 'NotEnoughMatrixMemory'}`);
    return 'applied';
  }
  if (answer.micError) {
    micError(draft, device, 'FragSessionStatusAns', ctx);
    return 'applied';
  }
  if (answer.sessionDoesNotExist) {
    // A v2 answer without Received&Index carries no FragIndex: in a group with several
    // fragmentation sessions it may answer the request for another FragIndex. A device that
    // really lost its session shows up as incomplete in the next rounds.
    return 'stale';
  }
  if (answer.nbFragReceived === undefined || answer.missingFrag === undefined) return 'applied';
  const session = draft.campaign.wave?.subSessions.find((s) => s.fragIndex === device.fragIndex);
  const reading = readFragSessionStatus(
    { nbFragReceived: answer.nbFragReceived, missingFrag: answer.missingFrag },
    { stack: target.stack, ts004Version, nbFrag: ctx.layout.nbFrag, sentN: session ? (unicastAsk ? session.nextN - 1 : (session.statusSentN ?? session.nextN - 1)) : 0, ...(session ? { priorLossShare: sessionLossShare(session) } : {}) },
  );
  if (session && reading.lossSample) {
    const stats = (session.lossStats ??= { lost: 0, seen: 0 });
    stats.lost += reading.lossSample.lost;
    stats.seen += reading.lossSample.seen;
  }
  device.fragments.needed = reading.needed;
  if (reading.tailFragments) device.fragments.tailFragments = reading.tailFragments;
  else delete device.fragments.tailFragments;
  if (reading.lossShare !== undefined) device.fragments.lossShare = reading.lossShare;
  if (unicastAsk) {
    // After the session nothing more will come: what it holds now is what it has.
    if (reading.complete) deliverBlock(draft, device, ctx);
    else if (missed && answer.nbFragReceived === 0 && draft.campaign.phase === 'running') {
      // The DevUpgradeImageAns "no image" case of a stack without TS006 (LoRaMac-node): no
      // McClassCSessionAns, no status answer, and now "no fragment received" — its session
      // requests were lost up to the start (issue #17, campaign bench at 10 000 devices: four
      // McClassCSessionReq lost in a row, then a StartMissed answer). Served again, once.
      markForFollowUp(draft, device, `FragSessionStatusAns after the session (${target.stack}): ${reading.note}, and it never confirmed the session nor reported a fragment: it missed the session; serving it again in a follow-up session`);
    } else fail(draft, device, `FragSessionStatusAns after the session (${target.stack}): ${reading.note}`);
  } else if (reading.complete) {
    if (!reopen) completeBlock(draft, device, 'status');
  } else {
    if (reopen) {
      device.phase = 'receiving';
      delete device.fragments.completeBy;
      draft.note(device.devEui, 'a later FragSessionStatusAns says the block is not complete after all: receiving again');
    }
    draft.note(device.devEui, `FragSessionStatusAns (${target.stack}): ${reading.note}`);
  }
  return 'applied';
}

/**
 * The block failed its v2 data-block MIC. A device of unknown stack may decode the other v2
 * parity code (LBM seeds it with N − M, the v2.0.0 text with N): it is served again with the
 * other seed in a follow-up session. Otherwise, or when the other seed failed too, it failed.
 * Either way nothing is installed: the device itself refuses a block that fails its MIC.
 */
function micError(draft: Draft, device: DeviceState, command: string, ctx: CampaignContext): void {
  const other = otherV2Seed(device, ctx);
  if (other) switchToOtherSeed(draft, device, other, command);
  else fail(draft, device, `${command}: MICError (the reassembled block does not match the setup MIC)`);
}

/**
 * The version the application reports. For a device without TS006, the new one confirms it once
 * the block is on its way or delivered: while it waits after delivery, or earlier when its
 * application rebooted into the image by itself in the middle of the session (and so stopped
 * answering FragSessionStatusReq).
 */
function applyVersionUplink(draft: Draft, device: DeviceState, version: number | undefined, ctx: CampaignContext): void {
  if (version === undefined) return;
  const previous = device.firmwareReported;
  device.firmwareReported = version;
  if (device.outcome) return;
  const wanted = ctx.spec.firmware.version;
  const noTs006 = !hasFirmwareManagement(ctx.targets.get(device.devEui)!.stack);
  const inUpdate = ['receiving', 'block-complete', 'upgrading', 'confirming'].includes(device.phase);
  const changed = (previous ?? device.firmwareBefore) !== wanted;
  if (noTs006 && inUpdate && version === wanted && changed) {
    device.firmwareAfter = version;
    finishDevice(draft, device, 'confirmed');
    draft.note(device.devEui, `application uplink (${versionUplinkPlace(ctx.spec.firmware.versionUplink!)}) reports version ${version}`);
  } else if (device.phase === 'waiting' || device.phase === 'setup' || device.phase === 'setup-done') {
    device.firmwareBefore = version;
  }
}

function completeBlock(draft: Draft, device: DeviceState, by: 'status' | 'block-received'): void {
  device.fragments.completeBy = by;
  device.phase = 'block-complete';
  device.timestamps.completeAtMs = draft.nowMs;
  draft.note(device.devEui, 'block complete');
}

/** TS003 §4.2: correction = our GPS time − DeviceTime; answer when asked or when it is off. */
function answerAppTimeReq(draft: Draft, device: DeviceState, answer: AnyAnswer, event: UplinkEvent, ctx: CampaignContext): void {
  // Whole seconds truncated, as the device truncates DeviceTime (TS003 §4.2).
  const gpsNowS = Math.floor(unixMsToGpsMs(event.atMs) / 1000);
  const deviceTimeS = answer.deviceTime as number;
  // DeviceTime is a u32 that wraps; take the nearest interpretation.
  let correction = gpsNowS - deviceTimeS;
  correction -= Math.round(correction / 2 ** 32) * 2 ** 32;
  correction = Math.max(-0x80000000, Math.min(0x7fffffff, correction));
  device.clockOffsetS = -correction;
  if (correction !== 0 || answer.ansRequired) {
    const version = device.packageVersions.ts003 ?? 1;
    sendUnicast(draft, device, { fPort: TS003.fPort, payload: encodeCommands(TS003, version, 'downlink', [{ command: 'AppTimeAns', timeCorrection: correction, tokenAns: answer.tokenReq } as AppCommand]), summary: `AppTimeAns ${correction} s` });
  }
  if (Math.abs(correction) <= CLOCK_TOLERANCE_S) {
    if (device.pending?.step === 'clock-sync') device.pending = undefined;
    device.done.clockSync = true;
    return;
  }
  // The correction may be lost on air: sync counts only once a later AppTimeReq shows the
  // clock right. Ask for that check at the next retry, not at once: requests queued behind
  // each other make the device send new tokens faster than our answers reach it, and it
  // ignores an AppTimeAns whose token is not its latest.
  device.done.clockSync = false;
  device.counters.clockCorrections = (device.counters.clockCorrections ?? 0) + 1;
  if (device.phase !== 'setup') return;
  // Its AppTimeReq says it is heard: an AppTimeAns lost on air looks like one it ignored, so it
  // gets as many corrections as a heard device gets attempts (issue #17, seed 8 at 3 000
  // devices: five AppTimeAns lost in a row, two more sent for requests queued twice, failed
  // while the next two were on their way).
  if (device.counters.clockCorrections > ctx.spec.timing.maxAttempts * HEARD_ATTEMPTS_FACTOR) {
    fail(draft, device, `clock does not converge: ${device.counters.clockCorrections} AppTimeAns corrections sent, still ${correction} s off`);
    return;
  }
  // Another request in flight keeps its place: clock sync comes again as a step of its own.
  if (device.pending && device.pending.step !== 'clock-sync') return;
  // The device answered, so the count of unanswered requests starts again.
  device.pending = { step: 'clock-sync', attempts: 0, sentAtMs: draft.nowMs, retryAtMs: draft.nowMs + ctx.spec.timing.answerTimeoutMs };
}

/**
 * After the wave planned its session again (the start passed unconfirmed: sessionStartMissed in
 * wave-stages.ts), answers to the requests for the earlier SessionTime still come: the outbox
 * replays them and the devices answer them after their next uplinks. Such an answer says nothing
 * of the new session: 'stale' when its uplink is not later than the re-plan, or when its
 * TimeToStart (seconds from that uplink to the start, TS005 §4.5/§4.6) points at another start
 * (the new one is a whole session lead after the old). One that says the time was missed
 * (StartMissed; McGroupUndefined from a device whose McGroupSetup succeeded: LoRaMac-node's v1
 * answer for a SessionTime in the past) is asked again with the new time while it is ahead
 * ('applied': the request stays pending, due now; maxAttempts still bounds it). 'current': an
 * answer to read as usual.
 */
function replannedSessionAnswer(draft: Draft, device: DeviceState, answer: AnyAnswer, event: UplinkEvent, ctx: CampaignContext): AnswerOutcome | 'current' {
  const wave = draft.campaign.wave;
  if (!wave?.sessionReplans || wave.sessionStartMs === undefined) return 'current';
  if (event.atMs <= (wave.sessionPlannedAtMs ?? -Infinity)) return 'stale';
  if (answer.timeToStart !== undefined) {
    const startMs = event.atMs + answer.timeToStart * 1000;
    return Math.abs(startMs - wave.sessionStartMs) > ctx.spec.timing.sessionLeadMs / 2 ? 'stale' : 'current';
  }
  const timeMissed = answer.startMissed === true || (answer.mcGroupUndefined === true && device.done.mcGroupSetup);
  if (!timeMissed || answer.drError || answer.freqError || answer.unnamedErrorBits || draft.nowMs >= wave.sessionStartMs) return 'current';
  draft.note(device.devEui, `${answer.command}: ${answer.startMissed ? 'StartMissed' : 'McGroupUndefined'} (an earlier SessionTime): asked again for the session at ${new Date(wave.sessionStartMs).toISOString()}`);
  device.pending!.retryAtMs = draft.nowMs;
  return 'applied';
}

/** Spec spellings where they are not the field name capitalised (TS005 §4.5 "DR error"). */
const SPEC_BIT_NAMES: Record<string, string> = { drError: 'DRError' };

function flagNames(answer: AnyAnswer, names: readonly string[]): string[] {
  return names.filter((name) => answer[name] === true).map((name) => SPEC_BIT_NAMES[name] ?? name[0]!.toUpperCase() + name.slice(1));
}

function fail(draft: Draft, device: DeviceState, reason: string): void {
  finishDevice(draft, device, 'failed', reason);
}

function ignore(draft: Draft, device: DeviceState | undefined, reason: string, text: string): void {
  draft.campaign.ignoredUplinks[reason] = (draft.campaign.ignoredUplinks[reason] ?? 0) + 1;
  if (device) {
    device.counters.ignored += 1;
    if (text) draft.note(device.devEui, text);
  }
}
