// The detools "sequential" patch format (eerimoq/detools 0.53), as its C library applies it
// (src/c/detools.c, process_init_fixed_header / process_init_to_size / patch_reader_unpack_size)
// and its Python side writes it (detools/create.py create_patch_sequential, detools/bsdiff.c
// pack_size):
//
//   byte 0      0 | patch type (3 bits, 0 = sequential) | compression (4 bits)
//   to-size     size of the new image, a header size (below)
//   stream      if to-size > 0: one compressed stream of
//                 size(0)                         the data-format patch size; detools' C library
//                                                 refuses any other value (NOT_IMPLEMENTED)
//                 records until to-size bytes are written:
//                   size(diff)   diff bytes       new = old + diff byte-wise (mod 256), old advances
//                   size(extra)  extra bytes      new = extra, old stays
//                   size(adjustment)              signed seek of the old position
//
// A size is not plain LEB128: its first byte holds a continue bit (0x80), a sign bit (0x40) and the
// 6 low value bits; each following byte a continue bit and the next 7 bits (bsdiff.c pack_size,
// detools.c patch_reader_unpack_size). The C reader keeps the value in an int and refuses a fifth
// byte (is_overflow: 27 value bits at most, CORRUPT_PATCH_OVERFLOW). The header to-size uses the
// same layout but the C reader ignores its sign bit (chunk_unpack_header_size); we refuse it.
//
// With heatshrink the compressed stream begins with one byte (window_sz2 - 4) << 4 |
// (lookahead_sz2 - 3) (detools/compression/heatshrink.py pack_header; detools.c
// unpack_heatshrink_header); 0x44 is window 8, lookahead 7, the only one the C library's default
// static-allocation build accepts (else DETOOLS_HEATSHRINK_HEADER, error 27).
import { DecodeError, ValueError } from '../../core/errors.js';
import { validateHeatshrinkParams, type DetoolsCompression, type HeatshrinkParams } from './compression.js';

export const DETOOLS_CONTEXT = 'detools patch';
export const PATCH_TYPE_SEQUENTIAL = 0;

/** Compression ids of detools/common.py COMPRESSIONS (lzma 1, bz2 3 and later ones we do not write). */
export const COMPRESSION_IDS: Readonly<Record<DetoolsCompression, number>> = { none: 0, crle: 2, heatshrink: 4 };
const COMPRESSION_NAMES: Readonly<Record<number, string>> = { 0: 'none', 1: 'lzma', 2: 'crle', 3: 'bz2', 4: 'heatshrink', 5: 'zstd', 6: 'lz4' };

/** At most 4 size bytes: 6 + 3 x 7 = 27 value bits (detools.c is_overflow). */
export const MAX_SIZE_BYTES = 4;
export const MAX_SIZE_VALUE = 2 ** 27 - 1;

