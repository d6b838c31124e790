import { isFuotaError, ValueError, type FuotaError } from '../../core/errors.js';

// FuotaError → HTTP status and the JSON error body. The caller's faults are 4xx by code; ours
// and the network server's are 5xx with the message (which names what failed) but no stack.

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

const STATUS_BY_CODE: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  // Admission (src/admission/package-path.ts): outside campaigns.directory, or a protected file.
  PACKAGE_PATH_REFUSED: 403,
  CAMPAIGN_NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  NOT_FOUND: 404,
  CAMPAIGN_EXISTS: 409,
  DEVICE_BUSY: 409,
  CAMPAIGN_NOT_RUNNING: 409,
  CAMPAIGN_NOT_PAUSED: 409,
  CAMPAIGN_FINISHED: 409,
  CAMPAIGN_OWNED_ELSEWHERE: 409,
  CAMPAIGN_NOT_FINISHED: 409,
  NOTHING_TO_RETRY: 409,
  BODY_TOO_LARGE: 413,
};

/** The spec path in parseCampaignSpec's messages ("campaign spec multicast.dr: ..."). */
function fieldOf(error: FuotaError): string | undefined {
  if (error instanceof ValueError) return error.field;
  const spec = /^campaign spec ([\w.]+):/.exec(error.message);
  if (spec && spec[1] !== '(root)') return `spec.${spec[1]}`;
  if (error.code.startsWith('PACKAGE_PATH')) return 'packagePath';
  const field = (error as { field?: unknown }).field;
  return typeof field === 'string' ? field : undefined;
}

export function statusOf(error: FuotaError): number {
  const byCode = STATUS_BY_CODE[error.code];
  if (byCode !== undefined) return byCode;
  if (error.code.endsWith('_NOT_FOUND')) return 404;
  if (error.code.endsWith('_OUTSIDE_DIRECTORY') || error.code.endsWith('_FORBIDDEN')) return 403;
  if (error.fault === 'caller') return 400;
  return error.fault === 'peer' ? 502 : 500;
}

export function errorReply(error: unknown): { status: number; body: ErrorBody } {
  if (isFuotaError(error)) {
    const field = fieldOf(error);
    return { status: statusOf(error), body: { error: { code: error.code, message: error.message, ...(field ? { field } : {}) } } };
  }
  // Fastify's own errors (body too large, bad JSON, wrong content type) carry statusCode and code.
  const fastifyError = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const code = fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'BODY_TOO_LARGE' : 'INVALID_REQUEST';
    return { status: fastifyError.statusCode, body: { error: { code, message: `body: ${String(fastifyError.message)}` } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error (see the service log)' } } };
}
