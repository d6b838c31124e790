import { checkRange } from '../core/byte-writer.js';
import { ValueError } from '../core/errors.js';
import { nextPingSlotUs, checkPeriodicity, pingPeriodUs } from './class-b-timing.js';
import { checkBudgetShare, DutyCycleLedger } from './duty-cycle-ledger.js';
import type { DeviceClass, RegionName, RegionSpec, SubBand } from './region-types.js';
import { DwellTimeExceededError, PayloadTooLargeError } from './radio-errors.js';
import { checkFrmPayload, dataRate, describeModulation, dwellTimeLimitMs, maxPayload, occupiedBandwidthHz, region as lookUpRegion } from './regions.js';
import { sessionTimeoutFor, type SessionTimeout } from './session-timeout.js';
import { subBandFor } from './sub-bands.js';
import { fskTimeOnAirUs, loraTimeOnAirUs, phyPayloadBytesFor } from './time-on-air.js';

// The send planner: given a block to deliver by TS004 fragmentation over a multicast group, it
// schedules every fragment on every gateway that covers the group, against each gateway's
// duty-cycle ledger, and says how long it takes and what holds it back. See docs/radio.md.
//
// Decisions:
// - Fragment size `auto` = the DR's maximum FRMPayload N (RP002) − 3 bytes of DataFragment
//   header (CID + Index&N, TS004 DataFragment), reduced further if one frame would break a dwell-time limit.
// - Every fragment is sent once per gateway (ChirpStack/TTS send a multicast downlink through
//   each gateway of the group); gateways are planned independently against their own ledger.
// - Pacing: FUOTA's average rate never exceeds its allowance a = dutyCycle · budgetShare, even
//   when the one-hour window would allow a burst: fragment i may end no earlier than
//   start + (airtime of fragments 0..i) / a. This keeps the rest of the allowance evenly
//   available to the network server, and makes duration ≥ total airtime / a.
// - On top of pacing, each start is the ledger's earliest start (sliding-window exact, one
//   transmit chain per gateway); for class B, the first ping slot at or after it that the
//   ledger also accepts.

/**
 * One FragSessionStatus round at the shortest BlockAckDelay (0): devices answer after a random
 * delay of up to 2^(BlockAckDelay+4) s = 16 s (TS004 §3.2, FragSessionStatusReq).
 */
export const STATUS_ROUND_US = 2 ** 4 * 1_000_000;

export type RedundancySpec = number | { percent: number };
/**
 * What holds the sends back. 'budget-share' is the pacing wait in a sub-band with no duty-cycle
 * limit (US915, AU915, CN470...): FUOTA still keeps to its share of the gateway's airtime, but
 * calling that "duty cycle" would name a limit the region does not have.
 */
export type BindingConstraint = 'duty-cycle' | 'budget-share' | 'ping-slots' | 'server-spacing' | 'airtime';
export type FragmentSizeLimit = 'requested' | 'max-payload' | 'dwell-time';

export interface PlanRequest {
  region: string | RegionSpec;
  dr: number;
  /** Size of the block (TS004 data block) to deliver. */
  blockBytes: number;
  /** Fragment data bytes per DataFragment, or `auto`. Default `auto`. */
  fragmentSize?: number | 'auto';
  /** Extra (coded) fragments: a count or a percentage of the uncoded count. Default 10 %. */
  redundancy?: RedundancySpec;
  deviceClass?: DeviceClass;
  /** Class B ping-slot periodicity K (slot every 0.96 · 2^K s). Default 0. */
  periodicity?: number;
  /** Class B ping offset of the multicast group, in slots. Default 0. */
  pingOffsetSlots?: number;
  /** Gateways covering the group: a count (named gw-1..gw-N) or their ids. Default 1. */
  gateways?: number | readonly string[];
  /** Share (0, 1] of the duty-cycle allowance FUOTA may use. Default 0.5. */
  budgetShare?: number;
  /** Default: RX2 frequency (class C) or the first default ping-slot frequency (class B). */
  frequencyHz?: number;
  repeaterCompatible?: boolean;
  /** Whether the downlink dwell-time limit is in force. Default: the region's default. */
  dwellTimeLimited?: boolean;
  /** Session start, µs on the GPS timeline (class B slots are aligned to it). Default 0. */
  startUs?: number;
  /** Airtime already used (not changed; the plan works on a copy). */
  ledger?: DutyCycleLedger;
  /**
   * Least time between two frame starts that the network server imposes itself (ChirpStack class
   * C, DELAY: multicast_class_c_margin × gateways, storage/multicast.rs enqueue). Default 0.
   */
  frameSpacingUs?: number;
}

