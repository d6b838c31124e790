import { ChirpstackPayloadError, showValue } from './payload-error.js';
import { parseRfc3339Ms } from '../../core/rfc3339.js';
import { jsonNestingDepth, mayNestDeeperThan, MAX_EVENT_JSON_NESTING } from '../json-nesting.js';

// Reads fields of ChirpStack's JSON payloads. ChirpStack serialises with pbjson (the proto3 JSON
// mapping, https://protobuf.dev/programming-guides/json/): lowerCamelCase names (parsers also
// accept the proto names), fields at their default value OMITTED (0, false, "", empty bytes, the
// first enum value), null = default, bytes base64 (standard or URL-safe, padding optional), enums by
// name (numbers accepted), 32-bit integers as numbers (strings accepted), Timestamp as RFC 3339.
// So a missing scalar is its default, never an error; callers decide which fields must be set.

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$|^[A-Za-z0-9_-]*={0,2}$/;
const DECIMAL = /^-?\d+$/;
const U32_MAX = 0xffff_ffff;

/** The field names are a fixed set of ours: each converted once (an absent field is looked up by both names on every event). */
const SNAKE_CASE = new Map<string, string>();

function snakeCase(name: string): string {
  let snake = SNAKE_CASE.get(name);
  if (snake === undefined) SNAKE_CASE.set(name, (snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)));
  return snake;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One JSON object of a payload, with the path used in error messages (`deviceInfo.devEui`). */
export class JsonFields {
  constructor(
    private readonly obj: Record<string, unknown>,
    /** The message, e.g. `ChirpStack up event (JSON)`. */
    readonly context: string,
    private readonly path = '',
  ) {}

  private fieldPath(name: string): string {
    return this.path === '' ? name : `${this.path}.${name}`;
  }

  private invalid(name: string, expected: string, value: unknown): ChirpstackPayloadError {
    return new ChirpstackPayloadError('CHIRPSTACK_FIELD_INVALID', this.context, this.fieldPath(name), expected, showValue(value));
  }

  missing(name: string, expected: string): ChirpstackPayloadError {
    return new ChirpstackPayloadError('CHIRPSTACK_FIELD_MISSING', this.context, this.fieldPath(name), expected, 'nothing');
  }

  /** The raw value: the lowerCamelCase name first, then the proto (snake_case) name; null is absent. */
  raw(name: string): unknown {
    const value = name in this.obj ? this.obj[name] : this.obj[snakeCase(name)];
    return value === null ? undefined : value;
  }

  object(name: string): JsonFields | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!isPlainObject(value)) throw this.invalid(name, 'a JSON object', value);
    return new JsonFields(value, this.context, this.fieldPath(name));
  }

  requireObject(name: string): JsonFields {
    const fields = this.object(name);
    if (fields === undefined) throw this.missing(name, 'a JSON object');
    return fields;
  }

  objects(name: string): JsonFields[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw this.invalid(name, 'a JSON array', value);
    return value.map((item, i) => {
      if (!isPlainObject(item)) throw this.invalid(`${name}[${i}]`, 'a JSON object', item);
      return new JsonFields(item, this.context, this.fieldPath(`${name}[${i}]`));
    });
  }

  string(name: string): string {
    const value = this.raw(name);
    if (value === undefined) return '';
    if (typeof value !== 'string') throw this.invalid(name, 'a string', value);
    return value;
  }

  requireString(name: string, expected = 'a non-empty string'): string {
    const value = this.string(name);
    if (value === '') throw this.missing(name, expected);
    return value;
  }

  bool(name: string): boolean {
    const value = this.raw(name);
    if (value === undefined) return false;
    if (typeof value !== 'boolean') throw this.invalid(name, 'true or false', value);
    return value;
  }

  /** uint32; `max` narrows the range (fPort: 255). */
  u32(name: string, max = U32_MAX): number {
    const value = this.raw(name);
    if (value === undefined) return 0;
    const n = typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
      throw this.invalid(name, `an integer 0..${max}`, value);
    }
    return n;
  }

  bytes(name: string): Uint8Array {
    const value = this.raw(name);
    if (value === undefined) return new Uint8Array(0);
    if (typeof value !== 'string' || !BASE64.test(value) || value.replace(/=+$/, '').length % 4 === 1) {
      throw this.invalid(name, 'base64 bytes', value);
    }
    return Uint8Array.from(Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64'));
  }

  /** An enum by name or number; `names[i]` is the name of value i (absent = names[0]). */
  enumName<Name extends string>(name: string, names: readonly Name[]): Name {
    const value = this.raw(name);
    if (value === undefined) return names[0] as Name;
    if (typeof value === 'string' && (names as readonly string[]).includes(value)) return value as Name;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < names.length) return names[value] as Name;
    throw this.invalid(name, `one of ${names.join(', ')}`, value);
  }

  /** google.protobuf.Timestamp as milliseconds, or undefined when absent. */
  timestampMs(name: string): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const ms = typeof value === 'string' ? parseRfc3339Ms(value) : undefined;
    if (ms === undefined) throw this.invalid(name, 'an RFC 3339 date-time', value);
    return ms;
  }

  /** map<string, string>. */
  stringMap(name: string): Record<string, string> {
    const value = this.raw(name);
    if (value === undefined) return {};
    if (!isPlainObject(value)) throw this.invalid(name, 'a JSON object of strings', value);
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') throw this.invalid(`${name}.${key}`, 'a string', item);
      // Defined, not assigned: a key "__proto__" must stay a key (assigning would set the prototype).
      Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
}

/** Parses the MQTT payload as one JSON object. */
export function parseJsonObject(payload: Uint8Array, context: string): JsonFields {
  let value: unknown;
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  const depth = mayNestDeeperThan(text, MAX_EVENT_JSON_NESTING) ? jsonNestingDepth(text) : 0;
  if (depth > MAX_EVENT_JSON_NESTING) {
    throw new ChirpstackPayloadError('CHIRPSTACK_JSON_TOO_DEEP', context, 'payload', `JSON nested at most ${MAX_EVENT_JSON_NESTING} levels`, `${depth} levels`);
  }
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ChirpstackPayloadError('CHIRPSTACK_JSON_INVALID', context, 'payload', 'JSON', `${showValue(text)} (${(error as Error).message})`);
  }
  if (!isPlainObject(value)) {
    throw new ChirpstackPayloadError('CHIRPSTACK_JSON_INVALID', context, 'payload', 'a JSON object', showValue(value));
  }
  return new JsonFields(value, context);
}
