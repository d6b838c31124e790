// `npm run bench -- delta`: JojoDiff patch sizes and speed on real Cortex-M image pairs (built
// from bench/firmware/src with arm-none-eabi-gcc) and on synthetic firmware-like pairs of ~90 KB
// and 1 MB, side by side with bsdiff and xdelta3 -9 (size references only: their formats need far
// more device RAM than janpatch). Each diff runs in a child process so its peak RSS is its own.
// Prints a table and writes bench/results/delta.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPatch } from '../src/delta/jojo-diff.js';
import { applyPatch } from '../src/delta/jojo-patch.js';
import { buildSuffixArray, longestMatch } from '../src/delta/suffix-array.js';
import { syntheticPair } from './firmware/synthetic.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const self = fileURLToPath(import.meta.url);

interface WorkerResult {
  patchBytes: number;
  diffMs: number;
  peakRssMb: number;
}

if (process.argv[2] === '--worker') {
  // Child: one diff, timed; maxRSS is the peak of this process (KiB on Linux).
  const [oldPath, newPath, patchPath] = process.argv.slice(3) as [string, string, string];
  const oldImage = new Uint8Array(readFileSync(oldPath));
  const newImage = new Uint8Array(readFileSync(newPath));
  const started = performance.now();
  const patch = createPatch(oldImage, newImage);
  const diffMs = performance.now() - started;
  writeFileSync(patchPath, patch);
  const result: WorkerResult = { patchBytes: patch.length, diffMs, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

interface Row {
  pair: string;
  oldBytes: number;
  newBytes: number;
  oursBytes: number;
  oursPctOfNew: number;
  bsdiffBytes: number | null;
  xdelta3Bytes: number | null;
  jdiffBytes: number | null;
  floorEstimateBytes: number | null;
  oursVsXdelta3: number | null;
  oursVsBsdiff: number | null;
  diffMs: number;
  peakRssMb: number;
}

const tools = {
  bsdiff: hasTool('bsdiff'),
  xdelta3: hasTool('xdelta3'),
  jdiff: hasTool('jdiff'),
  gcc: hasTool('arm-none-eabi-gcc'),
};

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

const work = mkdtempSync(join(tmpdir(), 'fuota-delta-bench-'));
const notes: string[] = [];

function measure(pair: string, oldPath: string, newPath: string): Row {
  const oldImage = new Uint8Array(readFileSync(oldPath));
  const newImage = new Uint8Array(readFileSync(newPath));
  const patchPath = join(work, 'ours.patch');
  // Best of three runs for the time (JIT warm-up and machine noise); RSS from the first.
  let result: WorkerResult | undefined;
  for (let run = 0; run < 3; run++) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--worker', oldPath, newPath, patchPath], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`diff worker failed for ${pair}: ${child.stderr}`);
    const r = JSON.parse(child.stdout) as WorkerResult;
    result = result === undefined ? r : { ...result, diffMs: Math.min(result.diffMs, r.diffMs) };
    if (newImage.length > 500_000) break;
  }
  const patch = new Uint8Array(readFileSync(patchPath));
  const rebuilt = applyPatch(oldImage, patch);
  if (!Buffer.from(rebuilt).equals(Buffer.from(newImage))) throw new Error(`${pair}: our patch does not rebuild the new image`);
  const bsdiffBytes = tools.bsdiff ? toolSize('bsdiff', [oldPath, newPath, join(work, 'p.bsdiff')], join(work, 'p.bsdiff')) : null;
  const xdelta3Bytes = tools.xdelta3 ? toolSize('xdelta3', ['-9', '-e', '-f', '-s', oldPath, newPath, join(work, 'p.xd3')], join(work, 'p.xd3')) : null;
  const jdiffBytes = tools.jdiff ? toolSize('jdiff', [oldPath, newPath, join(work, 'p.jdiff')], join(work, 'p.jdiff'), true) : null;
  if (jdiffBytes !== null) {
    // jdiff 0.8.5 leaves out ESC MOD; our patcher must still rebuild the image from its patch.
    const theirs = applyPatch(oldImage, new Uint8Array(readFileSync(join(work, 'p.jdiff'))), { implicitMod: true });
    if (!Buffer.from(theirs).equals(Buffer.from(newImage))) notes.push(`${pair}: jdiff's patch did not apply with our patcher`);
  }
  const r = result!;
  const floorEstimateBytes = newImage.length <= 200_000 ? floorEstimate(oldImage, newImage) : null;
  return {
    pair,
    oldBytes: oldImage.length,
    newBytes: newImage.length,
    oursBytes: r.patchBytes,
    oursPctOfNew: newImage.length ? (100 * r.patchBytes) / newImage.length : 0,
    bsdiffBytes,
    xdelta3Bytes,
    jdiffBytes,
    floorEstimateBytes,
    oursVsXdelta3: xdelta3Bytes ? r.patchBytes / xdelta3Bytes : null,
    oursVsBsdiff: bsdiffBytes ? r.patchBytes / bsdiffBytes : null,
    diffMs: r.diffMs,
    peakRssMb: r.peakRssMb,
  };
}

/**
 * A generous lower-bound estimate for this format: every new byte covered by an exact match of
 * >= 6 bytes anywhere in the old image is free; the rest are literal, in clusters (merged across
 * covered runs shorter than 5) that each pay a data marker and the EQL after (5 bytes). Seeks and
 * long-length bytes are ignored, so no JojoDiff patch can be much smaller.
 */
function floorEstimate(oldImage: Uint8Array, newImage: Uint8Array): number {
  const sa = buildSuffixArray(oldImage);
  const match = { oldOffset: 0, lengthBytes: 0 };
  const covered = new Uint8Array(newImage.length);
  for (let i = 0; i < newImage.length; i++) {
    longestMatch(oldImage, sa, newImage, i, 64, match);
    if (match.lengthBytes >= 6) covered.fill(1, i, i + match.lengthBytes);
  }
  let literal = 0;
  let clusters = 0;
  for (let i = 0; i < newImage.length; ) {
    if (covered[i]) {
      i++;
      continue;
    }
    clusters++;
    while (i < newImage.length) {
      if (!covered[i]) {
        literal++;
        i++;
        continue;
      }
      let run = 0;
      while (i + run < newImage.length && covered[i + run]) run++;
      if (run >= 5 || i + run === newImage.length) break;
      literal += run;
      i += run;
    }
  }
  return literal + 5 * clusters;
}

function toolSize(tool: string, args: string[], output: string, nonZeroOk = false): number {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if (!nonZeroOk) throw error;
  }
  return readFileSync(output).length;
}

