import { Encoder, Tag } from 'cbor-x';
import { DecodeError } from '../core/errors.js';

// cbor-x configured for plain CBOR (RFC 8949): integer-keyed Maps stay Maps, Uint8Array is a
// byte string without a typed-array tag, no record extensions, minimal map headers. We build maps
// with keys in deterministic order (RFC 8949 §4.2.1), so encoding our own structures is canonical
// and a decoder can insist on byte equality after re-encoding.

const codec = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false, variableMapSize: true });

export { Tag };

export function cborEncode(value: unknown): Uint8Array {
  const encoded = codec.encode(value);
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength).slice();
}

/** Decodes exactly one CBOR item filling `bytes`; any failure is a DecodeError for `context`. */
export function cborDecode(bytes: Uint8Array, context: string): unknown {
  try {
    return codec.decode(bytes);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new DecodeError('DECODE_INVALID_VALUE', { context, offset: 0 }, 'one well-formed CBOR item', why);
  }
}

/** Structural expectations on decoded CBOR, failing with the path of the offending item. */
export function fail(context: string, expected: string, actual: unknown): never {
  throw new DecodeError('DECODE_INVALID_VALUE', { context, offset: 0 }, expected, describe(actual));
}

export function expectMap(value: unknown, context: string, keys: readonly number[]): Map<number, unknown> {
  if (!(value instanceof Map)) fail(context, 'a CBOR map', value);
  for (const key of value.keys()) {
    if (!keys.includes(key as number)) fail(context, `map keys among ${keys.join(', ')}`, `key ${String(key)}`);
  }
  return value as Map<number, unknown>;
}

export function expectArray(value: unknown, context: string, length?: number): unknown[] {
  if (!Array.isArray(value)) fail(context, 'a CBOR array', value);
  if (length !== undefined && value.length !== length) fail(context, `an array of ${length}`, `${value.length} items`);
  return value;
}

export function expectBytes(value: unknown, context: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(context, 'a byte string', value);
  if (length !== undefined && value.length !== length) fail(context, `${length} bytes`, `${value.length} bytes`);
  return new Uint8Array(value);
}

export function expectUint(value: unknown, context: string, max = 0xffffffff): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) fail(context, `an unsigned integer up to ${max}`, value);
  return value;
}

export function expectTag(value: unknown, tag: number, context: string): unknown {
  if (!(value instanceof Tag) || value.tag !== tag) fail(context, `CBOR tag ${tag}`, value);
  return value.value;
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length}-byte string`;
  if (value instanceof Map) return `map of ${value.size}`;
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (value instanceof Tag) return `tag ${value.tag}`;
  if (typeof value === 'string') return value;
  return value === null ? 'null' : `${typeof value} ${String(value)}`;
}
