import { bytesToHex } from '../core/hex.js';
import { unixMsToGpsMs } from '../core/gps-time.js';
import { nextPingSlotUs } from '../radio/class-b-timing.js';
import { DutyCycleLedger, DUTY_CYCLE_WINDOW_US } from '../radio/duty-cycle-ledger.js';
import { dataRate, occupiedBandwidthHz } from '../radio/regions.js';
import { downlinkAirtimeUs } from '../radio/send-planner.js';
import type { CampaignContext } from './context.js';
import type { Draft } from './draft.js';
import type { SubSession } from './state.js';

// Puts multicast downlinks on air within every covering gateway's duty-cycle budget (the
// ledger is fed by what we schedule, so budgets hold across rounds, waves and restarts). Frames
// are handed to the network server at most LOOKAHEAD_MS ahead: queues stay short and a pause
// takes effect within a minute.

export const LOOKAHEAD_MS = 60_000;

export function openLedger(draft: Draft, ctx: CampaignContext): DutyCycleLedger {
  const snapshot = draft.currentLedger();
  return snapshot ? DutyCycleLedger.fromJSON(snapshot, ctx.region) : new DutyCycleLedger(ctx.region, { budgetShare: ctx.spec.budgetShare });
}

/** Earliest start ≥ notBeforeMs allowed on every gateway (and on a ping slot for class B). */
function earliestStartMs(ledger: DutyCycleLedger, ctx: CampaignContext, airtimeUs: number, notBeforeMs: number): number {
  const bandwidthHz = multicastBandwidthHz(ctx);
  let startUs = Math.ceil(notBeforeMs * 1000);
  for (let guard = 0; guard < 1000; guard++) {
    let candidate = startUs;
    for (const gatewayId of ctx.gateways) {
      candidate = Math.max(candidate, ledger.earliestStartUs({ gatewayId, frequencyHz: ctx.frequencyHz, bandwidthHz, airtimeUs, notBeforeUs: candidate }));
    }
    if (ctx.spec.multicast.class === 'B') {
      // Class B multicast is heard only in the group's ping slots (on the GPS timeline).
      const offsetUs = unixMsToGpsMs(candidate / 1000) * 1000 - candidate;
      candidate = nextPingSlotUs(candidate + offsetUs, ctx.spec.multicast.periodicity) - offsetUs;
    }
    if (candidate === startUs) return Math.ceil(candidate / 1000);
    startUs = candidate;
  }
  return Math.ceil(startUs / 1000);
}

/**
 * Earliest start the network server's own pacing allows after the previous frame: ChirpStack
 * runs a class C item at (previous item's last row + margin), one row per gateway each a margin
 * apart (storage/multicast.rs enqueue, DELAY), so a frame planned sooner would only queue up.
 */
function serverPacedMs(ctx: CampaignContext, lastAtMs: number | undefined): number {
  const marginMs = ctx.spec.multicast.classCMarginMs;
  if (ctx.spec.multicast.class !== 'C' || marginMs === 0 || lastAtMs === undefined) return 0;
  return lastAtMs + marginMs * ctx.gateways.length;
}

/** What the campaign's multicast occupies: its DR's bandwidth. */
export function multicastBandwidthHz(ctx: CampaignContext): number {
  return occupiedBandwidthHz(dataRate(ctx.region, ctx.spec.multicast.dr));
}

function record(ledger: DutyCycleLedger, ctx: CampaignContext, startMs: number, airtimeUs: number): void {
  const bandwidthHz = multicastBandwidthHz(ctx);
  for (const gatewayId of ctx.gateways) {
    ledger.record({ gatewayId, frequencyHz: ctx.frequencyHz, bandwidthHz, airtimeUs, startUs: startMs * 1000, kind: 'fuota' });
  }
}

export function saveLedger(draft: Draft, ledger: DutyCycleLedger): void {
  ledger.prune(draft.nowMs * 1000 - DUTY_CYCLE_WINDOW_US);
  draft.ledger = ledger.toJSON();
}

/**
 * Emits the DataFragments due within the lookahead, in ascending N per sub-session (devices
 * drop an N lower than the last seen). Returns true while fragments remain to be sent or are
 * still on air.
 */