export interface FragmentSend {
  /** 1-based, as in TS004 DataFragment Index. */
  fragmentIndex: number;
  startUs: number;
  endUs: number;
}

export interface WaitsUs {
  dutyCycle: number;
  pingSlots: number;
  /** Waiting for the network server's own spacing (frameSpacingUs). */
  serverSpacing: number;
}

export interface GatewayPlan {
  gatewayId: string;
  sends: FragmentSend[];
  airtimeUs: number;
  endUs: number;
  waitsUs: WaitsUs;
}

export interface SendPlan {
  region: RegionName;
  dr: number;
  modulation: string;
  deviceClass: DeviceClass;
  periodicity: number | null;
  pingPeriodUs: number | null;
  frequencyHz: number;
  frequencySource: 'requested' | 'rx2-default' | 'ping-slot-default';
  subBand: SubBand;
  budgetShare: number;
  /** dutyCycle · budgetShare: the fraction of time FUOTA may transmit in the sub-band. */
  allowedFraction: number;
  blockBytes: number;
  maxFrmPayloadBytes: number;
  fragmentSizeBytes: number;
  fragmentSizeLimitedBy: FragmentSizeLimit;
  paddingBytes: number;
  uncodedFragments: number;
  redundantFragments: number;
  totalFragments: number;
  frmPayloadBytes: number;
  phyPayloadBytes: number;
  airtimePerFragmentUs: number;
  dwellTimeLimitMs: number | null;
  gateways: GatewayPlan[];
  airtimePerGatewayUs: number;
  startUs: number;
  durationUs: number;
  /** Total airtime per gateway / allowed fraction: no plan can be shorter. */
  minimumDurationUs: number;
  bindingConstraint: BindingConstraint;
  waitsUs: WaitsUs;
  sessionTimeout: SessionTimeout;
  warnings: string[];
}

/** TS004 DataFragment header: CID (1) + Index&N (2). */
export const DATA_FRAGMENT_HEADER_BYTES = 3;
/** TS004 FragIndex is 14 bits: fragments are numbered 1..16383. */
export const MAX_FRAGMENTS = 16383;

function airtimeUsFor(spec: RegionSpec, dr: number, phyPayloadBytes: number): number {
  const m = dataRate(spec, dr).modulation;
  // Downlinks: explicit header, no payload CRC (LoRaWAN 1.0.x "Physical message formats": only
  // uplinks carry the payload CRC), 8-symbol preamble, CR 4/5; IQ inversion has no airtime effect.
  return m.kind === 'lora'
    ? loraTimeOnAirUs({ spreadingFactor: m.spreadingFactor, bandwidthHz: m.bandwidthHz, phyPayloadBytes, crc: false, codingRate: '4/5', preambleSymbols: 8 })
    : fskTimeOnAirUs({ bitRateBps: m.bitRateBps, phyPayloadBytes });
}

/** Time on air of one data downlink carrying `frmPayloadBytes` at `dr` (no FOpts), with the payload checked against RP002. */
export function downlinkAirtimeUs(spec: RegionSpec, dr: number, frmPayloadBytes: number, options: { repeaterCompatible?: boolean; dwellTimeLimited?: boolean } = {}): number {
  checkRange(frmPayloadBytes, 0, 255, 'FRMPayload bytes');
  checkFrmPayload(spec, dr, frmPayloadBytes, options);
  return airtimeUsFor(spec, dr, phyPayloadBytesFor(frmPayloadBytes));
}

