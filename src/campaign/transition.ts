import type { CampaignContext } from './context.js';
import { applyUplink, uplinkOnlyHeard } from './device-answers.js';
import { advanceActs, advanceDevice, answeredByQueuedCopy, finishDevice, sendUnicast } from './device-progress.js';
import { encodeCommands, type AppCommand } from '../lorawan/app-layer.js';
import { TS006 } from '../lorawan/ts006-firmware-management.js';
import { Draft, type CampaignSnapshot, type TransitionResult } from './draft.js';
import type { CampaignEvent } from './events.js';
import type { CampaignSpec } from './spec.js';
import type { CampaignState, DeviceState } from './state.js';
import { enterTeardown, progressWave, renewSession, startWave } from './wave-stages.js';
import { chargeGatewayOverflow } from './gateway-overflow.js';
import { LOOKAHEAD_MS } from './fragment-scheduler.js';
import { REBOOT_GRACE_MS } from './wave-index.js';
import { shareDeviceParts } from './shared-device-parts.js';
import { hearUplink, heardOnly } from './heard-uplink.js';
import { copyDeviceToHear } from './state-copy.js';
import type { UplinkEvent } from './events.js';

// The campaign state machine: transition(snapshot, event, context) → new state + commands. Pure:
// no I/O, no clock (time comes in the event), no randomness. The engine persists the result
// (state, changed devices, commands in an outbox, log) in one transaction, then carries out the
// commands.

/**
 * Stage checks after answers run at most this often: a tenth of the answer timeout, between 30 s
 * and 5 min (wave-index.ts). Class A answers come minutes apart: finer checks would only wake
 * the campaign more often.
 */
export { PROGRESS_CHECK_MS } from './wave-index.js';

export function initialState(spec: CampaignSpec, nowMs: number): { campaign: CampaignState; devices: DeviceState[] } {
  const total = spec.devices.length;
  const canaryCount = spec.rollout.canaryFraction > 0 ? Math.max(1, Math.round(total * spec.rollout.canaryFraction)) : 0;
  const twoWaves = canaryCount > 0 && canaryCount < total;
  const devices = spec.devices.map(
    (target, i): DeviceState => ({
      devEui: target.devEui,
      // The first devices of the list are the canaries: the operator chooses them by order.
      wave: twoWaves && i >= canaryCount ? 1 : 0,
      phase: 'waiting',
      packageVersions: { ...target.packageVersions },
      done: { mcGroupSetup: false, fragSessionSetup: false, clockSync: false, mcSession: false },
      fragments: {},
      ...(target.firmwareVersion !== undefined ? { firmwareBefore: target.firmwareVersion } : {}),
      timestamps: {},
      counters: { uplinks: 0, downlinks: 0, ignored: 0 },
    }),
  );
  for (const device of devices) shareDeviceParts(device);
  const campaign: CampaignState = {
    id: spec.id,
    phase: 'running',
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    waveIndex: -1,
    waveCount: twoWaves ? 2 : 1,
    ignoredUplinks: {},
    airtime: { fragmentsSent: 0, airtimeMs: 0, unicastSent: 0 },
    waveResults: [],
    downlinkSeq: 0,
    nextWakeMs: nowMs,
  };
  return { campaign, devices };
}

export function transition(snapshot: CampaignSnapshot, event: CampaignEvent, ctx: CampaignContext): TransitionResult {
  return (event.type === 'uplink' && heardUplinkOnly(snapshot, event, ctx)) || transitionInFull(snapshot, event, ctx);
}

/**
 * An uplink that only hears its device (heard-uplink.ts), without the rest of the machine: most
 * uplinks are the application's own traffic of a device with nothing due (84 % of the transitions
 * of demo --devices 10000 --transport in-process --seed 5: 874 770, 10.4 µs each against 27.3 µs
 * for the others, 9.1 s of its 46.5 s; issue #17). The full path copied the whole campaign (its
 * wave and results), ran the device's progress and finishWaves, then proved heardOnly over the
 * device. Taken only where that path provably does no more than this one:
 * - applyUplink only hears the device (uplinkOnlyHeard), which is in the campaign;
 * - advanceDevice would not act on the heard device (advanceActs), or is not called (the device is
 *   not in the running wave);
 * - finishWaves has nothing to finish (no wave done while running: it never leaves one so).
 * What else the full path does is done here the same way: the clock, the wake (nextWakeMs without
 * a full check) and the schedule wait, each a field replaced whole on a top-level copy of the
 * campaign. The device copy shares every part hearUplink does not write with the committed one.
 * So the result is the full path's, heard set as heardOnly would (test/campaign/heard-uplink-path.test.ts
 * compares the two on every uplink of whole scripted campaigns).
 */