/** Appends the detools size encoding of `value` (|value| <= 2^27 - 1) to `out`. */
export function writeSize(value: number, out: number[]): void {
  if (!Number.isInteger(value) || Math.abs(value) > MAX_SIZE_VALUE) {
    throw new ValueError('detools size', `an integer within +-${MAX_SIZE_VALUE}`, value);
  }
  let rest = Math.abs(value);
  const sign = value < 0 ? 0x40 : 0;
  let byte = sign | (rest & 0x3f);
  rest = Math.floor(rest / 64);
  while (rest > 0) {
    out.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  out.push(byte);
}

export function encodeSize(value: number): Uint8Array {
  const out: number[] = [];
  writeSize(value, out);
  return Uint8Array.from(out);
}

/** Bytes `writeSize(value)` takes. */
export function sizeBytes(value: number): number {
  let rest = Math.floor(Math.abs(value) / 64);
  let count = 1;
  while (rest > 0) {
    count++;
    rest = Math.floor(rest / 128);
  }
  return count;
}

/**
 * Incremental size reader: feed bytes until `push` returns true, then read `value`. Throws a
 * DecodeError on a fifth byte (the C reader's overflow check).
 */
export class SizeReader {
  value = 0;
  private count = 0;
  private negative = false;

  constructor(
    private readonly what: string,
    private readonly context: string,
  ) {}

  reset(): void {
    this.value = 0;
    this.count = 0;
    this.negative = false;
  }

  /** Returns true when the size is complete. `offset` is where `byte` sits, for messages. */
  push(byte: number, offset: number): boolean {
    if (this.count === 0) {
      this.negative = (byte & 0x40) !== 0;
      this.value = byte & 0x3f;
    } else {
      if (this.count >= MAX_SIZE_BYTES) {
        throw new DecodeError('DECODE_INVALID_VALUE', { context: this.context, offset }, `${this.what} of at most ${MAX_SIZE_BYTES} bytes (27 bits)`, 'a fifth byte');
      }
      this.value += (byte & 0x7f) * 2 ** (6 + 7 * (this.count - 1));
    }
    this.count++;
    if ((byte & 0x80) !== 0) return false;
    if (this.negative) this.value = -this.value;
    this.count = 0;
    return true;
  }

  get started(): boolean {
    return this.count > 0;
  }
}

export interface DetoolsHeader {
  compression: DetoolsCompression;
  /** Only for heatshrink with a non-empty image: from the first byte of the compressed stream. */
  heatshrink?: HeatshrinkParams;
  /** Size of the new image. */
  toSizeBytes: number;
  /** Bytes before the compressed stream (type byte + to-size); heatshrink's byte opens the stream. */
  headerBytes: number;
}

/** The fixed header byte for a sequential patch with `compression`. */
export function headerByte(compression: DetoolsCompression): number {
  return (PATCH_TYPE_SEQUENTIAL << 4) | COMPRESSION_IDS[compression];
}

/** Checks the type byte; returns the compression it names. */
export function parseHeaderByte(byte: number, context = DETOOLS_CONTEXT): DetoolsCompression {
  const patchType = (byte >> 4) & 0x7;
  const id = byte & 0xf;
  if ((byte & 0x80) !== 0 || patchType !== PATCH_TYPE_SEQUENTIAL) {
    throw new DecodeError('DECODE_INVALID_VALUE', { context, offset: 0 }, 'patch type 0 (sequential) in bits 6..4 and bit 7 clear', `0x${byte.toString(16).padStart(2, '0')} (type ${patchType})`);
  }
  for (const [name, value] of Object.entries(COMPRESSION_IDS)) if (value === id) return name as DetoolsCompression;
  const known = COMPRESSION_NAMES[id];
  throw new DecodeError('DECODE_INVALID_VALUE', { context, offset: 0 }, 'compression none (0), crle (2) or heatshrink (4)', known === undefined ? `id ${id}` : `${known} (${id})`);
}

/** heatshrink parameter byte of detools/compression/heatshrink.py pack_header (compression.ts writes it). */
export function heatshrinkParamsByte(params: HeatshrinkParams): number {
  validateHeatshrinkParams(params, 'encode');
  return ((params.windowSz2 - 4) << 4) | (params.lookaheadSz2 - 3);
}

export function parseHeatshrinkParamsByte(byte: number, offset: number, context = DETOOLS_CONTEXT): HeatshrinkParams {
  const windowSz2 = (byte >> 4) + 4;
  const lookaheadSz2 = (byte & 0xf) + 3;
  // heatshrink_decoder_alloc refuses only lookahead > window.
  if (lookaheadSz2 > windowSz2) {
    throw new DecodeError('DECODE_INVALID_VALUE', { context, offset }, 'heatshrink lookahead bits at most the window bits', `window ${windowSz2}, lookahead ${lookaheadSz2} (0x${byte.toString(16).padStart(2, '0')})`);
  }
  return { windowSz2, lookaheadSz2 };
}

/** Reads the header of a whole patch (and the heatshrink parameter byte). */
export function readDetoolsHeader(patch: Uint8Array): DetoolsHeader {
  if (patch.length === 0) throw new DecodeError('DECODE_TRUNCATED', { context: DETOOLS_CONTEXT, offset: 0 }, 'the patch type byte', 'end of patch');
  const compression = parseHeaderByte(patch[0]!);
  const reader = new SizeReader('to-size', DETOOLS_CONTEXT);
  let at = 1;
  for (;;) {
    if (at >= patch.length) throw new DecodeError('DECODE_TRUNCATED', { context: DETOOLS_CONTEXT, offset: at }, 'a to-size byte', 'end of patch');
    const byte = patch[at]!;
    if (at === 1 && (byte & 0x40) !== 0) {
      throw new DecodeError('DECODE_INVALID_VALUE', { context: DETOOLS_CONTEXT, offset: at }, 'a to-size without the sign bit 0x40', `0x${byte.toString(16).padStart(2, '0')}`);
    }
    if (reader.push(byte, at++)) break;
  }
  const header: DetoolsHeader = { compression, toSizeBytes: reader.value, headerBytes: at };
  if (compression === 'heatshrink' && header.toSizeBytes > 0) {
    if (at >= patch.length) throw new DecodeError('DECODE_TRUNCATED', { context: DETOOLS_CONTEXT, offset: at }, 'the heatshrink parameter byte', 'end of patch');
    header.heatshrink = parseHeatshrinkParamsByte(patch[at]!, at);
  }
  return header;
}
