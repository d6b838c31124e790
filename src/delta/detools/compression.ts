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
// Where a stream may end: heatshrink after its last literal/backreference with fewer than 8 zero
// padding bits (what heatshrink's encoder writes; detools' reader fails on a byte it never
// needed); CRLE at a segment boundary; none anywhere. Bytes after a complete CRLE or none stream
// decode as more data: the format layer refuses output beyond the patch's to-size.
// Encoders: heatshrink-encoder.ts (optimal parse; never larger than heatshrink's greedy one) and
// crle.ts (optimal segments; never larger than crle.py's). Empty input: heatshrink gives the
// header byte alone, CRLE `00 00` (as crle.py).
import { DecodeError, ValueError } from '../../core/errors.js';
import { CrleDecoder, encodeCrle } from './crle.js';
import { HEATSHRINK_CONTEXT, HeatshrinkDecoder } from './heatshrink-decoder.js';
import { encodeHeatshrink } from './heatshrink-encoder.js';

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
    case 'crle':
      return encodeCrle(data);
    case 'heatshrink': {
      const params = heatshrink ?? DEFAULT_HEATSHRINK;
      const body = encodeHeatshrink(data, params);
      const out = new Uint8Array(1 + body.length);
      out[0] = heatshrinkHeaderByte(params);
      out.set(body, 1);
      return out;
    }
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
    case 'crle':
      return new CrleDecoder();
    case 'heatshrink':
      return new HeatshrinkStream(heatshrink);
  }
}

/** detools' heatshrink header byte (detools/compression/heatshrink.py pack_header). */
export function heatshrinkHeaderByte(params: HeatshrinkParams): number {
  return ((params.windowSz2 - 4) << 4) | (params.lookaheadSz2 - 3);
}

/** The parameters a detools heatshrink header byte names (detools.c unpack_heatshrink_header). */
export function parseHeatshrinkHeaderByte(byte: number): HeatshrinkParams {
  return { windowSz2: ((byte >> 4) & 0xf) + 4, lookaheadSz2: (byte & 0xf) + 3 };
}

/** The header byte, then heatshrink's bit stream with the parameters it names. */
class HeatshrinkStream implements Decompressor {
  private decoder: HeatshrinkDecoder | undefined;
  private failed = false;

  constructor(private readonly expected: HeatshrinkParams | undefined) {}

  push(input: Uint8Array, output: (bytes: Uint8Array) => void): void {
    if (input.length === 0) return;
    if (this.decoder === undefined) {
      this.decoder = this.start(input[0]!);
      input = input.subarray(1);
    }
    this.decoder.push(input, output);
  }

  end(output: (bytes: Uint8Array) => void): void {
    if (this.decoder === undefined) {
      this.fail('DECODE_TRUNCATED', 'the heatshrink header byte', 'end of stream');
    }
    this.decoder.end(output);
  }

  private start(byte: number): HeatshrinkDecoder {
    if (this.failed) this.fail('DECODE_INVALID_VALUE', 'a decoder not failed', 'a failed one');
    const params = parseHeatshrinkHeaderByte(byte);
    const shown = `0x${byte.toString(16).padStart(2, '0')} (window ${params.windowSz2}, lookahead ${params.lookaheadSz2})`;
    if (this.expected !== undefined) {
      if (params.windowSz2 !== this.expected.windowSz2 || params.lookaheadSz2 !== this.expected.lookaheadSz2) {
        const want = heatshrinkHeaderByte(this.expected);
        this.fail(
          'DECODE_INVALID_VALUE',
          `header 0x${want.toString(16).padStart(2, '0')} (window ${this.expected.windowSz2}, lookahead ${this.expected.lookaheadSz2}, as the device's build)`,
          shown,
        );
      }
    } else {
      try {
        validateHeatshrinkParams(params, 'decode');
      } catch {
        this.fail('DECODE_INVALID_VALUE', 'a header with window 4..15 and lookahead 3..window', shown);
      }
    }
    return new HeatshrinkDecoder(params, 1);
  }

  private fail(code: 'DECODE_TRUNCATED' | 'DECODE_INVALID_VALUE', expected: string, actual: string): never {
    this.failed = true;
    throw new DecodeError(code, { context: HEATSHRINK_CONTEXT, offset: 0 }, expected, actual);
  }
}

class PassThrough implements Decompressor {
  push(input: Uint8Array, output: (bytes: Uint8Array) => void): void {
    if (input.length > 0) output(input.slice());
  }

  end(): void {}
}
