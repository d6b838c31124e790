// The parse behind createPatch (jojo-diff.ts): a shortest path over the new image that picks,
// among candidate runs (jojo-candidates.ts), the EQLs to write and how to bridge the bytes
// between them, priced in exact patch bytes of the chosen janpatch dialect (jojo-format.ts).
//
// A patch is EQL runs separated by gaps. After an EQL that ended at new position e on diagonal
// dA (old position e + dA), reaching a run on diagonal dB at new position s >= e needs the gap
// new[e, s) written as data while the old position moves by a = (s - e) + (dB - dA):
//   a == g (same diagonal)  MOD g                     mismatches on the diagonal: no seek
//   0 < a < g               MOD a, INS g - a          an insertion absorbs the shift
//   a == 0                  INS g
//   a > g                   MOD g, DEL a - g
//   a < 0                   INS g, BKT -a   or  MOD g, BKT g - a
//   g == 0                  DEL a / BKT -a
// (g = s - e; where two forms apply the cheaper is taken; a MOD may run past the old image's
// end before a BKT: janpatch.h only moves its source position, jp_fseek). A MOD that opens a gap
// follows an EQL or the patch start, so `current` leaves its marker out unless the data begins
// with ESC (PatchWriter, jojo-format.ts implicitModAllowed); escapes are counted per byte pair as
// the writer doubles them (jojo-format.ts escapeExtraBytes).
//
// States are "an EQL ended at e on diagonal d" with their cheapest cost. A run is entered at its
// start from the predecessors that can matter there: the few cheapest by cost minus the literal
// bytes up to their end (the gap's data cost is what separates them; seeks differ by at most 4
// bytes), and the cheapest on the run's own diagonal (the MOD-only gap). A run is also entered
// where a state on another diagonal ends inside it (a seek and no data), and in `current` an EQL
// may also end one byte early when the data after it would begin with ESC. Prices are exact
// (lengths below 2^31), so the cost the parse returns is the length of the patch PatchWriter
// writes; the search is not exhaustive (a bounded set of predecessors and open runs).
import { BKT, ESC, INS, MOD, type JanpatchDialect } from './jojo-format.js';
import type { PatchWriter } from './patch-writer.js';
import type { CandidateRuns } from './jojo-candidates.js';

export interface ParseTuning {
  /** Predecessors kept by cost minus literal bytes (each with its own diagonal). */
  predecessors: number;
  /** Runs that may still be entered where another state ends (most recent first). */
  openRuns: number;
}

export const DEFAULT_PARSE_TUNING: Readonly<ParseTuning> = {
  predecessors: 8,
  openRuns: 48,
};

// Gap forms (see the table above).
const GAP_SEEK = 0;
const GAP_MOD = 1;
const GAP_MOD_INS = 2;
const GAP_INS = 3;
const GAP_MOD_SEEK = 4;
const GAP_INS_SEEK = 5;

const NO_COST = 0x7fffffff;
// Module-level copies: read per byte, and an imported binding may be a getter once transpiled.
const ESC_BYTE = ESC;
const FIRST_OPERATOR = BKT;

/** Bytes of `ESC op length` (EQL/DEL/BKT) for 1 <= length < 2^31 (jojo-format.ts encodeLength). */
function lengthOpBytes(length: number): number {
  return length <= 252 ? 3 : length <= 508 ? 4 : length <= 0xffff ? 5 : 7;
}

/** Exact byte prices of gaps between runs of one new image in one dialect. */
export class GapPricer {
  /** escapesBefore[k]: ESCs in new[0, k) doubled because an operator byte or ESC follows. */
  private readonly escapesBefore: Int32Array;
  private readonly legacy: boolean;
  // Set by price(): the chosen form and its split/seek.
  kind = GAP_MOD;
  modBytes = 0;
  seekBytes = 0;

