import { PeerError } from '../../core/errors.js';
import { parseRfc3339Ms } from '../../core/rfc3339.js';
import { jsonNestingDepth, mayNestDeeperThan, MAX_EVENT_JSON_NESTING } from '../json-nesting.js';

// The Things Stack writes its JSON with its own protobuf JSON marshaler (thethings/json
// annotations in lorawan-stack's api/*.proto): snake_case field names, zero values left out
// (f_port 0, empty frm_payload, false booleans), bytes as base64 (EUIs, DevAddr and keys as
// upper-case hex), 64-bit integers as strings ("868500000"), enums as names, times as RFC 3339.
// Readers here treat an absent field and its zero value alike, as the marshaler does.

export type TtsJsonErrorCode = 'TTS_EVENT_INVALID' | 'TTS_RESPONSE_INVALID';

/** One JSON object of a TTS message, with the path from the root for error messages. */
export class TtsJsonFields {
  constructor(
    readonly value: Readonly<Record<string, unknown>>,
    /** What the whole message is, e.g. `TTS up event` (first words of every error). */
    readonly context: string,
    readonly code: TtsJsonErrorCode,
    /** Dotted path of this object from the root, '' at the root. */
    readonly path = '',
  ) {}

  at(name: string): string {
    return this.path === '' ? name : `${this.path}.${name}`;
  }

  invalid(name: string, expected: string, got: unknown): PeerError {
    return new PeerError(this.code, `${this.context} ${this.at(name)}: expected ${expected}, got ${describe(got)}`);
  }

  raw(name: string): unknown {
    return this.value[name];
  }

  has(name: string): boolean {
    return this.value[name] !== undefined && this.value[name] !== null;
  }

  object(name: string): TtsJsonFields | undefined {
    const value = this.value[name];
    if (value === undefined || value === null) return undefined;
    if (!isPlainObject(value)) throw this.invalid(name, 'an object', value);
    return new TtsJsonFields(value, this.context, this.code, this.at(name));
  }

  requireObject(name: string): TtsJsonFields {
    const found = this.object(name);
    if (found === undefined) throw this.invalid(name, 'an object', undefined);
    return found;
  }

  /** Absent and "" read as undefined (proto3 omits empty strings). */
  string(name: string): string | undefined {
    const value = this.value[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw this.invalid(name, 'a string', value);
    return value;
  }

  requireString(name: string, expected = 'a non-empty string'): string {
    const value = this.string(name);
    if (value === undefined) throw this.invalid(name, expected, this.value[name]);
    return value;
  }

  /** An unsigned integer up to 2^53, written as a number or (64-bit fields) a decimal string. */
  uint(name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = this.value[name];
    if (value === undefined || value === null) return undefined;
    const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) throw this.invalid(name, `an integer 0..${max}`, value);
    return n;
  }

  /** Any finite number (rssi, snr are floats). */
  number(name: string): number | undefined {
    const value = this.value[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.invalid(name, 'a number', value);
    return value;
  }

  bool(name: string): boolean {
    const value = this.value[name];
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean') throw this.invalid(name, 'true or false', value);
    return value;
  }

  /** base64 (standard or URL alphabet, padding optional, as Go's protojson reads it); absent → empty. */
  bytes(name: string): Uint8Array {
    const value = this.value[name];
    if (value === undefined || value === null || value === '') return new Uint8Array(0);
    if (typeof value !== 'string' || !BASE64.test(value) || value.replace(/=+$/, '').length % 4 === 1) throw this.invalid(name, 'base64 text', value);
    return Uint8Array.from(Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
  }

  /** Hex bytes of a fixed length (EUIs, DevAddr, keys), returned lower-case. */
  hex(name: string, length: number): string | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!new RegExp(`^[0-9a-fA-F]{${length * 2}}$`).test(value)) throw this.invalid(name, `${length * 2} hex digits`, value);
    return value.toLowerCase();
  }

  timestampMs(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const ms = parseRfc3339Ms(value);
    if (ms === undefined) throw this.invalid(name, 'an RFC 3339 date-time', value);
    return ms;
  }

  /** An array of objects; absent → []. */
  objects(name: string): TtsJsonFields[] {
    const value = this.value[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw this.invalid(name, 'an array', value);
    return value.map((item, index) => {
      if (!isPlainObject(item)) throw this.invalid(`${name}[${index}]`, 'an object', item);
      return new TtsJsonFields(item, this.context, this.code, `${this.at(name)}[${index}]`);
    });
  }

  /** An array of strings; absent → []. */
  strings(name: string): string[] {
    const value = this.value[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw this.invalid(name, 'an array of strings', value);
    return value.map((item, index) => {
      if (typeof item !== 'string') throw this.invalid(`${name}[${index}]`, 'a string', item);
      return item;
    });
  }
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a JSON object from bytes or text; anything else throws `code` naming `context`. */
export function parseTtsJson(payload: Uint8Array | string, context: string, code: TtsJsonErrorCode): TtsJsonFields {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  let value: unknown;
  const depth = mayNestDeeperThan(text, MAX_EVENT_JSON_NESTING) ? jsonNestingDepth(text) : 0;
  // Its own code, events and responses alike: counted apart from other malformed events (mqtt-reject-reason.ts).
  if (depth > MAX_EVENT_JSON_NESTING) throw new PeerError('TTS_JSON_TOO_DEEP', `${context}: expected JSON nested at most ${MAX_EVENT_JSON_NESTING} levels, got ${depth} levels`);
  try {
    value = JSON.parse(text);
  } catch {
    throw new PeerError(code, `${context}: expected a JSON object, got ${text.length === 0 ? 'an empty payload' : `text that is not JSON (${describe(text)})`}`);
  }
  if (!isPlainObject(value)) throw new PeerError(code, `${context}: expected a JSON object, got ${describe(value)}`);
  return new TtsJsonFields(value, context, code);
}

/** A short rendering of a wrong value for messages (never long payloads). */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
