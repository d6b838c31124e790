import { bytesToHex } from '../core/hex.js';
import { encodeCommands, type AppCommand } from '../lorawan/app-layer.js';
import { deriveMcSessionKeys } from '../lorawan/keys.js';
import { TS004 } from '../lorawan/ts004-fragmentation.js';
import { TS005 } from '../lorawan/ts005-multicast-setup.js';
import type { CampaignContext } from './context.js';
import { advanceDevice, chooseScheme, deliverBlock, finishDevice, giveUp, heardAround, sendUnicast } from './device-progress.js';
import { hasFirmwareManagement } from './device-stack.js';
import { insertFollowUpWave, markForFollowUp, servedInFollowUp } from './follow-up-wave.js';
import { sessionLossShare } from './frag-status-reading.js';
import { versionUplinkPlace } from './version-uplink.js';
import type { Draft } from './draft.js';
import { multicastFramesFit, scheduleFragments, scheduleMulticastFrame } from './fragment-scheduler.js';
import { minSessionMs, sessionSlot } from './session-slot.js';
import type { DeviceState, SubSession, WaveState } from './state.js';
import { REBOOT_GRACE_MS } from './wave-index.js';

// The stages of a wave: setup → session → fragments ⇄ status → upgrade → teardown → done.
// Each `enter*` moves the wave into a stage and sends what that stage starts with; `progress`
// runs on every tick and moves the stage on when its condition holds. A tick reads counts and
// the devices due (draft.counts, draft.due: wave-index.ts), never the whole wave; passes over the
// wave happen only when a stage starts or ends, where every device is concerned anyway.


/** DevRebootTimeReq must reach a class A device (after its next uplink) before the reboot time. */
export function rebootLeadMs(ctx: CampaignContext): number {
  return ctx.spec.timing.answerTimeoutMs;
}

export function startWave(draft: Draft, index: number, ctx: CampaignContext): void {
  const now = draft.nowMs;
  const wave: WaveState = {
    index,
    stage: 'setup',
    startedAtMs: now,
    setupDeadlineMs: now + ctx.spec.timing.setupDeadlineMs,
    subSessions: [],
    statusRound: 0,
    ...(draft.campaign.followUpWaves?.includes(index) ? { followUpOf: index - 1 } : {}),
  };
  draft.campaign.wave = wave;
  draft.campaign.waveIndex = index;
  // The network-server groups are created when the session is set (enterSession): only then is
  // it known which devices ended up in which fragmentation session.
  for (const view of draft.inWave(index)) {
    const device = draft.device(view.devEui);
    device.phase = 'setup';
    device.timestamps.startedAtMs = now;
    chooseScheme(draft, device, ctx); // when the spec already gives the TS004 version
    advanceDevice(draft, device.devEui, wave, ctx);
  }
}

/**
 * Each fragmentation session of each wave has its own McAddr (four FragIndex values per wave),
 * so no group ever collides with another session's or an earlier wave's.
 */
export function sessionMcAddr(ctx: CampaignContext, wave: number, fragIndex: number): number {
  return (ctx.spec.multicast.mcAddr + wave * 4 + fragIndex) >>> 0;
}

/** Creates the network-server group of every session that has members and no group yet. */
function createGroups(draft: Draft, ctx: CampaignContext): void {
  const wave = draft.campaign.wave!;
  const mc = ctx.spec.multicast;
  for (const session of wave.subSessions) {
    if (session.groupCreated) continue;
    const members: string[] = [];
    for (const view of draft.inWave(wave.index)) if (view.phase === 'session' && view.fragIndex === session.fragIndex) members.push(view.devEui);
    if (members.length === 0) continue;
    session.groupCreated = true;
    const keys = deriveMcSessionKeys(ctx.mcKey, session.mcAddr);
    draft.emit({
      type: 'create-multicast-group',
      groupName: session.groupName,
      mcAddr: session.mcAddr,
      mcAppSKeyHex: bytesToHex(keys.mcAppSKey),
      mcNwkSKeyHex: bytesToHex(keys.mcNwkSKey),
      deviceClass: mc.class,
      dr: mc.dr,
      frequencyHz: ctx.frequencyHz,
      periodicity: mc.periodicity,
      devEuis: members,
      // The spec's own list: with none, the network server picks the gateways (ChirpStack computes
      // a covering set); ctx.gateways' stand-in only names the ledger's budget, not a real gateway.
      gateways: [...mc.gateways],
      region: ctx.region.name,
    });
  }
}

