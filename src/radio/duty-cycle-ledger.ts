import { ValueError } from '../core/errors.js';
import type { RegionSpec, SubBand } from './region-types.js';
import { AirtimeAboveBudgetError } from './radio-errors.js';
import { region as lookUpRegion } from './regions.js';
import { subBandFor } from './sub-bands.js';

// A ledger of airtime per gateway and regulatory sub-band, and the question it answers:
// "what is the earliest start ≥ notBefore for a transmission of T µs on frequency F?".
//
// Rules (see docs/radio.md):
// - Duty cycle is measured over a sliding window of one hour (ETSI EN 300 220-1 defines duty
//   cycle as the ratio of on-air time over a one-hour observation period; TTS
//   gatewayserver/scheduling/sub_band.go uses the same 1 h window).
//   Every window [a, a + W) must hold at most dutyCycle · W of emission in the sub-band.
// - FUOTA may use `budgetShare` of that allowance (0 < share ≤ 1); the rest stays for the
//   network server's own downlinks. FUOTA emissions are held to dutyCycle · share · W, and all
//   emissions together (FUOTA and `other`, when fed in) to dutyCycle · W.
// - A gateway has one transmit chain: a new emission may not overlap any emission on that
//   gateway, whatever the sub-band.
// - Usage counts the union of emission intervals, so a send recorded twice is counted once.
// Times are integers in microseconds on the caller's timeline (the ledger has no clock).

export const DUTY_CYCLE_WINDOW_US = 3_600_000_000;

export type EmissionKind = 'fuota' | 'other';

export interface Emission {
  readonly gatewayId: string;
  readonly subBandId: string;
  readonly startUs: number;
  readonly airtimeUs: number;
  readonly kind: EmissionKind;
}

export interface Transmission {
  gatewayId: string;
  frequencyHz: number;
  /** Occupied bandwidth; places the emission in a sub-band (see sub-bands.ts). */
  bandwidthHz: number;
  airtimeUs: number;
  kind?: EmissionKind;
}

export interface LedgerSnapshot {
  format: 'fuota-duty-cycle-ledger';
  version: 1;
  region: string;
  windowUs: number;
  budgetShare: number;
  emissions: Emission[];
}

export interface LedgerOptions {
  /** Share (0, 1] of each sub-band's duty-cycle allowance that FUOTA may use. Default 1. */
  budgetShare?: number;
  /** Sliding-window length. Default one hour. */
  windowUs?: number;
}

type Interval = readonly [start: number, end: number];

export function checkBudgetShare(share: number, field = 'budgetShare'): number {
  if (typeof share !== 'number' || !Number.isFinite(share) || share <= 0 || share > 1) {
    throw new ValueError(field, 'a number in (0, 1]', share);
  }
  return share;
}

function checkTime(value: number, field: string): number {
  if (!Number.isSafeInteger(value)) throw new ValueError(field, 'an integer number of microseconds', value);
  return value;
}

function checkAirtime(value: number, field = 'airtimeUs'): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new ValueError(field, 'a positive integer number of microseconds', value);
  return value;
}

