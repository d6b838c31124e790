// Creates JojoDiff patches (jojo-format.ts) for janpatch, in either janpatch dialect: `legacy`
// (an explicit ESC MOD before every data run; every janpatch build applies it) or `current`
// (ESC MOD left out where jdiff 0.8.5 leaves it out; janpatch since c8ad3ee).
//
// Three steps: a suffix array over the old image (suffix-array.ts); candidate runs, i.e. exact
// matches on the diagonals in use and wherever the suffix array finds one (jojo-candidates.ts);
// and a shortest-path parse over the new image that prices every EQL, seek and data run in
// exact patch bytes of the chosen dialect (jojo-parse.ts). So short EQLs are used only where they
// pay (3 bytes each, plus the marker of the data run after them in `legacy`), mismatching bytes
// stay on their diagonal as MOD data, an insertion is split into MOD and INS so the old position
// lands on the next diagonal without a seek, and DEL/BKT are paid for where a run elsewhere is
// worth them. The result is pure and deterministic: same images and options, same bytes.
//
// How good it can get: no patch in this format is smaller than a shortest path in which every
// EQL costs 3 bytes and may copy from anywhere without a seek, every data byte 1 byte, and (in
// `legacy`) every data run 2 more. On the bench firmware pairs (bench/firmware/build.sh) that bound
// is 1384 B current / 2005 B legacy for "one code line" and 4842 / 5898 B for the release
// (jdiff 0.8.5: 1583 and 5371 B); this parse comes within about 5 % of it (1452 / 2086 and
// 5054 / 6141 B), the rest being mostly 4- and 5-byte lengths of long EQLs and real seeks.
import { type JanpatchDialect } from './jojo-format.js';
import { PatchWriter } from './patch-writer.js';
import { buildSuffixArray } from './suffix-array.js';
import { DEFAULT_CANDIDATE_TUNING, findCandidateRuns, type CandidateTuning } from './jojo-candidates.js';
import { DEFAULT_PARSE_TUNING, GapPricer, parse, type Parse, type ParseTuning } from './jojo-parse.js';

export type DiffTuning = CandidateTuning & ParseTuning;

export const DEFAULT_TUNING: Readonly<DiffTuning> = { ...DEFAULT_CANDIDATE_TUNING, ...DEFAULT_PARSE_TUNING };

export interface DiffOptions extends Partial<DiffTuning> {
  /** Which janpatch builds must apply the patch; default 'legacy' (all of them). */
  dialect?: JanpatchDialect;
}

/** The parse createPatch writes, with its exact cost in patch bytes. */
export function planPatch(oldImage: Uint8Array, newImage: Uint8Array, options: DiffOptions = {}): Parse {
  const { dialect = 'legacy', ...tuning } = options;
  const t: DiffTuning = { ...DEFAULT_TUNING, ...tuning };
  const sa = buildSuffixArray(oldImage);
  const runs = findCandidateRuns(oldImage, newImage, sa, t);
  return parse(newImage, runs, new GapPricer(newImage, dialect), t);
}

export function createPatch(oldImage: Uint8Array, newImage: Uint8Array, options: DiffOptions = {}): Uint8Array {
  const dialect = options.dialect ?? 'legacy';
  const plan = planPatch(oldImage, newImage, options);
  return writePlan(newImage, plan, dialect);
}

/** Writes a parse; its length is plan.costBytes (the parse prices what this writes). */
export function writePlan(newImage: Uint8Array, plan: Parse, dialect: JanpatchDialect): Uint8Array {
  const writer = new PatchWriter({ dialect });
  const pricer = new GapPricer(newImage, dialect);
  let at = 0;
  for (const step of plan.steps) {
    pricer.write(writer, step.fromNew, step.fromDiagonal, step.start, step.diagonal);
    writer.equal(step.end - step.start);
    at = step.end;
  }
  pricer.writeTail(writer, at);
  return writer.finish();
}