/** Runs a wave's stage logic for the current time. */
export function progressWave(draft: Draft, ctx: CampaignContext): void {
  const wave = draft.campaign.wave!;
  const now = draft.nowMs;
  switch (wave.stage) {
    case 'setup': {
      for (const devEui of draft.due(wave.index, ctx)) if (draft.peek(devEui)!.phase === 'setup') advanceDevice(draft, devEui, wave, ctx);
      const waiting = draft.counts(wave.index, ctx).phases.get('setup') ?? 0;
      if (waiting > 0 && now < wave.setupDeadlineMs) return;
      for (const view of draft.inWave(wave.index)) {
        if (view.phase === 'setup') setupNotFinished(draft, draft.device(view.devEui), ctx);
      }
      enterSession(draft, ctx);
      return;
    }
    case 'session': {
      if (now < wave.sessionStartMs!) {
        for (const devEui of draft.due(wave.index, ctx)) if (draft.peek(devEui)!.phase === 'session') advanceDevice(draft, devEui, wave, ctx);
        return;
      }
      if (sessionStartMissed(draft, ctx)) {
        enterSession(draft, ctx, { replan: true });
        return;
      }
      for (const view of draft.inWave(wave.index)) {
        if (view.phase !== 'session') continue;
        const device = draft.device(view.devEui);
        device.phase = 'receiving';
        device.pending = undefined;
        // Without an answer the device may still have the session (answers get lost too). It
        // stays in the group (multicast costs nothing per device); its status answers or, at
        // the end, DevUpgradeImageAns tell what it got.
        if (!device.done.mcSession) draft.note(device.devEui, 'no McClassC/BSessionAns before the session start: kept in the group in case it listens');
      }
      if (countPhase(draft, wave.index, 'receiving', ctx) === 0) enterUpgrade(draft, ctx);
      else enterFragments(draft, ctx, initialTarget(ctx));
      return;
    }
    case 'fragments': {
      if (!scheduleFragments(draft, ctx, activeSubSessions(draft, wave, ctx))) afterFragments(draft, ctx);
      return;
    }
    case 'status':
      // Every device has reported a complete block (or ended): no need to wait out the deadline.
      if (now >= wave.statusDeadlineMs! || countPhase(draft, wave.index, 'receiving', ctx) === 0) evaluateStatus(draft, ctx);
      return;
    case 'upgrade': {
      for (const devEui of draft.due(wave.index, ctx)) {
        const view = draft.peek(devEui)!;
        if (view.outcome || view.followUp) continue;
        if (view.phase === 'rebooting' && now >= (view.timestamps.rebootAtMs ?? Infinity) + REBOOT_GRACE_MS) {
          draft.device(devEui).phase = 'confirming';
        }
        advanceDevice(draft, devEui, wave, ctx);
      }
      const open = draft.counts(wave.index, ctx).open;
      if (open > 0 && now < wave.upgradeDeadlineMs!) return;
      for (const view of draft.inWave(wave.index)) {
        if (view.outcome || view.followUp) continue;
        if (view.phase === 'confirming' && !hasFirmwareManagement(ctx.targets.get(view.devEui)!.stack)) endVersionWait(draft, draft.device(view.devEui), ctx);
        else upgradeNotFinished(draft, draft.device(view.devEui), ctx);
      }
      enterTeardown(draft, ctx);
      return;
    }
    case 'teardown':
    case 'done':
      return;
  }
}

/**
 * The setup deadline came with the device still in setup: it is out of this wave (docs/campaign-file.md,
 * setupDeadlineMs). One that answered before and is still heard lost requests or answers on air,
 * one after another, not contact (issue #17, campaign bench, 30-minute uplinks at 10 % downlink
 * and 5 % uplink loss: a setup is ten or so round trips of one or two uplinks each, and about one
 * device in 1 000 lost enough of them to pass a 12 h deadline while it kept talking). Like a
 * device that missed the session, it is served again in a follow-up wave, once; a second time it
 * fails, saying it was still heard. Otherwise: absent (never answered) or lost contact.
 */