/** Union of [start, end) intervals, sorted. */
function union(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * Integer window starts a ≥ aFrom at which U(a) > limit, where U(a) is the measure of
 * `emissions` (disjoint, sorted) inside [a, a + W). U is piecewise linear with breakpoints at
 * s − W, e − W, s, e; we sweep them, so the result is exact. Returned as merged [first, last].
 */
function overLimitStarts(emissions: Interval[], windowUs: number, limitUs: number, aFrom: number): Array<[number, number]> {
  const relevant = emissions.filter(([, e]) => e > aFrom);
  if (relevant.length === 0) return [];
  let u = 0;
  let slope = 0;
  const deltas = new Map<number, number>();
  const add = (x: number, d: number) => {
    if (x > aFrom) deltas.set(x, (deltas.get(x) ?? 0) + d);
  };
  for (const [s, e] of relevant) {
    u += Math.max(0, Math.min(e, aFrom + windowUs) - Math.max(s, aFrom));
    if (s <= aFrom + windowUs && aFrom + windowUs < e) slope += 1;
    if (s <= aFrom && aFrom < e) slope -= 1;
    add(s - windowUs, 1);
    add(e - windowUs, -1);
    add(s, -1);
    add(e, 1);
  }
  const xs = [...deltas.keys()].sort((x, y) => x - y);
  const bad: Array<[number, number]> = [];
  const push = (first: number, last: number) => {
    if (first > last) return;
    const prev = bad[bad.length - 1];
    if (prev !== undefined && first <= prev[1] + 1) prev[1] = Math.max(prev[1], last);
    else bad.push([first, last]);
  };
  let p = aFrom;
  for (const x of xs) {
    // On [p, x], U(a) = u + slope · (a − p).
    if (slope === 0) {
      if (u > limitUs) push(p, x);
    } else if (slope > 0) {
      const first = u > limitUs ? p : p + Math.floor((limitUs - u) / slope) + 1;
      push(first, x);
    } else if (u > limitUs) {
      push(p, Math.min(x, p + Math.ceil((u - limitUs) / -slope) - 1));
    }
    u += slope * (x - p);
    slope += deltas.get(x) ?? 0;
    p = x;
  }
  if (u > limitUs) push(p, Number.MAX_SAFE_INTEGER); // cannot happen once past every emission (u = 0)
  return bad;
}

/**
 * Disjoint spans in time order with prefix sums, for the common case of a ledger fed in time
 * order (the planner, a live campaign): answers "measure from x onwards" in O(log n).
 */
class SpanIndex {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** cum[i] = measure of spans 0..i−1. */
  private readonly cum: number[] = [0];

  static of(spans: readonly Interval[]): SpanIndex {
    const index = new SpanIndex();
    for (const [s, e] of spans) index.tryAppend(s, e);
    return index;
  }

  /** Appends [s, e); false when it would start before the last span (the caller rebuilds). */
  tryAppend(s: number, e: number): boolean {
    const n = this.ends.length;
    if (n > 0 && s < this.starts[n - 1]!) return false;
    if (n > 0 && s <= this.ends[n - 1]!) {
      const grown = Math.max(this.ends[n - 1]!, e);
      this.cum[n] = this.cum[n]! + (grown - this.ends[n - 1]!);
      this.ends[n - 1] = grown;
      return true;
    }
    this.starts.push(s);
    this.ends.push(e);
    this.cum.push(this.cum[n]! + (e - s));
    return true;
  }

  private suffix(i: number): number {
    return this.cum[this.ends.length]! - this.cum[i]!;
  }

  /** Smallest x whose tail measure (union ∩ [x, ∞)) is at most `limit`. */
  minimalTailStart(limit: number): number {
    const n = this.ends.length;
    if (this.suffix(0) <= limit) return Number.MIN_SAFE_INTEGER;
    // Largest i with suffix(i) > limit (suffix decreases with i).
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.suffix(mid) > limit) lo = mid;
      else hi = mid - 1;
    }
    return this.ends[lo]! - (limit - this.suffix(lo + 1));
  }

  /** Measure of the union inside [x, ∞). */
  tail(x: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.ends.length) return 0;
    return this.suffix(lo) - Math.max(0, x - this.starts[lo]!);
  }
}

export class DutyCycleLedger {
  readonly region: RegionSpec;
  readonly windowUs: number;
  readonly budgetShare: number;
  private readonly byGateway = new Map<string, Emission[]>();
  private readonly lastEndByGateway = new Map<string, number>();
  private readonly indices = new Map<string, SpanIndex>();

  constructor(region: RegionSpec | string, options: LedgerOptions = {}) {
    this.region = typeof region === 'string' ? lookUpRegion(region) : region;
    this.budgetShare = checkBudgetShare(options.budgetShare ?? 1);
    this.windowUs = checkAirtime(options.windowUs ?? DUTY_CYCLE_WINDOW_US, 'windowUs');
  }

  subBand(frequencyHz: number, bandwidthHz: number): SubBand {
    return subBandFor(this.region, frequencyHz, bandwidthHz);
  }

  /** Airtime per window that emissions of `kind` may use in the sub-band. */
  budgetUs(subBand: SubBand, kind: EmissionKind = 'fuota'): number {
    const share = kind === 'fuota' ? this.budgetShare : 1;
    return Math.floor(subBand.dutyCycle * share * this.windowUs);
  }

