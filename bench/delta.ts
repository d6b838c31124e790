// `npm run bench -- delta [--random N] [--seed S] [--no-bb] [--runs R]`: delta patch sizes and cost on real
// Cortex-M image pairs (built from bench/firmware/src with arm-none-eabi-gcc) and on synthetic
// firmware-like pairs of ~90 KB and 1 MB (issue #18).
//
// Per pair: our JojoDiff patches in both janpatch dialects (legacy: ESC MOD everywhere, every
// janpatch build; current: ESC MOD left out as jdiff 0.8.5 does, janpatch >= c8ad3ee) and our
// detools sequential patches (none, crle, heatshrink 8/7), beside jdiff 0.8.5 (run here when a
// jdiff binary is found, else the reference figure), detools' own encoder (reference figures:
// its Python package cannot be installed here), bsdiff and xdelta3 -9 (size references only: their
// formats need far more device RAM). The reference figures and their source are in
// bench/delta-reference.json. Every patch is applied back by our patcher and checked byte for
// byte; jdiff's own patch is applied by our patcher too; with detools' C library at hand
// ($FUOTA_DETOOLS_APPLY, or detools-apply on PATH) each detools patch is applied by it as
// well ("C applies"). Each diff runs in a child process, so its time and peak RSS are its own.
//
// --random N: N seeded random firmware-like pairs (bench/firmware/random-pairs.ts); with jdiff at
// hand, the worst ratio ours/jdiff per dialect (issue target: never more than 1.02).
//
// Writes bench/results/delta.json (or delta-random.json) and prints tables.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPatch } from '../src/delta/jojo-diff.js';
import { applyPatch } from '../src/delta/jojo-patch.js';
import { type JanpatchDialect } from '../src/delta/jojo-format.js';
import { syntheticPair } from './firmware/synthetic.js';
import { randomPair } from './firmware/random-pairs.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const self = fileURLToPath(import.meta.url);

type DetoolsKind = 'none' | 'crle' | 'heatshrink';
type Method = JanpatchDialect | `detools-${DetoolsKind}`;
const DIALECTS: readonly JanpatchDialect[] = ['legacy', 'current'];
const DETOOLS_KINDS: readonly DetoolsKind[] = ['none', 'crle', 'heatshrink'];
const METHODS: readonly Method[] = [...DIALECTS, ...DETOOLS_KINDS.map((k) => `detools-${k}` as const)];

/** The detools API as the detools helper defines it; loaded only once its module exists. */
interface DetoolsApi {
  createDetoolsPatch(oldImage: Uint8Array, newImage: Uint8Array, options: { compression: DetoolsKind }): Uint8Array;
  applyDetoolsPatch(oldImage: Uint8Array, patch: Uint8Array): Uint8Array;
}

async function loadDetools(): Promise<DetoolsApi | string> {
  const diffPath = join(here, '..', 'src', 'delta', 'detools', 'detools-diff.ts');
  const patchPath = join(here, '..', 'src', 'delta', 'detools', 'detools-patch.ts');
  if (!existsSync(diffPath)) return 'src/delta/detools/detools-diff.ts not present yet: detools columns n/a';
  if (!existsSync(patchPath)) return 'src/delta/detools/detools-patch.ts not present yet: detools columns n/a';
  try {
    // A computed specifier: the bench type-checks and runs on a tree without these modules.
    const diff = (await import(new URL(`file://${diffPath}`).href)) as Partial<DetoolsApi>;
    const patch = (await import(new URL(`file://${patchPath}`).href)) as Partial<DetoolsApi>;
    if (typeof diff.createDetoolsPatch !== 'function' || typeof patch.applyDetoolsPatch !== 'function') {
      return 'detools modules lack createDetoolsPatch/applyDetoolsPatch: detools columns n/a';
    }
    return { createDetoolsPatch: diff.createDetoolsPatch.bind(diff), applyDetoolsPatch: patch.applyDetoolsPatch.bind(patch) };
  } catch (error) {
    return `detools modules failed to load (${(error as Error).message.split('\n')[0]}): detools columns n/a`;
  }
}

/** jojo-lower-bound.ts: the least bytes any patch in a dialect can take (optional module). */
type LowerBound = (oldImage: Uint8Array, newImage: Uint8Array, dialect: JanpatchDialect) => number;
async function loadLowerBound(): Promise<LowerBound | undefined> {
  const path = join(here, '..', 'src', 'delta', 'jojo-lower-bound.ts');
  if (!existsSync(path)) return undefined;
  try {
    const mod = (await import(new URL(`file://${path}`).href)) as { jojoPatchLowerBoundBytes?: LowerBound };
    return typeof mod.jojoPatchLowerBoundBytes === 'function' ? mod.jojoPatchLowerBoundBytes : undefined;
  } catch {
    return undefined;
  }
}