const rows: Row[] = [];
const firmwareDir = join(here, 'firmware', 'build');
let corpus: Uint8Array;
if (tools.gcc) {
  execFileSync(join(here, 'firmware', 'build.sh'), [firmwareDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const bin = (name: string): string => join(firmwareDir, `${name}.bin`);
  const pairs: Array<[string, string, string]> = [
    ['version bump 1.4.2→1.4.3', 'base', 'version'],
    ['constant (TX interval)', 'base', 'constant'],
    ['one code line', 'base', 'oneline'],
    ['feature added (GPS)', 'base', 'feature'],
    ['feature removed (GPS)', 'feature', 'base'],
    ['release 1.4.2→1.5.0', 'base', 'release'],
    ['-Os → -O2', 'base', 'o2'],
  ];
  for (const [label, from, to] of pairs) rows.push(measure(label, bin(from), bin(to)));
  corpus = Buffer.concat(['base', 'feature', 'o2'].map((name) => readFileSync(bin(name))));
} else {
  notes.push('arm-none-eabi-gcc not found: real firmware pairs skipped (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)');
  corpus = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff);
}
for (const [label, size, seed] of [
  ['synthetic 90 KB release', 90 * 1024, 7],
  ['synthetic 1 MB release', 1024 * 1024, 11],
] as const) {
  const { oldImage, newImage } = syntheticPair(corpus, size, seed);
  const oldPath = join(work, 'synthetic-old.bin');
  const newPath = join(work, 'synthetic-new.bin');
  writeFileSync(oldPath, oldImage);
  writeFileSync(newPath, newImage);
  rows.push(measure(label, oldPath, newPath));
}
rmSync(work, { recursive: true, force: true });

if (!tools.jdiff) notes.push('jdiff (JojoDiff) is not packaged in Debian (apt-cache search jojodiff: nothing); see docs/delta.md for reference ratios');
if (!tools.bsdiff || !tools.xdelta3) notes.push('bsdiff/xdelta3 missing: apt-get install bsdiff xdelta3');

const cell = (value: number | null, digits = 0): string => (value === null ? '-' : value.toFixed(digits));
const header = ['pair', 'old B', 'new B', 'ours B', '% new', 'floor≈ B', 'bsdiff B', 'xdelta3 B', ...(tools.jdiff ? ['jdiff B'] : []), 'ours/xd3', 'ours/bsd', 'diff ms', 'RSS MB'];
const table = rows.map((r) => [
  r.pair,
  String(r.oldBytes),
  String(r.newBytes),
  String(r.oursBytes),
  r.oursPctOfNew.toFixed(2),
  cell(r.floorEstimateBytes),
  cell(r.bsdiffBytes),
  cell(r.xdelta3Bytes),
  ...(tools.jdiff ? [cell(r.jdiffBytes)] : []),
  cell(r.oursVsXdelta3, 2),
  cell(r.oursVsBsdiff, 2),
  r.diffMs.toFixed(1),
  r.peakRssMb.toFixed(0),
]);
const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c]!.length)));
const line = (cells: string[]): string => `| ${cells.map((text, c) => (c === 0 ? text.padEnd(widths[c]!) : text.padStart(widths[c]!))).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const row of table) console.log(line(row));
for (const note of notes) console.log(`note: ${note}`);

mkdirSync(join(here, 'results'), { recursive: true });
const gcc = tools.gcc ? execFileSync('arm-none-eabi-gcc', ['-dumpversion'], { encoding: 'utf8' }).trim() : null;
writeFileSync(
  join(here, 'results', 'delta.json'),
  `${JSON.stringify({ node: process.version, armGcc: gcc, tools, notes, rows }, null, 2)}\n`,
);
