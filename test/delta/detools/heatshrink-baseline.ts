// Test helpers: a greedy heatshrink encoder as a size baseline, and firmware-like data.
//
// The greedy encoder follows the rule of atomicobject/heatshrink heatshrink_encoder.c
// (find_longest_match): at each position take the longest match within the window (zeros before
// the start), as a backreference if it is longer than (1 + windowSz2 + lookaheadSz2) / 8 bytes
// (integer division, break_even_point), else a literal. Brute force: for tests only.
import fc from 'fast-check';
import type { HeatshrinkParams } from '../../../src/delta/detools/compression.js';

export function greedyHeatshrink(data: Uint8Array, params: HeatshrinkParams): Uint8Array {
  const at = (i: number): number => (i < 0 ? 0 : data[i]!);
  const bits: number[] = [];
  const put = (value: number, count: number): void => {
    for (let b = count - 1; b >= 0; b--) bits.push(Math.floor(value / 2 ** b) & 1);
  };
  const breakEven = Math.floor((1 + params.windowSz2 + params.lookaheadSz2) / 8);
  for (let i = 0; i < data.length; ) {
    const cap = Math.min(1 << params.lookaheadSz2, data.length - i);
    let bestLen = 0;
    let bestDist = 0;
    for (let d = 1; d <= 1 << params.windowSz2; d++) {
      let len = 0;
      while (len < cap && at(i - d + len) === data[i + len]) len++;
      if (len > bestLen) {
        bestLen = len;
        bestDist = d;
      }
    }
    if (bestLen > breakEven) {
      put(0, 1);
      put(bestDist - 1, params.windowSz2);
      put(bestLen - 1, params.lookaheadSz2);
      i += bestLen;
    } else {
      put(1, 1);
      put(data[i]!, 8);
      i++;
    }
  }
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((bit, k) => {
    if (bit) out[k >> 3]! |= 0x80 >> (k & 7);
  });
  return out;
}

/**
 * Deterministic firmware-like bytes: code-like words with small variations, copies of earlier
 * stretches (with a byte changed now and then), runs of 0x00/0xff, and random stretches.
 */
export function firmwareLike(seed: number, size: number): Uint8Array {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const out = new Uint8Array(size);
  let i = 0;
  while (i < size) {
    const kind = next();
    const len = Math.min(size - i, 1 + Math.floor(next() * 60));
    if (kind < 0.35 && i > 8) {
      const from = Math.max(0, i - 1 - Math.floor(next() * Math.min(i, 3000)));
      for (let k = 0; k < len; k++) out[i + k] = out[from + k]!;
      if (next() < 0.5) out[i + Math.floor(next() * len)] ^= 1 + Math.floor(next() * 255);
    } else if (kind < 0.5) {
      out.fill(next() < 0.5 ? 0 : 0xff, i, i + len);
    } else if (kind < 0.8) {
      // Thumb-like halfwords: a few opcodes, small immediates.
      for (let k = 0; k + 1 < len; k += 2) {
        out[i + k] = Math.floor(next() * 16);
        out[i + k + 1] = [0x46, 0x68, 0xf0, 0xb5, 0xbd, 0x20][Math.floor(next() * 6)]!;
      }
    } else {
      for (let k = 0; k < len; k++) out[i + k] = Math.floor(next() * 256);
    }
    i += len;
  }
  return out;
}

/**
 * Deterministic bytes like a bsdiff patch stream: long runs of zeros (diff bytes of unchanged
 * code) with sparse small differences, and now and then a stretch of new bytes.
 */
export function patchLike(seed: number, size: number): Uint8Array {
  const code = firmwareLike(seed ^ 0x5a5a5a5a, size);
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const out = new Uint8Array(size);
  for (let i = 0; i < size; ) {
    const kind = next();
    const len = Math.min(size - i, 1 + Math.floor(next() * (kind < 0.6 ? 400 : 40)));
    if (kind < 0.6) {
      // zeros (already)
    } else if (kind < 0.9) {
      for (let k = 0; k < len; k += 1 + Math.floor(next() * 12)) out[i + k] = [1, 2, 4, 0xfc, 0xfe, 0xff][Math.floor(next() * 6)]!;
    } else {
      out.set(code.subarray(i, i + len), i);
    }
    i += len;
  }
  return out;
}

export function firmwareLikeArb(maxSize: number): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: maxSize })).map(([seed, size]) => firmwareLike(seed, size));
}

export function patchLikeArb(maxSize: number): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: maxSize })).map(([seed, size]) => patchLike(seed, size));
}