  /** Records an emission that was (or will certainly be) sent. */
  record(sent: Transmission & { startUs: number }): Emission {
    const subBand = this.subBand(sent.frequencyHz, sent.bandwidthHz);
    const emission: Emission = {
      gatewayId: checkGatewayId(sent.gatewayId),
      subBandId: subBand.id,
      startUs: checkTime(sent.startUs, 'startUs'),
      airtimeUs: checkAirtime(sent.airtimeUs),
      kind: checkKind(sent.kind ?? 'fuota'),
    };
    if (emission.airtimeUs > this.windowUs) throw new ValueError('airtimeUs', `at most the window (${this.windowUs} µs)`, emission.airtimeUs);
    this.insert(emission);
    return emission;
  }

  /**
   * Makes the ledger believe the sub-band was full at `endUs`: records one emission of kind
   * `other` ending at endUs, just long enough for the window [endUs − W, endUs) to hold the
   * sub-band's whole allowance (all kinds, not FUOTA's share). For when the gateway says so
   * (DUTY_CYCLE_OVERFLOW) about traffic we never saw. Placed last in the window, it is the last
   * to age out: the most conservative place for airtime we cannot date. Returns the emission,
   * or undefined when the window is already full or the sub-band has no duty cycle (nothing to fill).
   */
  fillWindow(target: { gatewayId: string; frequencyHz: number; bandwidthHz: number; endUs: number }): Emission | undefined {
    const gatewayId = checkGatewayId(target.gatewayId);
    const endUs = checkTime(target.endUs, 'endUs');
    const subBand = this.subBand(target.frequencyHz, target.bandwidthHz);
    const budgetUs = this.budgetUs(subBand, 'other');
    if (budgetUs >= this.windowUs) return undefined;
    const fromUs = endUs - this.windowUs;
    let missingUs = budgetUs - this.usageUs(gatewayId, subBand.id, fromUs, endUs);
    if (missingUs <= 0) return undefined;
    // Usage is a union: the new emission only adds the gaps it covers, so walk back from endUs
    // through the gaps until they hold what is missing. The window's own gaps suffice (its free
    // time W − usage is at least budget − usage), so the emission never starts before fromUs.
    let startUs = endUs;
    const spans = this.intervals(gatewayId, subBand.id, undefined, fromUs).filter(([s]) => s < endUs);
    for (let i = spans.length - 1; i >= 0; i--) {
      const [s, e] = spans[i]!;
      const gapUs = startUs - Math.min(e, startUs);
      if (gapUs >= missingUs) break;
      missingUs -= gapUs;
      startUs = Math.min(s, startUs);
    }
    startUs -= missingUs;
    const emission: Emission = { gatewayId, subBandId: subBand.id, startUs, airtimeUs: endUs - startUs, kind: 'other' };
    this.insert(emission);
    return emission;
  }

  /** Everything recorded for a gateway (or all gateways), by start time. */
  emissions(gatewayId?: string): readonly Emission[] {
    if (gatewayId !== undefined) return [...(this.byGateway.get(gatewayId) ?? [])];
    return [...this.byGateway.values()].flat().sort((x, y) => x.startUs - y.startUs);
  }

  gatewayIds(): readonly string[] {
    return [...this.byGateway.keys()];
  }

  /** Measure of emissions (union) of a gateway's sub-band inside [fromUs, toUs). */
  usageUs(gatewayId: string, subBandId: string, fromUs: number, toUs: number, kind?: EmissionKind): number {
    let total = 0;
    for (const [s, e] of this.intervals(gatewayId, subBandId, kind)) total += Math.max(0, Math.min(e, toUs) - Math.max(s, fromUs));
    return total;
  }

  /** Earliest start ≥ notBeforeUs at which the transmission keeps every window within budget. */
  earliestStartUs(query: Transmission & { notBeforeUs: number }): number {
    const notBeforeUs = checkTime(query.notBeforeUs, 'notBeforeUs');
    if ((this.lastEndByGateway.get(query.gatewayId) ?? Number.MIN_SAFE_INTEGER) <= notBeforeUs) {
      // Fast path: everything recorded on this gateway is over by notBefore. Then for every
      // window [a, a + W) holding the new emission, a + W lies past all recorded ends, so its
      // usage is the tail measure from a, largest at a = t + T − W: we need
      // tail(t + T − W) ≤ budget − T, and the tail only shrinks as t grows.
      const { checks, airtimeUs, subBand } = this.limitsFor(query);
      let t = notBeforeUs;
      for (const [filter, budget] of checks) {
        if (budget >= this.windowUs) continue;
        const x = this.index(query.gatewayId, subBand.id, filter).minimalTailStart(budget - airtimeUs);
        t = Math.max(t, x + this.windowUs - airtimeUs);
      }
      return t;
    }
    const { limits, busy, airtimeUs } = this.prepare(query, notBeforeUs);
    let t = query.notBeforeUs;
    const w = this.windowUs;
    for (let guard = 0; guard < 1_000_000; guard++) {
      let moved = false;
      for (const [s, e] of busy) {
        if (s < t + airtimeUs && e > t) {
          t = e;
          moved = true;
        }
      }
      for (const bad of limits) {
        for (const [first, last] of bad) {
          if (first <= t && last >= t + airtimeUs - w) {
            t = last + 1 + w - airtimeUs;
            moved = true;
          }
        }
      }
      if (!moved) return t;
    }
    throw new Error('duty-cycle ledger: no start found'); // unreachable: each pass moves t past an interval
  }