  constructor(private readonly newImage: Uint8Array, dialect: JanpatchDialect) {
    const n = newImage.length;
    this.legacy = dialect === 'legacy';
    this.escapesBefore = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      // ESC before BKT..MOD or ESC is doubled (jojo-format.ts escapeExtraBytes).
      const doubled = newImage[i] === ESC_BYTE && i + 1 < n && newImage[i + 1]! >= FIRST_OPERATOR && newImage[i + 1]! <= ESC_BYTE ? 1 : 0;
      this.escapesBefore[i + 1] = this.escapesBefore[i]! + doubled;
    }
  }

  /** Escaped body bytes of new[a, b), b > a, as one data run (a final ESC is always doubled). */
  data(a: number, b: number): number {
    const last = b - 1;
    return b - a + this.escapesBefore[last]! - this.escapesBefore[a]! + (this.newImage[last] === ESC_BYTE ? 1 : 0);
  }

  /** data(a, b) = rank(b) - rank(a) + (0 or 1 for the last byte): orders states for the parse. */
  rank(p: number): number {
    return p + this.escapesBefore[p]!;
  }

  /** Marker bytes of a MOD run starting at new position a right after an EQL or the start. */
  modMarker(a: number): number {
    return this.legacy || (a < this.newImage.length && this.newImage[a] === ESC_BYTE) ? 2 : 0;
  }

  /** Bytes to bridge from an EQL ending at e on diagonal dA to one starting at s on dB. */
  price(e: number, dA: number, s: number, dB: number): number {
    const g = s - e;
    const a = g + dB - dA;
    if (g === 0) {
      this.kind = GAP_SEEK;
      this.seekBytes = a;
      // Nothing to bridge only at the patch start (e == 0); elsewhere two EQLs would merge.
      if (a === 0) return e === 0 ? 0 : NO_COST;
      return lengthOpBytes(Math.abs(a));
    }
    const body = this.data(e, s);
    const mod = this.modMarker(e) + body;
    if (a === g) {
      this.kind = GAP_MOD;
      return mod;
    }
    this.kind = GAP_MOD_SEEK;
    this.seekBytes = a - g;
    let best = mod + lengthOpBytes(Math.abs(a - g));
    if (a > g) return best;
    let other: number;
    if (a > 0) {
      // Splitting the run adds the doubling of an ESC that now ends the MOD part.
      other = this.modMarker(e) + 2 + this.data(e, e + a) + this.data(e + a, s);
      if (other < best) {
        best = other;
        this.kind = GAP_MOD_INS;
        this.modBytes = a;
      }
    } else if (a === 0) {
      other = 2 + body;
      if (other < best) {
        best = other;
        this.kind = GAP_INS;
      }
    } else {
      other = 2 + body + lengthOpBytes(-a);
      if (other < best) {
        best = other;
        this.kind = GAP_INS_SEEK;
        this.seekBytes = a;
      }
    }
    return best;
  }

  /** Writes the gap price() chose for these arguments. */
  write(writer: PatchWriter, e: number, dA: number, s: number, dB: number): void {
    this.price(e, dA, s, dB);
    const source = this.newImage;
    switch (this.kind) {
      case GAP_SEEK:
        if (this.seekBytes !== 0) writer.seek(this.seekBytes);
        return;
      case GAP_MOD:
        writer.literal(MOD, source, e, s);
        return;
      case GAP_MOD_SEEK:
        writer.literal(MOD, source, e, s);
        writer.seek(this.seekBytes);
        return;
      case GAP_MOD_INS:
        writer.literal(MOD, source, e, e + this.modBytes);
        writer.literal(INS, source, e + this.modBytes, s);
        return;
      case GAP_INS:
        writer.literal(INS, source, e, s);
        return;
      default:
        writer.literal(INS, source, e, s);
        writer.seek(this.seekBytes);
    }
  }

  /** Writes the final gap new[e, n) as one MOD run. */
  writeTail(writer: PatchWriter, e: number): void {
    writer.literal(MOD, this.newImage, e, this.newImage.length);
  }

  /** Bytes of the final gap new[e, n) (a MOD run; the old position no longer matters). */
  tail(e: number): number {
    const n = this.newImage.length;
    return e >= n ? 0 : this.modMarker(e) + this.data(e, n);
  }
}

