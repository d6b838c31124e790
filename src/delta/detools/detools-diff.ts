// Creates detools sequential patches (format in detools-format.ts) with a bsdiff-class matcher:
// a suffix array over the old image finds, for positions of the new image, the longest match
// anywhere; a match is extended forwards and backwards approximately, its mismatches carried as
// "add" diff bytes (new - old), which are mostly zero because recompiled code differs from the
// old mainly in branch offsets and literal-pool addresses shifted by small amounts. Between
// matches the new bytes go as "extra" data, and an adjustment seeks the old image to the next
// match (Colin Percival's bsdiff 4, the algorithm detools/bsdiff.c uses).
//
// The patch is compressed as one stream, so what a record costs depends on the compressor: with
// heatshrink 8/7 a run of zero diff bytes costs 2 bytes per 128 while a lone non-zero byte costs
// a literal and breaks the run; with crle a zero run of any length costs about 5 bytes while
// scattered bytes cost one each. We therefore run the matcher with a few settings of the two
// choices that shape the records (how much better a new match must be before a record is cut, and
// how many mismatches an approximate extension may carry per match) and keep the setting whose
// compressed stream is smallest. One setting is bsdiff's own (8 bytes, 1:1). Then the record
// boundaries of the best candidates are moved where the compressed stream around them is
// smallest (record-refine.ts): bsdiff places them by counting matching bytes, not by what the
// compressor spends on size fields, extra bytes and broken zero runs.
import { ValueError } from '../../core/errors.js';
import { buildSuffixArray, longestMatch, type Match } from '../suffix-array.js';
import { compressStream, DEFAULT_HEATSHRINK, validateHeatshrinkParams, type DetoolsCompression, type HeatshrinkParams } from './compression.js';
import { encodeCrle } from './crle.js';
import { MAX_SIZE_VALUE, headerByte, writeSize } from './detools-format.js';
import { HeatshrinkSliceCost } from './heatshrink-slice-cost.js';
import { refineRecords, type RefineOptions, type SliceCost } from './record-refine.js';

export interface DetoolsOptions {
  compression: DetoolsCompression;
  /** heatshrink window/lookahead bits as the device build has them; default 8/7. */
  heatshrink?: HeatshrinkParams;
}

/** One record: `diffBytes` add-diff bytes, `extraBytes` literal bytes, then seek the old image. */
export interface DetoolsRecord {
  diffBytes: number;
  extraBytes: number;
  adjustment: number;
}

export interface MatcherSettings {
  /** A new match must beat the current alignment by more than this many matching bytes. */
  switchMarginBytes: number;
  /** Extension keeps a region if matchWeight * matches - length grows (bsdiff: 2). */
  matchWeight: number;
  /** Longest match the suffix-array search measures (bounds the work in identical regions). */
  maxMatchBytes: number;
}

export const BSDIFF_SETTINGS: Readonly<MatcherSettings> = { switchMarginBytes: 8, matchWeight: 2, maxMatchBytes: 1 << 16 };

/**
 * Settings tried for every patch; the smallest compressed stream wins. Measured on the bench pairs
 * (bench/firmware): a 3:1 extension helps heatshrink (its mismatch costs a literal, its zero runs
 * 2 bytes per 128), a 4-byte margin the -O2 and 1 MB pairs, a 16-byte margin crle.
 */
const CANDIDATES: readonly Readonly<MatcherSettings>[] = [
  BSDIFF_SETTINGS,
  { switchMarginBytes: 8, matchWeight: 3, maxMatchBytes: 1 << 16 },
  { switchMarginBytes: 4, matchWeight: 3, maxMatchBytes: 1 << 16 },
  { switchMarginBytes: 16, matchWeight: 2, maxMatchBytes: 1 << 16 },
];

/**
 * Records refined per patch, summed over candidates (the first candidate is refined whatever its
 * count). Pricing a boundary move compresses a few hundred bytes: this bounds the work.
 */
const REFINE_RECORD_BUDGET = 400;
/** Margin 128 priced about as well as 256 on the bench pairs (1 byte worse on one), at half the work. */
const REFINE_MARGIN_BYTES = 128;
/** Above this many records, fewer moves and one pass (work ~ linear in records). */
const REFINE_FULL_RECORDS = 1000;
const REFINE_LIGHT: RefineOptions = { stepsBytes: [1, 2, 4, 8], passes: 1, triesPerBoundary: 1 };

const LONG_MATCH_BYTES = 64;
const LONG_STREAK = 1024;

