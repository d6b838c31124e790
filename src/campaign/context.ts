import { CallerError } from '../core/errors.js';
import { hexToBytes } from '../core/hex.js';
import { region as regionByName } from '../radio/regions.js';
import type { RegionSpec } from '../radio/region-types.js';
import { planFragmentSends, type SendPlan } from '../radio/send-planner.js';
import { sessionTimeoutFor, type SessionTimeout } from '../radio/session-timeout.js';
import { scheduleStartMs } from './schedule-spec.js';
import { minutesOfDay } from './schedule-windows.js';
import { descriptorOf, type CampaignSpec, type DeviceTarget } from './spec.js';

/** Fragment numbering shared by every sub-session of the campaign. */
export interface FragmentLayout {
  nbFrag: number;
  fragmentSizeBytes: number;
  paddingBytes: number;
  /** M + the most coded fragments the spec allows (≤ 16383: TS004 N is 14 bits). */
  maxN: number;
}

/**
 * Everything a transition may read besides the state: the spec, the block (the signed package
 * bytes sent over the air) and what follows from them. Immutable; derived once per campaign.
 */
export interface CampaignContext {
  readonly spec: CampaignSpec;
  readonly block: Uint8Array;
  readonly region: RegionSpec;
  readonly targets: ReadonlyMap<string, DeviceTarget>;
  readonly descriptor: Uint8Array;
  readonly mcKey: Uint8Array;
  readonly gateways: readonly string[];
  readonly frequencyHz: number;
  readonly layout: FragmentLayout;
  /** The plan with the most redundancy the spec allows: what the session must cover. */
  readonly worstCasePlan: SendPlan;
  readonly sessionTimeout: SessionTimeout;
  /** How long devices may take to answer FragSessionStatusReq (TS004: up to 2^(BlockAckDelay+4) s), plus a margin. */
  readonly statusWaitMs: number;
  /** Nothing is sent before this (spec schedule.startAt). */
  readonly startAtMs: number | undefined;
}

const STATUS_MARGIN_MS = 60_000;
/** Small blocks get at least this many coded fragments: a share of a small M leaves no room for bad luck. */
const MIN_CODED_FRAGMENTS = 32;

export function campaignContext(spec: CampaignSpec, block: Uint8Array): CampaignContext {
  const region = regionByName(spec.multicast.region);
  const mc = spec.multicast;
  const frequencyHz = mc.frequencyHz ?? (mc.class === 'B' ? region.classB.pingSlotFrequenciesHz[0] ?? region.rx2.frequencyHz : region.rx2.frequencyHz);
  const gateways = mc.gateways.length > 0 ? mc.gateways : ['gw-1'];
  const fr = spec.fragmentation;
  const request = {
    region,
    dr: mc.dr,
    blockBytes: block.length,
    fragmentSize: fr.fragmentSizeBytes === 0 ? ('auto' as const) : fr.fragmentSizeBytes,
    deviceClass: mc.class,
    periodicity: mc.periodicity,
    gateways,
    budgetShare: spec.budgetShare,
    frequencyHz,
    // The network server's class C spacing (fragment-scheduler.ts plans with the same rule).
    frameSpacingUs: mc.class === 'C' ? mc.classCMarginMs * 1000 * gateways.length : 0,
  };
  // First the layout (M and the fragment size), then the plan with the most coded fragments allowed.
  const uncodedPlan = planFragmentSends({ ...request, redundancy: 0 });
  const nbFrag = uncodedPlan.uncodedFragments;
  const maxN = Math.min(16383, nbFrag + Math.max(MIN_CODED_FRAGMENTS, Math.ceil(fr.maxRedundancy * nbFrag)));
  const worstCasePlan = planFragmentSends({ ...request, redundancy: maxN - nbFrag });
  const layout: FragmentLayout = { nbFrag, fragmentSizeBytes: uncodedPlan.fragmentSizeBytes, paddingBytes: uncodedPlan.paddingBytes, maxN };
  const statusWaitMs = 2 ** (fr.blockAckDelay + 4) * 1000 + STATUS_MARGIN_MS;
  checkWindowLengths(spec, 2 * statusWaitMs);
  const sessionUs = worstCasePlan.durationUs + fr.maxStatusRounds * statusWaitMs * 1000;
  return {
    spec,
    block,
    region,
    targets: new Map(spec.devices.map((d) => [d.devEui, d])),
    descriptor: hexToBytes(descriptorOf(spec), 'firmware.descriptor'),
    mcKey: hexToBytes(mc.mcKey, 'multicast.mcKey'),
    gateways,
    frequencyHz: worstCasePlan.frequencyHz,
    layout,
    worstCasePlan,
    sessionTimeout: sessionTimeoutFor(mc.class, sessionUs),
    statusWaitMs,
    startAtMs: scheduleStartMs(spec.schedule),
  };
}

/**
 * A send window must hold a session: a status round at least (session-slot.ts minSessionMs).
 * Known only here, where the status wait follows from the fragmentation settings.
 */
function checkWindowLengths(spec: CampaignSpec, minMs: number): void {
  (spec.schedule.windows ?? []).forEach((w, i) => {
    const lengthMs = ((((minutesOfDay(w.end)! - minutesOfDay(w.start)!) % 1440) + 1440) % 1440) * 60_000;
    if (lengthMs < minMs) {
      throw new CallerError('INVALID_CAMPAIGN_SPEC', `campaign spec schedule.windows.${i}: expected at least ${Math.ceil(minMs / 60_000)} min from start to end (two status waits of fragmentation.blockAckDelay), got ${w.start}–${w.end}`);
    }
  });
}
