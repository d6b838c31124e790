import { ValueError } from './errors.js';

/**
 * Writes little-endian fields. Every write checks that the value is an integer in range and
 * names the field when it is not, so an encoder never emits a silently truncated value.
 */
export class ByteWriter {
  private buffer: Uint8Array;
  private length = 0;

  constructor(
    /** Label for error messages (`TS004 FragSessionSetupReq`). */
    public context: string,
    initialCapacity = 64,
  ) {
    this.buffer = new Uint8Array(initialCapacity);
  }

  u8(value: number, field: string): this {
    return this.uint(value, 1, field);
  }

  u16(value: number, field: string): this {
    return this.uint(value, 2, field);
  }

  u24(value: number, field: string): this {
    return this.uint(value, 3, field);
  }

  u32(value: number, field: string): this {
    return this.uint(value, 4, field);
  }

  i32(value: number, field: string): this {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw new ValueError(`${this.context} ${field}`, 'an integer in -2147483648..2147483647', value);
    }
    return this.uint(value < 0 ? value + 0x100000000 : value, 4, field);
  }

  /** Writes `bytes`; when `exactLength` is given the length must match. */
  bytes(bytes: Uint8Array, field: string, exactLength?: number): this {
    if (!(bytes instanceof Uint8Array)) {
      throw new ValueError(`${this.context} ${field}`, 'bytes', typeof bytes);
    }
    if (exactLength !== undefined && bytes.length !== exactLength) {
      throw new ValueError(`${this.context} ${field}`, `${exactLength} bytes`, `${bytes.length} bytes`);
    }
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private uint(value: number, size: number, field: string): this {
    const max = 2 ** (8 * size) - 1;
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new ValueError(`${this.context} ${field}`, `an integer in 0..${max}`, value);
    }
    this.reserve(size);
    let rest = value;
    for (let i = 0; i < size; i++) {
      this.buffer[this.length++] = rest & 0xff;
      rest = Math.floor(rest / 256);
    }
    return this;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
}

/** Checks that `value` is an integer in `min..max` and returns it; names `field` otherwise. */
export function checkRange(value: number, min: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValueError(field, `an integer in ${min}..${max}`, value);
  }
  return value;
}
