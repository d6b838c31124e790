import { isPlainObject, type TtsJsonFields } from './tts-wire-json.js';

// TTS errors on the wire (lorawan-stack api/error.proto ErrorDetails): namespace (the Go package,
// e.g. pkg/networkserver), name (e.g. no_downlink_path), message_format with `{attribute}`
// placeholders, attributes, correlation_id, cause (another ErrorDetails), code (the gRPC status
// code) and details (google.protobuf.Any: `{"@type": "…", …fields}`). They appear in
// `downlink_failed.error` of events and in the `details` of HTTP (gRPC-gateway) error bodies.

export interface TtsErrorDetails {
  namespace: string;
  name: string;
  /** message_format with the attributes filled in (TTS carries no rendered message). */
  message: string;
  /** gRPC status code (5 not found, 8 resource exhausted, …). */
  code?: number;
  correlationId?: string;
  cause?: TtsErrorDetails;
}

const MAX_CAUSE_DEPTH = 8;

export function readErrorDetails(fields: TtsJsonFields, depth = 0): TtsErrorDetails {
  const namespace = fields.string('namespace') ?? '';
  const name = fields.string('name') ?? '';
  const format = fields.string('message_format');
  const attributes = fields.object('attributes')?.value ?? {};
  const code = fields.uint('code', 0xffffffff);
  const correlationId = fields.string('correlation_id');
  const causeFields = depth < MAX_CAUSE_DEPTH ? fields.object('cause') : undefined;
  return {
    namespace,
    name,
    message: format !== undefined ? renderMessageFormat(format, attributes) : `error:${namespace}:${name}`,
    ...(code !== undefined && code !== 0 ? { code } : {}),
    ...(correlationId !== undefined ? { correlationId } : {}),
    ...(causeFields !== undefined ? { cause: readErrorDetails(causeFields, depth + 1) } : {}),
  };
}

/** `utilization {used}%` + {used: 9.5} → `utilization 9.5%`; unknown placeholders stay. */
export function renderMessageFormat(format: string, attributes: Readonly<Record<string, unknown>>): string {
  return format.replace(/\{([a-z_][a-z0-9_]*)\}/gi, (whole, key: string) => {
    const value = attributes[key];
    if (value === undefined) return whole;
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

const MAX_WALK_DEPTH = 24;

/**
 * True when an error tree names the Gateway Server's duty-cycle refusal anywhere: an error or
 * cause named `duty_cycle` (pkg/gatewayserver/scheduling, sub_band.go `errDutyCycle`), or any
 * string (a message_format, an attribute, a rendered `error:…:duty_cycle`) that says so. We walk
 * every nested object and array — `cause`, `details[]` (e.g. ScheduleDownlinkErrorDetails
 * `path_errors[]`), `attributes` — because where it sits depends on the TTS version and on
 * which component wrapped it.
 */
export function mentionsDutyCycle(value: unknown, depth = 0): boolean {
  if (depth > MAX_WALK_DEPTH) return false;
  if (typeof value === 'string') return /duty[_ -]?cycle/i.test(value);
  if (Array.isArray(value)) return value.some((item) => mentionsDutyCycle(item, depth + 1));
  if (isPlainObject(value)) return Object.values(value).some((item) => mentionsDutyCycle(item, depth + 1));
  return false;
}