export function heardUplinkOnly(snapshot: CampaignSnapshot, event: UplinkEvent, ctx: CampaignContext): TransitionResult | undefined {
  if (!uplinkOnlyHeard(event.fPort, ctx)) return undefined;
  const before = snapshot.devices.get(event.devEui);
  if (!before) return undefined;
  const campaign = snapshot.campaign;
  const running = campaign.phase === 'running';
  if (running && campaign.wave?.stage === 'done') return undefined;
  const device = copyDeviceToHear(before);
  hearUplink(device, event.atMs);
  if (running && campaign.wave && device.wave === campaign.waveIndex && advanceActs(device, event.atMs, ctx)) return undefined;
  const draft = new Draft(snapshot, event.atMs, 'top-level');
  draft.adopt(device);
  draft.campaign.nextWakeMs = nextWakeMs(draft, ctx, false);
  noteScheduleWait(draft, ctx);
  const result = draft.result();
  shareDeviceParts(device);
  result.heard = { devEui: event.devEui, atMs: event.atMs };
  return result;
}

/** The state machine, every event type, every check (transition without its heard-only shortcut). */
export function transitionInFull(snapshot: CampaignSnapshot, event: CampaignEvent, ctx: CampaignContext): TransitionResult {
  const draft = new Draft(snapshot, event.atMs);
  const campaign = draft.campaign;
  const running = campaign.phase === 'running';
  let fullCheck = false;
  switch (event.type) {
    case 'start':
    case 'tick':
      if (running) {
        // Before schedule.startAt nothing happens: the engine wakes at it (nextWakeMs).
        if (campaign.waveIndex < 0) {
          if (draft.nowMs >= (ctx.startAtMs ?? -Infinity)) startWave(draft, 0, ctx);
        } else if (campaign.wave) progressWave(draft, ctx);
        fullCheck = true;
      }
      break;
    case 'uplink':
      applyUplink(draft, event, ctx);
      if (running && campaign.wave && draft.peek(event.devEui)?.wave === campaign.waveIndex) {
        advanceDevice(draft, event.devEui, campaign.wave, ctx);
      }
      break;
    case 'downlink-failed':
      if (draft.has(event.devEui)) {
        const device = draft.device(event.devEui);
        if (event.permanent) {
          // Asking again cannot help (the network server does not know the device): fail it now, with the real cause.
          if (campaign.phase === 'running' || campaign.phase === 'paused') finishDevice(draft, device, 'failed', event.reason);
          break;
        }
        draft.note(device.devEui, `downlink failed: ${event.reason}`);
        if (device.pending) device.pending.retryAtMs = Math.min(device.pending.retryAtMs, draft.nowMs);
        // Ask again right away (this device only: no pass over the fleet).
        if (running && campaign.wave && device.wave === campaign.waveIndex) advanceDevice(draft, device.devEui, campaign.wave, ctx);
      }
      break;
    case 'unicast-queued-copy':
      // Paused campaigns too: the count is the device's, whatever the campaign does meanwhile.
      answeredByQueuedCopy(draft, event.devEui, event.commandId);
      break;
    case 'gateway-overflow':
      // Paused campaigns too: what fills the ledger now still binds when they resume.
      if (running || campaign.phase === 'paused') chargeGatewayOverflow(draft, ctx, event);
      break;
    case 'multicast-queue-empty':
      break;
    case 'pause':
      if (running) {
        campaign.phase = 'paused';
        campaign.pausedAtMs = draft.nowMs;
      }
      break;
    case 'resume':
      if (campaign.phase === 'paused') {
        campaign.phase = 'running';
        resumeWave(draft, ctx, draft.nowMs - (campaign.pausedAtMs ?? draft.nowMs));
        campaign.pausedAtMs = undefined;
        // Requests that fell due while paused go out now.
        if (campaign.wave) progressWave(draft, ctx);
        fullCheck = true;
      }
      break;
    case 'cancel':
      if (running || campaign.phase === 'paused') cancel(draft, ctx);
      break;
  }
  finishWaves(draft, ctx);
  campaign.nextWakeMs = nextWakeMs(draft, ctx, fullCheck);
  noteScheduleWait(draft, ctx);
  const result = draft.result();
  // Committed from here on, never written: the few-valued parts are shared between devices.
  for (const device of result.devices) shareDeviceParts(device);
  if (event.type === 'uplink' && result.devices.length === 1 && result.log.length === 0 && result.commands.length === 0 && !result.ledger) {
    const before = snapshot.devices.get(event.devEui);
    if (before && heardOnly(before, result.devices[0]!, event.atMs)) result.heard = { devEui: event.devEui, atMs: event.atMs };
  }
  return result;
}