function gatewayIds(gateways: number | readonly string[] | undefined): string[] {
  if (gateways === undefined) return ['gw-1'];
  if (typeof gateways === 'number') {
    checkRange(gateways, 1, 10_000, 'gateways');
    return Array.from({ length: gateways }, (_, i) => `gw-${i + 1}`);
  }
  if (!Array.isArray(gateways) || gateways.length === 0) throw new ValueError('gateways', 'a count or a non-empty list of gateway ids', gateways);
  const ids = gateways.map((id) => {
    if (typeof id !== 'string' || id.length === 0) throw new ValueError('gateways', 'non-empty gateway ids', id);
    return id;
  });
  if (new Set(ids).size !== ids.length) throw new ValueError('gateways', 'distinct gateway ids', ids.join(','));
  return ids;
}

function redundantCount(spec: RedundancySpec | undefined, uncoded: number): number {
  if (spec === undefined) return Math.ceil(uncoded * 0.1);
  if (typeof spec === 'number') return checkRange(spec, 0, MAX_FRAGMENTS, 'redundancy');
  const percent = spec.percent;
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 1000) {
    throw new ValueError('redundancy', 'a percentage in 0..1000', percent);
  }
  return Math.ceil((uncoded * percent) / 100);
}

export function planFragmentSends(request: PlanRequest): SendPlan {
  const spec = typeof request.region === 'string' ? lookUpRegion(request.region) : request.region;
  const deviceClass = request.deviceClass ?? 'C';
  if (deviceClass !== 'C' && deviceClass !== 'B') throw new ValueError('class', 'C or B', deviceClass);
  const rate = dataRate(spec, request.dr);
  const payloadOptions = { repeaterCompatible: request.repeaterCompatible === true, dwellTimeLimited: request.dwellTimeLimited };
  const dwellMs = dwellTimeLimitMs(spec, payloadOptions);
  const maxN = maxPayload(spec, request.dr, payloadOptions).frmPayloadBytes;
  const warnings: string[] = [];

  const blockBytes = checkRange(request.blockBytes, 1, Number.MAX_SAFE_INTEGER, 'block size');

  // Fragment size.
  let fragmentSizeBytes: number;
  let fragmentSizeLimitedBy: FragmentSizeLimit;
  const requested = request.fragmentSize ?? 'auto';
  if (requested === 'auto') {
    fragmentSizeBytes = maxN - DATA_FRAGMENT_HEADER_BYTES;
    fragmentSizeLimitedBy = 'max-payload';
    if (dwellMs !== null) {
      while (fragmentSizeBytes > 1 && airtimeUsFor(spec, request.dr, phyPayloadBytesFor(fragmentSizeBytes + DATA_FRAGMENT_HEADER_BYTES)) > dwellMs * 1000) {
        fragmentSizeBytes--;
        fragmentSizeLimitedBy = 'dwell-time';
      }
    }
    if (fragmentSizeBytes < 1) throw new PayloadTooLargeError('fragment size', maxN, `${spec.name} DR${request.dr} leaves no room after the 3-byte DataFragment header`, DATA_FRAGMENT_HEADER_BYTES + 1);
  } else {
    fragmentSizeBytes = checkRange(requested, 1, 255, 'fragment size');
    fragmentSizeLimitedBy = 'requested';
    if (fragmentSizeBytes + DATA_FRAGMENT_HEADER_BYTES > maxN) {
      throw new PayloadTooLargeError('fragment size', maxN - DATA_FRAGMENT_HEADER_BYTES, `${spec.name} DR${request.dr} maximum FRMPayload ${maxN} − 3-byte DataFragment header`, fragmentSizeBytes);
    }
  }
  const frmPayloadBytes = fragmentSizeBytes + DATA_FRAGMENT_HEADER_BYTES;
  const phyPayloadBytes = phyPayloadBytesFor(frmPayloadBytes);
  const airtimeUs = airtimeUsFor(spec, request.dr, phyPayloadBytes);
  if (dwellMs !== null && airtimeUs > dwellMs * 1000) throw new DwellTimeExceededError(`${spec.name} DR${request.dr} downlink of ${phyPayloadBytes}-byte PHYPayload`, dwellMs, airtimeUs / 1000);

  const uncodedFragments = Math.ceil(blockBytes / fragmentSizeBytes);
  const redundantFragments = redundantCount(request.redundancy, uncodedFragments);
  const totalFragments = uncodedFragments + redundantFragments;
  if (totalFragments > MAX_FRAGMENTS) {
    throw new ValueError('fragments', `at most ${MAX_FRAGMENTS} fragments in total (TS004 14-bit FragIndex)`, `${uncodedFragments} + ${redundantFragments} redundant`);
  }

  // Frequency and sub-band.
  let frequencyHz: number;
  let frequencySource: SendPlan['frequencySource'];
  if (request.frequencyHz !== undefined) {
    frequencyHz = request.frequencyHz;
    frequencySource = 'requested';
  } else if (deviceClass === 'C') {
    frequencyHz = spec.rx2.frequencyHz;
    frequencySource = 'rx2-default';
  } else {
    const first = spec.classB.pingSlotFrequenciesHz[0];
    if (first === undefined) throw new ValueError('frequency', `a frequency (${spec.name} has no tabled default ping-slot frequency)`, 'none');
    frequencyHz = first;
    frequencySource = 'ping-slot-default';
  }
  const bandwidthHz = occupiedBandwidthHz(rate);
  const subBand = subBandFor(spec, frequencyHz, bandwidthHz);

  const periodicity = deviceClass === 'B' ? checkPeriodicity(request.periodicity ?? 0) : null;
  const pingOffsetSlots = request.pingOffsetSlots ?? 0;
  const startUs = request.startUs ?? 0;
  if (!Number.isSafeInteger(startUs) || startUs < 0) throw new ValueError('startUs', 'a non-negative integer number of µs', startUs);
  const frameSpacingUs = request.frameSpacingUs ?? 0;
  if (!Number.isSafeInteger(frameSpacingUs) || frameSpacingUs < 0) throw new ValueError('frameSpacingUs', 'a non-negative integer number of µs', frameSpacingUs);

  let ledger: DutyCycleLedger;
  if (request.ledger !== undefined) {
    if (request.budgetShare !== undefined && request.budgetShare !== request.ledger.budgetShare) {
      throw new ValueError('budget share', `the ledger's share ${request.ledger.budgetShare}`, request.budgetShare);
    }
    if (request.ledger.region.name !== spec.name) throw new ValueError('ledger region', spec.name, request.ledger.region.name);
    ledger = request.ledger.clone();
  } else {
    ledger = new DutyCycleLedger(spec, { budgetShare: checkBudgetShare(request.budgetShare ?? 0.5, 'budget share') });
  }
  const budgetShare = ledger.budgetShare;
  const allowedFraction = subBand.dutyCycle * budgetShare;

  const gateways: GatewayPlan[] = gatewayIds(request.gateways).map((gatewayId) => {
    const tx = { gatewayId, frequencyHz, bandwidthHz, airtimeUs, kind: 'fuota' as const };
    const sends: FragmentSend[] = [];
    const waitsUs: WaitsUs = { dutyCycle: 0, pingSlots: 0, serverSpacing: 0 };
    let previousEnd = startUs;
    let previousStart: number | undefined;
    for (let i = 0; i < totalFragments; i++) {
      const paced = startUs + Math.ceil(((i + 1) * airtimeUs) / allowedFraction) - airtimeUs;
      const spaced = previousStart === undefined ? startUs : previousStart + frameSpacingUs;
      const ownNotBefore = Math.max(previousEnd, paced);
      const notBefore = Math.max(ownNotBefore, spaced);
      waitsUs.serverSpacing += notBefore - ownNotBefore;
      const dutyCycleStart = ledger.earliestStartUs({ ...tx, notBeforeUs: notBefore });
      let start = dutyCycleStart;
      if (periodicity !== null) {
        start = nextPingSlotUs(dutyCycleStart, periodicity, pingOffsetSlots);
        while (!ledger.canStartAt({ ...tx, startUs: start })) {
          start = nextPingSlotUs(ledger.earliestStartUs({ ...tx, notBeforeUs: start + 1 }), periodicity, pingOffsetSlots);
        }
      }
      waitsUs.dutyCycle += dutyCycleStart - notBefore + (ownNotBefore - previousEnd);
      waitsUs.pingSlots += start - dutyCycleStart;
      ledger.record({ ...tx, startUs: start });
      sends.push({ fragmentIndex: i + 1, startUs: start, endUs: start + airtimeUs });
      previousEnd = start + airtimeUs;
      previousStart = start;
    }
    return { gatewayId, sends, airtimeUs: totalFragments * airtimeUs, endUs: previousEnd, waitsUs };
  });

  const endUs = Math.max(...gateways.map((g) => g.endUs));
  const durationUs = endUs - startUs;
  const waitsUs: WaitsUs = {
    dutyCycle: Math.max(...gateways.map((g) => g.waitsUs.dutyCycle)),
    pingSlots: Math.max(...gateways.map((g) => g.waitsUs.pingSlots)),
    serverSpacing: Math.max(...gateways.map((g) => g.waitsUs.serverSpacing)),
  };
  const largestWait = Math.max(waitsUs.dutyCycle, waitsUs.pingSlots, waitsUs.serverSpacing);
  const pacingConstraint: BindingConstraint = subBand.dutyCycle >= 1 ? 'budget-share' : 'duty-cycle';
  const bindingConstraint: BindingConstraint =
    largestWait === 0 ? 'airtime' : largestWait === waitsUs.dutyCycle ? pacingConstraint : largestWait === waitsUs.pingSlots ? 'ping-slots' : 'server-spacing';
  // The session must outlast the sends and one FragSessionStatus round, or the fragments a device
  // reports missing could not be resent in it (campaign/context.ts plans every status round).
  const sessionTimeout = sessionTimeoutFor(deviceClass, durationUs + STATUS_ROUND_US);
  if (!sessionTimeout.covers) {
    warnings.push(`the campaign takes longer than the longest class ${deviceClass} session (${sessionTimeout.seconds} s): split it into several sessions`);
  }
  if (fragmentSizeLimitedBy === 'dwell-time') warnings.push(`fragment size reduced to ${fragmentSizeBytes} bytes to keep each downlink within the ${dwellMs} ms dwell time`);

  return {
    region: spec.name,
    dr: request.dr,
    modulation: describeModulation(rate),
    deviceClass,
    periodicity,
    pingPeriodUs: periodicity === null ? null : pingPeriodUs(periodicity),
    frequencyHz,
    frequencySource,
    subBand,
    budgetShare,
    allowedFraction,
    blockBytes,
    maxFrmPayloadBytes: maxN,
    fragmentSizeBytes,
    fragmentSizeLimitedBy,
    paddingBytes: uncodedFragments * fragmentSizeBytes - blockBytes,
    uncodedFragments,
    redundantFragments,
    totalFragments,
    frmPayloadBytes,
    phyPayloadBytes,
    airtimePerFragmentUs: airtimeUs,
    dwellTimeLimitMs: dwellMs,
    gateways,
    airtimePerGatewayUs: totalFragments * airtimeUs,
    startUs,
    durationUs,
    minimumDurationUs: Math.ceil((totalFragments * airtimeUs) / allowedFraction),
    bindingConstraint,
    waitsUs,
    sessionTimeout,
    warnings,
  };
}
