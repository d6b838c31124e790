import { status as GrpcStatus } from '@grpc/grpc-js';

// The gRPC statuses the simulated ChirpStack answers with, worded as ChirpStack v4 words them:
//   storage::error::Error  NotFound  → NOT_FOUND        "Object does not exist (id: …)"
//                          AlreadyExists → ALREADY_EXISTS "Object already exists (id: …)"
//                          Validation → INVALID_ARGUMENT "Validation error: …"
//                          Diesel (e.g. a duplicate primary key) → INTERNAL (Postgres' message)
//   anyhow::Error (what downlink::multicast::enqueue returns) → INTERNAL, whatever it wraps
//   uuid::Error                      → INVALID_ARGUMENT (the uuid crate's message)
//   lrwn::Error (hex of DevAddr, EUI64, AES128Key) → INTERNAL (the hex crate's message)
// (chirpstack/src/api/error.rs, storage/error.rs, lrwn's FromStr impls.)

/** Thrown by the simulated services; the server turns it into the call's status. */
export class SimGrpcStatus extends Error {
  constructor(
    readonly code: GrpcStatus,
    message: string,
  ) {
    super(message);
    this.name = 'SimGrpcStatus';
  }
}

export function notFound(id: string): SimGrpcStatus {
  return new SimGrpcStatus(GrpcStatus.NOT_FOUND, `Object does not exist (id: ${id})`);
}

export function validationError(message: string): SimGrpcStatus {
  return new SimGrpcStatus(GrpcStatus.INVALID_ARGUMENT, `Validation error: ${message}`);
}

export function invalidArgument(message: string): SimGrpcStatus {
  return new SimGrpcStatus(GrpcStatus.INVALID_ARGUMENT, message);
}

export function unauthenticated(message: string): SimGrpcStatus {
  return new SimGrpcStatus(GrpcStatus.UNAUTHENTICATED, message);
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Uuid::from_str: hyphenated form only here; errors close to the uuid crate's wording. */
export function parseUuid(text: string): string {
  const lower = text.toLowerCase();
  if (UUID_PATTERN.test(lower)) return lower;
  const bad = [...text].findIndex((c) => !/[0-9a-fA-F-]/.test(c));
  if (bad >= 0) {
    throw invalidArgument(`invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${text[bad]}\` at ${bad + 1}`);
  }
  throw invalidArgument(`invalid length: expected length 32 for simple format, found ${text.replace(/-/g, '').length}`);
}

/** An optional id field of a List request: empty means no filter, anything else must parse. */
export function optionalUuid(text: string): string | undefined {
  return text === '' ? undefined : parseUuid(text);
}

/** hex::decode_to_slice into a fixed array, as lrwn parses DevAddr (4), EUI64 (8), AES128Key (16). */
export function parseFixedHex(text: string, bytes: number): string {
  if (text.length % 2 !== 0) throw new SimGrpcStatus(GrpcStatus.INTERNAL, 'Odd number of digits');
  if (text.length !== bytes * 2) throw new SimGrpcStatus(GrpcStatus.INTERNAL, 'Invalid string length');
  const bad = [...text].findIndex((c) => !/[0-9a-fA-F]/.test(c));
  if (bad >= 0) throw new SimGrpcStatus(GrpcStatus.INTERNAL, `Invalid character '${text[bad]}' at position ${bad}`);
  return text.toLowerCase();
}

/** ChirpStack's queue-item check (storage/multicast.rs, storage/device_queue.rs). */
export function checkQueueFPort(fPort: number): void {
  if (fPort === 0 || fPort > 255) throw validationError('FPort must be between 1 - 255');
}
