import { matrixLine } from '../../src/fec/parity-matrix.js';
import type { Ts004Matrix } from '../../src/fec/scheme.js';

/** Deterministic bytes for tests (xorshift32), so failures reproduce. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Rank over GF(2) of the equations carried by fragments `ns`, computed independently of the
 * decoder: spec-form matrix lines as BigInt bit masks and a plain XOR basis.
 */
export function oracleRank(ns: readonly number[], nbFrag: number, matrix: Ts004Matrix): number {
  const basis = new Map<number, bigint>();
  for (const n of ns) {
    let row: bigint;
    if (n <= nbFrag) {
      row = 1n << BigInt(n - 1);
    } else {
      const seed = matrix === 'v2' ? n : n - nbFrag;
      const line = matrixLine(seed, nbFrag, matrix === 'v1' ? 'count-all' : 'count-new');
      row = 0n;
      for (let i = 0; i < nbFrag; i++) if (line[i]) row |= 1n << BigInt(i);
    }
    while (row !== 0n) {
      const top = row.toString(2).length - 1;
      const pivot = basis.get(top);
      if (pivot === undefined) {
        basis.set(top, row);
        break;
      }
      row ^= pivot;
    }
  }
  return basis.size;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
