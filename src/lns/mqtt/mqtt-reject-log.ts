import type { Clock } from '../../campaign/ports.js';
import { isFuotaError } from '../../core/errors.js';
import { rejectReasonOf, type MqttRejectReason } from './mqtt-reject-reason.js';

// Counts the MQTT event messages a network-server adapter drops, by reason, and says so in at
// most one summary per reason and interval (issue #14: anyone who may publish on the event
// topics used to get one error line with a full stack per message into our logs). The first
// reject of a reason is summarised at once; later ones in the interval are only counted, and
// summarised once the interval has passed: at the next reject, or by a timer (the clock's timers
// keep no process alive: wallClock unrefs them), or by flush() when the adapter closes. Each
// summary carries one sample: the topic, the error's one-line message, the payload's first bytes.

/** Default time between two summaries of one reason. */
export const DEFAULT_REJECT_LOG_INTERVAL_MS = 60_000;
/** Bytes of the sample payload shown (as hex). */
const SAMPLE_PAYLOAD_BYTES = 32;
const SAMPLE_MESSAGE_CHARS = 300;

export interface MqttRejectSample {
  topic: string;
  /** The error's code, when it is a FuotaError. */
  code?: string;
  /** One line, no stack. */
  error: string;
  /** The first SAMPLE_PAYLOAD_BYTES bytes, hex. */
  payloadHex: string;
  payloadBytes: number;
}

export interface MqttRejectSummary {
  reason: MqttRejectReason;
  /** Rejected since the previous summary of this reason (this sample's message included). */
  count: number;
  /** Rejected since start. */
  total: number;
  /** How long the summary covers, ms (0 for the first of a reason). */
  sinceMs: number;
  sample: MqttRejectSample;
}

export interface MqttRejectLogOptions {
  clock: Clock;
  /** Default 60 s. */
  intervalMs?: number;
  /** One summary line; called at most once per reason and interval (plus once at flush). */
  onSummary?: (summary: MqttRejectSummary) => void;
}

interface ReasonState {
  total: number;
  /** Counted since the last summary, not yet said. */
  pending: number;
  sample?: MqttRejectSample;
  lastLineMs: number;
  cancelTimer?: () => void;
}

export class MqttRejectLog {
  private readonly intervalMs: number;
  private readonly reasons = new Map<MqttRejectReason, ReasonState>();

  constructor(private readonly options: MqttRejectLogOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_REJECT_LOG_INTERVAL_MS;
  }

  /** Counts one dropped message; says so now if this reason was not summarised within the interval. */
  reject(topic: string, payload: Uint8Array | string, error: unknown): MqttRejectReason {
    const reason = rejectReasonOf(error);
    const nowMs = this.options.clock.now();
    let state = this.reasons.get(reason);
    const first = state === undefined;
    state ??= { total: 0, pending: 0, lastLineMs: nowMs };
    this.reasons.set(reason, state);
    state.total++;
    state.pending++;
    state.sample ??= sampleOf(topic, payload, error);
    if (first || nowMs - state.lastLineMs >= this.intervalMs) this.summarise(reason, state, nowMs);
    else state.cancelTimer ??= this.options.clock.at(state.lastLineMs + this.intervalMs, () => {
      state.cancelTimer = undefined;
      this.summarise(reason, state, this.options.clock.now());
    });
    return reason;
  }

  /** Rejected messages since start, by reason. */
  counts(): Array<{ reason: MqttRejectReason; count: number }> {
    return [...this.reasons].map(([reason, state]) => ({ reason, count: state.total }));
  }

  /** Says what is still pending and stops the timers (the adapter closes). */
  flush(): void {
    const nowMs = this.options.clock.now();
    for (const [reason, state] of this.reasons) this.summarise(reason, state, nowMs);
  }

  private summarise(reason: MqttRejectReason, state: ReasonState, nowMs: number): void {
    state.cancelTimer?.();
    state.cancelTimer = undefined;
    if (state.pending === 0 || state.sample === undefined) return;
    const summary: MqttRejectSummary = { reason, count: state.pending, total: state.total, sinceMs: state.total === state.pending ? 0 : nowMs - state.lastLineMs, sample: state.sample };
    state.pending = 0;
    state.sample = undefined;
    state.lastLineMs = nowMs;
    this.options.onSummary?.(summary);
  }
}

function sampleOf(topic: string, payload: Uint8Array | string, error: unknown): MqttRejectSample {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
  return {
    topic: topic.length > 200 ? `${topic.slice(0, 197)}...` : topic,
    ...(isFuotaError(error) ? { code: error.code } : {}),
    error: message.length > SAMPLE_MESSAGE_CHARS ? `${message.slice(0, SAMPLE_MESSAGE_CHARS - 3)}...` : message,
    payloadHex: bytes.subarray(0, SAMPLE_PAYLOAD_BYTES).toString('hex'),
    payloadBytes: bytes.length,
  };
}
