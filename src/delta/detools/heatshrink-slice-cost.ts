// The bits heatshrink's optimal parse (heatshrink-encoder.ts optimalParse) spends on a short
// byte string, for pricing thousands of candidate record boundaries (record-refine.ts).
// Same model and same result as optimalParse: literal 9 bits, backreference 1 + window + lookahead
// bits, the window starting zeroed, at each position the longest match within the window (runs of
// one byte walked through per-byte run lists, other matches through 3-byte hash chains), then the
// cheapest parse from the end. What differs is the memory: the tables live in the object and are
// invalidated by a generation stamp instead of being allocated and cleared per call (the encoder's
// 2 x 64 K-entry tables cost far more than pricing a 600-byte slice).
import type { HeatshrinkParams } from './compression.js';
import { cheapestParseBits, type ParseTables } from './heatshrink-cheapest-parse.js';

const HASH_BITS = 12;
const RUN_MIN = 3;
const NONE = -1;

export class HeatshrinkSliceCost {
  private readonly windowBytes: number;
  private readonly maxLength: number;
  private readonly backrefBits: number;
  private capacity = 0;
  private ext = new Uint8Array(0);
  private runAhead = new Int32Array(0);
  private endingAt = new Int32Array(0);
  private runStarts = new Int32Array(0);
  private runEnds = new Int32Array(0);
  private runPrevSame = new Int32Array(0);
  private prev = new Int32Array(0);
  private length = new Int32Array(0);
  private tables: ParseTables = { bits: new Float64Array(0), stackPos: new Int32Array(0), stackBits: new Float64Array(0) };
  private generation = 0;
  private readonly hashHead = new Int32Array(1 << HASH_BITS);
  private readonly hashStamp = new Int32Array(1 << HASH_BITS);
  private readonly last1 = new Int32Array(256);
  private readonly last1Stamp = new Int32Array(256);
  private readonly last2 = new Int32Array(65536);
  private readonly last2Stamp = new Int32Array(65536);
  private readonly latestRun = new Int32Array(256);
  private readonly latestRunStamp = new Int32Array(256);

  constructor(params: HeatshrinkParams) {
    this.windowBytes = 1 << params.windowSz2;
    this.maxLength = 1 << params.lookaheadSz2;
    this.backrefBits = 1 + params.windowSz2 + params.lookaheadSz2;
  }

  /** Bits of the cheapest heatshrink parse of `data` (no padding, no detools header). */
  bitsOf(data: Uint8Array): number {
    const n = data.length;
    if (n === 0) return 0;
    const W = this.windowBytes;
    const total = W + n;
    this.grow(total);
    this.generation++;
    const gen = this.generation;
    const { ext, runAhead, endingAt, runStarts, runEnds, runPrevSame, prev, length } = this;
    ext.fill(0, 0, W);
    ext.set(data, W);
    for (let p = total - 1; p >= 0; p--) runAhead[p] = p + 1 < total && ext[p + 1] === ext[p] ? runAhead[p + 1]! + 1 : 1;
    endingAt.fill(NONE, 0, total + 1);
    let runs = 0;
    for (let p = 0; p < total; p += runAhead[p]!) {
      if (runAhead[p]! >= RUN_MIN) {
        endingAt[p + runAhead[p]!] = runs;
        runStarts[runs] = p;
        runEnds[runs] = p + runAhead[p]!;
        runPrevSame[runs] = NONE;
        runs++;
      }
    }
    const latestRunOf = (byte: number): number => (this.latestRunStamp[byte] === gen ? this.latestRun[byte]! : NONE);
    const register = (p: number): void => {
      const k = endingAt[p]!;
      if (k === NONE) return;
      const byte = ext[runStarts[k]!]!;
      runPrevSame[k] = latestRunOf(byte);
      this.latestRun[byte] = k;
      this.latestRunStamp[byte] = gen;
    };
    const hash3 = (p: number): number => Math.imul((ext[p]! << 16) | (ext[p + 1]! << 8) | ext[p + 2]!, 0x9e3779b1) >>> (32 - HASH_BITS);
    const insert = (q: number): void => {
      this.last1[ext[q]!] = q;
      this.last1Stamp[ext[q]!] = gen;
      if (q + 1 < total) {
        const k2 = (ext[q]! << 8) | ext[q + 1]!;
        this.last2[k2] = q;
        this.last2Stamp[k2] = gen;
      }
      if (q + 2 < total) {
        const h = hash3(q);
        prev[q] = this.hashStamp[h] === gen ? this.hashHead[h]! : NONE;
        this.hashHead[h] = q;
        this.hashStamp[h] = gen;
      }
    };
    for (let q = 0; q < W; q++) {
      register(q);
      insert(q);
    }
    const cap0 = this.maxLength;
    for (let p = W; p < total; p++) {
      register(p);
      const cap = Math.min(cap0, total - p);
      const oldest = p - W;
      const byte = ext[p]!;
      const run = runAhead[p]!;
      let bestLen = 0;
      if (run >= RUN_MIN && ext[p - 1] === byte) {
        bestLen = Math.min(run, cap);
        for (let k = latestRunOf(byte); k !== NONE && bestLen < cap; k = runPrevSame[k]!) {
          const q = runEnds[k]! - run;
          if (q < oldest) break;
          if (q < runStarts[k]!) continue;
          let len = run;
          while (len < cap && ext[q + len] === ext[p + len]) len++;
          if (len > bestLen) bestLen = len;
        }
      } else {
        if (cap >= 3) {
          const h = hash3(p);
          for (let q = this.hashStamp[h] === gen ? this.hashHead[h]! : NONE; q >= oldest; q = prev[q]!) {
            if (ext[q + bestLen] !== ext[p + bestLen]) continue;
            let len = 0;
            while (len < cap && ext[q + len] === ext[p + len]) len++;
            if (len > bestLen) {
              bestLen = len;
              if (len === cap) break;
            }
          }
        }
        if (bestLen < 2 && cap >= 2) {
          const k2 = (byte << 8) | ext[p + 1]!;
          if (this.last2Stamp[k2] === gen && this.last2[k2]! >= oldest) bestLen = 2;
        }
        if (bestLen < 1 && this.last1Stamp[byte] === gen && this.last1[byte]! >= oldest) bestLen = 1;
      }
      length[p - W] = bestLen;
      insert(p);
    }
    return cheapestParseBits(this.length, n, this.backrefBits, this.tables);
  }

  private grow(total: number): void {
    if (total <= this.capacity) return;
    const size = Math.max(total, this.capacity * 2, 4096);
    this.capacity = size;
    this.ext = new Uint8Array(size);
    this.runAhead = new Int32Array(size);
    this.endingAt = new Int32Array(size + 1);
    this.runStarts = new Int32Array(size);
    this.runEnds = new Int32Array(size);
    this.runPrevSame = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.length = new Int32Array(size);
    this.tables = { bits: new Float64Array(size + 1), stackPos: new Int32Array(size + 1), stackBits: new Float64Array(size + 1) };
  }
}
