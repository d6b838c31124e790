import { sameJson } from '../core/same-json.js';
import { InternalError } from '../core/errors.js';
import type { LedgerSnapshot } from '../radio/duty-cycle-ledger.js';
import type { CampaignCommand } from './commands.js';
import type { DeviceLogSummary } from './device-log-summary.js';
import type { CampaignState, DeviceState } from './state.js';
import { copyCampaign, copyDevice } from './state-copy.js';
import type { CampaignContext } from './context.js';
import { actsAtMs, count, indexOf, type WaveCounts, type WaveIndex } from './wave-index.js';

/** One line of a device's history: every command sent and answer received, and why things changed. */
export interface DeviceLogEntry {
  devEui: string;
  atMs: number;
  direction: 'down' | 'up' | 'note';
  fPort?: number;
  payloadHex?: string;
  text: string;
  /** Only on the entry a store puts first when its retention dropped older entries (a `note` whose text says the same). */
  summary?: DeviceLogSummary;
}

/** What a transition returns: the new campaign state, the devices it changed, what to do. */
export interface TransitionResult {
  campaign: CampaignState;
  /** The duty-cycle ledger, only when this transition scheduled airtime. */
  ledger?: LedgerSnapshot;
  devices: DeviceState[];
  commands: CampaignCommand[];
  log: DeviceLogEntry[];
  /**
   * Set when the event was an uplink that changed its device (the only one in `devices`) as
   * heard-uplink.ts hearUplink does and in no other way, proven by heardOnly: a store may record
   * the uplink's time instead of the device (store/sqlite-device-journal.ts).
   */
  heard?: { devEui: string; atMs: number };
}

/** The state a transition reads: never modified. */
export interface CampaignSnapshot {
  campaign: CampaignState;
  ledger?: LedgerSnapshot;
  devices: ReadonlyMap<string, DeviceState>;
}

/**
 * Wave membership changes only when a follow-up wave is inserted (follow-up-wave.ts), which also
 * raises the wave count: computed once per device map and wave count.
 */
const membership = new WeakMap<ReadonlyMap<string, DeviceState>, { size: number; waveCount: number; waves: string[][] }>();

function groupByWave(devices: Iterable<DeviceState>): string[][] {
  const waves: string[][] = [];
  for (const device of devices) (waves[device.wave] ??= []).push(device.devEui);
  return waves;
}

function waveMembers(devices: ReadonlyMap<string, DeviceState>, waveCount: number): string[][] {
  let cached = membership.get(devices);
  if (!cached || cached.size !== devices.size || cached.waveCount !== waveCount) {
    cached = { size: devices.size, waveCount, waves: groupByWave(devices.values()) };
    membership.set(devices, cached);
  }
  return cached.waves;
}

/**
 * Copy-on-write working set of one transition: devices are copied the first time they are
 * touched, so a transition over one answer costs O(1) whatever the fleet size, and the input
 * snapshot is never modified (the state machine stays pure).
 */
export class Draft {
  readonly campaign: CampaignState;
  readonly commands: CampaignCommand[] = [];
  readonly log: DeviceLogEntry[] = [];
  private readonly touched = new Map<string, DeviceState>();
  /** Membership after this transition moved devices between waves (regroup). */
  private members?: string[][];
  /** Set by whoever schedules airtime; kept out of CampaignState so answers do not copy it. */
  ledger?: LedgerSnapshot;
  private index?: WaveIndex;

  /**
   * `campaignCopy` 'top-level': only the campaign's own fields are copied, its parts (wave,
   * airtime, results...) stay the snapshot's, for a transition known to write none of them
   * (transition.ts heardUplinkOnly: the clock, the wake and the schedule wait, each replaced whole).
   */
  constructor(
    private readonly snapshot: CampaignSnapshot,
    readonly nowMs: number,
    campaignCopy: 'deep' | 'top-level' = 'deep',
  ) {
    this.campaign = campaignCopy === 'deep' ? copyCampaign(snapshot.campaign) : { ...snapshot.campaign };
    this.campaign.updatedAtMs = nowMs;
  }

  has(devEui: string): boolean {
    return this.snapshot.devices.has(devEui);
  }

  /** Read-only view (the latest, touched or not). */
  peek(devEui: string): DeviceState | undefined {
    return this.touched.get(devEui) ?? this.snapshot.devices.get(devEui);
  }

  /** A device to change: copied on first touch. */
  device(devEui: string): DeviceState {
    let device = this.touched.get(devEui);
    if (!device) {
      const original = this.snapshot.devices.get(devEui);
      if (!original) throw new InternalError('DEVICE_NOT_IN_CAMPAIGN', `device ${devEui} is not in the campaign`);
      device = copyDevice(original);
      this.touched.set(devEui, device);
    }
    return device;
  }