function setupNotFinished(draft: Draft, device: DeviceState, ctx: CampaignContext): void {
  const why = `setup not finished by the deadline (waiting for ${device.pending ? device.pending.step : 'an answer'})`;
  if (!device.lastAnswer || !heardAtDeadline(device, draft.nowMs, ctx)) {
    giveUp(draft, device, why);
  } else if (servedInFollowUp(device)) {
    finishDevice(draft, device, 'failed', `${why}, though still heard: its requests or their answers were lost on air, in its follow-up wave too (last answer ${device.lastAnswer.command})`);
  } else {
    markForFollowUp(draft, device, `${why}, though still heard: its requests or their answers were lost on air; serving it again in a follow-up wave`);
  }
}

/**
 * The upgrade deadline came with the device's request unanswered. A device still heard lost its
 * requests or their answers on air: it fails saying so, never "lost contact" (an operator must
 * know it is alive and in range, to try again). Otherwise: absent or lost contact.
 */
function upgradeNotFinished(draft: Draft, device: DeviceState, ctx: CampaignContext): void {
  const why = `no answer by the upgrade deadline (last phase ${device.phase})`;
  if (device.lastAnswer && heardAtDeadline(device, draft.nowMs, ctx)) {
    finishDevice(draft, device, 'failed', `${why}, though still heard: its requests or their answers were lost on air (last answer ${device.lastAnswer.command})`);
  } else giveUp(draft, device, why);
}

/**
 * Heard as a retry whose answer timeout ran out now would judge it (device-progress.ts
 * heardAround, for a request sent one answer timeout ago). Not the latest request's own window:
 * one sent on a timeout (no uplink came) would leave out the uplinks before it (issue #17, 10 000
 * devices: an LBM device heard 77 minutes before the deadline, its next three uplinks lost, with
 * 60-minute answer timeouts).
 */
function heardAtDeadline(device: DeviceState, nowMs: number, ctx: CampaignContext): boolean {
  return heardAround(device, nowMs - ctx.spec.timing.answerTimeoutMs, ctx);
}

function countPhase(draft: Draft, wave: number, phase: DeviceState['phase'], ctx: CampaignContext): number {
  return draft.counts(wave, ctx).phases.get(phase) ?? 0;
}

/**
 * The devices still in the session (or about to be) get a new one: after a pause that outlasted
 * it, or when the send window closed before the run ended. Their fragmentation sessions keep
 * what they received, so the run goes on where it stopped.
 */
export function renewSession(draft: Draft, ctx: CampaignContext): void {
  const wave = draft.campaign.wave!;
  for (const view of draft.inWave(wave.index)) {
    if (view.phase === 'receiving' || view.phase === 'session') draft.device(view.devEui).phase = 'setup-done';
  }
  enterSession(draft, ctx);
}

/** A wave plans its session again at most this many times (an engine that keeps waking late must still end). */
const MAX_SESSION_REPLANS = 3;

/**
 * The session start passed while the engine was not there to ask (it was down, or woke late) and
 * some devices had not confirmed: a class A device gets its McClassC/BSessionReq only after one
 * of its uplinks, and one that gets a SessionTime already past opens no session (TS005 v2.0.0
 * §4.5/§4.6: StartMissed; LoRaMac-node's LmhpRemoteMcastSetup.c, McClassCSessionReq case, sets
 * 0x10 — McGroupUndefined in v1 — "session start time before current device time" and starts no
 * session timer; LBM sets bit 5 in v1 and v2). Late means later than the start by an answer
 * timeout (the devices would have been asked again by then), or half the lead when that is
 * shorter; on time, an unconfirmed device stays in the group in case only its answer was lost.
 */
function sessionStartMissed(draft: Draft, ctx: CampaignContext): boolean {
  const wave = draft.campaign.wave!;
  if ((wave.sessionReplans ?? 0) >= MAX_SESSION_REPLANS) return false;
  const { answerTimeoutMs, sessionLeadMs } = ctx.spec.timing;
  if (draft.nowMs - wave.sessionStartMs! < Math.min(answerTimeoutMs, sessionLeadMs / 2)) return false;
  return draft.counts(wave.index, ctx).sessionUnconfirmed > 0;
}

/**
 * Session start far enough ahead for every class A device to get its McClassC/BSessionReq.
 * `replan`: the start passed before every device confirmed (sessionStartMissed): a new start
 * from now with the usual lead, asked again of the devices without a valid confirmation. A
 * device that confirmed listens until the old session's end (TS005 §4.5: SessionTimeOut), so it
 * keeps its session when the new one fits in what is left of it; otherwise it is asked again too.
 */
