// Candidate matches for the JojoDiff parse (jojo-parse.ts): maximal exact runs new[s, e) ==
// old[s + d, e + d) on "diagonals" d (old position - new position). Two sources:
//  - a few recently productive diagonals, scanned at every position: recompiled firmware keeps
//    most code on the diagonal it had, broken by changed branch offsets and literal-pool
//    addresses, so the runs after each break are on a diagonal already in use;
//  - a suffix array over the old image, asked wherever no known run covers the next bytes: the
//    longest match and its neighbours in suffix order (code that moved, or occurs twice).
// The parse decides which runs to use; this pass only has to offer the ones worth pricing.
import { findMatches } from './suffix-array.js';

export interface CandidateTuning {
  /** Diagonals kept for the per-position scan (most recently productive first). */
  activeDiagonals: number;
  /** Shortest run recorded on an active diagonal (an EQL costs 3 bytes). */
  minRunBytes: number;
  /** Shortest suffix-array match that opens a new diagonal (a seek and an EQL cost 6). */
  minSearchRunBytes: number;
  /** Suffix-array matches asked per search. */
  searchCandidates: number;
  /** Bytes compared per search (caps the work in long identical regions). */
  searchCapBytes: number;
  /** No search while a recorded run covers at least this many of the next bytes. */
  coveredAheadBytes: number;
  /** How far a run found by the search is followed backwards. */
  backwardLimitBytes: number;
}

export const DEFAULT_CANDIDATE_TUNING: Readonly<CandidateTuning> = {
  activeDiagonals: 8,
  minRunBytes: 3,
  minSearchRunBytes: 6,
  searchCandidates: 4,
  searchCapBytes: 512,
  coveredAheadBytes: 16,
  backwardLimitBytes: 4096,
};

/** Runs sorted by start (ties: any order). Run k is new[start[k], end[k]) on diagonal[k]. */
export interface CandidateRuns {
  count: number;
  start: Int32Array;
  end: Int32Array;
  diagonal: Int32Array;
}

class RunList {
  count = 0;
  start: Int32Array = new Int32Array(1024);
  end: Int32Array = new Int32Array(1024);
  diagonal: Int32Array = new Int32Array(1024);

  push(start: number, end: number, diagonal: number): void {
    if (this.count === this.start.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.start = grow(this.start);
      this.end = grow(this.end);
      this.diagonal = grow(this.diagonal);
    }
    this.start[this.count] = start;
    this.end[this.count] = end;
    this.diagonal[this.count++] = diagonal;
  }
}

export function findCandidateRuns(oldImage: Uint8Array, newImage: Uint8Array, sa: Int32Array, t: CandidateTuning): CandidateRuns {
  const oldLength = oldImage.length;
  const newLength = newImage.length;
  const runs = new RunList();
  // Active diagonals: their value, the end of the run last recorded on each, and how long each
  // is kept: until well past its last run, longer for a long run (the diagonal the code is on
  // must survive an island where the search offers several short matches elsewhere).
  const active = new Int32Array(t.activeDiagonals);
  const activeEnd = new Int32Array(t.activeDiagonals);
  const activeUsed = new Float64Array(t.activeDiagonals);
  const keep = (s: number, e: number): number => e + 2 * (e - s);
  let activeCount = 0;
  // End of the last run recorded per diagonal, so a diagonal found again is not recorded twice.
  const recordedEnd = new Map<number, number>();
  const offsets = new Int32Array(t.searchCandidates);
  const lengths = new Int32Array(t.searchCandidates);
  let coveredEnd = 0;

  const forward = (s: number, d: number): number => {
    let i = s;
    let o = s + d;
    while (i < newLength && o < oldLength && newImage[i] === oldImage[o]) {
      i++;
      o++;
    }
    return i;
  };
  const record = (s: number, e: number, d: number): void => {
    runs.push(s, e, d);
    recordedEnd.set(d, e);
    if (e > coveredEnd) coveredEnd = e;
  };

  if (oldLength > 0 && t.activeDiagonals > 0) {
    active[0] = 0;
    activeCount = 1;
  }
  for (let s = 0; s < newLength; s++) {
    for (let k = 0; k < activeCount; k++) {
      if (s < activeEnd[k]!) continue;
      const d = active[k]!;
      const o = s + d;
      if (o < 0 || o >= oldLength || newImage[s] !== oldImage[o]) continue;
      const e = forward(s, d);
      activeEnd[k] = e;
      if (e - s >= t.minRunBytes) {
        record(s, e, d);
        activeUsed[k] = Math.max(activeUsed[k]!, keep(s, e));
      }
    }
    if (coveredEnd - s >= t.coveredAheadBytes) continue;
    const found = findMatches(oldImage, sa, newImage, s, t.searchCapBytes, t.minSearchRunBytes, t.searchCandidates, offsets, lengths);
    for (let c = 0; c < found; c++) {
      // A match that ends inside what known runs already cover offers nothing new.
      if (s + lengths[c]! <= coveredEnd && lengths[c]! < t.searchCapBytes) continue;
      const d = offsets[c]! - s;
      let slot = -1;
      for (let k = 0; k < activeCount; k++) if (active[k] === d) slot = k;
      if (slot >= 0) {
        continue; // found by the scan above at s or before
      }
      const e = forward(s, d);
      const previous = recordedEnd.get(d) ?? -1;
      if (previous < e) {
        let b = s;
        const stop = Math.max(0, s - t.backwardLimitBytes, previous, -d);
        while (b > stop && newImage[b - 1] === oldImage[b - 1 + d]) b--;
        record(b, e, d);
      }
      if (active.length === 0) continue;
      // The new diagonal replaces the least recently productive one.
      if (activeCount < active.length) slot = activeCount++;
      else {
        slot = 0;
        for (let k = 1; k < activeCount; k++) if (activeUsed[k]! < activeUsed[slot]!) slot = k;
      }
      active[slot] = d;
      activeEnd[slot] = e;
      activeUsed[slot] = keep(s, e);
    }
  }
  return sortByStart(runs);
}

/** Counting sort of the runs by start position (stable). */
function sortByStart(list: RunList): CandidateRuns {
  const count = list.count;
  let max = 0;
  for (let k = 0; k < count; k++) if (list.start[k]! > max) max = list.start[k]!;
  const bucket = new Int32Array(max + 2);
  for (let k = 0; k < count; k++) bucket[list.start[k]! + 1]!++;
  for (let p = 1; p < bucket.length; p++) bucket[p]! += bucket[p - 1]!;
  const start = new Int32Array(count);
  const end = new Int32Array(count);
  const diagonal = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const at = bucket[list.start[k]!]!++;
    start[at] = list.start[k]!;
    end[at] = list.end[k]!;
    diagonal[at] = list.diagonal[k]!;
  }
  return { count, start, end, diagonal };
}
