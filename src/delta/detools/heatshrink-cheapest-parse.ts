// The dynamic programme behind heatshrink's optimal parse, shared by the encoder
// (heatshrink-encoder.ts, which also needs the choices) and the slice pricer
// (heatshrink-slice-cost.ts, bits only, on reused tables).
//
// bits[i] = fewest bits to encode data[i..n): a literal (9 bits: tag + byte) then bits[i + 1], or
// a backreference (1 + window + lookahead bits) of any length 1..length[i] then bits[i + L]. The
// prefix minima of bits[i+1..] are kept on a stack, positions increasing and bits non-increasing
// from its top (index top) to its bottom (index 0), so the cheapest position within i+1..i+L is
// the deepest one at or before i+L: a binary search per position.

export const LITERAL_BITS = 9;

/** Work arrays of at least n + 1 entries each. */
export interface ParseTables {
  bits: Float64Array;
  stackPos: Int32Array;
  stackBits: Float64Array;
}

/**
 * Fewest bits for data[0, n) given the longest match length at each position; with `choice`, also
 * what to write at each position (0 = a literal, else the backreference length).
 */
export function cheapestParseBits(length: Int32Array, n: number, backrefBits: number, tables: ParseTables, choice?: Int32Array): number {
  const { bits, stackPos, stackBits } = tables;
  bits[n] = 0;
  let top = 0;
  stackPos[0] = n;
  stackBits[0] = 0;
  for (let i = n - 1; i >= 0; i--) {
    let best = LITERAL_BITS + bits[i + 1]!;
    let pick = 0;
    const longest = length[i]!;
    if (longest > 0) {
      const reach = i + longest;
      let lo = 0;
      let hi = top;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (stackPos[mid]! <= reach) hi = mid;
        else lo = mid + 1;
      }
      const viaBackref = backrefBits + stackBits[lo]!;
      if (viaBackref < best) {
        best = viaBackref;
        pick = stackPos[lo]! - i;
      }
    }
    bits[i] = best;
    if (choice) choice[i] = pick;
    while (top >= 0 && stackBits[top]! > best) top--;
    top++;
    stackPos[top] = i;
    stackBits[top] = best;
  }
  return bits[0]!;
}