/**
 * The campaign's own deadlines move on by the pause (it asked nothing meanwhile); the answer
 * timeouts of requests do not (devices kept running). A session that started or ran out
 * meanwhile is set up again for the devices still in it (their fragmentation sessions keep
 * what they received).
 */
function resumeWave(draft: Draft, ctx: CampaignContext, pausedMs: number): void {
  const wave = draft.campaign.wave;
  if (!wave) return;
  wave.setupDeadlineMs += pausedMs;
  if (wave.statusDeadlineMs !== undefined) wave.statusDeadlineMs += pausedMs;
  if (wave.upgradeDeadlineMs !== undefined) wave.upgradeDeadlineMs += pausedMs;
  const sessionLost =
    (wave.stage === 'session' && draft.nowMs >= wave.sessionStartMs! - ctx.spec.timing.answerTimeoutMs) ||
    ((wave.stage === 'fragments' || wave.stage === 'status') && wave.sessionEndMs! - draft.nowMs <= ctx.statusWaitMs * 2);
  if (sessionLost) renewSession(draft, ctx);
}

function cancel(draft: Draft, ctx: CampaignContext): void {
  draft.campaign.phase = 'cancelled';
  for (const view of draft.all()) {
    if (view.outcome) continue;
    const device = draft.device(view.devEui);
    // TS006 §3.3: RebootTime 0xFFFFFFFF cancels a reboot the device has scheduled.
    if (device.nextFirmwareVersion !== undefined) {
      sendUnicast(draft, device, { fPort: TS006.fPort, payload: encodeCommands(TS006, 1, 'downlink', [{ command: 'DevRebootTimeReq', rebootTime: 0xffffffff } as AppCommand]), summary: 'DevRebootTimeReq cancel' });
    }
    finishDevice(draft, device, 'cancelled', 'campaign cancelled');
  }
  // Teardown releases the fragmentation sessions and groups of the wave's devices, once each.
  const wave = draft.campaign.wave;
  if (wave && wave.stage !== 'done') enterTeardown(draft, ctx);
}

/** After a wave: the canary halt rule, then the next wave or the end. */
function finishWaves(draft: Draft, ctx: CampaignContext): void {
  const campaign = draft.campaign;
  while (campaign.phase === 'running' && campaign.wave?.stage === 'done') {
    const more = campaign.waveIndex + 1 < campaign.waveCount;
    // A follow-up wave (the other v2 seed) belongs to the wave before it: judged together after it.
    if (more && campaign.followUpWaves?.includes(campaign.waveIndex + 1)) {
      startWave(draft, campaign.waveIndex + 1, ctx);
      continue;
    }
    const result = judgedResult(campaign.waveResults);
    const failureRate = result.participants > 0 ? result.failed / result.participants : 0;
    const tooManyFailed = failureRate > ctx.spec.rollout.haltFailureRate;
    // Actility-style success threshold: too few devices got there, whatever the reason (absent ones count).
    const threshold = ctx.spec.rollout.successThreshold;
    const successShare = result.participants > 0 ? result.succeeded / result.participants : 0;
    const tooFewSucceeded = threshold !== undefined && successShare < threshold;
    // A canary that proved nothing (every device absent) is no reason to go on either.
    if (more && (tooManyFailed || tooFewSucceeded || result.succeeded === 0)) {
      campaign.phase = 'halted';
      campaign.haltReason = tooManyFailed
        ? `wave ${result.index}: ${result.failed} of ${result.participants} devices failed (${(failureRate * 100).toFixed(1)} % > ${(ctx.spec.rollout.haltFailureRate * 100).toFixed(1)} %)`
        : tooFewSucceeded
          ? `wave ${result.index}: ${result.succeeded} of ${result.participants} devices confirmed or delivered (${(successShare * 100).toFixed(1)} % < rollout.successThreshold ${(threshold * 100).toFixed(1)} %)`
          : `wave ${result.index}: no device confirmed the new version`;
      for (const view of draft.all()) if (!view.outcome) finishDevice(draft, draft.device(view.devEui), 'halted', campaign.haltReason);
      return;
    }
    if (!more) {
      campaign.phase = 'completed';
      return;
    }
    startWave(draft, campaign.waveIndex + 1, ctx);
  }
}

