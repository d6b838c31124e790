import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { CallerError, InternalError, PeerError, type FuotaError } from '../../core/errors.js';

// What a failed ChirpStack gRPC call becomes: a FuotaError with a stable code; the grpc-js error
// stays only as `cause`. Fault by status:
//   - the token, an id or an argument we sent (UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND,
//     INVALID_ARGUMENT, ALREADY_EXISTS): CallerError, with ChirpStack's own message;
//   - ChirpStack unreachable, too slow or failing (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, …):
//     PeerError naming the address. ChirpStack answers INTERNAL for hex it cannot parse
//     (lrwn::Error → Code::Internal in chirpstack/src/api/error.rs), which is why the client
//     checks hex fields before sending.

export type ChirpstackGrpcErrorCode =
  | 'CHIRPSTACK_UNAUTHENTICATED'
  | 'CHIRPSTACK_PERMISSION_DENIED'
  | 'CHIRPSTACK_NOT_FOUND'
  | 'CHIRPSTACK_INVALID_ARGUMENT'
  | 'CHIRPSTACK_ALREADY_EXISTS'
  | 'CHIRPSTACK_UNAVAILABLE'
  | 'CHIRPSTACK_DEADLINE_EXCEEDED'
  | 'CHIRPSTACK_INTERNAL'
  | 'CHIRPSTACK_CALL_FAILED'
  | 'CHIRPSTACK_CLIENT_FAILED';

/** Where a call went: `MulticastGroupService.Enqueue at 127.0.0.1:8080`. */
export interface CallSite {
  method: string;
  address: string;
  deadlineMs: number;
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'details' in error;
}

/** Maps anything a grpc-js call failed with to a FuotaError (never lets a raw grpc error out). */
export function chirpstackErrorFrom(error: unknown, site: CallSite): FuotaError {
  const where = `${site.method} at ${site.address}`;
  if (!isServiceError(error)) {
    // grpc-js throws plain Errors for requests it cannot serialise: a bug on our side.
    const text = error instanceof Error ? error.message : String(error);
    return new InternalError('CHIRPSTACK_CLIENT_FAILED', `${where}: the call could not be made: ${text}`, { cause: error });
  }
  // grpc-js ends connection failures with an empty "Resolution note:".
  const said = (error.details || GrpcStatus[error.code] || `status ${error.code}`).replace(/\s*Resolution note:\s*$/, '');
  const options = { cause: error };
  switch (error.code) {
    case GrpcStatus.UNAUTHENTICATED:
      return new CallerError('CHIRPSTACK_UNAUTHENTICATED', `${where}: API token refused (expected a valid ChirpStack API key; ChirpStack said: ${said})`, options);
    case GrpcStatus.PERMISSION_DENIED:
      return new CallerError('CHIRPSTACK_PERMISSION_DENIED', `${where}: the API token may not do this (ChirpStack said: ${said})`, options);
    case GrpcStatus.NOT_FOUND:
      return new CallerError('CHIRPSTACK_NOT_FOUND', `${where}: not found (ChirpStack said: ${said})`, options);
    case GrpcStatus.INVALID_ARGUMENT:
      return new CallerError('CHIRPSTACK_INVALID_ARGUMENT', `${where}: invalid argument: ${said}`, options);
    case GrpcStatus.ALREADY_EXISTS:
      return new CallerError('CHIRPSTACK_ALREADY_EXISTS', `${where}: already exists (ChirpStack said: ${said})`, options);
    case GrpcStatus.UNAVAILABLE:
      return new PeerError('CHIRPSTACK_UNAVAILABLE', `ChirpStack gRPC API at ${site.address} unavailable (${site.method}): expected a server answering, got: ${said}`, options);
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new PeerError('CHIRPSTACK_DEADLINE_EXCEEDED', `${where}: no answer within the ${site.deadlineMs} ms deadline (${said})`, options);
    case GrpcStatus.INTERNAL:
      return new PeerError('CHIRPSTACK_INTERNAL', `${where}: ChirpStack internal error: ${said}`, options);
    default:
      return new PeerError('CHIRPSTACK_CALL_FAILED', `${where}: failed with ${GrpcStatus[error.code] ?? error.code}: ${said}`, options);
  }
}
