// heatshrink encoder with an optimal parse. Same bit stream as atomicobject/heatshrink (see
// heatshrink-decoder.ts for the format), so heatshrink's decoder and detools' C library read it;
// the choices differ. heatshrink's encoder is greedy: at each position it takes the longest match
// if it is longer than (1 + windowSz2 + lookaheadSz2) / 8 bytes (heatshrink_encoder.c
// find_longest_match, break_even_point), and detools' patches use that encoder.
//
// Here every literal costs 9 bits and every backreference 1 + windowSz2 + lookaheadSz2 bits,
// whatever its distance and length, so the cheapest parse only needs, at each position, the
// LONGEST match within the window: every shorter length is a prefix of it, at the same distance.
// A dynamic programme from the end picks, at each position, a literal or a backreference of the
// length 1..longest that minimises the bits to the end; the total is minimal among all parses
// that use those matches (hence never larger than the greedy one, which is one of them).
//
// Window: distances 1..2^windowSz2 back, and the decoder's window starts zeroed
// (heatshrink_decoder_reset), so matches may reach before the start into zeros (heatshrink's
// encoder does the same: its backlog starts zeroed, heatshrink_encoder_reset). Matches may
// overlap the bytes they produce.
//
// Candidates come from hash chains of 3-byte prefixes, last-seen tables for 1- and 2-byte
// matches, and, inside runs of one byte, lists of earlier runs (see longestMatches). The chain
// walk stops at the window's edge, at the longest possible length, or after maxChainSteps: with
// windows up to 4096 bytes the default never cuts it short, so the longest matches are exact and
// the parse is never larger than greedy (8/7, the device default, has a 256-byte window). Above
// that it is exact unless a chain has more than maxChainSteps candidates in the window.
import type { HeatshrinkParams } from './compression.js';
import { LITERAL_BITS, cheapestParseBits } from './heatshrink-cheapest-parse.js';

export interface HeatshrinkEncodeOptions {
  /** Candidates looked at per position, at most; default 4096. */
  maxChainSteps?: number;
}

const HASH_BITS = 16;
const NO_POSITION = -1;
/** Runs at least this long are found through the run lists, not the hash chains. */
const RUN_MIN = 3;

/** Bits of one backreference: tag, index and count. */
export function heatshrinkBackrefBits(params: HeatshrinkParams): number {
  return 1 + params.windowSz2 + params.lookaheadSz2;
}

/**
 * The heatshrink bit stream of `data` (no detools header byte), zero-padded to a whole byte.
 * `params` are not validated here (compression.ts does).
 */
export function encodeHeatshrink(data: Uint8Array, params: HeatshrinkParams, options: HeatshrinkEncodeOptions = {}): Uint8Array {
  const { totalBits, choice, distance } = optimalParse(data, params, options);
  const out = new BitWriter(Math.ceil(totalBits / 8));
  const backrefBits = heatshrinkBackrefBits(params);
  const lookaheadSz2 = params.lookaheadSz2;
  for (let i = 0; i < data.length; ) {
    const len = choice[i]!;
    if (len === 0) {
      out.write(0x100 | data[i]!, LITERAL_BITS);
      i++;
    } else {
      out.write(0, 1);
      out.write(((distance[i]! - 1) * (1 << lookaheadSz2)) + (len - 1), backrefBits - 1);
      i += len;
    }
  }
  return out.bytes;
}

/** The cheapest parse: at each position, 0 for a literal or the backreference length taken there. */
export interface HeatshrinkParse {
  totalBits: number;
  choice: Int32Array;
  /** Distance of the longest match at each position (used when choice > 0). */
  distance: Int32Array;
}

export function optimalParse(data: Uint8Array, params: HeatshrinkParams, options: HeatshrinkEncodeOptions = {}): HeatshrinkParse {
  const n = data.length;
  const { length, distance } = longestMatches(data, params, options.maxChainSteps ?? 4096);

  const choice = new Int32Array(n);
  const tables = { bits: new Float64Array(n + 1), stackPos: new Int32Array(n + 1), stackBits: new Float64Array(n + 1) };
  const totalBits = cheapestParseBits(length, n, heatshrinkBackrefBits(params), tables, choice);
  return { totalBits, choice, distance };
}

/**
 * For each position i of data: the longest match (capped at 2^lookaheadSz2 and at the end of the
 * data) starting within 2^windowSz2 bytes before it, the bytes before the start being zeros, and
 * the nearest distance giving that length.
 *
 * Runs of one byte (patch streams are mostly zeros) would make a plain chain walk quadratic: every
 * earlier position of the run is a candidate. Inside a run (the byte before p equal to p's, r
 * equal bytes from p on) distance 1 gives min(r, cap), and only a candidate with exactly r equal
 * bytes before a different one can give more: r bytes before the end of an earlier run of that
 * byte at least r long. Those runs (3 bytes or longer) are kept per byte value and walked instead.
 */