export function enterSession(draft: Draft, ctx: CampaignContext, options: { replan?: boolean } = {}): void {
  const wave = draft.campaign.wave!;
  // Lead time, beacon boundary (class B) and send windows: session-slot.ts.
  const slot = sessionSlot(ctx, draft.nowMs);
  const previousEndMs = wave.sessionEndMs;
  const keepConfirmed = options.replan === true && previousEndMs !== undefined && previousEndMs - slot.startMs >= minSessionMs(ctx);
  if (options.replan) {
    wave.sessionReplans = (wave.sessionReplans ?? 0) + 1;
    for (const view of draft.inWave(wave.index)) {
      if (view.phase === 'session' && (!view.done.mcSession || !keepConfirmed)) draft.note(view.devEui, `session start ${new Date(wave.sessionStartMs!).toISOString()} passed before its McClassC/BSessionAns came: asked again for a session at ${new Date(slot.startMs).toISOString()}`);
    }
  }
  // No stray multicast data: a device that set up the group but will not take part (its
  // fragmentation setup failed, it was dropped) deletes it now, before the session starts.
  // LoRaMac-node would otherwise parse fragments of a session it lacks as commands.
  for (const view of draft.inWave(wave.index)) {
    if (view.outcome && view.outcome !== 'confirmed' && view.done.mcGroupSetup && !view.released) releaseDevice(draft, draft.device(view.devEui), ctx);
  }
  wave.stage = 'session';
  wave.sessionStartMs = slot.startMs;
  wave.sessionPlannedAtMs = draft.nowMs;
  wave.sessionTimeOut = slot.timeOutField;
  wave.sessionEndMs = keepConfirmed ? Math.min(slot.endMs, previousEndMs!) : slot.endMs;
  wave.windowClosed = undefined;
  let members = 0;
  for (const view of draft.inWave(wave.index)) {
    if (view.phase !== 'setup-done' && view.phase !== 'session') continue;
    if (keepConfirmed && view.phase === 'session' && view.done.mcSession) {
      members++;
      continue;
    }
    const device = draft.device(view.devEui);
    device.phase = 'session';
    device.done.mcSession = false;
    device.pending = undefined;
    advanceDevice(draft, device.devEui, wave, ctx);
    members++;
  }
  if (members === 0) enterUpgrade(draft, ctx);
  else createGroups(draft, ctx);
}

function initialTarget(ctx: CampaignContext): number {
  const { nbFrag, maxN } = ctx.layout;
  return Math.min(maxN, nbFrag + Math.ceil(ctx.spec.fragmentation.initialRedundancy * nbFrag));
}

export function activeSubSessions(draft: Draft, wave: WaveState, ctx: CampaignContext): SubSession[] {
  const receiving = draft.counts(wave.index, ctx).receivingByFrag;
  return wave.subSessions.filter((s) => (receiving.get(s.fragIndex) ?? 0) > 0);
}

function enterFragments(draft: Draft, ctx: CampaignContext, target: number): void {
  const wave = draft.campaign.wave!;
  wave.stage = 'fragments';
  for (const session of activeSubSessions(draft, wave, ctx)) {
    session.targetN = Math.max(session.targetN, Math.min(session.maxN, target));
    session.nextAtMs = Math.max(draft.nowMs, wave.sessionStartMs!);
  }
  if (!scheduleFragments(draft, ctx, activeSubSessions(draft, wave, ctx))) afterFragments(draft, ctx);
}

/** The run is on air: the status round, or (the send window closed first) the rest in the next window's session. */
function afterFragments(draft: Draft, ctx: CampaignContext): void {
  if (draft.campaign.wave!.windowClosed) renewSession(draft, ctx);
  else enterStatus(draft, ctx);
}