  /** Whether the transmission may start exactly at `startUs`. */
  canStartAt(query: Transmission & { startUs: number }): boolean {
    const startUs = checkTime(query.startUs, 'startUs');
    if ((this.lastEndByGateway.get(query.gatewayId) ?? Number.MIN_SAFE_INTEGER) <= startUs) {
      const { checks, airtimeUs, subBand } = this.limitsFor(query);
      return checks.every(([filter, budget]) => budget >= this.windowUs || this.index(query.gatewayId, subBand.id, filter).tail(startUs + airtimeUs - this.windowUs) <= budget - airtimeUs);
    }
    const { limits, busy, airtimeUs } = this.prepare(query, startUs);
    if (busy.some(([s, e]) => s < startUs + airtimeUs && e > startUs)) return false;
    return limits.every((bad) => bad.every(([first, last]) => !(first <= startUs && last >= startUs + airtimeUs - this.windowUs)));
  }

  /** Drops emissions that ended before `beforeUs − window`; they can no longer matter. */
  prune(beforeUs: number): number {
    let dropped = 0;
    for (const [id, list] of this.byGateway) {
      const kept = list.filter((em) => em.startUs + em.airtimeUs > beforeUs - this.windowUs);
      dropped += list.length - kept.length;
      if (kept.length === 0) this.byGateway.delete(id);
      else this.byGateway.set(id, kept);
    }
    this.indices.clear();
    this.lastEndByGateway.clear();
    for (const [id, list] of this.byGateway) this.lastEndByGateway.set(id, Math.max(...list.map((em) => em.startUs + em.airtimeUs)));
    return dropped;
  }

  clone(): DutyCycleLedger {
    return DutyCycleLedger.fromJSON(this.toJSON(), this.region);
  }

  toJSON(): LedgerSnapshot {
    return {
      format: 'fuota-duty-cycle-ledger',
      version: 1,
      region: this.region.name,
      windowUs: this.windowUs,
      budgetShare: this.budgetShare,
      emissions: this.emissions().map((em) => ({ ...em })),
    };
  }

  static fromJSON(snapshot: LedgerSnapshot, region?: RegionSpec): DutyCycleLedger {
    if (snapshot === null || typeof snapshot !== 'object' || snapshot.format !== 'fuota-duty-cycle-ledger' || snapshot.version !== 1) {
      throw new ValueError('ledger snapshot', 'a fuota-duty-cycle-ledger version 1 object', JSON.stringify(snapshot)?.slice(0, 60));
    }
    const ledger = new DutyCycleLedger(region ?? snapshot.region, { budgetShare: snapshot.budgetShare, windowUs: snapshot.windowUs });
    if (!Array.isArray(snapshot.emissions)) throw new ValueError('ledger snapshot emissions', 'an array', typeof snapshot.emissions);
    const subBandIds = new Set(ledger.region.subBands.map((band) => band.id));
    for (const em of snapshot.emissions) {
      if (!subBandIds.has(em.subBandId)) throw new ValueError('ledger snapshot subBandId', `one of ${[...subBandIds].join(', ')}`, em.subBandId);
      ledger.insert({
        gatewayId: checkGatewayId(em.gatewayId),
        subBandId: em.subBandId,
        startUs: checkTime(em.startUs, 'startUs'),
        airtimeUs: checkAirtime(em.airtimeUs),
        kind: checkKind(em.kind),
      });
    }
    return ledger;
  }

