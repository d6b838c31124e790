import { formatRfc3339 } from '../../core/rfc3339.js';

// A bounded log of what the simulated TTS sent and received, for `fuota sim tts` and the demo to
// print: the first entries of each kind are kept for good (how a campaign started: the HTTP
// calls that created its multicast devices, the first pushes), the rest drop oldest first.

export type SimTtsTrafficKind = 'up' | 'down/push' | 'down/queued' | 'down/sent' | 'down/failed' | 'http';

export interface SimTtsTrafficEntry {
  /** RFC 3339 of the simulated time. */
  at: string;
  kind: SimTtsTrafficKind;
  text: string;
}

export const TRAFFIC_LIMIT = 500;
/** Entries of each kind kept from the start, whatever follows. */
export const FIRST_KEPT_PER_KIND = 5;

export class SimTtsTraffic {
  /** The first FIRST_KEPT_PER_KIND of each kind (in order), then the latest, TRAFFIC_LIMIT in all. */
  readonly entries: SimTtsTrafficEntry[] = [];
  private readonly firstCounts = new Map<SimTtsTrafficKind, number>();
  /** How many of `entries` (at its start) are kept for good. */
  private pinned = 0;

  constructor(private readonly now: () => number) {}

  add(kind: SimTtsTrafficKind, text: string): void {
    const entry = { at: formatRfc3339(this.now()), kind, text };
    const seen = this.firstCounts.get(kind) ?? 0;
    if (seen < FIRST_KEPT_PER_KIND) {
      this.firstCounts.set(kind, seen + 1);
      this.entries.splice(this.pinned++, 0, entry);
    } else {
      this.entries.push(entry);
    }
    if (this.entries.length > TRAFFIC_LIMIT) this.entries.splice(this.pinned, this.entries.length - TRAFFIC_LIMIT);
  }
}