/** TS004 §3.2: FragSessionStatusReq with Participants = 1, so every device answers. */
function enterStatus(draft: Draft, ctx: CampaignContext): void {
  const wave = draft.campaign.wave!;
  const requests = activeSubSessions(draft, wave, ctx).map((session) => statusRequest(session));
  // In a send window, the request must reach the devices inside it (and their session): if it
  // cannot, it is the first frame of the next window's session instead.
  if (ctx.spec.schedule.windows && !multicastFramesFit(draft, ctx, requests.map((r) => r.payload.length), wave.sessionEndMs!)) {
    wave.windowClosed = true;
    renewSession(draft, ctx);
    return;
  }
  wave.stage = 'status';
  wave.statusRound += 1;
  let lastAtMs = draft.nowMs;
  for (const session of activeSubSessions(draft, wave, ctx)) {
    session.statusSentN = session.nextN - 1;
    const { payload } = statusRequest(session);
    const atMs = scheduleMulticastFrame(draft, ctx, session.groupName, { fPort: TS004.fPort, payload });
    lastAtMs = Math.max(lastAtMs, atMs);
  }
  wave.statusDeadlineMs = lastAtMs + ctx.statusWaitMs;
}

function statusRequest(session: SubSession): { fPort: number; payload: Uint8Array } {
  return { fPort: TS004.fPort, payload: encodeCommands(TS004, 1, 'downlink', [{ command: 'FragSessionStatusReq', participants: true, fragIndex: session.fragIndex } as AppCommand]) };
}

/**
 * After a status round: devices that reported everything are done; for the others send the
 * coded fragments the worst of them still needs (N continues upward), sized from what they said.
 */
function evaluateStatus(draft: Draft, ctx: CampaignContext): void {
  const wave = draft.campaign.wave!;
  const sessions = activeSubSessions(draft, wave, ctx);
  if (sessions.length === 0) {
    enterUpgrade(draft, ctx);
    return;
  }
  const fr = ctx.spec.fragmentation;
  const timeLeftMs = wave.sessionEndMs! - draft.nowMs;
  let more = false;
  for (const session of sessions) {
    const incomplete = draft.inWave(wave.index).filter((d) => d.phase === 'receiving' && d.fragIndex === session.fragIndex);
    const sent = session.nextN - 1;
    // With send windows a session that ends is no end: the next round goes in the next window.
    const outOfTime = !ctx.spec.schedule.windows && timeLeftMs < ctx.statusWaitMs;
    const exhausted = wave.statusRound >= fr.maxStatusRounds || session.nextN > session.maxN || outOfTime;
    if (exhausted) {
      // Devices whose last answer was lost may well have the block (v1 has no
      // FragDataBlockReceivedReq): DevUpgradeImageAns will say, so they go on to the upgrade.
      // A device without TS006 is asked FragSessionStatusReq by unicast instead.
      for (const view of incomplete) {
        const ask = hasFirmwareManagement(ctx.targets.get(view.devEui)!.stack) ? 'DevUpgradeImageReq' : 'FragSessionStatusReq by unicast';
        draft.note(view.devEui, `no report of a complete block after ${sent} fragments and ${wave.statusRound} status rounds: asking ${ask}`);
      }
      continue;
    }
    const extra = extraFragments(incomplete, session, wave.statusRound + 1 >= fr.maxStatusRounds, wave.extraDecidedAtMs ?? 0);
    session.targetN = Math.min(session.maxN, sent + extra);
    more = true;
  }
  if (!more) enterUpgrade(draft, ctx);
  else {
    wave.extraDecidedAtMs = draft.nowMs;
    enterFragments(draft, ctx, 0);
  }
}

/**
 * Coded fragments to add so that the worst device that answered can finish: it needs `needed`
 * more innovative fragments and receives a share (1 − loss) of what is sent. Rounds cost a
 * status request, not fragments, so a round sends what that needs and no more; only the last
 * round allowed adds a √needed margin for the spread. With only silent devices left (their
 * request or answer was lost) the next round just asks again.
 */
export function extraFragments(incomplete: readonly DeviceState[], session: SubSession, lastRound: boolean, decidedAtMs: number): number {
  const loss = sessionLossShare(session);
  let extra = 0;
  for (const device of incomplete) {
    // Only answers since the last extra fragments were decided: an older one predates them.
    if ((device.fragments.statusAtMs ?? -1) < decidedAtMs) continue;
    // `needed` is what the answer means for the device's stack (frag-status-reading.ts).
    const needed = device.fragments.needed ?? 0;
    const received = needed > 0 ? Math.ceil(needed / (1 - loss) + (lastRound ? Math.sqrt(needed) + 1 : 0)) : 0;
    extra = Math.max(extra, received + (device.fragments.tailFragments ?? 0));
  }
  return extra;
}