/** The last wave's result together with the wave its follow-ups serve again. */
function judgedResult(results: CampaignState['waveResults']): { index: number; participants: number; failed: number; succeeded: number } {
  const out = { index: 0, participants: 0, failed: 0, succeeded: 0 };
  for (let k = results.length - 1; k >= 0; k--) {
    const r = results[k]!;
    out.index = r.index;
    out.participants += r.participants;
    out.failed += r.failed;
    // Delivered counts: the device holds the block, its stack cannot say more (no TS006).
    out.succeeded += r.confirmed + (r.delivered ?? 0);
    if (r.followUpOf === undefined) break;
  }
  return out;
}

/** When the engine must run the next tick. */
function nextWakeMs(draft: Draft, ctx: CampaignContext, fullCheck: boolean): number | undefined {
  const campaign = draft.campaign;
  const wave = campaign.wave;
  // Not started: schedule.startAt has not come (a start would have made a wave).
  if (campaign.phase === 'running' && campaign.waveIndex < 0) return Math.max(ctx.startAtMs ?? draft.nowMs, draft.nowMs + 1);
  if (campaign.phase !== 'running' || !wave) return undefined;
  const now = draft.nowMs;
  const step = draft.stepMs(ctx);
  const soon = Math.ceil((now + 1) / step) * step;
  if (!fullCheck) return Math.min(campaign.nextWakeMs ?? soon, soon);
  let wake = Number.POSITIVE_INFINITY;
  const consider = (t: number | undefined) => {
    if (t !== undefined) wake = Math.min(wake, Math.max(t, now + 1));
  };
  // Per-device times (retries, reboots) wake the campaign on the progress-check grid: one tick
  // serves every device due by then. They come counted by grid bucket (ceil(t / step), wave-index.ts),
  // so this reads the buckets, not the wave: ceil(max(t, now + 1) / step) = max(bucket, ceil((now + 1) / step)).
  const nowBucket = Math.ceil((now + 1) / step);
  const onGridBucket = (bucket: number) => consider(Math.max(bucket, nowBucket) * step);
  const onGrid = (t: number) => consider(Math.ceil(Math.max(t, now + 1) / step) * step);
  const counts = wave.stage === 'upgrade' || wave.stage === 'setup' || wave.stage === 'session' ? draft.counts(wave.index, ctx) : undefined;
  switch (wave.stage) {
    case 'setup':
      consider(wave.setupDeadlineMs);
      break;
    case 'session':
      consider(wave.sessionStartMs);
      break;
    case 'fragments':
      // Window closed on the run: only what is on air still matters, then the next window's session.
      if (!wave.windowClosed) {
        // One sub-session at a time (scheduleFragments): the first with fragments left sets the
        // pace; a later one's nextAtMs is stale until it starts, and waking for it would spin.
        const current = wave.subSessions.find((s) => s.nextN <= s.targetN);
        if (current) consider((current.nextAtMs ?? now) - LOOKAHEAD_MS);
      }
      if ((wave.lastMulticastEndMs ?? 0) > now) consider(wave.lastMulticastEndMs);
      break;
    case 'status':
      consider(wave.statusDeadlineMs);
      break;
    case 'upgrade':
      consider(wave.upgradeDeadlineMs);
      for (const bucket of counts!.rebootBuckets.keys()) onGridBucket(bucket);
      if (counts!.rebootingUntimed > 0) onGrid(now + REBOOT_GRACE_MS);
      break;
    default:
      consider(now + 1);
  }
  if (wave.stage === 'setup' || wave.stage === 'session' || wave.stage === 'upgrade') {
    for (const bucket of counts!.retryBuckets.keys()) onGridBucket(bucket);
  }
  return Number.isFinite(wake) ? wake : undefined;
}

/**
 * What the campaign waits for, for status events and the report: schedule.startAt, or the
 * session start in the next send window. Cleared once neither holds.
 */
function noteScheduleWait(draft: Draft, ctx: CampaignContext): void {
  const campaign = draft.campaign;
  const now = draft.nowMs;
  let wait: CampaignState['scheduleWait'];
  if (campaign.phase === 'running' && campaign.waveIndex < 0 && ctx.startAtMs !== undefined && now < ctx.startAtMs) wait = { reason: 'start', untilMs: ctx.startAtMs };
  else if (campaign.phase === 'running' && ctx.spec.schedule.windows && campaign.wave?.stage === 'session' && now < campaign.wave.sessionStartMs!) wait = { reason: 'window', untilMs: campaign.wave.sessionStartMs! };
  if (wait?.untilMs !== campaign.scheduleWait?.untilMs || wait?.reason !== campaign.scheduleWait?.reason) campaign.scheduleWait = wait;
}
