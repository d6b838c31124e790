// Creates JojoDiff patches (see jojo-format.ts) for janpatch. The matcher walks the new image
// keeping a current "diagonal" (old position - new position). Bytes that match on it are copied
// with EQL; short mismatching islands are sent as MOD data, which advances the old position so
// the diagonal survives (code moved by a few bytes changes only branch offsets and literal-pool
// addresses). Where the diagonal stops paying, a suffix array over the old image offers the
// longest match anywhere, and we switch when its estimated cost beats staying. Literal gaps
// before a switch are split into MOD and INS bytes so the old position lands on the new diagonal
// without a DEL/BKT operator whenever the gap is long enough to absorb the shift.
import { PatchWriter } from './patch-writer.js';
import { INS, MOD, lengthOpCostBytes } from './jojo-format.js';
import { buildSuffixArray, longestMatch, type Match } from './suffix-array.js';

export interface DiffTuning {
  /** Shortest exact run on the current diagonal worth an EQL (ESC EQL n + ESC MOD after: 5 B). */
  minResumeBytes: number;
  /** Runs on the current diagonal at least this long skip the search for a better match. */
  trustRunBytes: number;
  /** Estimated saving (bytes) a new diagonal must offer over the current one. */
  switchMarginBytes: number;
  /** Window (bytes) over which staying and switching are compared. */
  compareWindowBytes: number;
}

export const DEFAULT_TUNING: Readonly<DiffTuning> = {
  minResumeBytes: 5,
  trustRunBytes: 32,
  switchMarginBytes: 4,
  compareWindowBytes: 512,
};

const DATA_OP_BYTES = 2; // ESC MOD / ESC INS
const EQL_OP_BYTES = 3; // ESC EQL n, n <= 252

export function createPatch(oldImage: Uint8Array, newImage: Uint8Array, tuning: Partial<DiffTuning> = {}): Uint8Array {
  const t = { ...DEFAULT_TUNING, ...tuning };
  const sa = buildSuffixArray(oldImage);
  const writer = new PatchWriter();
  const oldLength = oldImage.length;
  const newLength = newImage.length;
  const match: Match = { oldOffset: 0, lengthBytes: 0 };

  /** Exact run of new[i..] against old[i + d..]. */
  const run = (i: number, d: number, cap = newLength): number => {
    let o = i + d;
    if (o < 0) return 0;
    const end = Math.min(cap, newLength, i + oldLength - o);
    let k = i;
    while (k < end && newImage[k] === oldImage[o]) {
      k++;
      o++;
    }
    return k - i;
  };

  /**
   * Estimated patch bytes to produce new[i, i+len) on diagonal d: mismatching islands cost their
   * bytes plus a MOD marker and the EQL that resumes; matching runs shorter than minResume are
   * cheaper inside the island.
   */
  const stayCost = (i: number, d: number, len: number, inGap: boolean): number => {
    let cost = 0;
    const end = i + len;
    let k = i;
    while (k < end) {
      const r = run(k, d, end);
      if (r >= t.minResumeBytes || k + r === end) {
        k += r;
        continue;
      }
      // An island: from k up to the next run of >= minResume matches (short runs inside it).
      const islandStart = k;
      k += r > 0 ? r : 1;
      while (k < end) {
        const r2 = run(k, d, end);
        if (r2 >= t.minResumeBytes || (r2 > 0 && k + r2 === end)) break;
        k += r2 > 0 ? r2 : 1;
      }
      // Inside a literal gap the first island's data marker is already paid for.
      const marker = inGap && islandStart === i ? 0 : DATA_OP_BYTES;
      cost += k - islandStart + marker + EQL_OP_BYTES;
    }
    return cost;
  };

  const seekCost = (delta: number): number => (delta === 0 ? 0 : lengthOpCostBytes(Math.abs(delta)));

  let i = 0;
  let d = 0; // current diagonal: old position = i + d
  let gapStart = 0; // literal gap new[gapStart, i) not yet written; old position there = gapStart + d

  /** Writes the pending gap so that the old position ends at i + target. */
  const closeGap = (target: number): void => {
    const g = i - gapStart;
    const advance = i + target - (gapStart + d);
    if (g === 0) {
      writer.seek(advance);
    } else if (advance >= 0 && advance <= g) {
      writer.literal(MOD, newImage, gapStart, gapStart + advance);
      writer.literal(INS, newImage, gapStart + advance, i);
    } else if (advance > g) {
      writer.literal(MOD, newImage, gapStart, i);
      writer.seek(advance - g);
    } else {
      writer.literal(INS, newImage, gapStart, i);
      writer.seek(advance);
    }
    d = target;
  };

  /** Cost of reaching diagonal `target` from the gap as it stands at i. */
  const switchCost = (target: number): number => {
    const g = i - gapStart;
    const advance = i + target - (gapStart + d);
    if (g > 0 && advance >= 0 && advance <= g) return advance > 0 && advance < g ? DATA_OP_BYTES : 0;
    return seekCost(g > 0 ? (advance > g ? advance - g : advance) : advance);
  };

  while (i < newLength) {
    const r = run(i, d);
    // A run reaching the end of the image needs no data marker after it, so it pays from 4 bytes.
    const resumes = r >= t.minResumeBytes || (i + r === newLength && r > EQL_OP_BYTES);
    let target = d;
    let accept = resumes;
    if (!resumes || r < t.trustRunBytes) {
      longestMatch(oldImage, sa, newImage, i, t.compareWindowBytes, match);
      const candidate = match.oldOffset - i;
      const len = match.lengthBytes;
      if (candidate !== d && len > r && len >= t.minResumeBytes) {
        const stay = stayCost(i, d, len, i > gapStart);
        const move = switchCost(candidate) + EQL_OP_BYTES;
        if (stay > move + t.switchMarginBytes) {
          target = candidate;
          accept = true;
        }
      }
    }
    if (!accept) {
      i++;
      continue;
    }
    closeGap(target);
    const copied = run(i, d);
    writer.equal(copied);
    i += copied;
    gapStart = i;
  }
  closeGap(d);
  const patch = writer.finish();
  if (patch.length <= newLength + DATA_OP_BYTES) return patch;
  // Never worse than sending the image as one literal run.
  const literal = new PatchWriter();
  literal.literal(MOD, newImage, 0, newLength);
  const fallback = literal.finish();
  return fallback.length < patch.length ? fallback : patch;
}
