import { SimTtsError } from './sim-tts-errors.js';
import type { TtsPriority } from './sim-tts-downlink.js';

// The Gateway Server's duty cycle per gateway (pkg/gatewayserver/scheduling/sub_band.go): each
// sub-band of the band keeps the emissions scheduled on it; an emission of duration d at t is
// refused with `duty_cycle` (ResourceExhausted) when, for either window of DutyCycleWindow = 1 h
// ending at t + d or at t + 1 h, (airtime already in the window + d) / 1 h exceeds the sub-band's
// duty cycle times the priority's ceiling (DefaultDutyCycleCeilings: LOWEST 0.4 … HIGHEST 1.0).
// A sub-band with duty cycle 1 is not limited. Schedule() is the fixed-time form (class A RX
// windows, absolute_time); ScheduleAnytime() (class B/C without a time) moves the emission later
// until it fits, refusing only an emission that alone exceeds the ceiling.

export const DUTY_CYCLE_WINDOW_MS = 3_600_000;

/** DefaultDutyCycleCeilings (sub_band.go). */
export const DUTY_CYCLE_CEILINGS: Readonly<Record<TtsPriority, number>> = {
  LOWEST: 0.4, LOW: 0.5, BELOW_NORMAL: 0.6, NORMAL: 0.7, ABOVE_NORMAL: 0.8, HIGH: 0.9, HIGHEST: 1.0,
};

export interface TtsSubBand {
  minFrequencyHz: number;
  maxFrequencyHz: number;
  dutyCycle: number;
}

/** pkg/band/eu_863_870.go SubBands (both ends inclusive; the first that comprises a frequency wins). */
export const EU868_SUB_BANDS: readonly TtsSubBand[] = [
  { minFrequencyHz: 863_000_000, maxFrequencyHz: 865_000_000, dutyCycle: 0.001 },
  { minFrequencyHz: 865_000_000, maxFrequencyHz: 868_000_000, dutyCycle: 0.01 },
  { minFrequencyHz: 868_000_000, maxFrequencyHz: 868_600_000, dutyCycle: 0.01 },
  { minFrequencyHz: 868_700_000, maxFrequencyHz: 869_200_000, dutyCycle: 0.001 },
  { minFrequencyHz: 869_400_000, maxFrequencyHz: 869_650_000, dutyCycle: 0.1 },
  { minFrequencyHz: 869_700_000, maxFrequencyHz: 870_000_000, dutyCycle: 0.01 },
];

interface Emission {
  startMs: number;
  durationMs: number;
}

function within(e: Emission, fromMs: number, toMs: number): number {
  return Math.max(0, Math.min(e.startMs + e.durationMs, toMs) - Math.max(e.startMs, fromMs));
}

/** The emissions of one sub-band of one gateway. */
class SubBandLedger {
  readonly emissions: Emission[] = [];

  constructor(readonly band: TtsSubBand) {}

  private sum(fromMs: number, toMs: number): number {
    return this.emissions.reduce((total, e) => total + within(e, fromMs, toMs), 0);
  }

  private refusal(usedShare: number, usable: number, priority: TtsPriority): SimTtsError {
    return new SimTtsError('dutyCycle', { used: (usedShare * 100).toFixed(1), usable: (usable * 100).toFixed(1), priority });
  }

  /** The share the emission would bring the fuller of its two windows to (sub_band.go Schedule). */
  private worstShare(em: Emission): number {
    let worst = 0;
    for (const toMs of [em.startMs + em.durationMs, em.startMs + DUTY_CYCLE_WINDOW_MS]) {
      worst = Math.max(worst, (this.sum(toMs - DUTY_CYCLE_WINDOW_MS, toMs) + em.durationMs) / DUTY_CYCLE_WINDOW_MS);
    }
    return worst;
  }

  check(em: Emission, priority: TtsPriority): SimTtsError | undefined {
    if (this.band.dutyCycle >= 1) return undefined;
    const usable = this.band.dutyCycle * DUTY_CYCLE_CEILINGS[priority];
    const used = this.worstShare(em);
    return used > usable ? this.refusal(used, usable, priority) : undefined;
  }

  /** sub_band.go ScheduleAnytime with no later option from the caller: the start after which the window has room. */
  earliestStart(earliestMs: number, durationMs: number, priority: TtsPriority): number | SimTtsError {
    if (this.band.dutyCycle >= 1) return earliestMs;
    const usable = this.band.dutyCycle * DUTY_CYCLE_CEILINGS[priority];
    let used = durationMs / DUTY_CYCLE_WINDOW_MS;
    if (used > usable) return this.refusal(used, usable, priority);
    const em = { startMs: earliestMs, durationMs };
    if (this.worstShare(em) <= usable) return earliestMs;
    const sorted = [...this.emissions].sort((a, b) => a.startMs - b.startMs);
    for (let i = sorted.length - 1; i >= 0; i--) {
      const other = sorted[i]!;
      used += other.durationMs / DUTY_CYCLE_WINDOW_MS;
      if (used > usable) return Math.max(earliestMs, other.startMs + other.durationMs + DUTY_CYCLE_WINDOW_MS - durationMs);
    }
    return earliestMs;
  }

  record(em: Emission, nowMs: number): void {
    this.emissions.push(em);
    // sub_band.go gc: emissions that ended before the window are forgotten.
    const from = nowMs - DUTY_CYCLE_WINDOW_MS;
    for (let i = this.emissions.length - 1; i >= 0; i--) if (this.emissions[i]!.startMs + this.emissions[i]!.durationMs < from) this.emissions.splice(i, 1);
  }

  utilization(nowMs: number): number {
    return this.sum(nowMs - DUTY_CYCLE_WINDOW_MS, nowMs) / DUTY_CYCLE_WINDOW_MS / this.band.dutyCycle;
  }
}

/** One gateway's duty cycle over the band's sub-bands; `enforce` false = gateway enforce_duty_cycle off. */
export class GatewayDutyCycle {
  private readonly ledgers: SubBandLedger[];

  constructor(
    readonly enforce: boolean,
    subBands: readonly TtsSubBand[] = EU868_SUB_BANDS,
  ) {
    this.ledgers = subBands.map((b) => new SubBandLedger(b));
  }

  private ledger(frequencyHz: number): SubBandLedger {
    const ledger = this.ledgers.find((l) => l.band.minFrequencyHz <= frequencyHz && frequencyHz <= l.band.maxFrequencyHz);
    if (!ledger) throw new SimTtsError('noSubBand', { frequency: frequencyHz });
    return ledger;
  }

  /** A refusal of a fixed-time emission, or undefined when it fits. */
  check(frequencyHz: number, startMs: number, durationMs: number, priority: TtsPriority): SimTtsError | undefined {
    const ledger = this.ledger(frequencyHz);
    return this.enforce ? ledger.check({ startMs, durationMs }, priority) : undefined;
  }

  /** The first start ≥ earliestMs with room (class B/C without a time), or the refusal. */
  earliestStart(frequencyHz: number, earliestMs: number, durationMs: number, priority: TtsPriority): number | SimTtsError {
    const ledger = this.ledger(frequencyHz);
    return this.enforce ? ledger.earliestStart(earliestMs, durationMs, priority) : earliestMs;
  }

  record(frequencyHz: number, startMs: number, durationMs: number, nowMs: number): void {
    this.ledger(frequencyHz).record({ startMs, durationMs }, nowMs);
  }

  /** Share of the sub-band's duty cycle used in the hour before nowMs (DutyCycleUtilization). */
  utilization(frequencyHz: number, nowMs: number): number {
    return this.ledger(frequencyHz).utilization(nowMs);
  }
}
