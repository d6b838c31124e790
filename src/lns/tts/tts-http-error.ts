import { CallerError, PeerError, type FuotaError } from '../../core/errors.js';
import { readErrorDetails, type TtsErrorDetails } from './tts-wire-error-details.js';
import { describe, isPlainObject, TtsJsonFields } from './tts-wire-json.js';

// Errors of The Things Stack's HTTP API. Its gRPC gateway answers a failed call with the HTTP
// status of the gRPC code and a body
//   {"code":5,"message":"error:pkg/identityserver/store:end_device_not_found (end device `app1.dev1` not found)",
//    "details":[{"@type":"type.googleapis.com/ttn.lorawan.v3.ErrorDetails","namespace":"pkg/identityserver/store",
//                "name":"end_device_not_found","message_format":"…","attributes":{…},"correlation_id":"…","code":5}]}
// (lorawan-stack api/error.proto; pkg/errors/grpc). Who must act decides the class: a wrong
// request, key or permission is the caller's (CallerError); a server error, an overload or no
// answer at all is the peer's (PeerError), to be tried again.

/** Facts every TTS API error carries. */
export interface TtsApiErrorFields {
  /** HTTP status; undefined when no answer came (network error, timeout). */
  readonly httpStatus: number | undefined;
  /** gRPC status code from the body (5 not found, 6 already exists, 7 permission denied, …). */
  readonly grpcCode: number | undefined;
  readonly ttsNamespace: string | undefined;
  /** e.g. `no_downlink_path`, `end_device_not_found`, `downlink_expired`. */
  readonly ttsName: string | undefined;
  readonly correlationId: string | undefined;
  /** `GET /api/v3/…` of the failed call, without query. */
  readonly request: string;
}

interface Init extends TtsApiErrorFields {
  code: string;
  message: string;
  cause?: unknown;
}

export class TtsApiCallerError extends CallerError implements TtsApiErrorFields {
  readonly httpStatus: number | undefined;
  readonly grpcCode: number | undefined;
  readonly ttsNamespace: string | undefined;
  readonly ttsName: string | undefined;
  readonly correlationId: string | undefined;
  readonly request: string;
  constructor(init: Init) {
    super(init.code, init.message, init.cause === undefined ? undefined : { cause: init.cause });
    ({ httpStatus: this.httpStatus, grpcCode: this.grpcCode, ttsNamespace: this.ttsNamespace, ttsName: this.ttsName, correlationId: this.correlationId, request: this.request } = init);
  }
}

export class TtsApiPeerError extends PeerError implements TtsApiErrorFields {
  readonly httpStatus: number | undefined;
  readonly grpcCode: number | undefined;
  readonly ttsNamespace: string | undefined;
  readonly ttsName: string | undefined;
  readonly correlationId: string | undefined;
  readonly request: string;
  constructor(init: Init) {
    super(init.code, init.message, init.cause === undefined ? undefined : { cause: init.cause });
    ({ httpStatus: this.httpStatus, grpcCode: this.grpcCode, ttsNamespace: this.ttsNamespace, ttsName: this.ttsName, correlationId: this.correlationId, request: this.request } = init);
  }
}

/** A failed TTS API call: a CallerError or a PeerError by fault; `instanceof TtsApiError` matches both. */
export type TtsApiError = TtsApiCallerError | TtsApiPeerError;
export const TtsApiError = {
  [Symbol.hasInstance](value: unknown): value is TtsApiError {
    return value instanceof TtsApiCallerError || value instanceof TtsApiPeerError;
  },
};

export function isTtsApiError(value: unknown): value is TtsApiError {
  return value instanceof TtsApiCallerError || value instanceof TtsApiPeerError;
}

/** gRPC NotFound (HTTP 404): the entity (device, application, queue) does not exist. */
export function isTtsNotFound(value: unknown): value is TtsApiError {
  return isTtsApiError(value) && value.code === 'TTS_NOT_FOUND';
}

/** gRPC AlreadyExists (HTTP 409). */
export function isTtsAlreadyExists(value: unknown): value is TtsApiError {
  return isTtsApiError(value) && value.code === 'TTS_ALREADY_EXISTS';
}

const GRPC_CODE_OF_STATUS: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 412: 9, 429: 8, 499: 1, 500: 13, 501: 12, 503: 14, 504: 4 };

