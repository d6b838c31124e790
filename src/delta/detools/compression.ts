// The compressions of a detools sequential patch (eerimoq/detools): everything after the patch
// header (type/compression byte and the to-size) is ONE compressed stream, read through one
// decompressor from the first record to the last (detools src/c/detools.c, process_init and
// patch_reader_init; detools/create.py compresses the records the same way).
//
// Stream framing, per kind, as detools writes and reads it:
// - none: the bytes as they are.
// - crle: segments `kind varint(size) payload` (detools/compression/crle.py; detools.c
//   patch_reader_crle_*); see crle.ts.
// - heatshrink: ONE header byte `(windowSz2 - 4) << 4 | (lookaheadSz2 - 3)`, then the heatshrink
//   bit stream (detools/compression/heatshrink.py pack_header; detools.c
//   unpack_heatshrink_header). The C library's default build accepts only 8/7 (header 0x44) and
//   fails on any other with DETOOLS_HEATSHRINK_HEADER. compressStream writes that header byte and
//   createDecompressor reads it: callers do not handle it.
//
// Contract for the format layer: compressStream(kind, records) gives the bytes that follow the
// patch header; createDecompressor(kind) turns them back, streaming, in bounded memory.
import { InternalError, ValueError } from '../../core/errors.js';

export type DetoolsCompression = 'none' | 'crle' | 'heatshrink';

export const DETOOLS_COMPRESSIONS: readonly DetoolsCompression[] = Object.freeze(['none', 'crle', 'heatshrink']);

/** heatshrink's two parameters, named as heatshrink names them (log2 of window and lookahead). */
export interface HeatshrinkParams {
  windowSz2: number;
  lookaheadSz2: number;
}

/** heatshrink's and detools' default; the only one detools' default C build accepts. */
export const DEFAULT_HEATSHRINK: Readonly<HeatshrinkParams> = Object.freeze({ windowSz2: 8, lookaheadSz2: 7 });

// heatshrink_common.h: HEATSHRINK_MIN_WINDOW_BITS 4, HEATSHRINK_MAX_WINDOW_BITS 15,
// HEATSHRINK_MIN_LOOKAHEAD_BITS 3.
export const HEATSHRINK_MIN_WINDOW_SZ2 = 4;
export const HEATSHRINK_MAX_WINDOW_SZ2 = 15;
export const HEATSHRINK_MIN_LOOKAHEAD_SZ2 = 3;

/**
 * Checks heatshrink parameters. heatshrink_encoder_alloc refuses lookahead >= window;
 * heatshrink_decoder_alloc only lookahead > window, so a decoder also takes lookahead == window
 * (heatshrink's own decoder tests use 7/7). Throws ValueError naming the field.
 */
export function validateHeatshrinkParams(params: HeatshrinkParams, role: 'encode' | 'decode' = 'encode'): void {
  const { windowSz2, lookaheadSz2 } = params;
  if (!Number.isInteger(windowSz2) || windowSz2 < HEATSHRINK_MIN_WINDOW_SZ2 || windowSz2 > HEATSHRINK_MAX_WINDOW_SZ2) {
    throw new ValueError(
      'heatshrink.windowSz2',
      `an integer ${HEATSHRINK_MIN_WINDOW_SZ2}..${HEATSHRINK_MAX_WINDOW_SZ2}`,
      windowSz2,
    );
  }
  const maxLookahead = role === 'encode' ? windowSz2 - 1 : windowSz2;
  if (!Number.isInteger(lookaheadSz2) || lookaheadSz2 < HEATSHRINK_MIN_LOOKAHEAD_SZ2 || lookaheadSz2 > maxLookahead) {
    throw new ValueError(
      'heatshrink.lookaheadSz2',
      `an integer ${HEATSHRINK_MIN_LOOKAHEAD_SZ2}..${maxLookahead} (${role === 'encode' ? 'below' : 'at most'} windowSz2 ${windowSz2})`,
      lookaheadSz2,
    );
  }
}

export function validateCompression(kind: unknown): asserts kind is DetoolsCompression {
  if (!DETOOLS_COMPRESSIONS.includes(kind as DetoolsCompression)) {
    throw new ValueError('compression', DETOOLS_COMPRESSIONS.join(' | '), String(kind));
  }
}

/** Compresses `data` as one detools stream of the given kind (heatshrink: header byte included). */
export function compressStream(kind: DetoolsCompression, data: Uint8Array, heatshrink?: HeatshrinkParams): Uint8Array {
  validateCompression(kind);
  if (heatshrink !== undefined) validateHeatshrinkParams(heatshrink, 'encode');
  switch (kind) {
    case 'none':
      return data.slice();
    default:
      throw new InternalError('NOT_IMPLEMENTED', `compression ${kind}: not implemented yet`);
  }
}

/**
 * Streaming decompressor with bounded memory (heatshrink: its 2^windowSz2 window, as on the
 * device). `push` compressed bytes in chunks of any size; decompressed bytes go to `output` as
 * they become known (each call a fresh array the receiver may keep). `end` checks the stream ended
 * where a valid one may; throws DecodeError (offset = byte offset in the compressed stream).
 * After an error the decompressor is unusable.
 */
export interface Decompressor {
  push(input: Uint8Array, output: (bytes: Uint8Array) => void): void;
  end(output: (bytes: Uint8Array) => void): void;
}

/**
 * `heatshrink`: the parameters the device's build has; the stream's header byte must name exactly
 * these (as detools' C library checks). Omitted: any valid header is accepted (as detools'
 * Python reader does).
 */
export function createDecompressor(kind: DetoolsCompression, heatshrink?: HeatshrinkParams): Decompressor {
  validateCompression(kind);
  if (heatshrink !== undefined) validateHeatshrinkParams(heatshrink, 'decode');
  switch (kind) {
    case 'none':
      return new PassThrough();
    default:
      throw new InternalError('NOT_IMPLEMENTED', `compression ${kind}: not implemented yet`);
  }
}

class PassThrough implements Decompressor {
  push(input: Uint8Array, output: (bytes: Uint8Array) => void): void {
    if (input.length > 0) output(input.slice());
  }

  end(): void {}
}
