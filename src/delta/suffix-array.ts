// Suffix array by induced sorting (SA-IS, Nong, Zhang & Chan 2009): linear time, so a 1 MB old
// image is indexed in well under a second. Used to find, for any position of the new image, the
// longest match anywhere in the old image.

/** Sorted start offsets of every suffix of `text` (an Int32Array of text.length entries). */
export function buildSuffixArray(text: Uint8Array): Int32Array {
  const n = text.length;
  // Shift bytes up by one so 0 can be the unique, smallest sentinel SA-IS needs.
  const s = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) s[i] = text[i]! + 1;
  const sa = new Int32Array(n + 1);
  sais(s, sa, n + 1, 257);
  return sa.subarray(1); // sa[0] is the sentinel suffix
}

function bucketBounds(s: Int32Array, n: number, alphabet: number, ends: boolean): Int32Array {
  const bucket = new Int32Array(alphabet);
  for (let i = 0; i < n; i++) bucket[s[i]!]!++;
  let sum = 0;
  for (let c = 0; c < alphabet; c++) {
    sum += bucket[c]!;
    bucket[c] = ends ? sum : sum - bucket[c]!;
  }
  return bucket;
}

function induce(s: Int32Array, sa: Int32Array, sType: Uint8Array, n: number, alphabet: number): void {
  const starts = bucketBounds(s, n, alphabet, false);
  for (let i = 0; i < n; i++) {
    const j = sa[i]! - 1;
    if (j >= 0 && sType[j] === 0) sa[starts[s[j]!]!++] = j;
  }
  const ends = bucketBounds(s, n, alphabet, true);
  for (let i = n - 1; i >= 0; i--) {
    const j = sa[i]! - 1;
    if (j >= 0 && sType[j] === 1) sa[--ends[s[j]!]!] = j;
  }
}

/** `s[n-1]` must be 0 and occur nowhere else; fills `sa[0..n)`. */
function sais(s: Int32Array, sa: Int32Array, n: number, alphabet: number): void {
  const sType = new Uint8Array(n); // 1 = S-type suffix, 0 = L-type
  sType[n - 1] = 1;
  for (let i = n - 2; i >= 0; i--) {
    sType[i] = s[i]! < s[i + 1]! || (s[i] === s[i + 1] && sType[i + 1] === 1) ? 1 : 0;
  }
  // LMS position: an S-type suffix right after an L-type one (inlined below for speed).

  // Step 1: sort LMS substrings by inducing from LMS positions dropped at bucket ends.
  sa.fill(-1, 0, n);
  let ends = bucketBounds(s, n, alphabet, true);
  for (let i = 1; i < n; i++) if (sType[i] === 1 && sType[i - 1] === 0) sa[--ends[s[i]!]!] = i;
  induce(s, sa, sType, n, alphabet);

  // Step 2: name LMS substrings in sorted order.
  let lmsCount = 0;
  for (let i = 0; i < n; i++) {
    const p = sa[i]!;
    if (p > 0 && sType[p] === 1 && sType[p - 1] === 0) sa[lmsCount++] = p;
  }
  sa.fill(-1, lmsCount, n);
  let names = 0;
  let previous = -1;
  for (let i = 0; i < lmsCount; i++) {
    const position = sa[i]!;
    let differs = previous < 0;
    for (let d = 0; !differs; d++) {
      if (s[position + d] !== s[previous + d] || sType[position + d] !== sType[previous + d]) {
        differs = true;
      } else if (d > 0 && ((sType[position + d] === 1 && sType[position + d - 1] === 0) || (sType[previous + d] === 1 && sType[previous + d - 1] === 0))) {
        break;
      }
    }
    if (differs) {
      names++;
      previous = position;
    }
    sa[lmsCount + (position >> 1)] = names - 1;
  }
  const reduced = new Int32Array(lmsCount);
  for (let i = n - 1, j = lmsCount - 1; i >= lmsCount; i--) if (sa[i]! >= 0) reduced[j--] = sa[i]!;

  // Step 3: sort the LMS suffixes, recursing while names repeat.
  const reducedSa = new Int32Array(lmsCount);
  if (names < lmsCount) sais(reduced, reducedSa, lmsCount, names);
  else for (let i = 0; i < lmsCount; i++) reducedSa[reduced[i]!] = i;

  // Step 4: induce the full order from the sorted LMS suffixes.
  const lmsPositions = new Int32Array(lmsCount);
  for (let i = 1, j = 0; i < n; i++) if (sType[i] === 1 && sType[i - 1] === 0) lmsPositions[j++] = i;
  sa.fill(-1, 0, n);
  ends = bucketBounds(s, n, alphabet, true);
  for (let i = lmsCount - 1; i >= 0; i--) {
    const position = lmsPositions[reducedSa[i]!]!;
    sa[--ends[s[position]!]!] = position;
  }
  induce(s, sa, sType, n, alphabet);
}

