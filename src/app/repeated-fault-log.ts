// Faults the service expects and survives (the store's disk full or its database away, the
// network server's API down) recur at the rate of the traffic they hit: with the disk full,
// every uplink's commit fails (issue #14's fault runs: 64 error lines with full stacks in 15 s
// for 4 devices). Such a fault is logged as one line without a stack the first time its code
// is seen, then at most once per interval with how many there were meanwhile. Anything else
// (a defect: no stable code, or a code not listed) keeps its stack, every time.
import type { Logger } from 'pino';
import { FuotaError } from '../core/errors.js';

/** Codes of faults outside the service that it retries by design (store, network server API). */
const EXPECTED_PREFIXES = ['STORE_', 'CHIRPSTACK_UNAVAILABLE', 'CHIRPSTACK_DEADLINE_EXCEEDED', 'TTS_UNREACHABLE', 'CAMPAIGN_LEASE_LOST'];

export const DEFAULT_REPEATED_FAULT_INTERVAL_MS = 60_000;

interface Seen {
  lastLoggedMs: number;
  suppressed: number;
}

export class RepeatedFaultLog {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = DEFAULT_REPEATED_FAULT_INTERVAL_MS,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Logs `error` at error level: with its stack when it is not an expected fault, else rate-limited by code and one line. */
  error(error: unknown, message: string, fields: Record<string, unknown> = {}): void {
    const code = expectedCode(error);
    if (code === undefined) {
      this.log.error({ err: error, ...fields }, message);
      return;
    }
    const now = this.nowMs();
    const seen = this.seen.get(code);
    if (seen && now - seen.lastLoggedMs < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    const repeated = seen?.suppressed ?? 0;
    this.seen.set(code, { lastLoggedMs: now, suppressed: 0 });
    const text = (error as FuotaError).message;
    const tail = repeated > 0 ? ` (and ${repeated} more since ${Math.round((now - seen!.lastLoggedMs) / 1000)} s ago)` : '';
    this.log.error({ code, error: text, repeatedSinceLastLine: repeated, ...fields }, `${message}: ${code}: ${text}${tail}`);
  }
}

function expectedCode(error: unknown): string | undefined {
  if (!(error instanceof FuotaError)) return undefined;
  return EXPECTED_PREFIXES.some((prefix) => error.code.startsWith(prefix)) ? error.code : undefined;
}