function makePatch(method: Method, oldImage: Uint8Array, newImage: Uint8Array, detools: DetoolsApi | undefined): Uint8Array {
  if (method === 'legacy' || method === 'current') return createPatch(oldImage, newImage, { dialect: method });
  if (!detools) throw new Error('detools API not available');
  return detools.createDetoolsPatch(oldImage, newImage, { compression: method.slice('detools-'.length) as DetoolsKind });
}

function applyBack(method: Method, oldImage: Uint8Array, patch: Uint8Array, detools: DetoolsApi | undefined): Uint8Array {
  if (method === 'legacy' || method === 'current') return applyPatch(oldImage, patch, { dialect: method });
  return detools!.applyDetoolsPatch(oldImage, patch);
}

interface WorkerResult {
  patchBytes: number;
  /** Wall time of the diff. */
  diffMs: number;
  /** CPU time (user + system) of the child during the diff: what a busy machine changes least. */
  cpuMs: number;
  peakRssMb: number;
}

if (process.argv[2] === '--worker') {
  // Child: one diff, timed; maxRSS is the peak of this process (KiB on Linux).
  const [method, oldPath, newPath, patchPath] = process.argv.slice(3) as [Method, string, string, string];
  const detools = method.startsWith('detools-') ? await loadDetools() : undefined;
  if (typeof detools === 'string') {
    process.stderr.write(detools);
    process.exit(3);
  }
  const oldImage = new Uint8Array(readFileSync(oldPath));
  const newImage = new Uint8Array(readFileSync(newPath));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const patch = makePatch(method, oldImage, newImage, detools);
  const diffMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  writeFileSync(patchPath, patch);
  const result: WorkerResult = { patchBytes: patch.length, diffMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Tools and reference data

interface ReferencePair {
  key: string;
  label: string;
  oldBytes: number;
  newBytes: number;
  notMeasuredHere?: string;
  jdiff: { default: number; bb: number | null };
  bsdiff: number;
  xdelta3: number;
  detools: { crle: number; heatshrink: number; lzma: number } | null;
}
interface Reference {
  source: string;
  pairs: ReferencePair[];
}
const reference = JSON.parse(readFileSync(join(here, 'delta-reference.json'), 'utf8')) as Reference;

function onPath(name: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}
/** $envVar names the binary ('none' leaves the tool out); else PATH. Neither tool is packaged: build them from their sources. */
function toolPath(envVar: string, name: string): string | null {
  const fromEnv = process.env[envVar];
  if (fromEnv === 'none') return null;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return onPath(name);
}

const tools = {
  gcc: onPath('arm-none-eabi-gcc'),
  bsdiff: onPath('bsdiff'),
  xdelta3: onPath('xdelta3'),
  jdiff: toolPath('FUOTA_JDIFF', 'jdiff'),
  detoolsApply: toolPath('FUOTA_DETOOLS_APPLY', 'detools-apply'),
  time: existsSync('/usr/bin/time') ? '/usr/bin/time' : null,
};

const args = process.argv.slice(2);
function option(name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}
const randomCount = option('--random') === undefined ? 0 : Number(option('--random'));
const randomSeed = Number(option('--seed') ?? 1);
const runJdiffBb = !args.includes('--no-bb');
const timingRuns = Math.max(1, Number(option('--runs') ?? 3));

const work = mkdtempSync(join(tmpdir(), 'fuota-delta-bench-'));
const notes: string[] = [];
const detoolsLoaded = await loadDetools();
const detools = typeof detoolsLoaded === 'string' ? undefined : detoolsLoaded;
if (typeof detoolsLoaded === 'string') notes.push(detoolsLoaded);

interface ToolRun {
  bytes: number;
  seconds: number | null;
  peakRssMb: number | null;
}

/** Runs a tool that writes `output`; time and peak RSS via /usr/bin/time when present. */
function runTool(tool: string, toolArgs: string[], output: string): ToolRun {
  const timeFile = join(work, 'time.txt');
  const command = tools.time ? tools.time : tool;
  const commandArgs = tools.time ? ['-f', '%e %M', '-o', timeFile, tool, ...toolArgs] : toolArgs;
  const run = spawnSync(command, commandArgs, { encoding: 'utf8' });
  // jdiff exits 1 when it wrote differences; anything past that is an error.
  if (run.status === null || run.status > 1 || !existsSync(output)) throw new Error(`${tool} failed: ${run.stderr}`);
  let seconds: number | null = null;
  let peakRssMb: number | null = null;
  if (tools.time && existsSync(timeFile)) {
    const [s, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ');
    seconds = Number(s);
    peakRssMb = Number(kb) / 1024;
  }
  return { bytes: readFileSync(output).length, seconds, peakRssMb };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The detools C library applies `patchPath` to `oldPath` and gives `newImage`? null when absent. */
function cApplies(oldPath: string, patchPath: string, newImage: Uint8Array): { ok: boolean; detail: string } | null {
  if (!tools.detoolsApply) return null;
  const out = join(work, 'c-applied.bin');
  rmSync(out, { force: true });
  const run = spawnSync(tools.detoolsApply, [oldPath, patchPath, out], { encoding: 'utf8' });
  if (run.status !== 0) return { ok: false, detail: (run.stderr || run.stdout).trim() };
  const ok = same(new Uint8Array(readFileSync(out)), newImage);
  return { ok, detail: ok ? 'byte-exact' : 'output differs' };
}

/** The code measured: HEAD and any uncommitted change under src/delta (the bench runs the working tree). */
function codeState(): { head: string | null; uncommittedSrcDelta: string[] } {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, encoding: 'utf8' });
  const status = spawnSync('git', ['status', '--porcelain', '--', 'src/delta'], { cwd: join(here, '..'), encoding: 'utf8' });
  return {
    head: head.status === 0 ? head.stdout.trim() : null,
    uncommittedSrcDelta: status.status === 0 ? status.stdout.split('\n').filter(Boolean) : [],
  };
}
const code = codeState();
console.log(`code measured: HEAD ${code.head ?? '?'}; uncommitted changes under src/delta: ${code.uncommittedSrcDelta.length ? code.uncommittedSrcDelta.join(', ') : 'none'}`);

const gccVersion = tools.gcc ? execFileSync('arm-none-eabi-gcc', ['-dumpversion'], { encoding: 'utf8' }).trim() : null;
const jdiffVersion = tools.jdiff ? (spawnSync(tools.jdiff, ['-V'], { encoding: 'utf8' }).stdout || '').trim() || 'unknown' : null;

// ---------------------------------------------------------------------------------------------
// Pairs

interface PairFiles {
  key: string;
  label: string;
  oldPath: string;
  newPath: string;
}

const firmwareDir = join(here, 'firmware', 'build');
const realImages: Uint8Array[] = [];
const pairs: PairFiles[] = [];
let corpus: Uint8Array;
if (tools.gcc) {
  execFileSync(join(here, 'firmware', 'build.sh'), [firmwareDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const bin = (name: string): string => join(firmwareDir, `${name}.bin`);
  const real: Array<[string, string, string]> = [
    ['version', 'base', 'version'],
    ['constant', 'base', 'constant'],
    ['oneline', 'base', 'oneline'],
    ['feature', 'base', 'feature'],
    ['removed', 'feature', 'base'],
    ['release', 'base', 'release'],
    ['o2', 'base', 'o2'],
  ];
  for (const [key, from, to] of real) pairs.push({ key, label: labelOf(key), oldPath: bin(from), newPath: bin(to) });
  for (const name of ['base', 'feature', 'o2', 'release']) realImages.push(new Uint8Array(readFileSync(bin(name))));
  corpus = Buffer.concat(['base', 'feature', 'o2'].map((name) => readFileSync(bin(name))));
} else {
  notes.push('arm-none-eabi-gcc not found: real firmware pairs skipped (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)');
  corpus = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff);
}
for (const [key, size, seed] of [
  ['synthetic90k', 90 * 1024, 7],
  ['synthetic1m', 1024 * 1024, 11],
] as const) {
  const { oldImage, newImage } = syntheticPair(corpus, size, seed);
  const oldPath = join(work, `${key}-old.bin`);
  const newPath = join(work, `${key}-new.bin`);
  writeFileSync(oldPath, oldImage);
  writeFileSync(newPath, newImage);
  pairs.push({ key, label: labelOf(key), oldPath, newPath });
}

function labelOf(key: string): string {
  return reference.pairs.find((p) => p.key === key)?.label ?? key;
}

// ---------------------------------------------------------------------------------------------
// Random mode

if (randomCount > 0) {
  await runRandom(randomCount);
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}

async function runRandom(count: number): Promise<void> {
  interface RandomRow {
    index: number;
    label: string;
    oldBytes: number;
    newBytes: number;
    legacyBytes: number;
    currentBytes: number;
    jdiffBytes: number | null;
    legacyMs: number;
    currentMs: number;
    roundTrip: boolean;
    jdiffReadByOurs: boolean | null;
    detoolsHeatshrinkBytes: number | null;
    detoolsCrleBytes: number | null;
    /** The detools C library applied both detools patches (crle, heatshrink 8/7) byte-exact. */
    detoolsCApplies: boolean | null;
  }
  const rows: RandomRow[] = [];
  const oldPath = join(work, 'r-old.bin');
  const newPath = join(work, 'r-new.bin');
  for (let i = 0; i < count; i++) {
    const pair = randomPair(corpus, realImages, randomSeed, i);
    writeFileSync(oldPath, pair.oldImage);
    writeFileSync(newPath, pair.newImage);
    const sizes: Record<JanpatchDialect, number> = { legacy: 0, current: 0 };
    const ms: Record<JanpatchDialect, number> = { legacy: 0, current: 0 };
    let roundTrip = true;
    for (const dialect of DIALECTS) {
      const started = performance.now();
      const patch = createPatch(pair.oldImage, pair.newImage, { dialect });
      ms[dialect] = performance.now() - started;
      sizes[dialect] = patch.length;
      if (!same(applyPatch(pair.oldImage, patch, { dialect }), pair.newImage)) roundTrip = false;
    }
    let jdiffBytes: number | null = null;
    let jdiffReadByOurs: boolean | null = null;
    if (tools.jdiff) {
      const out = join(work, 'r.jdf');
      jdiffBytes = runTool(tools.jdiff, [oldPath, newPath, out], out).bytes;
      try {
        jdiffReadByOurs = same(applyPatch(pair.oldImage, new Uint8Array(readFileSync(out)), { dialect: 'current' }), pair.newImage);
      } catch {
        jdiffReadByOurs = false;
      }
    }
    const detoolsBytes: Partial<Record<DetoolsKind, number>> = {};
    let detoolsCApplies: boolean | null = null;
    if (detools) {
      for (const compression of ['crle', 'heatshrink'] as const) {
        try {
          const patch = detools.createDetoolsPatch(pair.oldImage, pair.newImage, { compression });
          detoolsBytes[compression] = patch.length;
          if (!same(detools.applyDetoolsPatch(pair.oldImage, patch), pair.newImage)) {
            notes.push(`random ${i} (${pair.label}): our detools ${compression} patch does not round-trip`);
            roundTrip = false;
          }
          const patchPath = join(work, 'r.detools');
          writeFileSync(patchPath, patch);
          const c = cApplies(oldPath, patchPath, pair.newImage);
          if (c) {
            detoolsCApplies = (detoolsCApplies ?? true) && c.ok;
            if (!c.ok) notes.push(`random ${i} (${pair.label}): detools C library on our ${compression} patch: ${c.detail}`);
          }
        } catch (error) {
          notes.push(`random ${i} (${pair.label}): detools ${compression} failed: ${(error as Error).message}`);
          roundTrip = false;
        }
      }
    }
    rows.push({
      index: i,
      label: pair.label,
      oldBytes: pair.oldImage.length,
      newBytes: pair.newImage.length,
      legacyBytes: sizes.legacy,
      currentBytes: sizes.current,
      jdiffBytes,
      legacyMs: ms.legacy,
      currentMs: ms.current,
      roundTrip,
      jdiffReadByOurs,
      detoolsHeatshrinkBytes: detoolsBytes.heatshrink ?? null,
      detoolsCrleBytes: detoolsBytes.crle ?? null,
      detoolsCApplies,
    });
    if ((i + 1) % 25 === 0) process.stderr.write(`random pairs: ${i + 1}/${count}\n`);
  }

  const summary: Record<string, unknown> = { pairs: count, seed: randomSeed };
  const lines: string[] = [];
  for (const dialect of DIALECTS) {
    const key = dialect === 'legacy' ? 'legacyBytes' : 'currentBytes';
    const withJdiff = rows.filter((r) => r.jdiffBytes !== null && r.jdiffBytes > 0);
    if (withJdiff.length === 0) continue;
    const ratios = withJdiff.map((r) => ({ r, ratio: r[key] / r.jdiffBytes! }));
    ratios.sort((a, b) => b.ratio - a.ratio);
    const worst = ratios[0]!;
    const mean = ratios.reduce((s, x) => s + x.ratio, 0) / ratios.length;
    const over = ratios.filter((x) => x.ratio > 1.02).length;
    const totalOurs = withJdiff.reduce((s, r) => s + r[key], 0);
    const totalJdiff = withJdiff.reduce((s, r) => s + r.jdiffBytes!, 0);
    summary[dialect] = {
      worstRatio: worst.ratio,
      worstPair: { index: worst.r.index, label: worst.r.label, ours: worst.r[key], jdiff: worst.r.jdiffBytes },
      meanRatio: mean,
      totalRatio: totalOurs / totalJdiff,
      pairsOver1_02: over,
      maxDiffMs: Math.max(...rows.map((r) => (dialect === 'legacy' ? r.legacyMs : r.currentMs))),
    };
    lines.push(
      `${dialect.padEnd(7)} worst ours/jdiff ${worst.ratio.toFixed(3)} (#${worst.r.index} ${worst.r.label}: ${worst.r[key]} vs ${worst.r.jdiffBytes} B), ` +
        `mean ${mean.toFixed(3)}, total ${(totalOurs / totalJdiff).toFixed(3)}, pairs > 1.02: ${over}/${withJdiff.length}`,
    );
  }
  summary.roundTripFailures = rows.filter((r) => !r.roundTrip).length;
  summary.jdiffPatchesOurPatcherRefused = rows.filter((r) => r.jdiffReadByOurs === false).length;
  summary.detoolsCAppliesFailures = rows.filter((r) => r.detoolsCApplies === false).length;
  summary.detoolsCAppliesChecked = rows.filter((r) => r.detoolsCApplies !== null).length;
  console.log(`random firmware-like pairs: ${count} (seed ${randomSeed}; kinds release/patch/reorder in turn)`);
  if (!tools.jdiff) console.log('jdiff not found ($FUOTA_JDIFF or PATH): no ratios');
  for (const line of lines) console.log(line);
  console.log(`round trips failed: ${String(summary.roundTripFailures)}; jdiff patches our patcher refused: ${String(summary.jdiffPatchesOurPatcherRefused)}`);
  if (detools) console.log(`pairs whose detools crle or heatshrink 8/7 patch the C library refused or got wrong: ${String(summary.detoolsCAppliesFailures)}/${String(summary.detoolsCAppliesChecked)}`);
  for (const note of notes) console.log(`note: ${note}`);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'delta-random.json'),
    `${JSON.stringify({ date: new Date().toISOString(), code, node: process.version, loadavg: loadavg(), armGcc: gccVersion, jdiff: jdiffVersion, tools, summary, notes, rows }, null, 2)}\n`,
  );
}

// ---------------------------------------------------------------------------------------------
// Table mode

interface MethodResult {
  bytes: number | null;
  diffMs: number | null;
  cpuMs: number | null;
  peakRssMb: number | null;
  /** Our patcher rebuilt the new image byte for byte. */
  roundTrip: boolean | null;
  /** detools only: the detools C library applied it byte-exact (null: library not at hand). */
  cApplies: boolean | null;
  error?: string;
}

interface Row {
  key: string;
  label: string;
  measured: boolean;
  notMeasuredHere?: string;
  oldBytes: number;
  newBytes: number;
  ours: Partial<Record<Method, MethodResult>>;
  /** Least bytes any JojoDiff patch can take in each dialect (jojo-lower-bound.ts), when available. */
  lowerBound: Record<JanpatchDialect, number | null>;
  jdiff: { bytes: number; source: 'measured' | 'reference'; defaultBytes: number | null; bbBytes: number | null; seconds: number | null; peakRssMb: number | null; ourPatcherApplies: boolean | null };
  bsdiffBytes: number | null;
  xdelta3Bytes: number | null;
  detoolsOwn: { crle: number; heatshrink: number; lzma: number } | null;
  ratios: Record<string, number | null>;
}

function measureMethod(method: Method, pair: PairFiles, oldImage: Uint8Array, newImage: Uint8Array): MethodResult {
  if (method.startsWith('detools-') && !detools) return { bytes: null, diffMs: null, cpuMs: null, peakRssMb: null, roundTrip: null, cApplies: null };
  const patchPath = join(work, `${pair.key}.${method}.patch`);
  let result: WorkerResult | undefined;
  // Best of --runs (default 3) for the time (JIT warm-up and machine noise); RSS from the first.
  for (let run = 0; run < timingRuns; run++) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--worker', method, pair.oldPath, pair.newPath, patchPath], { encoding: 'utf8' });
    if (child.status !== 0) {
      const error = (child.stderr || `exit ${child.status}`).trim().split('\n').slice(-3).join(' ');
      notes.push(`${pair.label}: ${method} failed: ${error}`);
      return { bytes: null, diffMs: null, cpuMs: null, peakRssMb: null, roundTrip: null, cApplies: null, error };
    }
    const r = JSON.parse(child.stdout) as WorkerResult;
    result = result === undefined ? r : { ...result, diffMs: Math.min(result.diffMs, r.diffMs), cpuMs: Math.min(result.cpuMs, r.cpuMs) };
    if (newImage.length > 500_000) break;
  }
  const patch = new Uint8Array(readFileSync(patchPath));
  let roundTrip = false;
  try {
    roundTrip = same(applyBack(method, oldImage, patch, detools), newImage);
    if (method === 'legacy') roundTrip &&= same(applyPatch(oldImage, patch, { dialect: 'current' }), newImage);
  } catch (error) {
    notes.push(`${pair.label}: our patcher refused our ${method} patch: ${(error as Error).message}`);
  }
  if (!roundTrip) notes.push(`${pair.label}: our ${method} patch does not rebuild the new image`);
  let c: boolean | null = null;
  if (method.startsWith('detools-')) {
    const applied = cApplies(pair.oldPath, patchPath, newImage);
    c = applied?.ok ?? null;
    if (applied && !applied.ok) notes.push(`${pair.label}: detools C library on our ${method} patch: ${applied.detail}`);
  }
  return { bytes: result!.patchBytes, diffMs: result!.diffMs, cpuMs: result!.cpuMs, peakRssMb: result!.peakRssMb, roundTrip, cApplies: c };
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a == null || b == null || b === 0 ? null : a / b;
}

