import type { CampaignContext } from './context.js';
import { nextStep, UPLINKS_BEFORE_RETRY } from './device-progress.js';
import type { DevicePhase, DeviceState } from './state.js';

// What the stage checks of a wave ask on every tick — how many devices are in a phase, which
// fragmentation sessions still have receivers, which devices need a request (again) by now,
// when the next of them falls due — kept as counts and deadline buckets per wave, so a tick
// costs what is due, not the wave (issue #17: a pass over 100 000 devices per tick).
//
// The index is derived from the devices alone (and the campaign's context): DeviceTable keeps it
// in step with every set/delete of the engine's device map (a commit, a rolled-back batch), and
// any other map gets one built for the transition (tests' small fleets). The state machine stays
// pure: a transition only reads the index, and its Draft overlays the devices it touched.

/** Stage checks after answers run at most this often: a tenth of the answer timeout, between 30 s and 5 min. */
export const PROGRESS_CHECK_MS = 30_000;
const MAX_PROGRESS_CHECK_MS = 5 * 60_000;

export function progressCheckMs(ctx: CampaignContext): number {
  return Math.min(MAX_PROGRESS_CHECK_MS, Math.max(PROGRESS_CHECK_MS, ctx.spec.timing.answerTimeoutMs / 10));
}

/** A rebooting device is asked its version this long after its reboot time. */
export const REBOOT_GRACE_MS = 30_000;

/**
 * When a tick's advanceDevice (device-progress.ts) would act on the device: -Infinity at once,
 * Infinity never (until the device changes). Mirrors advanceDevice's own conditions, plus the
 * upgrade stage's move from rebooting to confirming; test/campaign/wave-index.test.ts checks
 * that advanceDevice never acts on a device before this time.
 */
export function actsAtMs(device: DeviceState, ctx: CampaignContext): number {
  if (device.outcome) return Infinity;
  let at = Infinity;
  const pending = device.pending;
  if (pending) at = (pending.uplinksSince ?? 0) >= UPLINKS_BEFORE_RETRY ? -Infinity : pending.retryAtMs;
  else if (device.phase === 'setup' || nextStep(device, ctx) !== undefined) at = -Infinity;
  if (device.phase === 'rebooting' && device.timestamps.rebootAtMs !== undefined) at = Math.min(at, device.timestamps.rebootAtMs + REBOOT_GRACE_MS);
  return at;
}

/** Counts of one wave's devices. */
export interface WaveCounts {
  phases: Map<DevicePhase, number>;
  /** In phase 'session' without a McClassC/BSessionAns. */
  sessionUnconfirmed: number;
  /** Without an outcome and not served again in a follow-up wave. */
  open: number;
  /** In phase 'receiving', by FragIndex. */
  receivingByFrag: Map<number, number>;
  /** Pending requests' retry times (without outcome), by progress-check bucket (ceil(t / step)). */
  retryBuckets: Map<number, number>;
  /** Rebooting devices' reboot time + 30 s, by bucket; and those without a reboot time. */
  rebootBuckets: Map<number, number>;
  rebootingUntimed: number;
}

function emptyCounts(): WaveCounts {
  return { phases: new Map(), sessionUnconfirmed: 0, open: 0, receivingByFrag: new Map(), retryBuckets: new Map(), rebootBuckets: new Map(), rebootingUntimed: 0 };
}

function bump<K>(map: Map<K, number>, key: K, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n === 0) map.delete(key);
  else map.set(key, n);
}

/**
 * Whether two versions of a device count the same in every term of count() below: most answers
 * (a periodic uplink bumping counters) leave a device's share as it was (issue #17).
 */
function sameShare(a: DeviceState, b: DeviceState, stepMs: number): boolean {
  return (
    a.wave === b.wave &&
    a.phase === b.phase &&
    (a.phase === 'session' && !a.done.mcSession) === (b.phase === 'session' && !b.done.mcSession) &&
    (!a.outcome && !a.followUp) === (!b.outcome && !b.followUp) &&
    a.fragIndex === b.fragIndex &&
    retryBucket(a, stepMs) === retryBucket(b, stepMs) &&
    a.timestamps.rebootAtMs === b.timestamps.rebootAtMs
  );
}

function retryBucket(device: DeviceState, stepMs: number): number | undefined {
  return device.pending && !device.outcome ? Math.ceil(device.pending.retryAtMs / stepMs) : undefined;
}

/** Adds (sign 1) or removes (sign -1) one device's share of the counts. */
export function count(counts: WaveCounts, device: DeviceState, stepMs: number, sign: 1 | -1): void {
  bump(counts.phases, device.phase, sign);
  if (device.phase === 'session' && !device.done.mcSession) counts.sessionUnconfirmed += sign;
  if (!device.outcome && !device.followUp) counts.open += sign;
  if (device.phase === 'receiving' && device.fragIndex !== undefined) bump(counts.receivingByFrag, device.fragIndex, sign);
  if (device.pending && !device.outcome) bump(counts.retryBuckets, Math.ceil(device.pending.retryAtMs / stepMs), sign);
  if (device.phase === 'rebooting') {
    if (device.timestamps.rebootAtMs === undefined) counts.rebootingUntimed += sign;
    else bump(counts.rebootBuckets, Math.ceil((device.timestamps.rebootAtMs + REBOOT_GRACE_MS) / stepMs), sign);
  }
}

