import { PeerError } from '../../core/errors.js';

// Errors for bytes that came from ChirpStack over MQTT (events) or from a client (commands, as
// seen by the simulated ChirpStack). They are PeerErrors: the peer must act, not our caller.

export type PayloadErrorCode =
  | 'CHIRPSTACK_JSON_INVALID'
  /** Nested deeper than MAX_EVENT_JSON_NESTING (json-nesting.ts): refused before parsing. */
  | 'CHIRPSTACK_JSON_TOO_DEEP'
  | 'CHIRPSTACK_PROTOBUF_INVALID'
  | 'CHIRPSTACK_FIELD_MISSING'
  | 'CHIRPSTACK_FIELD_INVALID'
  | 'CHIRPSTACK_TOPIC_MISMATCH'
  | 'CHIRPSTACK_TOPIC_PAYLOAD_MISMATCH';

/** A malformed ChirpStack payload: which message, which field, what was expected, what came. */
export class ChirpstackPayloadError extends PeerError {
  readonly context: string;
  readonly field: string;
  readonly expected: string;
  readonly actual: string;

  constructor(code: PayloadErrorCode, context: string, field: string, expected: string, actual: string) {
    super(code, `${context} ${field}: expected ${expected}, got ${actual}`);
    this.context = context;
    this.field = field;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A value shown in an error message: strings quoted, long values cut. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