function computeRatios(row: Row): Record<string, number | null> {
  const jd = row.jdiff.bytes;
  const own = row.detoolsOwn;
  return {
    legacyVsJdiff: ratio(row.ours.legacy?.bytes, jd),
    currentVsJdiff: ratio(row.ours.current?.bytes, jd),
    detoolsCrleVsOwn: ratio(row.ours['detools-crle']?.bytes, own?.crle),
    detoolsHeatshrinkVsOwn: ratio(row.ours['detools-heatshrink']?.bytes, own?.heatshrink),
    detoolsHeatshrinkVsJdiff: ratio(row.ours['detools-heatshrink']?.bytes, jd),
    ownHeatshrinkVsJdiff: ratio(own?.heatshrink, jd),
  };
}

const lowerBound = await loadLowerBound();
if (!lowerBound) notes.push('src/delta/jojo-lower-bound.ts not present: no lower-bound columns');
const rows: Row[] = [];
for (const pair of pairs) {
  const ref = reference.pairs.find((p) => p.key === pair.key);
  const oldImage = new Uint8Array(readFileSync(pair.oldPath));
  const newImage = new Uint8Array(readFileSync(pair.newPath));
  if (ref && (ref.oldBytes !== oldImage.length || ref.newBytes !== newImage.length)) {
    notes.push(`${pair.label}: images are ${oldImage.length}→${newImage.length} B, the reference measured ${ref.oldBytes}→${ref.newBytes} B: reference figures are for other bytes`);
  }
  const ours: Partial<Record<Method, MethodResult>> = {};
  for (const method of METHODS) ours[method] = measureMethod(method, pair, oldImage, newImage);

  let jdiff: Row['jdiff'];
  if (tools.jdiff) {
    const out = join(work, `${pair.key}.jdf`);
    const def = runTool(tools.jdiff, [pair.oldPath, pair.newPath, out], out);
    let applies: boolean | null = null;
    try {
      applies = same(applyPatch(oldImage, new Uint8Array(readFileSync(out)), { dialect: 'current' }), newImage);
    } catch (error) {
      applies = false;
      notes.push(`${pair.label}: our patcher refused jdiff's patch: ${(error as Error).message}`);
    }
    const bb = runJdiffBb ? runTool(tools.jdiff, ['-bb', pair.oldPath, pair.newPath, out], out).bytes : null;
    // Compare with the smaller of jdiff's default and -bb: the harder target.
    jdiff = { bytes: Math.min(def.bytes, bb ?? def.bytes), source: 'measured', defaultBytes: def.bytes, bbBytes: bb, seconds: def.seconds, peakRssMb: def.peakRssMb, ourPatcherApplies: applies };
  } else {
    const d = ref?.jdiff.default ?? 0;
    const b = ref?.jdiff.bb ?? null;
    jdiff = { bytes: Math.min(d, b ?? d), source: 'reference', defaultBytes: d, bbBytes: b, seconds: null, peakRssMb: null, ourPatcherApplies: null };
  }
  const bsdiffBytes = tools.bsdiff ? runTool(tools.bsdiff, [pair.oldPath, pair.newPath, join(work, 'p.bsdiff')], join(work, 'p.bsdiff')).bytes : (ref?.bsdiff ?? null);
  const xdelta3Bytes = tools.xdelta3
    ? runTool(tools.xdelta3, ['-9', '-e', '-f', '-s', pair.oldPath, pair.newPath, join(work, 'p.xd3')], join(work, 'p.xd3')).bytes
    : (ref?.xdelta3 ?? null);
  const row: Row = {
    key: pair.key,
    label: pair.label,
    measured: true,
    oldBytes: oldImage.length,
    newBytes: newImage.length,
    ours,
    lowerBound: {
      legacy: lowerBound ? lowerBound(oldImage, newImage, 'legacy') : null,
      current: lowerBound ? lowerBound(oldImage, newImage, 'current') : null,
    },
    jdiff,
    bsdiffBytes,
    xdelta3Bytes,
    detoolsOwn: ref?.detools ?? null,
    ratios: {},
  };
  row.ratios = computeRatios(row);
  rows.push(row);
}
for (const ref of reference.pairs.filter((p) => p.notMeasuredHere)) {
  const row: Row = {
    key: ref.key,
    label: ref.label,
    measured: false,
    notMeasuredHere: ref.notMeasuredHere!,
    oldBytes: ref.oldBytes,
    newBytes: ref.newBytes,
    ours: {},
    lowerBound: { legacy: null, current: null },
    jdiff: { bytes: ref.jdiff.default, source: 'reference', defaultBytes: ref.jdiff.default, bbBytes: ref.jdiff.bb, seconds: null, peakRssMb: null, ourPatcherApplies: null },
    bsdiffBytes: ref.bsdiff,
    xdelta3Bytes: ref.xdelta3,
    detoolsOwn: ref.detools,
    ratios: {},
  };
  row.ratios = computeRatios(row);
  rows.push(row);
}
rmSync(work, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------
// Output

const num = (value: number | null | undefined, digits = 0): string => (value == null ? '-' : value.toFixed(digits));
const bytesCell = (r: Row, m: Method): string => {
  if (!r.measured) return 'not measured here';
  const x = r.ours[m];
  if (!x || x.bytes === null) return m.startsWith('detools-') && !detools ? 'n/a' : 'err';
  return `${x.bytes}${x.roundTrip ? '' : ' (!rt)'}`;
};
function printTable(title: string, header: string[], body: string[][]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((t, c) => (c === 0 ? t.padEnd(widths[c]!) : t.padStart(widths[c]!))).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(`|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of body) console.log(line(row));
}

const jdiffLabel = tools.jdiff ? 'jdiff B' : 'jdiff B (ref)';
printTable(
  'JojoDiff format (janpatch): our two dialects vs jdiff 0.8.5 (smaller of default and -bb); bound = least bytes ANY patch in the dialect can take',
  ['pair', 'old→new B', 'legacy B', 'current B', jdiffLabel, 'legacy/jdiff', 'current/jdiff', 'bound leg B', 'bound cur B', 'bsdiff B', 'xdelta3 B', 'ours reads jdiff'],
  rows.map((r) => [
    r.label,
    `${r.oldBytes}→${r.newBytes}`,
    bytesCell(r, 'legacy'),
    bytesCell(r, 'current'),
    `${r.jdiff.bytes}${r.jdiff.source === 'reference' && tools.jdiff ? ' (ref)' : ''}`,
    num(r.ratios.legacyVsJdiff, 3),
    num(r.ratios.currentVsJdiff, 3),
    num(r.lowerBound.legacy),
    num(r.lowerBound.current),
    num(r.bsdiffBytes),
    num(r.xdelta3Bytes),
    r.jdiff.ourPatcherApplies === null ? '-' : r.jdiff.ourPatcherApplies ? 'yes' : 'NO',
  ]),
);
printTable(
  "detools sequential patches: ours vs detools' own encoder (reference) and jdiff",
  ['pair', 'none B', 'crle B', 'hs 8/7 B', 'own crle B', 'own hs B', 'own lzma B', 'crle/own', 'hs/own', 'hs/jdiff', 'own hs/jdiff', 'C applies'],
  rows.map((r) => {
    const c = DETOOLS_KINDS.map((k) => r.ours[`detools-${k}`]?.cApplies ?? null);
    const cCell = !r.measured ? '-' : !detools ? 'n/a' : !tools.detoolsApply ? 'no library' : c.every((x) => x === true) ? 'yes' : `no (${DETOOLS_KINDS.filter((_, i) => c[i] !== true).join(',')})`;
    return [
      r.label,
      bytesCell(r, 'detools-none'),
      bytesCell(r, 'detools-crle'),
      bytesCell(r, 'detools-heatshrink'),
      num(r.detoolsOwn?.crle),
      num(r.detoolsOwn?.heatshrink),
      num(r.detoolsOwn?.lzma),
      num(r.ratios.detoolsCrleVsOwn, 3),
      num(r.ratios.detoolsHeatshrinkVsOwn, 3),
      num(r.ratios.detoolsHeatshrinkVsJdiff, 3),
      num(r.ratios.ownHeatshrinkVsJdiff, 3),
      cCell,
    ];
  }),
);
const cost = (x: MethodResult | undefined): string => (x?.diffMs == null ? '-' : `${x.diffMs.toFixed(0)}/${num(x.cpuMs)} ms ${num(x.peakRssMb)} MB`);
printTable(
  `Cost per diff: wall/CPU ms of the diff and peak RSS of its child process (incl. Node + tsx); best of ${timingRuns} below 500 KB`,
  ['pair', 'legacy', 'current', 'detools none', 'detools crle', 'detools hs', 'jdiff (C, default)'],
  rows
    .filter((r) => r.measured)
    .map((r) => [
      r.label,
      cost(r.ours.legacy),
      cost(r.ours.current),
      cost(r.ours['detools-none']),
      cost(r.ours['detools-crle']),
      cost(r.ours['detools-heatshrink']),
      r.jdiff.seconds == null ? '-' : `${(r.jdiff.seconds * 1000).toFixed(0)} ms / ${num(r.jdiff.peakRssMb)} MB`,
    ]),
);

// Issue #18's targets, checked on the measured rows (a row that was not measured cannot pass).
interface TargetCheck {
  target: string;
  /** SKIP: nothing could be checked (tool or module absent, pair not measured). */
  status: 'PASS' | 'FAIL' | 'SKIP';
  failing: string[];
  notChecked: string[];
}
const measuredRows = rows.filter((r) => r.measured);
const codeChangeKeys = ['oneline', 'feature', 'removed', 'release', 'loramac-release', 'loramac-call'];
function check(target: string, subjects: Row[], ok: (r: Row) => boolean | null, show: (r: Row) => string): TargetCheck {
  const failing = subjects.filter((r) => ok(r) === false).map((r) => `${r.label} (${show(r)})`);
  const notChecked = subjects.filter((r) => ok(r) === null).map((r) => `${r.label} (${show(r)})`);
  const status = failing.length > 0 ? 'FAIL' : notChecked.length === subjects.length ? 'SKIP' : 'PASS';
  return { target, status, failing, notChecked };
}
const le = (value: number | null | undefined, bound: number): boolean | null => (value == null ? null : value <= bound);
const targets: TargetCheck[] = [
  check('janpatch current ≤ 0.85× jdiff on every pair', measuredRows, (r) => le(r.ratios.currentVsJdiff, 0.85), (r) => num(r.ratios.currentVsJdiff, 3)),
  check('janpatch legacy ≤ 1.0× jdiff on every pair', measuredRows, (r) => le(r.ratios.legacyVsJdiff, 1.0), (r) => num(r.ratios.legacyVsJdiff, 3)),
  check(
    "detools: never larger than detools' own with the same compression",
    measuredRows.filter((r) => r.detoolsOwn),
    (r) => (r.ratios.detoolsCrleVsOwn == null || r.ratios.detoolsHeatshrinkVsOwn == null ? null : r.ratios.detoolsCrleVsOwn <= 1 && r.ratios.detoolsHeatshrinkVsOwn <= 1),
    (r) => `crle ${num(r.ratios.detoolsCrleVsOwn, 3)}, hs ${num(r.ratios.detoolsHeatshrinkVsOwn, 3)}`,
  ),
  check(
    'detools heatshrink 8/7 ≤ 0.65× jdiff on the code-change pairs',
    rows.filter((r) => codeChangeKeys.includes(r.key)),
    (r) => le(r.ratios.detoolsHeatshrinkVsJdiff, 0.65),
    (r) => (r.measured ? num(r.ratios.detoolsHeatshrinkVsJdiff, 3) : 'not measured here'),
  ),
  check(
    'every patch of ours rebuilds the new image (our patcher)',
    measuredRows,
    (r) => METHODS.every((m) => r.ours[m]?.roundTrip !== false) && METHODS.some((m) => r.ours[m]?.roundTrip === true),
    (r) => METHODS.filter((m) => r.ours[m]?.roundTrip === false).join(',') || 'none measured',
  ),
  check(
    'the detools C library applies every detools patch of ours',
    measuredRows,
    (r) => (tools.detoolsApply && detools ? DETOOLS_KINDS.every((k) => r.ours[`detools-${k}`]?.cApplies === true) : null),
    (r) => (!tools.detoolsApply ? 'library not at hand' : !detools ? 'n/a' : DETOOLS_KINDS.filter((k) => r.ours[`detools-${k}`]?.cApplies !== true).join(',')),
  ),
  check(
    'JojoDiff diff CPU time: 90 KB ≤ 200 ms, 1 MB ≤ 3 s and ≤ 200 MB (both dialects)',
    measuredRows.filter((r) => r.key === 'synthetic90k' || r.key === 'synthetic1m'),
    (r) =>
      DIALECTS.every((d) => {
        const x = r.ours[d];
        if (!x || x.cpuMs == null) return false;
        return r.key === 'synthetic90k' ? x.cpuMs <= 200 : x.cpuMs <= 3000 && (x.peakRssMb ?? Infinity) <= 200;
      }),
    (r) => DIALECTS.map((d) => `${d} ${cost(r.ours[d])}`).join(', '),
  ),
];
console.log('\nIssue #18 targets (times are CPU time of the diff: the machine is shared; loadavg is in the JSON)');
// Where even the lower bound (no patch in the dialect can be smaller) is above a janpatch target,
// the target cannot be met in that format: say so beside the check.
for (const [dialect, bound] of [['current', 0.85], ['legacy', 1.0]] as const) {
  const t = targets.find((x) => x.target.startsWith(`janpatch ${dialect}`))!;
  const infeasible = measuredRows.filter((r) => r.lowerBound[dialect] != null && r.lowerBound[dialect]! > bound * r.jdiff.bytes);
  if (infeasible.length) {
    t.failing.push(
      `below the lower bound of any ${dialect} patch (so unreachable) on: ${infeasible.map((r) => `${r.label} (bound ${r.lowerBound[dialect]} B = ${(r.lowerBound[dialect]! / r.jdiff.bytes).toFixed(3)}× jdiff)`).join(', ')}`,
    );
  }
}
for (const t of targets) {
  const failing = t.failing.length ? `: ${t.failing.join('; ')}` : '';
  const unchecked = t.notChecked.length ? ` [not checked: ${t.notChecked.join('; ')}]` : '';
  console.log(`${t.status}  ${t.target}${failing}${unchecked}`);
}

if (!tools.jdiff) notes.push('jdiff not found ($FUOTA_JDIFF or PATH): jdiff figures are the reference ones');
if (!tools.detoolsApply) notes.push('detools C library driver not found ($FUOTA_DETOOLS_APPLY or PATH: detools-apply OLD PATCH NEW): "C applies" not checked');
if (!tools.bsdiff || !tools.xdelta3) notes.push('bsdiff/xdelta3 missing (apt-get install bsdiff xdelta3): their reference figures shown');
notes.push(`reference figures: bench/delta-reference.json (${reference.source.split('(')[0]!.trim()})`);
for (const note of notes) console.log(`note: ${note}`);

mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', 'delta.json'),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      code,
      node: process.version,
      loadavg: loadavg(),
      armGcc: gccVersion,
      jdiff: jdiffVersion,
      tools,
      detools: detools ? 'src/delta/detools (createDetoolsPatch / applyDetoolsPatch)' : detoolsLoaded,
      referenceSource: reference.source,
      targets,
      notes,
      rows,
    },
    null,
    2,
  )}\n`,
);
