// Moves record boundaries of a detools sequential patch to where the COMPRESSED stream is
// smallest. The matcher (detools-diff.ts, bsdiff's scan) places each boundary by counting
// matching bytes, but what a byte costs depends on the compressor: a zero diff byte inside a
// heatshrink backreference is almost free, a lone non-zero one costs a literal and breaks the
// run, size fields cost literals, and an extra byte that happens to be zero costs the same as a
// zero diff byte (so a short exact match elsewhere, like 12 padding zeros, is cheaper written as
// extra bytes than as a record of its own with two long seeks).
//
// A boundary between record i (diff under old offset A, then extra bytes) and record i+1 (diff
// under old offset B) is the pair (x, y): new bytes before x are diffed under A, x..y are extra,
// from y on they are diffed under B; the seek between is whatever keeps B. Moving x and y keeps
// both alignments, so every variant is a valid patch. A record may also be absorbed into the
// extra bytes of the one before, or its diff bytes taken under the alignment before or after it.
//
// Each variant is priced by compressing only the stream bytes around the boundary: the same new
// range [left, right) for every variant of that boundary, so the untouched context is shared and
// the difference is what the move changes (a size field outside the range is priced as literals).
// A move is kept only when it lowers that local price; the caller compares whole compressed
// streams at the end, so a local estimate can never make the patch larger.
import { sizeBytes, writeSize } from './detools-format.js';
import type { DetoolsRecord } from './detools-diff.js';

/** Bits the compressor spends on `bytes` (as a stream of its own). */
export type SliceCost = (bytes: Uint8Array) => number;

export interface RefineOptions {
  /** Stream bytes of context priced on each side of a boundary (heatshrink's window: 256). */
  marginBytes?: number;
  /** Boundary moves tried, in new-image bytes (each in both directions, x, y or both). */
  stepsBytes?: readonly number[];
  /** A record whose diff + extra bytes are at most this may be folded into the extra before it. */
  absorbMaxBytes?: number;
  /** Passes over all boundaries (a pass that keeps nothing ends early). */
  passes?: number;
  /** Times a boundary is re-tried after a kept move, within a pass. */
  triesPerBoundary?: number;
  /** Bits a size field outside the priced range costs per byte (a heatshrink literal: 9). */
  outsideSizeBitsPerByte?: number;
  /**
   * Boundaries with more extra bytes than this are left as they are: the priced range holds all
   * of them (new code, where a move gains little), which would make pricing unbounded.
   */
  maxExtraBytes?: number;
}

const DEFAULTS: Required<RefineOptions> = {
  marginBytes: 256,
  stepsBytes: [1, 2, 4, 8, 16, 32],
  absorbMaxBytes: 128,
  passes: 2,
  triesPerBoundary: 4,
  outsideSizeBitsPerByte: 9,
  maxExtraBytes: 1024,
};

/** Where a record starts in both images. */
interface Placed extends DetoolsRecord {
  newStart: number;
  oldStart: number;
}

/**
 * Records describing the same new image as `records`, with boundaries moved where `cost` says
 * the stream around them is cheaper. Records must be valid (cover the new image, read inside the
 * old one); the result is too.
 */