export interface Match {
  oldOffset: number;
  lengthBytes: number;
}

/**
 * Longest prefix of `target[at..]` occurring in `text`, by binary search over the suffix array
 * keeping the common-prefix lengths of both bounds (so each step compares only new bytes).
 * Lengths are capped at `maxLength` to bound the work in long identical regions.
 */
export function longestMatch(text: Uint8Array, sa: Int32Array, target: Uint8Array, at: number, maxLength: number, out: Match): void {
  out.oldOffset = 0;
  out.lengthBytes = 0;
  if (text.length === 0 || at >= target.length) return;
  const b = bracket(text, sa, target, at, Math.min(maxLength, target.length - at));
  if (b.lcpLo >= b.lcpHi) {
    out.oldOffset = sa[b.lo]!;
    out.lengthBytes = b.lcpLo;
  } else {
    out.oldOffset = sa[b.hi]!;
    out.lengthBytes = b.lcpHi;
  }
}

/** The two neighbouring suffix-array ranks the target sorts between, with their common prefixes. */
interface Bracket {
  lo: number;
  hi: number;
  lcpLo: number;
  lcpHi: number;
}

// One result object reused by every search (hot path: one search per new-image position).
const BRACKET: Bracket = { lo: 0, hi: 0, lcpLo: 0, lcpHi: 0 };

/**
 * Binary search for target[at, at + limit) over the suffix array keeping the common-prefix lengths
 * of both bounds (so each step compares only new bytes). The result is valid until the next call.
 */
function bracket(text: Uint8Array, sa: Int32Array, target: Uint8Array, at: number, limit: number): Bracket {
  const n = text.length;
  let lo = 0;
  let hi = n - 1;
  let lcpLo = commonPrefix(text, sa[lo]!, target, at, 0, limit);
  let lcpHi = commonPrefix(text, sa[hi]!, target, at, 0, limit);
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    const offset = sa[mid]!;
    const k = commonPrefix(text, offset, target, at, Math.min(lcpLo, lcpHi), limit);
    // Target shorter than or equal to this suffix's prefix sorts before it.
    if (k === limit || (offset + k < n && target[at + k]! < text[offset + k]!)) {
      hi = mid;
      lcpHi = k;
    } else {
      lo = mid;
      lcpLo = k;
    }
  }
  BRACKET.lo = lo;
  BRACKET.hi = hi;
  BRACKET.lcpLo = lcpLo;
  BRACKET.lcpHi = lcpHi;
  return BRACKET;
}

/**
 * Up to `maxCount` matches of `target[at..]` in `text` of at least `minLength` bytes: the longest
 * (as `longestMatch` finds it) and its neighbours in suffix order, which share the longest
 * prefixes with it. A parse that prices seeks wants several places to copy from, not just one:
 * the same code often occurs more than once, and the copy nearest the current old position is
 * the cheapest to reach. Returns the count; offsets and lengths go to the two output arrays.
 */
export function findMatches(
  text: Uint8Array,
  sa: Int32Array,
  target: Uint8Array,
  at: number,
  maxLength: number,
  minLength: number,
  maxCount: number,
  outOffsets: Int32Array,
  outLengths: Int32Array,
): number {
  const n = text.length;
  if (n === 0 || at >= target.length || maxCount <= 0) return 0;
  const limit = Math.min(maxLength, target.length - at);
  const { lo, hi, lcpLo, lcpHi } = bracket(text, sa, target, at, limit);
  // Walk outwards from the insertion point: the common prefix with the target only shrinks.
  let count = 0;
  let down = lo;
  let up = hi;
  let downLcp = lcpLo;
  let upLcp = lo === hi ? -1 : lcpHi;
  while (count < maxCount) {
    const takeDown = down >= 0 && downLcp >= minLength && downLcp >= upLcp;
    const takeUp = !takeDown && up < n && upLcp >= minLength;
    if (!takeDown && !takeUp) break;
    if (takeDown) {
      outOffsets[count] = sa[down]!;
      outLengths[count++] = downLcp;
      down--;
      downLcp = down >= 0 ? commonPrefix(text, sa[down]!, target, at, 0, limit) : -1;
    } else {
      outOffsets[count] = sa[up]!;
      outLengths[count++] = upLcp;
      up++;
      upLcp = up < n ? commonPrefix(text, sa[up]!, target, at, 0, limit) : -1;
    }
  }
  return count;
}

/** Length of the common prefix of text[offset..] and target[at..], from `from`, at most `limit`. */
function commonPrefix(text: Uint8Array, offset: number, target: Uint8Array, at: number, from: number, limit: number): number {
  const max = Math.min(limit, text.length - offset);
  let k = from;
  while (k < max && text[offset + k] === target[at + k]) k++;
  return k;
}
