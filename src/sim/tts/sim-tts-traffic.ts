import { formatRfc3339 } from '../../core/rfc3339.js';

// A bounded log of what the simulated TTS sent and received, for `fuota sim tts` and the demo to
// print (oldest entries dropped first).

export type SimTtsTrafficKind = 'up' | 'down/push' | 'down/queued' | 'down/sent' | 'down/failed' | 'http';

export interface SimTtsTrafficEntry {
  /** RFC 3339 of the simulated time. */
  at: string;
  kind: SimTtsTrafficKind;
  text: string;
}

export const TRAFFIC_LIMIT = 500;

export class SimTtsTraffic {
  readonly entries: SimTtsTrafficEntry[] = [];

  constructor(private readonly now: () => number) {}

  add(kind: SimTtsTrafficKind, text: string): void {
    this.entries.push({ at: formatRfc3339(this.now()), kind, text });
    if (this.entries.length > TRAFFIC_LIMIT) this.entries.splice(0, this.entries.length - TRAFFIC_LIMIT);
  }
}