export function refineRecords(
  oldImage: Uint8Array,
  newImage: Uint8Array,
  records: readonly DetoolsRecord[],
  cost: SliceCost,
  options: RefineOptions = {},
): DetoolsRecord[] {
  const o = { ...DEFAULTS, ...options };
  let placed = place(records);
  const maxStep = Math.max(0, ...o.stepsBytes);
  const moves: [number, number][] = [];
  for (const k of o.stepsBytes) {
    moves.push([-k, 0], [k, 0], [0, -k], [0, k], [-k, -k], [k, k], [-k, k], [k, -k]);
  }
  const window = new WindowWriter(oldImage, newImage);

  for (let pass = 0; pass < o.passes; pass++) {
    let kept = false;
    for (let i = 0; i + 1 < placed.length; i++) {
      // Re-try a boundary after a kept move: moves compound (a step of 4 then of 1).
      for (let tries = 0; tries < o.triesPerBoundary; tries++) {
        const a = placed[i]!;
        const b = placed[i + 1]!;
        if (a.extraBytes > o.maxExtraBytes) break;
        const x0 = a.newStart + a.diffBytes;
        const y0 = b.newStart;
        const offA = a.oldStart - a.newStart;
        const offB = b.oldStart - b.newStart;
        const endB = b.newStart + b.diffBytes;
        const left = Math.max(a.newStart, x0 - maxStep - o.marginBytes);
        const absorbable = i + 2 < placed.length && b.diffBytes + b.extraBytes <= o.absorbMaxBytes;
        const last = absorbable ? placed[i + 2]! : b;
        const lastEnd = last.newStart + last.diffBytes;
        const right = absorbable ? Math.min(lastEnd, last.newStart + o.marginBytes) : Math.min(endB, y0 + maxStep + o.marginBytes);
        const local = absorbable ? [a, b, last] : [a, b];
        const price = (list: readonly Placed[]): number => {
          const bytes = window.write(list, left, right);
          const outside = left > a.newStart ? sizeBytes(list[0]!.diffBytes) * o.outsideSizeBitsPerByte : 0;
          return cost(bytes) + outside;
        };
        const base = price(local);
        let best = base;
        let pick: Placed[] | undefined;
        const consider = (list: Placed[]): void => {
          const p = price(list);
          if (p < best) {
            best = p;
            pick = list;
          }
        };
        for (const [dx, dy] of moves) {
          const x = x0 + dx;
          const y = y0 + dy;
          if (x < a.newStart || y < x || y > endB || x + offA > oldImage.length || y + offB < 0) continue;
          if (absorbable && y === endB) continue; // leaves b empty: the absorb variant covers it
          const na: Placed = { ...a, diffBytes: x - a.newStart, extraBytes: y - x, adjustment: y + offB - (x + offA) };
          const nb: Placed = { ...b, newStart: y, oldStart: y + offB, diffBytes: endB - y };
          consider(absorbable ? [na, nb, last] : [na, nb]);
        }
        if (absorbable) {
          const extra = a.extraBytes + b.diffBytes + b.extraBytes;
          consider([{ ...a, extraBytes: extra, adjustment: a.adjustment + b.diffBytes + b.adjustment }, last]);
          // Or b's diff bytes under the alignment before it (a's) or after it (last's): a short
          // switch whose few matching bytes do not pay for its size fields.
          const aDiff = a.diffBytes + b.diffBytes;
          if (a.extraBytes === 0 && a.oldStart + aDiff <= oldImage.length) {
            consider([{ ...a, diffBytes: aDiff, extraBytes: b.extraBytes, adjustment: last.oldStart - (a.oldStart + aDiff) }, last]);
          }
          const cOld = last.oldStart - b.diffBytes;
          if (b.extraBytes === 0 && cOld >= 0) {
            const c: Placed = { ...last, newStart: b.newStart, oldStart: cOld, diffBytes: last.diffBytes + b.diffBytes };
            consider([{ ...a, adjustment: cOld - (a.oldStart + a.diffBytes) }, c]);
          }
        }
        if (pick === undefined) break;
        placed = [...placed.slice(0, i), ...pick, ...placed.slice(i + local.length)];
        kept = true;
      }
    }
    if (!kept) break;
  }
  return placed.map(({ diffBytes, extraBytes, adjustment }) => ({ diffBytes, extraBytes, adjustment }));
}

function place(records: readonly DetoolsRecord[]): Placed[] {
  let newAt = 0;
  let oldAt = 0;
  return records.map((r) => {
    const p = { ...r, newStart: newAt, oldStart: oldAt };
    newAt += r.diffBytes + r.extraBytes;
    oldAt += r.diffBytes + r.adjustment;
    return p;
  });
}

/**
 * The stream bytes a run of consecutive records writes for new bytes in [left, right): the first
 * record's size field only when the range starts at that record, the last record cut after its
 * diff bytes (what follows them is the same in every variant).
 */
class WindowWriter {
  private buffer = new Uint8Array(4096);
  private at = 0;
  private readonly sizes: number[] = [];

  constructor(
    private readonly oldImage: Uint8Array,
    private readonly newImage: Uint8Array,
  ) {}

  write(list: readonly Placed[], left: number, right: number): Uint8Array {
    this.at = 0;
    for (let k = 0; k < list.length; k++) {
      const r = list[k]!;
      const diffEnd = r.newStart + r.diffBytes;
      if (r.newStart >= left) this.size(r.diffBytes);
      const from = Math.max(left, r.newStart);
      const to = Math.min(right, diffEnd);
      this.reserve(Math.max(0, to - from) + r.extraBytes + 12);
      const delta = r.oldStart - r.newStart;
      for (let p = from; p < to; p++) this.buffer[this.at++] = (this.newImage[p]! - this.oldImage[p + delta]!) & 0xff;
      if (k === list.length - 1) break;
      this.size(r.extraBytes);
      this.buffer.set(this.newImage.subarray(diffEnd, diffEnd + r.extraBytes), this.at);
      this.at += r.extraBytes;
      this.size(r.adjustment);
    }
    return this.buffer.subarray(0, this.at);
  }

  private size(value: number): void {
    this.sizes.length = 0;
    writeSize(value, this.sizes);
    this.reserve(this.sizes.length);
    for (const byte of this.sizes) this.buffer[this.at++] = byte;
  }

  private reserve(more: number): void {
    if (this.at + more <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.at + more));
    grown.set(this.buffer.subarray(0, this.at));
    this.buffer = grown;
  }
}
