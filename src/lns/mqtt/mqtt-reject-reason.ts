import { isFuotaError } from '../../core/errors.js';

// Why an MQTT event message of a network server was dropped, for the counter
// fuota_mqtt_messages_rejected_total{reason} and the rate-limited log line
// (mqtt-reject-log.ts). Not a second taxonomy: each reason is the decoders' FuotaError code
// (src/lns/chirpstack/payload-error.ts, tts-wire-json.ts, tts-topics.ts) with the server's
// prefix taken off, so one label counts the same fault whichever server sent it.

export type MqttRejectReason =
  | 'not-json'
  | 'not-protobuf'
  | 'too-deep'
  | 'field-missing'
  | 'field-invalid'
  | 'event-invalid'
  | 'topic-payload-mismatch'
  | 'unknown-topic'
  /** Any other error: a decoder fault of ours (a bug), still counted and rate-limited. */
  | 'other';

const REASON_OF_CODE: Readonly<Record<string, MqttRejectReason>> = {
  CHIRPSTACK_JSON_INVALID: 'not-json',
  CHIRPSTACK_PROTOBUF_INVALID: 'not-protobuf',
  CHIRPSTACK_JSON_TOO_DEEP: 'too-deep',
  TTS_JSON_TOO_DEEP: 'too-deep',
  CHIRPSTACK_FIELD_MISSING: 'field-missing',
  TTS_UPLINK_WITHOUT_DEV_EUI: 'field-missing',
  CHIRPSTACK_FIELD_INVALID: 'field-invalid',
  // TTS reports every wrong shape (not JSON, not an object, a wrong field) under one code.
  TTS_EVENT_INVALID: 'event-invalid',
  CHIRPSTACK_TOPIC_PAYLOAD_MISMATCH: 'topic-payload-mismatch',
  CHIRPSTACK_TOPIC_MISMATCH: 'unknown-topic',
  TTS_TOPIC_UNEXPECTED: 'unknown-topic',
};

export const MQTT_REJECT_REASONS: readonly MqttRejectReason[] = [...new Set(Object.values(REASON_OF_CODE)), 'other'];

export function rejectReasonOf(error: unknown): MqttRejectReason {
  return (isFuotaError(error) && REASON_OF_CODE[error.code]) || 'other';
}
