import type { Random } from './random.js';

// Downlink loss as a device sees it. Independent losses (iid) understate what happens in the
// field, where interference and fading come in bursts: the Gilbert–Elliott model alternates a
// good and a bad state with their own loss rates.

export type LossModelSpec =
  | { kind: 'iid'; lossRate: number }
  /** Mean loss ≈ lossRate; bursts of mean length `meanBurstLength` frames in the bad state. */
  | { kind: 'bursty'; lossRate: number; meanBurstLength: number };

export interface LossModel {
  /** True when the next frame is lost. */
  lost(): boolean;
}

/**
 * Independent losses: a class, not a closure, because every simulated device has one (a closure,
 * its context and the object holding it were ~160 bytes a device, issue #17).
 */
class IidLoss implements LossModel {
  constructor(
    private readonly random: Random,
    /** The spec, shared by the fleet: a rate kept per device is a boxed double per device. */
    private readonly spec: LossModelSpec,
  ) {}

  lost(): boolean {
    return this.random.next() < this.spec.lossRate;
  }
}

export function createLossModel(spec: LossModelSpec, random: Random): LossModel {
  if (spec.kind === 'iid' || spec.lossRate <= 0) return new IidLoss(random, spec);
  // Bad state loses every frame; good state loses none. P(bad→good) = 1/burst; stationary
  // P(bad) = lossRate gives P(good→bad) = lossRate / (burst · (1 − lossRate)).
  const leaveBad = 1 / Math.max(1, spec.meanBurstLength);
  const enterBad = Math.min(1, (spec.lossRate * leaveBad) / Math.max(1e-9, 1 - spec.lossRate));
  let bad = random.next() < spec.lossRate;
  return {
    lost: () => {
      bad = bad ? random.next() >= leaveBad : random.next() < enterBad;
      return bad;
    },
  };
}
