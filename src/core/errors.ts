// Every error the project throws on purpose is a FuotaError: a stable `code` that callers and
// tests match on, and a `fault` that says who must act. Subclasses by fault:
//   CallerError   - the caller passed something wrong (a CLI argument, an out-of-range field);
//   PeerError     - bytes or answers from a device or a network server are malformed;
//   InternalError - a broken invariant of our own.
// Messages name the thing, what was expected and what came.

export type Fault = 'caller' | 'peer' | 'internal';

export abstract class FuotaError extends Error {
  abstract readonly fault: Fault;
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class CallerError extends FuotaError {
  readonly fault = 'caller' as const;
}

export class PeerError extends FuotaError {
  readonly fault = 'peer' as const;
}

export class InternalError extends FuotaError {
  readonly fault = 'internal' as const;
}

/** Where in a byte string a decoder was, for error messages: `TS004 FragSessionSetupReq`. */
export interface DecodeSite {
  context: string;
  offset: number;
}

export type DecodeErrorCode =
  | 'DECODE_TRUNCATED'
  | 'DECODE_UNKNOWN_COMMAND'
  | 'DECODE_INVALID_VALUE'
  | 'DECODE_TRAILING_BYTES';

/** Malformed bytes from a peer: says what, where (offset) and what was expected. */
export class DecodeError extends PeerError {
  readonly context: string;
  readonly offset: number;
  readonly expected: string;
  readonly actual: string;

  constructor(code: DecodeErrorCode, site: DecodeSite, expected: string, actual: string) {
    super(code, `${site.context} at offset ${site.offset}: expected ${expected}, got ${actual}`);
    this.context = site.context;
    this.offset = site.offset;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A value the caller asked us to encode or use is outside what the format allows. */
export class ValueError extends CallerError {
  readonly field: string;
  readonly expected: string;
  readonly actual: string;

  constructor(field: string, expected: string, actual: unknown, code = 'VALUE_OUT_OF_RANGE') {
    const shown = typeof actual === 'string' ? JSON.stringify(actual) : String(actual);
    super(code, `${field}: expected ${expected}, got ${shown}`);
    this.field = field;
    this.expected = expected;
    this.actual = shown;
  }
}

export function isFuotaError(error: unknown): error is FuotaError {
  return error instanceof FuotaError;
}
