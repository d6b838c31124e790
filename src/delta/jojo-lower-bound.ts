// A proven lower bound on the size of ANY JojoDiff patch from an old image to a new one, in a
// janpatch dialect: no encoder, jdiff 0.8.5 included, can write a smaller patch. It answers
// "how much is left to win inside this format" with a number instead of an estimate (issue #18).
//
// Every new byte comes either from a data run (MOD/INS: one patch byte per data byte, escapes
// only add) or from an EQL (copies old bytes at the old position; `ESC EQL n` is at least 3
// bytes). A data run costs its marker where the dialect needs one: `legacy` always (2 bytes,
// ESC MOD / ESC INS); `current` may leave it out after EQL/DEL/BKT and at the start (janpatch
// >= c8ad3ee), so 0 there. The bound relaxes everything else in the patch's favour:
// - an EQL may copy from anywhere in the old image (DEL/BKT seeks cost nothing),
// - every EQL costs 3 bytes whatever its length, escapes cost nothing,
// - in `current`, no data run pays a marker (an INS or a MOD after INS would).
// Under these costs an EQL starting at i is best taken as long as the longest match of new[i..]
// anywhere in old (any suffix of a match is a match, so stopping earlier can only add an EQL
// later: reach i + l(i) is what matters, and j + l(j) <= (i + l(i)) + l(i + l(i)) ...), which makes
// the minimum a shortest path over new positions with two states (after data / after anything
// else), computed exactly with the suffix array's longest match at each position.
import { ValueError } from '../core/errors.js';
import { type JanpatchDialect } from './jojo-format.js';
import { buildSuffixArray, longestMatch, type Match } from './suffix-array.js';

const EQL_MIN_BYTES = 3; // ESC EQL + a one-byte length
const LEGACY_MARKER_BYTES = 2; // ESC MOD / ESC INS

/** Smallest possible JojoDiff patch size in `dialect` (bytes) turning `oldImage` into `newImage`. */
export function jojoPatchLowerBoundBytes(oldImage: Uint8Array, newImage: Uint8Array, dialect: JanpatchDialect): number {
  if (dialect !== 'legacy' && dialect !== 'current') throw new ValueError('dialect', "'legacy' or 'current'", dialect);
  const n = newImage.length;
  if (n === 0) return 0;
  const marker = dialect === 'legacy' ? LEGACY_MARKER_BYTES : 0;
  const reach = new Int32Array(n);
  if (oldImage.length > 0) {
    const sa = buildSuffixArray(oldImage);
    const match: Match = { oldOffset: 0, lengthBytes: 0 };
    for (let i = 0; i < n; i++) {
      longestMatch(oldImage, sa, newImage, i, n - i, match);
      reach[i] = i + match.lengthBytes;
    }
  } else {
    for (let i = 0; i < n; i++) reach[i] = i;
  }
  // afterOther[i]: least cost of new[0, i) ending with an EQL (or nothing); afterData[i]: ending in a data run.
  const afterOther = new Float64Array(n + 1).fill(Infinity);
  const afterData = new Float64Array(n + 1).fill(Infinity);
  afterOther[0] = 0;
  for (let i = 0; i < n; i++) {
    const other = afterOther[i]!;
    const data = afterData[i]!;
    const end = reach[i]!;
    if (end > i) {
      const viaEql = Math.min(other, data) + EQL_MIN_BYTES;
      if (viaEql < afterOther[end]!) afterOther[end] = viaEql;
    }
    const viaData = Math.min(other + marker + 1, data + 1);
    if (viaData < afterData[i + 1]!) afterData[i + 1] = viaData;
  }
  return Math.min(afterOther[n]!, afterData[n]!);
}
