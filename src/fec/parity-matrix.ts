import type { Ts004Matrix } from './scheme.js';

// The TS004 parity code (FragAlgo 0). TS004 v1.0.0 §B / v2.0.0 Annex: a coded fragment N > M is
// the XOR of the data rows selected by a pseudo-random line of M bits, drawn from a 23-bit
// PRBS. The device regenerates the same line from N alone, so every detail below is wire format.

/** One step of the 23-bit PRBS (x^23 + x^18 + 1 as the spec writes it). */
export function prbs23(x: number): number {
  return (x >>> 1) + (((x & 1) ^ ((x >>> 5) & 1)) << 22);
}

export function isPowerOfTwo(value: number): boolean {
  return value > 0 && (value & (value - 1)) === 0;
}

/**
 * The spec's matrix_line(n, M) as a 0/1 array of length M.
 * `coefficients`: 'count-all' (v1.0.0: a repeated column still counts toward M/2) or
 * 'count-new' (v2.0.0: only a newly set column counts).
 * When M is a power of two the draw is taken modulo M + 1 and M itself rejected: the spec's
 * way to use more than the low bits of x.
 */
export function matrixLine(n: number, nbFrag: number, coefficients: 'count-all' | 'count-new'): Uint8Array {
  const line = new Uint8Array(nbFrag);
  const modulus = nbFrag + (isPowerOfTwo(nbFrag) ? 1 : 0);
  const target = Math.floor(nbFrag / 2);
  let x = 1 + 1001 * n;
  let count = 0;
  while (count < target) {
    let r = 65536;
    while (r >= nbFrag) {
      x = prbs23(x);
      r = x % modulus;
    }
    if (coefficients === 'count-all') {
      line[r] = 1;
      count++;
    } else if (line[r] === 0) {
      line[r] = 1;
      count++;
    }
  }
  return line;
}

/** The seed argument n of matrix_line for coded fragment N (see Ts004Matrix). */
export function matrixLineSeed(n: number, nbFrag: number, matrix: Ts004Matrix): number {
  return matrix === 'v2' ? n : n - nbFrag;
}

/** The 0/1 line for coded fragment N > M under `matrix`. */
export function codedFragmentLine(n: number, nbFrag: number, matrix: Ts004Matrix): Uint8Array {
  return matrixLine(matrixLineSeed(n, nbFrag, matrix), nbFrag, matrix === 'v1' ? 'count-all' : 'count-new');
}

/** The data rows (0-based, ascending) that coded fragment N > M XORs together. */
export function codedFragmentColumns(n: number, nbFrag: number, matrix: Ts004Matrix): Uint16Array {
  const line = codedFragmentLine(n, nbFrag, matrix);
  let count = 0;
  for (let i = 0; i < nbFrag; i++) count += line[i]!;
  const columns = new Uint16Array(count);
  for (let i = 0, k = 0; i < nbFrag; i++) if (line[i]) columns[k++] = i;
  return columns;
}

/** The same line bit-packed: bit (c & 31) of word (c >> 5) is column c. */
export function codedFragmentBits(n: number, nbFrag: number, matrix: Ts004Matrix): Uint32Array {
  const line = codedFragmentLine(n, nbFrag, matrix);
  const bits = new Uint32Array(Math.ceil(nbFrag / 32));
  for (let i = 0; i < nbFrag; i++) if (line[i]) bits[i >>> 5]! |= 1 << (i & 31);
  return bits;
}