function enterUpgrade(draft: Draft, ctx: CampaignContext): void {
  const wave = draft.campaign.wave!;
  wave.stage = 'upgrade';
  const timing = ctx.spec.timing;
  wave.rebootAtMs = draft.nowMs + timing.rebootDelayMs;
  wave.upgradeDeadlineMs = draft.nowMs + timing.confirmTimeoutMs + timing.answerTimeoutMs * timing.maxAttempts;
  deleteGroups(draft);
  for (const view of draft.inWave(wave.index)) {
    if (view.outcome || view.followUp) continue;
    const device = draft.device(view.devEui);
    const stack = ctx.targets.get(device.devEui)!.stack;
    if (!hasFirmwareManagement(stack) && device.phase === 'block-complete') {
      deliverBlock(draft, device, ctx);
    } else if (device.phase === 'block-complete' || device.phase === 'receiving') {
      device.phase = 'upgrading';
      advanceDevice(draft, device.devEui, wave, ctx);
    } else {
      finishDevice(draft, device, 'failed', `no fragmentation session (phase ${device.phase})`);
    }
  }
  progressWave(draft, ctx);
}

function deleteGroups(draft: Draft): void {
  for (const session of draft.campaign.wave!.subSessions) {
    if (!session.groupCreated || session.groupDeleted) continue;
    session.groupDeleted = true;
    // The adapter deletes the group only once its queue is empty (TS005 peers that delete early lose the tail).
    draft.emit({ type: 'delete-multicast-group', groupName: session.groupName });
  }
}

/** Frees the device-side sessions of devices that will not reboot into the new image. */
export function enterTeardown(draft: Draft, ctx: CampaignContext): void {
  const wave = draft.campaign.wave!;
  wave.stage = 'teardown';
  deleteGroups(draft);
  let participants = 0;
  let confirmed = 0;
  let delivered = 0;
  let failed = 0;
  const followUps: string[] = [];
  for (const view of draft.inWave(wave.index)) {
    if (view.followUp && !view.outcome && draft.campaign.phase === 'running') {
      followUps.push(view.devEui);
      continue;
    }
    participants++;
    if (view.outcome === 'confirmed') confirmed++;
    if (view.outcome === 'delivered') delivered++;
    if (view.outcome === 'failed' || view.outcome === 'rejected') failed++;
    if (view.outcome !== 'confirmed' && view.outcome !== 'delivered' && view.outcome !== 'absent' && view.done.mcGroupSetup && !view.released) releaseDevice(draft, draft.device(view.devEui), ctx);
  }
  draft.campaign.waveResults.push({ index: wave.index, participants, confirmed, failed, delivered, ...(wave.followUpOf !== undefined ? { followUpOf: wave.followUpOf } : {}) });
  wave.stage = 'done';
  if (followUps.length > 0) insertFollowUpWave(draft, wave.index, followUps, ctx);
}

/** The upgrade deadline came for a device without TS006 waiting for its version in application uplinks. */
function endVersionWait(draft: Draft, device: DeviceState, ctx: CampaignContext): void {
  const wanted = ctx.spec.firmware.version;
  const where = `application uplinks (${versionUplinkPlace(ctx.spec.firmware.versionUplink!)})`;
  if (device.firmwareReported !== undefined && device.firmwareReported !== wanted) {
    finishDevice(draft, device, 'failed', `block delivered, but the ${where} still report version ${device.firmwareReported}, expected ${wanted}`);
  } else {
    finishDevice(draft, device, 'delivered', `block delivered; no ${where} reported the version by the deadline`);
  }
}

/** FragSessionDeleteReq and McGroupDeleteReq (answers are logged, not awaited). */
export function releaseDevice(draft: Draft, device: DeviceState, ctx: CampaignContext): void {
  device.released = true;
  if (device.done.fragSessionSetup && device.fragIndex !== undefined) {
    const payload = encodeCommands(TS004, device.packageVersions.ts004 ?? 1, 'downlink', [{ command: 'FragSessionDeleteReq', fragIndex: device.fragIndex } as AppCommand]);
    sendUnicast(draft, device, { fPort: TS004.fPort, payload, summary: 'FragSessionDeleteReq' });
  }
  const payload = encodeCommands(TS005, device.packageVersions.ts005 ?? 1, 'downlink', [{ command: 'McGroupDeleteReq', mcGroupId: ctx.spec.multicast.groupId } as AppCommand]);
  sendUnicast(draft, device, { fPort: TS005.fPort, payload, summary: 'McGroupDeleteReq' });
}
