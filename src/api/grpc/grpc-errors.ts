import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { isFuotaError, type FuotaError } from '../../core/errors.js';

// FuotaError → gRPC status, as error-reply.ts maps it to HTTP: the caller's faults by code, ours
// and the network server's INTERNAL. The details are the one-line message; the stable code goes
// in the trailing metadata `fuota-error-code`. Anything that is not a FuotaError is INTERNAL
// without its message (it may hold anything; the service log has it).

export const ERROR_CODE_METADATA = 'fuota-error-code';

const STATUS_BY_CODE: Record<string, Status> = {
  UNAUTHENTICATED: Status.UNAUTHENTICATED,
  FORBIDDEN: Status.PERMISSION_DENIED,
  PACKAGE_PATH_OUTSIDE: Status.PERMISSION_DENIED,
  PATH_OUTSIDE_DIRECTORY: Status.PERMISSION_DENIED,
  CAMPAIGN_EXISTS: Status.ALREADY_EXISTS,
  DEVICE_BUSY: Status.FAILED_PRECONDITION,
  CAMPAIGN_NOT_RUNNING: Status.FAILED_PRECONDITION,
  CAMPAIGN_NOT_PAUSED: Status.FAILED_PRECONDITION,
  CAMPAIGN_FINISHED: Status.FAILED_PRECONDITION,
  CAMPAIGN_OWNED_ELSEWHERE: Status.FAILED_PRECONDITION,
  CAMPAIGN_NOT_FINISHED: Status.FAILED_PRECONDITION,
  NOTHING_TO_RETRY: Status.FAILED_PRECONDITION,
  BODY_TOO_LARGE: Status.RESOURCE_EXHAUSTED,
};

export function grpcStatusOf(error: FuotaError): Status {
  const byCode = STATUS_BY_CODE[error.code];
  if (byCode !== undefined) return byCode;
  if (error.code.endsWith('_NOT_FOUND')) return Status.NOT_FOUND;
  if (error.code.endsWith('_OUTSIDE_DIRECTORY') || error.code.endsWith('_FORBIDDEN')) return Status.PERMISSION_DENIED;
  return error.fault === 'caller' ? Status.INVALID_ARGUMENT : Status.INTERNAL;
}

export function toServiceError(error: unknown): Partial<ServiceError> {
  const metadata = new Metadata();
  if (!isFuotaError(error)) {
    metadata.set(ERROR_CODE_METADATA, 'INTERNAL');
    return { code: Status.INTERNAL, details: 'internal error (see the service log)', metadata };
  }
  metadata.set(ERROR_CODE_METADATA, error.code);
  return { code: grpcStatusOf(error), details: error.message, metadata };
}
