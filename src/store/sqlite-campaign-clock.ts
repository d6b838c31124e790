import type { CampaignState } from '../campaign/state.js';
import { sameJson } from '../core/same-json.js';

// Why a SQLite commit does not rewrite the campaign's state row every time (issue #17).
//
// Most transitions are a device's periodic application uplink: it bumps the device's counters,
// and of the campaign only `updatedAtMs` (the clock of the last transition). Rewriting the ~1.7 KB
// campaign_states row for that dirties one more page in the WAL per commit: measured ~10 µs of
// CPU a commit (a commit that writes one device row costs ~13 µs, with the state row ~23 µs).
//
// So the row is rewritten only when the state changed beyond its clock (or when the commit
// writes no device row, or the campaign has ended). The clock still reaches the disk in the same
// transaction: every commit takes the campaign's next `commit_seq`, and each device row it
// writes carries that seq and the campaign's updatedAtMs (devices.commit_seq,
// devices.campaign_updated_at_ms). Reading back, the row with the highest seq, the state row or
// a device row, holds the campaign's updatedAtMs: load() and list() give exactly what the last
// committed transition left, as before.
//
// What this connection last wrote of each campaign is kept in memory only once its transaction
// committed (a rolled-back one leaves it as it was). One writer per campaign is assumed, as the
// rest of the store does (the engine owns its campaigns); another connection only reads.

/** Phases after which a campaign's state row is always written (list() reads their clock from the row alone). */
export const ENDED_PHASES: ReadonlySet<CampaignState['phase']> = new Set(['completed', 'halted', 'cancelled']);

/**
 * Whether `next` would be stored as the same JSON as `written` (the state row as last written,
 * parsed back), its clock (updatedAtMs) aside. A walk over both, no JSON built (core/same-json.ts):
 * stringifying the state to compare cost more than the page it saves half the time.
 */
export function sameBeyondClock(written: CampaignState, next: CampaignState): boolean {
  return sameJson(written, next, 'updatedAtMs');
}

/** Of one campaign: the last commit_seq used, and its state row as last written, parsed back (undefined: unknown, write it). */
export interface WrittenClock {
  seq: number;
  written?: CampaignState;
}

/** Per campaign, what committed transactions of this connection wrote; staged changes apply only after the commit. */
export class CampaignClocks {
  private readonly committed = new Map<string, WrittenClock>();
  private readonly staged = new Map<string, WrittenClock>();

  /** The clock as the transaction running now sees it; undefined: not known here yet (read the store). */
  current(id: string): WrittenClock | undefined {
    return this.staged.get(id) ?? this.committed.get(id);
  }

  /** Within a transaction: what it wrote (kept only if it commits). */
  stage(id: string, clock: WrittenClock): void {
    this.staged.set(id, clock);
  }

  /** Runs a transaction: what it staged is kept when it returns, dropped when it throws. */
  around<T>(transaction: () => T): T {
    this.staged.clear();
    try {
      const out = transaction();
      for (const [id, clock] of this.staged) this.committed.set(id, clock);
      return out;
    } finally {
      this.staged.clear();
    }
  }
}
