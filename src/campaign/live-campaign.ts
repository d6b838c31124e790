import type { FecEncoder } from '../fec/codec.js';
import type { FecScheme } from '../fec/scheme.js';
import type { LedgerSnapshot } from '../radio/duty-cycle-ledger.js';
import type { CampaignContext } from './context.js';
import type { CampaignSnapshot } from './draft.js';
import type { OutboxQueue } from './outbox-queue.js';
import type { CampaignState, DeviceState } from './state.js';

// What the engine holds in memory of a campaign it runs (engine.ts): the state as last committed
// (or, during a group commit, as the batch left it so far), and its outbox runner's bookkeeping
// (outbox-runner.ts).

export interface LiveCampaign {
  ctx: CampaignContext;
  campaign: CampaignState;
  devices: Map<string, DeviceState>;
  ledger?: LedgerSnapshot;
  encoders: Map<FecScheme, FecEncoder>;
  cancelWake?: () => void;
  outbox: OutboxQueue;
  /** The outbox flush running now, if any. */
  flushing?: Promise<void>;
  /** The outbox waits: its head failed (back-off) or this instance may not act (lease); cancels the timer. */
  held?: { reason: 'failure' | 'lease'; cancel: () => void };
  /** Failed attempts in a row of the outbox's head command (the back-off's exponent). */
  failures: number;
}

/** Phases after which a campaign takes no more uplinks or wakes. */
export const TERMINAL: ReadonlySet<CampaignState['phase']> = new Set(['completed', 'halted', 'cancelled']);

/** What the next transition of the campaign reads. */
export function snapshotOf(live: LiveCampaign): CampaignSnapshot {
  return live.ledger ? { campaign: live.campaign, devices: live.devices, ledger: live.ledger } : { campaign: live.campaign, devices: live.devices };
}
