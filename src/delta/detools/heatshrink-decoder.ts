// Streaming heatshrink decoder, bit-exact with atomicobject/heatshrink heatshrink_decoder.c (the
// decoder detools' C library runs on the device). Facts from that source:
// - bits are read most significant first, byte after byte (get_bits);
// - tag bit 1: a literal, the next 8 bits (st_yield_literal);
// - tag bit 0: a backreference, windowSz2 bits of index then lookaheadSz2 bits of count, both
//   stored minus one: distance 1..2^windowSz2, length 1..2^lookaheadSz2 (st_backref_index_*,
//   st_backref_count_*). A copy may overlap the bytes it produces (st_yield_backref copies one
//   byte at a time);
// - the window is a ring of 2^windowSz2 bytes zeroed by heatshrink_decoder_reset, so a distance
//   reaching before the first output byte reads zeros, deterministically;
// - the encoder ends a stream by flushing its partial last byte with zero bits
//   (heatshrink_encoder.c st_flush_bit_buffer; push_bits starts each byte at 0).
//
// What we accept at the end (stricter than heatshrink_decoder_finish, which also says DONE inside
// a truncated backreference): the bits after the last complete literal or backreference must lie
// in the last byte (fewer than 8) and be zero. That is exactly what heatshrink's encoder writes,
// and the only ending detools' reader can use: it sinks one byte at a time and fails on bytes
// left after the patch's last record (detools.c detools_apply_patch_process).
//
// Memory: the 2^windowSz2 window plus one output chunk, as on the device.
import { DecodeError, type DecodeErrorCode } from '../../core/errors.js';
import { concatBytes } from '../../core/concat-bytes.js';
import type { HeatshrinkParams } from './compression.js';

export const HEATSHRINK_CONTEXT = 'heatshrink stream';

const OUTPUT_CHUNK_BYTES = 4096;

const enum Field {
  Tag,
  Literal,
  Backref, // index and count read as one field of windowSz2 + lookaheadSz2 bits
}

export class HeatshrinkDecoder {
  private readonly lookaheadSz2: number;
  private readonly backrefBits: number;
  private readonly windowMask: number;
  private readonly window: Uint8Array;
  private head = 0;

  private field = Field.Tag;
  private need = 1;
  private have = 0;
  private value = 0;

  private out = new Uint8Array(OUTPUT_CHUNK_BYTES);
  private fill = 0;
  private consumed = 0;
  private failed = false;
  private ended = false;

  /**
   * `params` are not validated here (compression.ts does); `offsetBase` is added to offsets in
   * error messages (1 when a detools header byte came first).
   */
  constructor(
    params: HeatshrinkParams,
    private readonly offsetBase = 0,
  ) {
    this.lookaheadSz2 = params.lookaheadSz2;
    this.backrefBits = params.windowSz2 + params.lookaheadSz2;
    this.window = new Uint8Array(1 << params.windowSz2);
    this.windowMask = (1 << params.windowSz2) - 1;
  }

  push(input: Uint8Array, output: (bytes: Uint8Array) => void): void {
    this.checkUsable();
    for (let i = 0; i < input.length; i++) {
      const byte = input[i]!;
      let bitsLeft = 8;
      while (bitsLeft > 0) {
        const take = Math.min(bitsLeft, this.need - this.have);
        bitsLeft -= take;
        this.value = (this.value << take) | ((byte >>> bitsLeft) & ((1 << take) - 1));
        this.have += take;
        if (this.have === this.need) this.completeField(output);
      }
      this.consumed++;
    }
    this.flush(output);
  }

  end(output: (bytes: Uint8Array) => void): void {
    this.checkUsable();
    this.ended = true;
    this.flush(output);
    if (this.field === Field.Tag) return;
    // A tag bit was read: it and the bits after it are either zero padding or a cut-off item.
    const pendingBits = 1 + this.have;
    if (pendingBits >= 8) {
      const item = this.field === Field.Literal ? 'literal' : 'backreference';
      this.fail('DECODE_TRUNCATED', this.consumed, `the rest of a ${item} (${this.need - this.have} more bits)`, 'end of stream');
    }
    if (this.field === Field.Literal || this.value !== 0) {
      this.fail('DECODE_INVALID_VALUE', this.consumed - 1, `${pendingBits} zero padding bits`, 'a 1 bit');
    }
  }

  /** Bytes of input consumed so far. */
  get offset(): number {
    return this.offsetBase + this.consumed;
  }

  private completeField(output: (bytes: Uint8Array) => void): void {
    const value = this.value;
    this.value = 0;
    this.have = 0;
    switch (this.field) {
      case Field.Tag:
        this.field = value === 1 ? Field.Literal : Field.Backref;
        this.need = value === 1 ? 8 : this.backrefBits;
        return;
      case Field.Literal:
        this.emit(value, output);
        break;
      case Field.Backref: {
        const distance = (value >>> this.lookaheadSz2) + 1;
        let count = (value & ((1 << this.lookaheadSz2) - 1)) + 1;
        const window = this.window;
        const mask = this.windowMask;
        while (count-- > 0) this.emit(window[(this.head - distance) & mask]!, output);
        break;
      }
    }
    this.field = Field.Tag;
    this.need = 1;
  }

  private emit(byte: number, output: (bytes: Uint8Array) => void): void {
    this.window[this.head] = byte;
    this.head = (this.head + 1) & this.windowMask;
    this.out[this.fill++] = byte;
    if (this.fill === this.out.length) this.flush(output);
  }

  private flush(output: (bytes: Uint8Array) => void): void {
    if (this.fill === 0) return;
    const chunk = this.out.slice(0, this.fill);
    this.fill = 0;
    output(chunk);
  }

  private checkUsable(): void {
    if (this.failed || this.ended) {
      this.fail('DECODE_INVALID_VALUE', this.consumed, 'a decoder not failed or ended', this.failed ? 'a failed one' : 'an ended one');
    }
  }

  private fail(code: DecodeErrorCode, offset: number, expected: string, actual: string): never {
    this.failed = true;
    throw new DecodeError(code, { context: HEATSHRINK_CONTEXT, offset: this.offsetBase + offset }, expected, actual);
  }
}

/** Decodes a whole heatshrink bit stream (no detools header byte). */
export function decodeHeatshrink(bytes: Uint8Array, params: HeatshrinkParams): Uint8Array {
  const parts: Uint8Array[] = [];
  const decoder = new HeatshrinkDecoder(params);
  decoder.push(bytes, (b) => parts.push(b));
  decoder.end((b) => parts.push(b));
  return concatBytes(parts);
}
