// The engine's clock is ours; a network server's uplink `time` is only a hint (issue #12). It is
// taken when it is plausible: not in the future and not older than the allowed skew. Otherwise
// the uplink is timed by our clock, so that a forged or broken time (9999-12-31, 1970) cannot
// move a campaign's deadlines; each replacement is counted by reason for the metrics.

export type UplinkTimeRejection = 'future' | 'stale' | 'invalid';

/** Ahead of our clock by at most this is ordinary clock difference: timed by our clock, not counted. */
export const UPLINK_FUTURE_TOLERANCE_MS = 2_000;
export const DEFAULT_MAX_UPLINK_SKEW_MS = 5 * 60_000;

/** Uplink times taken and replaced, by reason (read by metrics). */
export class UplinkTimeCounters {
  taken = 0;
  readonly replaced: Record<UplinkTimeRejection, number> = { future: 0, stale: 0, invalid: 0 };
}

/** The time the engine uses for an uplink the network server says arrived at `eventMs`. */
export function uplinkTime(eventMs: number, nowMs: number, maxSkewMs: number): { atMs: number; rejected?: UplinkTimeRejection } {
  if (!Number.isFinite(eventMs)) return { atMs: nowMs, rejected: 'invalid' };
  if (eventMs > nowMs + UPLINK_FUTURE_TOLERANCE_MS) return { atMs: nowMs, rejected: 'future' };
  if (eventMs > nowMs) return { atMs: nowMs };
  if (nowMs - eventMs > maxSkewMs) return { atMs: nowMs, rejected: 'stale' };
  return { atMs: eventMs };
}
