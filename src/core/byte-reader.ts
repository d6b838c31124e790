import { DecodeError } from './errors.js';

/**
 * Reads little-endian fields from a byte string (LoRaWAN application packages are little-endian).
 * Every read checks the remaining length and throws a DecodeError naming the context and offset,
 * so codecs never return partial results.
 */
export class ByteReader {
  private position = 0;
  /** Label for error messages; codecs set it per command (`TS004 FragSessionSetupReq`). */
  context: string;

  constructor(
    private readonly bytes: Uint8Array,
    context: string,
  ) {
    this.context = context;
  }

  get offset(): number {
    return this.position;
  }

  get remaining(): number {
    return this.bytes.length - this.position;
  }

  get atEnd(): boolean {
    return this.position >= this.bytes.length;
  }

  /** Fails unless at least `count` bytes remain; `what` describes them in the message. */
  need(count: number, what = `${count} bytes`): void {
    if (this.remaining < count) {
      throw new DecodeError('DECODE_TRUNCATED', this.site(), what, `${this.remaining}`);
    }
  }

  u8(): number {
    this.need(1, '1 more byte');
    return this.bytes[this.position++]!;
  }

  u16(): number {
    this.need(2, '2 more bytes');
    const value = this.bytes[this.position]! | (this.bytes[this.position + 1]! << 8);
    this.position += 2;
    return value;
  }

  u24(): number {
    this.need(3, '3 more bytes');
    const b = this.bytes;
    const p = this.position;
    this.position += 3;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
  }

  u32(): number {
    this.need(4, '4 more bytes');
    const b = this.bytes;
    const p = this.position;
    this.position += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
  }

  i32(): number {
    const value = this.u32();
    return value >= 0x80000000 ? value - 0x100000000 : value;
  }

  /** A copy of the next `count` bytes. */
  bytesOf(count: number): Uint8Array {
    this.need(count, `${count} more bytes`);
    const out = this.bytes.slice(this.position, this.position + count);
    this.position += count;
    return out;
  }

  /** Everything left, as a copy. */
  rest(): Uint8Array {
    const out = this.bytes.slice(this.position);
    this.position = this.bytes.length;
    return out;
  }

  /** Peek at the next byte without consuming it. */
  peek(): number {
    this.need(1, '1 more byte');
    return this.bytes[this.position]!;
  }

  site(): { context: string; offset: number } {
    return { context: this.context, offset: this.position };
  }

  /** Throws a DecodeError for a field whose value is not allowed. */
  invalid(field: string, expected: string, actual: unknown, offset = this.position): never {
    throw new DecodeError(
      'DECODE_INVALID_VALUE',
      { context: `${this.context} ${field}`, offset },
      expected,
      String(actual),
    );
  }
}