  private insert(emission: Emission): void {
    const list = this.byGateway.get(emission.gatewayId) ?? [];
    let i = list.length;
    while (i > 0 && list[i - 1]!.startUs > emission.startUs) i--;
    list.splice(i, 0, emission);
    this.byGateway.set(emission.gatewayId, list);
    const end = emission.startUs + emission.airtimeUs;
    this.lastEndByGateway.set(emission.gatewayId, Math.max(this.lastEndByGateway.get(emission.gatewayId) ?? end, end));
    for (const filter of [emission.kind, undefined]) {
      const key = indexKey(emission.gatewayId, emission.subBandId, filter);
      const index = this.indices.get(key);
      if (index !== undefined && !index.tryAppend(emission.startUs, end)) this.indices.delete(key);
    }
  }

  private index(gatewayId: string, subBandId: string, filter: EmissionKind | undefined): SpanIndex {
    const key = indexKey(gatewayId, subBandId, filter);
    let index = this.indices.get(key);
    if (index === undefined) {
      index = SpanIndex.of(this.intervals(gatewayId, subBandId, filter));
      this.indices.set(key, index);
    }
    return index;
  }

  /** The budgets a transmission is held to: [kind filter (undefined = all), budget µs]. */
  private limitsFor(query: Transmission) {
    checkGatewayId(query.gatewayId);
    const airtimeUs = checkAirtime(query.airtimeUs);
    const kind = checkKind(query.kind ?? 'fuota');
    const subBand = this.subBand(query.frequencyHz, query.bandwidthHz);
    const checks: Array<[EmissionKind | undefined, number]> =
      kind === 'fuota' ? [['fuota', this.budgetUs(subBand, 'fuota')], [undefined, this.budgetUs(subBand, 'other')]] : [[undefined, this.budgetUs(subBand, 'other')]];
    for (const [filter, budget] of checks) {
      if (airtimeUs > budget) {
        throw new AirtimeAboveBudgetError('airtime', `${budget / 1000} ms per ${this.windowUs / 1e6} s in sub-band ${subBand.id} (duty cycle ${subBand.dutyCycle * 100} %${filter === 'fuota' ? `, FUOTA share ${this.budgetShare}` : ''})`, airtimeUs / 1000);
      }
    }
    return { checks, airtimeUs, subBand };
  }

  /** Emissions of a gateway that may end after `afterUs` (an airtime never exceeds the window). */
  private recent(gatewayId: string, afterUs: number): Emission[] {
    const list = this.byGateway.get(gatewayId) ?? [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.startUs < afterUs - this.windowUs) lo = mid + 1;
      else hi = mid;
    }
    return list.slice(lo).filter((em) => em.startUs + em.airtimeUs > afterUs);
  }

  private intervals(gatewayId: string, subBandId: string, kind?: EmissionKind, afterUs = Number.MIN_SAFE_INTEGER): Interval[] {
    const list = afterUs === Number.MIN_SAFE_INTEGER ? (this.byGateway.get(gatewayId) ?? []) : this.recent(gatewayId, afterUs);
    return union(list.filter((em) => em.subBandId === subBandId && (kind === undefined || em.kind === kind)).map((em) => [em.startUs, em.startUs + em.airtimeUs] as const));
  }

  private prepare(query: Transmission, notBeforeUs: number) {
    const { checks, airtimeUs, subBand } = this.limitsFor(query);
    const gatewayId = query.gatewayId;
    const aFrom = notBeforeUs + airtimeUs - this.windowUs;
    const limits: Array<Array<[number, number]>> = [];
    for (const [filter, budget] of checks) {
      // Disjoint emissions (one transmit chain) never fill more than the whole window.
      if (budget >= this.windowUs) continue;
      limits.push(overLimitStarts(this.intervals(gatewayId, subBand.id, filter, aFrom), this.windowUs, budget - airtimeUs, aFrom));
    }
    const busy = union(this.recent(gatewayId, notBeforeUs).map((em) => [em.startUs, em.startUs + em.airtimeUs] as const));
    return { limits, busy, airtimeUs, subBand };
  }
}

function indexKey(gatewayId: string, subBandId: string, filter: EmissionKind | undefined): string {
  return `${gatewayId}\u0000${subBandId}\u0000${filter ?? 'all'}`;
}

function checkGatewayId(id: string): string {
  if (typeof id !== 'string' || id.length === 0) throw new ValueError('gatewayId', 'a non-empty string', id);
  return id;
}

function checkKind(kind: EmissionKind): EmissionKind {
  if (kind !== 'fuota' && kind !== 'other') throw new ValueError('kind', 'fuota or other', kind);
  return kind;
}