/**
 * Our code for an error: the gRPC classes callers act on get one code whatever TTS calls them
 * (TTS_NOT_FOUND for `end_device_not_found`, `application_not_found`…; TTS_ALREADY_EXISTS;
 * TTS_UNAUTHENTICATED; TTS_PERMISSION_DENIED), every other named error `TTS_<NAME>` (a NotFound
 * like `no_downlink_path` keeps its name: it is no missing entity).
 */
function codeOf(grpcCode: number | undefined, name: string | undefined, httpStatus: number): string {
  if (grpcCode === 16) return 'TTS_UNAUTHENTICATED';
  if (grpcCode === 7) return 'TTS_PERMISSION_DENIED';
  if (grpcCode === 6) return 'TTS_ALREADY_EXISTS';
  if (grpcCode === 5 && (name === undefined || name === 'not_found' || name.endsWith('_not_found'))) return 'TTS_NOT_FOUND';
  if (name !== undefined && /^[a-z0-9_]+$/.test(name)) return `TTS_${name.toUpperCase()}`;
  return `TTS_HTTP_${httpStatus}`;
}

/** `error:pkg/…:name (…)` → namespace and name, for bodies without details. */
function parseErrorMessage(message: string | undefined): { namespace?: string; name?: string } {
  const m = message === undefined ? null : /^error:([^:\s]+):([a-z0-9_]+)/.exec(message);
  return m === null ? {} : { namespace: m[1]!, name: m[2]! };
}

/** The error for a non-2xx answer, from its status and (possibly non-JSON) body text. */
export function ttsHttpError(request: string, httpStatus: number, bodyText: string): TtsApiError {
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(bodyText);
    if (isPlainObject(parsed)) body = parsed;
  } catch {
    body = undefined;
  }
  // Tolerant on purpose: an error body is read for its facts, a malformed part is left out.
  let details: TtsErrorDetails | undefined;
  const first = Array.isArray(body?.['details']) ? (body['details'] as unknown[]).find(isPlainObject) : undefined;
  if (first !== undefined) {
    try {
      details = readErrorDetails(new TtsJsonFields(first, 'TTS error details', 'TTS_RESPONSE_INVALID'));
    } catch {
      details = undefined;
    }
  }
  const message = typeof body?.['message'] === 'string' ? body['message'] : undefined;
  const fromMessage = parseErrorMessage(message);
  const bodyCode = typeof body?.['code'] === 'number' ? body['code'] : undefined;
  const grpcCode = bodyCode ?? details?.code ?? GRPC_CODE_OF_STATUS[httpStatus];
  const ttsName = details?.name || fromMessage.name;
  const ttsNamespace = details?.namespace || fromMessage.namespace;
  const code = codeOf(grpcCode, ttsName, httpStatus);
  const said = message ?? (details !== undefined ? `error:${details.namespace}:${details.name} (${details.message})` : bodyText.trim() === '' ? 'an empty body' : describe(bodyText.trim()));
  const init: Init = {
    code,
    message: `The Things Stack ${request}: HTTP ${httpStatus}: ${said}`,
    httpStatus,
    grpcCode,
    ttsNamespace,
    ttsName,
    correlationId: details?.correlationId,
    request,
  };
  // 429 (rate limit) and 5xx pass; other 4xx need the request, the key or its rights changed.
  return httpStatus >= 500 || httpStatus === 429 ? new TtsApiPeerError(init) : new TtsApiCallerError(init);
}

/** No answer: connection refused, DNS, TLS, or the timeout. */
export function ttsUnreachableError(request: string, cause: unknown, timeoutMs: number): TtsApiError {
  const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
  const why = timedOut ? `no answer within ${timeoutMs} ms` : cause instanceof Error ? (cause.cause instanceof Error ? `${cause.message}: ${cause.cause.message}` : cause.message) : String(cause);
  return new TtsApiPeerError({
    code: 'TTS_UNREACHABLE',
    message: `The Things Stack ${request}: ${why}`,
    httpStatus: undefined,
    grpcCode: undefined,
    ttsNamespace: undefined,
    ttsName: undefined,
    correlationId: undefined,
    request,
    cause,
  });
}

/** A 2xx answer whose body is not what the API promises. */
export function ttsResponseError(request: string, why: string): FuotaError {
  return new PeerError('TTS_RESPONSE_INVALID', `The Things Stack ${request}: ${why}`);
}