/** Records covering `newImage` (bsdiff's scan with the given settings). */
export function matchRecords(oldImage: Uint8Array, newImage: Uint8Array, sa: Int32Array, settings: Readonly<MatcherSettings> = BSDIFF_SETTINGS): DetoolsRecord[] {
  const oldLength = oldImage.length;
  const newLength = newImage.length;
  const weight = settings.matchWeight;
  const records: DetoolsRecord[] = [];
  const match: Match = { oldOffset: 0, lengthBytes: 0 };
  const same = (newAt: number, oldAt: number): boolean => oldAt >= 0 && oldAt < oldLength && oldImage[oldAt] === newImage[newAt];

  let scan = 0;
  let length = 0;
  let position = 0;
  let lastScan = 0;
  let lastPosition = 0;
  let lastOffset = 0;
  while (scan < newLength) {
    // Find the next position where a match elsewhere beats staying on the current alignment.
    let oldScore = 0;
    scan += length;
    let scored = scan;
    let streak = 0;
    for (; scan < newLength; scan++) {
      if (oldLength > 0) {
        longestMatch(oldImage, sa, newImage, scan, settings.maxMatchBytes, match);
        length = match.lengthBytes;
        position = match.oldOffset;
      } else {
        length = 0;
      }
      for (; scored < scan + length; scored++) if (same(scored, scored + lastOffset)) oldScore++;
      if ((length === oldScore && length !== 0) || length > oldScore + settings.switchMarginBytes) break;
      if (same(scan, scan + lastOffset)) oldScore--;
      // bsdiff's scan is quadratic where long matches exist everywhere but none beats the current
      // alignment (images of two different periods): after a long streak of such positions, step
      // over part of the match instead of searching at every byte. Firmware pairs never get here.
      if (length >= LONG_MATCH_BYTES && ++streak > LONG_STREAK) {
        const end = Math.min(newLength - 1, scan + (length >> 1));
        while (scan < end) {
          scan++;
          if (same(scan, scan + lastOffset)) oldScore--;
        }
      }
    }
    if (length === oldScore && scan !== newLength) continue;

    // Forward extension of the previous match, approximately.
    let forward = 0;
    {
      let s = 0;
      let best = 0;
      for (let i = 0; lastScan + i < scan && lastPosition + i < oldLength; ) {
        if (oldImage[lastPosition + i] === newImage[lastScan + i]) s++;
        i++;
        const score = s * weight - i;
        if (score > best) {
          best = score;
          forward = i;
        }
      }
    }
    // Backward extension of the new match.
    let backward = 0;
    if (scan < newLength) {
      let s = 0;
      let best = 0;
      for (let i = 1; scan >= lastScan + i && position >= i; i++) {
        if (oldImage[position - i] === newImage[scan - i]) s++;
        const score = s * weight - i;
        if (score > best) {
          best = score;
          backward = i;
        }
      }
    }
    // Where both extensions overlap, cut where the forward one stops paying.
    const overlap = lastScan + forward - (scan - backward);
    if (overlap > 0) {
      let s = 0;
      let best = 0;
      let cut = 0;
      for (let i = 0; i < overlap; i++) {
        if (newImage[lastScan + forward - overlap + i] === oldImage[lastPosition + forward - overlap + i]) s++;
        if (newImage[scan - backward + i] === oldImage[position - backward + i]) s--;
        if (s > best) {
          best = s;
          cut = i + 1;
        }
      }
      forward += cut - overlap;
      backward -= cut;
    }
    const extra = scan - backward - (lastScan + forward);
    const adjustment = scan < newLength ? position - backward - (lastPosition + forward) : 0;
    records.push({ diffBytes: forward, extraBytes: extra, adjustment });
    lastScan = scan - backward;
    lastPosition = position - backward;
    lastOffset = position - scan;
    if (scan >= newLength) break;
  }
  return mergeRecords(records);
}

/** Folds records that write nothing into their neighbours (their adjustment adds up). */
function mergeRecords(records: DetoolsRecord[]): DetoolsRecord[] {
  const out: DetoolsRecord[] = [];
  for (const record of records) {
    const previous = out[out.length - 1];
    if (previous !== undefined && record.diffBytes === 0 && record.extraBytes === 0) {
      previous.adjustment += record.adjustment;
    } else if (previous !== undefined && previous.extraBytes === 0 && previous.adjustment === 0) {
      previous.diffBytes += record.diffBytes;
      previous.extraBytes = record.extraBytes;
      previous.adjustment = record.adjustment;
    } else {
      out.push({ ...record });
    }
  }
  return out;
}