/** One EQL of the chosen parse and the gap before it. */
export interface ParseStep {
  /** Where the previous EQL ended (0 at the start) and its diagonal (0 at the start). */
  fromNew: number;
  fromDiagonal: number;
  /** The EQL: new[start, end) copied from old[start + diagonal, ...). */
  start: number;
  end: number;
  diagonal: number;
}

export interface Parse {
  steps: ParseStep[];
  /** Exact patch bytes of the steps and the final MOD run, as PatchWriter writes them. */
  costBytes: number;
}

class States {
  count = 0;
  position: Int32Array = new Int32Array(1024);
  diagonal: Int32Array = new Int32Array(1024);
  cost: Int32Array = new Int32Array(1024);
  run: Int32Array = new Int32Array(1024);

  add(position: number, diagonal: number, cost: number, run: number): number {
    if (this.count === this.position.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.position = grow(this.position);
      this.diagonal = grow(this.diagonal);
      this.cost = grow(this.cost);
      this.run = grow(this.run);
    }
    this.position[this.count] = position;
    this.diagonal[this.count] = diagonal;
    this.cost[this.count] = cost;
    this.run[this.count] = run;
    return this.count++;
  }
}

export function parse(newImage: Uint8Array, runs: CandidateRuns, pricer: GapPricer, t: ParseTuning): Parse {
  const n = newImage.length;
  const { start: runStart, end: runEnd, diagonal: runDiagonal, count: runCount } = runs;
  const runBest = new Int32Array(runCount).fill(NO_COST);
  const runEntry = new Int32Array(runCount);
  const runPred = new Int32Array(runCount);
  const byEnd = sortIndicesByEnd(runs, n);
  const states = new States();
  // A gap from state q to s costs (cost - rank(end) + MOD marker) + rank(s) + a few bytes: rank
  // states by the first term.
  const potential = (q: number): number => {
    const e = states.position[q]!;
    return states.cost[q]! - pricer.rank(e) + pricer.modMarker(e);
  };

  const top = new Int32Array(Math.max(1, t.predecessors));
  let topCount = 0;
  const bestOnDiagonal = new Map<number, number>();

  /** `sibling`: q is an EQL ended a byte early, kept beside (not instead of) the full one. */
  const remember = (q: number, sibling = false): void => {
    const d = states.diagonal[q]!;
    const pq = potential(q);
    const current = bestOnDiagonal.get(d);
    if (current === undefined || pq <= potential(current)) bestOnDiagonal.set(d, q);
    let at = -1;
    if (!sibling) for (let k = 0; k < topCount; k++) if (states.diagonal[top[k]!] === d) at = k;
    if (at >= 0) {
      if (potential(top[at]!) < pq) return;
      for (let k = at; k + 1 < topCount; k++) top[k] = top[k + 1]!;
      topCount--;
    } else if (topCount === top.length) {
      if (potential(top[topCount - 1]!) < pq) return;
      topCount--;
    }
    let k = topCount++;
    while (k > 0 && potential(top[k - 1]!) >= pq) {
      top[k] = top[k - 1]!;
      k--;
    }
    top[k] = q;
  };

  const offer = (j: number, s: number, q: number, gapBytes: number): void => {
    if (gapBytes >= NO_COST) return;
    const total = states.cost[q]! + gapBytes + lengthOpBytes(runEnd[j]! - s);
    if (total < runBest[j]!) {
      runBest[j] = total;
      runEntry[j] = s;
      runPred[j] = q;
    }
  };

  const enter = (j: number, s: number): void => {
    const d = runDiagonal[j]!;
    for (let k = 0; k < topCount; k++) {
      const q = top[k]!;
      offer(j, s, q, pricer.price(states.position[q]!, states.diagonal[q]!, s, d));
    }
    const q = bestOnDiagonal.get(d);
    if (q !== undefined) offer(j, s, q, pricer.price(states.position[q]!, d, s, d));
  };

  remember(states.add(0, 0, 0, -1)); // the patch start: old position 0
  let open: number[] = [];
  let nextStart = 0;
  let nextEnd = 0;
  const created = new Int32Array(runCount + 1);
  // Only positions where a run starts or ends matter: jump from one to the next.
  for (let s = 0; ; ) {
    let createdCount = 0;
    while (nextEnd < runCount && runEnd[byEnd[nextEnd]!] === s) {
      const j = byEnd[nextEnd++]!;
      if (runBest[j]! >= NO_COST) continue;
      const q = states.add(s, runDiagonal[j]!, runBest[j]!, j);
      remember(q);
      created[createdCount++] = q;
      // A MOD run that would begin with ESC needs its marker even in current: ending the EQL a
      // byte early (that byte goes into the data) may be cheaper.
      const entry = runEntry[j]!;
      if (pricer.modMarker(s) > pricer.modMarker(s - 1) && s - 1 > entry) {
        const base = runBest[j]! - lengthOpBytes(s - entry);
        remember(states.add(s - 1, runDiagonal[j]!, base + lengthOpBytes(s - 1 - entry), j), true);
      }
    }
    if (createdCount > 0 && open.length > 0) {
      let kept = 0;
      for (let k = 0; k < open.length; k++) {
        const j = open[k]!;
        if (runEnd[j]! <= s) continue;
        open[kept++] = j;
        for (let c = 0; c < createdCount; c++) {
          const q = created[c]!;
          offer(j, s, q, pricer.price(s, states.diagonal[q]!, s, runDiagonal[j]!));
        }
      }
      open.length = kept;
    }
    if (s >= n) break;
    while (nextStart < runCount && runStart[nextStart] === s) {
      enter(nextStart, s);
      open.push(nextStart++);
    }
    if (open.length > 2 * t.openRuns) {
      open = open.filter((j) => runEnd[j]! > s);
      if (open.length > t.openRuns) open = open.slice(open.length - t.openRuns);
    }
    let next = n;
    if (nextStart < runCount && runStart[nextStart]! < next) next = runStart[nextStart]!;
    if (nextEnd < runCount && runEnd[byEnd[nextEnd]!]! < next) next = runEnd[byEnd[nextEnd]!]!;
    s = next;
  }

  // The last EQL (or the start) is followed by one MOD run to the end.
  let last = 0;
  let best = pricer.tail(0);
  for (let k = 0; k < topCount; k++) {
    const q = top[k]!;
    const c = states.cost[q]! + pricer.tail(states.position[q]!);
    if (c < best) {
      best = c;
      last = q;
    }
  }
  const steps: ParseStep[] = [];
  for (let q = last; q !== 0; ) {
    const j = states.run[q]!;
    const p = runPred[j]!;
    steps.push({
      fromNew: states.position[p]!,
      fromDiagonal: states.diagonal[p]!,
      start: runEntry[j]!,
      end: states.position[q]!,
      diagonal: runDiagonal[j]!,
    });
    q = p;
  }
  steps.reverse();
  return { steps, costBytes: best };
}

/** Run indices ordered by end position (counting sort). */
function sortIndicesByEnd(runs: CandidateRuns, n: number): Int32Array {
  const bucket = new Int32Array(n + 2);
  for (let k = 0; k < runs.count; k++) bucket[runs.end[k]! + 1]!++;
  for (let p = 1; p < bucket.length; p++) bucket[p]! += bucket[p - 1]!;
  const order = new Int32Array(runs.count);
  for (let k = 0; k < runs.count; k++) order[bucket[runs.end[k]!]!++] = k;
  return order;
}