  /** A copy of a device of the snapshot that the caller made (and may change) in place of `device`'s. */
  adopt(copy: DeviceState): void {
    if (!this.snapshot.devices.has(copy.devEui)) throw new InternalError('DEVICE_NOT_IN_CAMPAIGN', `device ${copy.devEui} is not in the campaign`);
    this.touched.set(copy.devEui, copy);
  }

  /** Every device of the campaign, latest version, read-only. */
  all(): DeviceState[] {
    const out: DeviceState[] = [];
    for (const [devEui, original] of this.snapshot.devices) out.push(this.touched.get(devEui) ?? original);
    return out;
  }

  /** The devices of a wave, latest version, read-only (membership is fixed at creation). */
  inWave(wave: number): DeviceState[] {
    const members = (this.members ?? waveMembers(this.snapshot.devices, this.snapshot.campaign.waveCount))[wave] ?? [];
    const out: DeviceState[] = new Array(members.length);
    for (let i = 0; i < members.length; i++) {
      const devEui = members[i]!;
      out[i] = this.touched.get(devEui) ?? this.snapshot.devices.get(devEui)!;
    }
    return out;
  }

  /**
   * The counts of a wave as they stand in this transition: the index's (wave-index.ts), with the
   * devices touched so far counted as they are now. Costs the devices touched, not the wave.
   */
  counts(wave: number, ctx: CampaignContext): WaveCounts {
    const index = this.indexFor(ctx);
    const base = index.countsOf(wave);
    if (this.touched.size === 0) return base;
    const counts: WaveCounts = {
      ...base,
      phases: new Map(base.phases),
      receivingByFrag: new Map(base.receivingByFrag),
      retryBuckets: new Map(base.retryBuckets),
      rebootBuckets: new Map(base.rebootBuckets),
    };
    for (const [devEui, now] of this.touched) {
      const before = this.snapshot.devices.get(devEui)!;
      if (before.wave === wave) count(counts, before, index.stepMs, -1);
      if (now.wave === wave) count(counts, now, index.stepMs, 1);
    }
    return counts;
  }

  /**
   * The devices of a wave that a tick's advanceDevice would act on now (actsAtMs ≤ now), in the
   * order a pass over the wave meets them: what is due, not the wave.
   */
  due(wave: number, ctx: CampaignContext): string[] {
    const index = this.indexFor(ctx);
    const candidates = new Set(index.dueCandidates(wave, this.nowMs));
    for (const devEui of this.touched.keys()) candidates.add(devEui);
    const out: string[] = [];
    for (const devEui of candidates) {
      const view = this.peek(devEui)!;
      if (view.wave === wave && actsAtMs(view, ctx) <= this.nowMs) out.push(devEui);
    }
    return out.sort((a, b) => index.ordinal(a) - index.ordinal(b));
  }

  /** The step of the progress-check grid (wave-index.ts progressCheckMs). */
  stepMs(ctx: CampaignContext): number {
    return this.indexFor(ctx).stepMs;
  }

  private indexFor(ctx: CampaignContext): WaveIndex {
    return (this.index ??= indexOf(this.snapshot.devices, ctx));
  }

  /** After devices changed waves: inWave reads the new membership from here on. */
  regroup(): void {
    this.members = groupByWave(this.all());
  }

  note(devEui: string, text: string): void {
    this.log.push({ devEui, atMs: this.nowMs, direction: 'note', text });
  }

  emit(command: CampaignCommand): void {
    this.commands.push(command);
  }

  nextId(): string {
    this.campaign.downlinkSeq += 1;
    return `${this.campaign.id}-${this.campaign.downlinkSeq}`;
  }

  /** The ledger as it stands (the snapshot's unless this transition changed it). */
  currentLedger(): LedgerSnapshot | undefined {
    return this.ledger ?? this.snapshot.ledger;
  }

  result(): TransitionResult {
    const result: TransitionResult = { campaign: this.campaign, devices: [...this.touched.values()], commands: this.commands, log: this.log };
    if (this.ledger) result.ledger = this.ledger;
    return result;
  }
}

/**
 * Whether `result` leaves the state it was computed from (`before`: its campaign) as it was: no
 * device, command, log line or ledger, and the campaign the same JSON but for its clock
 * (updatedAtMs) and its wake (nextWakeMs: any event pulls it to the next progress check,
 * transition.ts nextWakeMs, which a state that did not change does not need). Such a result
 * need not be committed: the engine may go on as if the event had not come.
 */
export function changesNothing(before: CampaignState, result: TransitionResult): boolean {
  if (result.devices.length > 0 || result.commands.length > 0 || result.log.length > 0 || result.ledger) return false;
  const { nextWakeMs: _before, ...was } = before;
  const { nextWakeMs: _after, ...is } = result.campaign;
  return sameJson(was, is, 'updatedAtMs');
}