export function longestMatches(
  data: Uint8Array,
  params: HeatshrinkParams,
  maxChainSteps: number,
): { length: Int32Array; distance: Int32Array } {
  const n = data.length;
  const windowBytes = 1 << params.windowSz2;
  const maxLength = 1 << params.lookaheadSz2;
  // The zeros the decoder's window starts with, then the data.
  const ext = new Uint8Array(windowBytes + n);
  ext.set(data, windowBytes);
  const total = ext.length;

  // runAhead[p]: bytes equal to ext[p] from p on.
  const runAhead = new Int32Array(total);
  for (let p = total - 1; p >= 0; p--) runAhead[p] = p + 1 < total && ext[p + 1] === ext[p] ? runAhead[p + 1]! + 1 : 1;
  // Maximal runs of at least RUN_MIN bytes, in order, each linked to the previous run of its byte.
  const runStarts: number[] = [];
  const runEnds: number[] = [];
  const runPrevSame: number[] = [];
  const latestRunOf = new Int32Array(256).fill(NO_POSITION);
  // endingAt[e]: the run that ends at e (registered once the scan reaches e), or -1.
  const endingAt = new Int32Array(total + 1).fill(NO_POSITION);
  for (let p = 0; p < total; p += runAhead[p]!) {
    if (runAhead[p]! >= RUN_MIN) {
      endingAt[p + runAhead[p]!] = runStarts.length;
      runStarts.push(p);
      runEnds.push(p + runAhead[p]!);
      runPrevSame.push(NO_POSITION);
    }
  }
  const register = (p: number): void => {
    const k = endingAt[p]!;
    if (k === NO_POSITION) return;
    const byte = ext[runStarts[k]!]!;
    runPrevSame[k] = latestRunOf[byte]!;
    latestRunOf[byte] = k;
  };

  const hashHead = new Int32Array(1 << HASH_BITS).fill(NO_POSITION);
  const prev = new Int32Array(total);
  const last1 = new Int32Array(256).fill(NO_POSITION);
  const last2 = new Int32Array(65536).fill(NO_POSITION);
  const hash3 = (p: number): number =>
    Math.imul((ext[p]! << 16) | (ext[p + 1]! << 8) | ext[p + 2]!, 0x9e3779b1) >>> (32 - HASH_BITS);
  const insert = (q: number): void => {
    last1[ext[q]!] = q;
    if (q + 1 < total) last2[(ext[q]! << 8) | ext[q + 1]!] = q;
    if (q + 2 < total) {
      const h = hash3(q);
      prev[q] = hashHead[h]!;
      hashHead[h] = q;
    }
  };
  for (let q = 0; q < windowBytes; q++) {
    register(q);
    insert(q);
  }

  const length = new Int32Array(n);
  const distance = new Int32Array(n);
  for (let p = windowBytes; p < total; p++) {
    register(p);
    const cap = Math.min(maxLength, total - p);
    const oldest = p - windowBytes;
    const byte = ext[p]!;
    const run = runAhead[p]!;
    let bestLen = 0;
    let bestPos = NO_POSITION;
    if (run >= RUN_MIN && ext[p - 1] === byte) {
      bestLen = Math.min(run, cap);
      bestPos = p - 1;
      for (let k = latestRunOf[byte]!; k !== NO_POSITION && bestLen < cap; k = runPrevSame[k]!) {
        const q = runEnds[k]! - run;
        if (q < oldest) break; // earlier runs end earlier still
        if (q < runStarts[k]!) continue; // shorter than `run`: gives less
        let len = run;
        while (len < cap && ext[q + len] === ext[p + len]) len++;
        if (len > bestLen) {
          bestLen = len;
          bestPos = q;
        }
      }
    } else {
      if (cap >= 3) {
        let steps = 0;
        for (let q = hashHead[hash3(p)]!; q >= oldest && steps < maxChainSteps; q = prev[q]!, steps++) {
          if (ext[q + bestLen] !== ext[p + bestLen]) continue;
          let len = 0;
          while (len < cap && ext[q + len] === ext[p + len]) len++;
          if (len > bestLen) {
            bestLen = len;
            bestPos = q;
            if (len === cap) break;
          }
        }
      }
      if (bestLen < 2 && cap >= 2) {
        const q = last2[(byte << 8) | ext[p + 1]!]!;
        if (q >= oldest) {
          bestLen = 2;
          bestPos = q;
        }
      }
      if (bestLen < 1) {
        const q = last1[byte]!;
        if (q >= oldest) {
          bestLen = 1;
          bestPos = q;
        }
      }
    }
    length[p - windowBytes] = bestLen;
    distance[p - windowBytes] = bestLen > 0 ? p - bestPos : 0;
    insert(p);
  }
  return { length, distance };
}

/** Most significant bit first, as heatshrink's push_bits; the last byte's spare bits stay 0. */
class BitWriter {
  readonly bytes: Uint8Array;
  private at = 0;
  private bitIndex = 0; // bits used in bytes[at]

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }

  /** Writes the low `count` bits of value (count <= 31). */
  write(value: number, count: number): void {
    while (count > 0) {
      const room = 8 - this.bitIndex;
      const take = Math.min(room, count);
      count -= take;
      const chunk = Math.floor(value / 2 ** count) & ((1 << take) - 1);
      this.bytes[this.at]! |= chunk << (room - take);
      this.bitIndex += take;
      if (this.bitIndex === 8) {
        this.bitIndex = 0;
        this.at++;
      }
    }
  }
}