/** The decompressed stream: data-format size 0, then each record. */
export function serializeRecords(oldImage: Uint8Array, newImage: Uint8Array, records: readonly DetoolsRecord[]): Uint8Array {
  let total = 1;
  for (const r of records) total += 12 + r.diffBytes + r.extraBytes;
  const out = new Uint8Array(total);
  const sizes: number[] = [];
  let at = 0;
  const size = (value: number): void => {
    sizes.length = 0;
    writeSize(value, sizes);
    for (const b of sizes) out[at++] = b;
  };
  size(0);
  let newAt = 0;
  let oldAt = 0;
  for (const r of records) {
    size(r.diffBytes);
    for (let i = 0; i < r.diffBytes; i++) out[at++] = (newImage[newAt + i]! - oldImage[oldAt + i]!) & 0xff;
    newAt += r.diffBytes;
    oldAt += r.diffBytes;
    size(r.extraBytes);
    out.set(newImage.subarray(newAt, newAt + r.extraBytes), at);
    at += r.extraBytes;
    newAt += r.extraBytes;
    size(r.adjustment);
    oldAt += r.adjustment;
  }
  return out.slice(0, at);
}

function compress(options: DetoolsOptions, stream: Uint8Array): Uint8Array {
  if (options.compression === 'none') return stream;
  return compressStream(options.compression, stream, options.heatshrink ?? DEFAULT_HEATSHRINK);
}

/**
 * What the stream's compressor spends on a slice of it, in bits, and on one size byte outside the
 * priced slice (a heatshrink literal; a CRLE scattered byte; a plain byte).
 */
function sliceCost(options: DetoolsOptions): { bits: SliceCost; sizeByteBits: number } {
  switch (options.compression) {
    case 'none':
      return { bits: (bytes) => bytes.length * 8, sizeByteBits: 8 };
    case 'crle':
      return { bits: (bytes) => encodeCrle(bytes).length * 8, sizeByteBits: 8 };
    case 'heatshrink': {
      const model = new HeatshrinkSliceCost(options.heatshrink ?? DEFAULT_HEATSHRINK);
      return { bits: (bytes) => model.bitsOf(bytes), sizeByteBits: 9 };
    }
  }
}

/**
 * A detools sequential patch turning `oldImage` into `newImage`, for detools' C library
 * (detools_apply_patch_*) or our DetoolsPatcher.
 */
export function createDetoolsPatch(oldImage: Uint8Array, newImage: Uint8Array, options: DetoolsOptions): Uint8Array {
  if (options.compression !== 'none' && options.compression !== 'crle' && options.compression !== 'heatshrink') {
    throw new ValueError('compression', "'none', 'crle' or 'heatshrink'", options.compression);
  }
  if (newImage.length > MAX_SIZE_VALUE || oldImage.length > MAX_SIZE_VALUE) {
    throw new ValueError('image size', `at most ${MAX_SIZE_VALUE} bytes (detools sizes hold 27 bits)`, Math.max(newImage.length, oldImage.length));
  }
  if (options.compression === 'heatshrink') validateHeatshrinkParams(options.heatshrink ?? DEFAULT_HEATSHRINK, 'encode');
  const header: number[] = [headerByte(options.compression)];
  writeSize(newImage.length, header);
  if (newImage.length === 0) return Uint8Array.from(header);

  const sa = buildSuffixArray(oldImage);
  const found: { records: DetoolsRecord[]; body: Uint8Array }[] = [];
  const seen = new Set<string>();
  for (const settings of CANDIDATES) {
    const records = matchRecords(oldImage, newImage, sa, settings);
    const key = records.map((r) => `${r.diffBytes},${r.extraBytes},${r.adjustment}`).join(';');
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ records, body: compress(options, serializeRecords(oldImage, newImage, records)) });
  }
  found.sort((x, y) => x.body.length - y.body.length);
  let best = found[0]!.body;
  // Boundaries moved by compressed cost (record-refine.ts): the smallest candidate always, the
  // next ones while the records refined stay within the budget (which candidate refines best
  // varies by pair). A refined stream is kept only if the whole of it comes out smaller.
  const cost = sliceCost(options);
  let refinedRecords = 0;
  for (const candidate of found) {
    if (refinedRecords > 0 && refinedRecords + candidate.records.length > REFINE_RECORD_BUDGET) continue;
    refinedRecords += candidate.records.length;
    const refined = refineRecords(oldImage, newImage, candidate.records, cost.bits, {
      ...(candidate.records.length > REFINE_FULL_RECORDS ? REFINE_LIGHT : {}),
      marginBytes: REFINE_MARGIN_BYTES,
      outsideSizeBitsPerByte: cost.sizeByteBits,
    });
    const body = compress(options, serializeRecords(oldImage, newImage, mergeRecords(refined)));
    if (body.length < best.length) best = body;
  }
  const patch = new Uint8Array(header.length + best.length);
  patch.set(header, 0);
  patch.set(best, header.length);
  return patch;
}