export function scheduleFragments(draft: Draft, ctx: CampaignContext, sessions: readonly SubSession[]): boolean {
  const wave = draft.campaign.wave!;
  const airtimeUs = ctx.worstCasePlan.airtimePerFragmentUs;
  const horizonMs = draft.nowMs + LOOKAHEAD_MS;
  let ledger: DutyCycleLedger | undefined;
  let remaining = false;
  const onAir = () => (wave.lastMulticastEndMs ?? 0) > draft.nowMs;
  // The send window closed on this run: what is on air ends, then the next window's session.
  if (wave.windowClosed) return onAir();
  for (const session of sessions) {
    while (session.nextN <= session.targetN) {
      ledger ??= openLedger(draft, ctx);
      const notBefore = Math.max(session.nextAtMs ?? draft.nowMs, wave.lastMulticastEndMs ?? 0, draft.nowMs, serverPacedMs(ctx, wave.lastMulticastAtMs));
      const atMs = earliestStartMs(ledger, ctx, airtimeUs, notBefore);
      // Never past the session: devices have left class C/B by then (the status round decides).
      if (wave.sessionEndMs !== undefined && atMs + airtimeUs / 1000 > wave.sessionEndMs) {
        // In a send window the session ends with the window: the run stops here and goes on in
        // the next window (wave-stages.ts renewSession), N where it stopped.
        if (ctx.spec.schedule.windows) wave.windowClosed = true;
        else session.targetN = session.nextN - 1;
        break;
      }
      if (atMs > horizonMs) {
        session.nextAtMs = atMs;
        remaining = true;
        break;
      }
      record(ledger, ctx, atMs, airtimeUs);
      draft.emit({ type: 'multicast-fragment', id: draft.nextId(), groupName: session.groupName, scheme: session.scheme, fragIndex: session.fragIndex, n: session.nextN, atMs });
      draft.campaign.airtime.fragmentsSent += 1;
      draft.campaign.airtime.airtimeMs += airtimeUs / 1000;
      session.nextN += 1;
      session.nextAtMs = atMs + airtimeUs / 1000;
      wave.lastMulticastEndMs = atMs + Math.ceil(airtimeUs / 1000);
      wave.lastMulticastAtMs = atMs;
    }
    // One sub-session at a time: the next starts when this one has sent its round.
    if (session.nextN <= session.targetN) break;
  }
  if (ledger) saveLedger(draft, ledger);
  if (wave.windowClosed) return onAir();
  return remaining || sessions.some((s) => s.nextN <= s.targetN) || onAir();
}

/**
 * Whether multicast frames of these sizes, one after the other from now, would all end by
 * `byMs` within the duty-cycle budget (nothing is recorded: a dry run of scheduleMulticastFrame).
 */
export function multicastFramesFit(draft: Draft, ctx: CampaignContext, payloadBytes: readonly number[], byMs: number): boolean {
  const wave = draft.campaign.wave!;
  const ledger = openLedger(draft, ctx);
  let lastEndMs = wave.lastMulticastEndMs ?? 0;
  let lastAtMs = wave.lastMulticastAtMs;
  for (const bytes of payloadBytes) {
    const airtimeUs = downlinkAirtimeUs(ctx.region, ctx.spec.multicast.dr, bytes);
    const atMs = earliestStartMs(ledger, ctx, airtimeUs, Math.max(draft.nowMs, lastEndMs, serverPacedMs(ctx, lastAtMs)));
    if (atMs + airtimeUs / 1000 > byMs) return false;
    record(ledger, ctx, atMs, airtimeUs);
    lastEndMs = atMs + Math.ceil(airtimeUs / 1000);
    lastAtMs = atMs;
  }
  return true;
}

/** Schedules one other multicast frame (FragSessionStatusReq); returns its start time. */
export function scheduleMulticastFrame(draft: Draft, ctx: CampaignContext, groupName: string, frame: { fPort: number; payload: Uint8Array }): number {
  const wave = draft.campaign.wave!;
  const ledger = openLedger(draft, ctx);
  const airtimeUs = downlinkAirtimeUs(ctx.region, ctx.spec.multicast.dr, frame.payload.length);
  const atMs = earliestStartMs(ledger, ctx, airtimeUs, Math.max(draft.nowMs, wave.lastMulticastEndMs ?? 0, serverPacedMs(ctx, wave.lastMulticastAtMs)));
  record(ledger, ctx, atMs, airtimeUs);
  saveLedger(draft, ledger);
  draft.emit({ type: 'multicast', id: draft.nextId(), groupName, fPort: frame.fPort, payloadHex: bytesToHex(frame.payload), atMs });
  draft.campaign.airtime.airtimeMs += airtimeUs / 1000;
  wave.lastMulticastEndMs = atMs + Math.ceil(airtimeUs / 1000);
  wave.lastMulticastAtMs = atMs;
  return atMs;
}