/** The per-wave counts and due buckets of a device map, for one campaign context. */
export class WaveIndex {
  readonly stepMs: number;
  /** Position in the map's order: stage checks visit due devices in the order a pass would. */
  private readonly ordinals = new Map<string, number>();
  private nextOrdinal = 0;
  private readonly counts = new Map<number, WaveCounts>();
  /** wave → bucket of actsAtMs (ceil(t / step); -Infinity: at once) → devEuis. */
  private readonly due = new Map<number, Map<number, Set<string>>>();

  constructor(
    readonly ctx: CampaignContext,
    devices: Iterable<DeviceState>,
  ) {
    this.stepMs = progressCheckMs(ctx);
    for (const device of devices) this.add(device);
  }

  ordinal(devEui: string): number {
    return this.ordinals.get(devEui) ?? Infinity;
  }

  countsOf(wave: number): WaveCounts {
    return this.counts.get(wave) ?? emptyCounts();
  }

  /** Devices of the wave whose actsAtMs may be ≤ nowMs (a superset: callers check each). */
  dueCandidates(wave: number, nowMs: number): string[] {
    const buckets = this.due.get(wave);
    if (!buckets) return [];
    const limit = Math.ceil(nowMs / this.stepMs);
    const out: string[] = [];
    for (const [bucket, devEuis] of buckets) if (bucket <= limit) for (const devEui of devEuis) out.push(devEui);
    return out;
  }

  replace(before: DeviceState | undefined, after: DeviceState): void {
    if (before === after) return;
    if (!before) return this.add(after);
    const atBefore = actsAtMs(before, this.ctx);
    const atAfter = actsAtMs(after, this.ctx);
    // Same counts and same due bucket: nothing of the index moves.
    if (before.devEui === after.devEui && this.dueKey(atBefore) === this.dueKey(atAfter) && sameShare(before, after, this.stepMs)) return;
    this.remove(before, atBefore);
    this.add(after, atAfter);
  }

  remove(device: DeviceState, at = actsAtMs(device, this.ctx)): void {
    count(this.wave(device.wave), device, this.stepMs, -1);
    if (at === Infinity) return;
    const buckets = this.due.get(device.wave)!;
    const bucket = this.bucket(at);
    const set = buckets.get(bucket)!;
    set.delete(device.devEui);
    if (set.size === 0) buckets.delete(bucket);
  }

  add(device: DeviceState, at = actsAtMs(device, this.ctx)): void {
    if (!this.ordinals.has(device.devEui)) this.ordinals.set(device.devEui, this.nextOrdinal++);
    count(this.wave(device.wave), device, this.stepMs, 1);
    if (at === Infinity) return;
    let buckets = this.due.get(device.wave);
    if (!buckets) this.due.set(device.wave, (buckets = new Map()));
    const bucket = this.bucket(at);
    let set = buckets.get(bucket);
    if (!set) buckets.set(bucket, (set = new Set()));
    set.add(device.devEui);
  }

  forget(devEui: string): void {
    this.ordinals.delete(devEui);
  }

  /** Where the device sits among the due buckets (Infinity: in none). */
  private dueKey(atMs: number): number {
    return atMs === Infinity ? Infinity : this.bucket(atMs);
  }

  private bucket(atMs: number): number {
    return atMs === -Infinity ? -Infinity : Math.ceil(atMs / this.stepMs);
  }

  private wave(wave: number): WaveCounts {
    let counts = this.counts.get(wave);
    if (!counts) this.counts.set(wave, (counts = emptyCounts()));
    return counts;
  }
}

/**
 * The engine's device map: a Map whose index follows every change (set, delete, clear), built
 * on first use for the campaign's context (on load, resume or creation: from the devices).
 */
export class DeviceTable extends Map<string, DeviceState> {
  private waveIndex: WaveIndex | undefined;

  constructor(devices: Iterable<DeviceState> = []) {
    super();
    for (const device of devices) super.set(device.devEui, device);
  }

  indexFor(ctx: CampaignContext): WaveIndex {
    if (this.waveIndex?.ctx !== ctx) this.waveIndex = new WaveIndex(ctx, this.values());
    return this.waveIndex;
  }

  override set(devEui: string, device: DeviceState): this {
    const before = super.get(devEui);
    super.set(devEui, device);
    this.waveIndex?.replace(before, device);
    return this;
  }

  override delete(devEui: string): boolean {
    const before = super.get(devEui);
    const deleted = super.delete(devEui);
    if (before && this.waveIndex) {
      this.waveIndex.remove(before);
      this.waveIndex.forget(devEui);
    }
    return deleted;
  }

  override clear(): void {
    super.clear();
    this.waveIndex = undefined;
  }
}

/** The index of any device map: the table's own, or one built for this transition. */
export function indexOf(devices: ReadonlyMap<string, DeviceState>, ctx: CampaignContext): WaveIndex {
  return devices instanceof DeviceTable ? devices.indexFor(ctx) : new WaveIndex(ctx, devices.values());
}
