// `npm run bench -- fec [--scale X]`: FEC cost and airtime, TS004 v1, v2 and Reed-Solomon side by
// side. For every scheme, M in {20, 200, 2000, 10000}, fragment size in {50, 220} and loss in
// {0, 5, 10, 20, 33} %: a random block is encoded as a stream (N ascending), each fragment is lost
// independently with the given probability, and the receiver (our device-grade decoder, order
// 'ascending' like a device) is fed until it rebuilds the block. Measured:
//   extra   = fragments received beyond M when the block was rebuilt (an MDS code needs 0);
//   enc MB/s = fragment bytes produced per second of encoder time;
//   dec MB/s = block bytes per second of decoder time (all push() calls of the trial);
//   peak RSS = the worker process's maxRSS; one worker per (scheme, M, size), so it is the peak
//             over that worker's loss rates (the 33 % run dominates), Node + tsx baseline included.
// Trials per M are chosen so the whole run takes minutes on a 2-core machine (printed below).
// Extra-fragment counts do not depend on the fragment size, so their distribution pools both
// sizes. Results: a table on stdout and bench/results/fec.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { FecDecoder, FecEncoder } from '../src/fec/codec.js';
import { RsDecoder, RsEncoder } from '../src/fec/reed-solomon.js';
import { reedSolomonReady } from '../src/fec/rs-engine.js';
import { Ts004Decoder } from '../src/fec/ts004-decoder.js';
import { Ts004Encoder } from '../src/fec/ts004-encoder.js';

type Scheme = 'v1' | 'v2' | 'rs';
const SCHEMES: Scheme[] = ['v1', 'v2', 'rs'];
const NB_FRAGS = [20, 200, 2000, 10000];
const SIZES = [50, 220];
const LOSSES = [0, 0.05, 0.1, 0.2, 0.33];
const BASE_TRIALS: Record<number, number> = { 20: 400, 200: 60, 2000: 8, 10000: 2 };

interface TrialResult {
  extra: number | null; // null: not rebuilt within the N space / shard limit
  encodeMs: number;
  decodeMs: number;
  fragmentsProduced: number;
}

interface WorkerRow {
  scheme: Scheme;
  nbFrag: number;
  fragmentSize: number;
  loss: number;
  trials: TrialResult[];
}

interface WorkerOutput {
  rows: WorkerRow[];
  baselineRssMB: number;
  peakRssMB: number;
}

/** xorshift32: the bench is reproducible run to run. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

async function runWorker(scheme: Scheme, nbFrag: number, fragmentSize: number, scale: number): Promise<WorkerOutput> {
  const baselineRssMB = process.memoryUsage().rss / 2 ** 20;
  const engine = scheme === 'rs' ? await reedSolomonReady() : undefined;
  const trials = Math.max(1, Math.round(BASE_TRIALS[nbFrag]! * scale));
  const rows: WorkerRow[] = [];
  for (const loss of LOSSES) {
    const results: TrialResult[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const random = rng(nbFrag * 7919 + fragmentSize * 104729 + Math.round(loss * 1000) * 31 + trial * 1_000_003);
      const block = new Uint8Array(nbFrag * fragmentSize);
      for (let i = 0; i < block.length; i++) block[i] = (random() * 256) | 0;
      const encoder: FecEncoder = engine ? new RsEncoder(engine, block, fragmentSize) : new Ts004Encoder(scheme as 'v1' | 'v2', block, fragmentSize);
      const decoder: FecDecoder = engine ? new RsDecoder(engine, nbFrag, fragmentSize) : new Ts004Decoder(scheme as 'v1' | 'v2', nbFrag, fragmentSize);
      // What a campaign would plan: enough coded fragments for this loss, plus a margin.
      const planned = Math.min(encoder.maxRedundancy, Math.ceil((nbFrag * loss) / (1 - loss) * 1.3) + 20);
      const stream = encoder.fragments(planned);
      let encodeNs = 0n;
      let decodeNs = 0n;
      let produced = 0;
      let received = 0;
      let extra: number | null = null;
      for (let n = 1; n <= nbFrag + encoder.maxRedundancy; n++) {
        let started = process.hrtime.bigint();
        const next = n <= nbFrag + planned ? stream.next().value!.data : encoder.fragment(n);
        encodeNs += process.hrtime.bigint() - started;
        produced++;
        if (random() < loss) continue;
        received++;
        started = process.hrtime.bigint();
        const result = decoder.push(n, next);
        decodeNs += process.hrtime.bigint() - started;
        if (result.status === 'done') {
          extra = received - nbFrag;
          break;
        }
      }
      results.push({ extra, encodeMs: Number(encodeNs) / 1e6, decodeMs: Number(decodeNs) / 1e6, fragmentsProduced: produced });
    }
    rows.push({ scheme, nbFrag, fragmentSize, loss, trials: results });
  }
  return { rows, baselineRssMB, peakRssMB: process.resourceUsage().maxRSS / 1024 };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function fmt(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const scaleIndex = args.indexOf('--scale');
  const scale = scaleIndex >= 0 ? Number(args[scaleIndex + 1]) : 1;
  const workerIndex = args.indexOf('--worker');
  if (workerIndex >= 0) {
    const [scheme, nbFrag, fragmentSize] = args.slice(workerIndex + 1, workerIndex + 4);
    const output = await runWorker(scheme as Scheme, Number(nbFrag), Number(fragmentSize), scale);
    process.stdout.write(JSON.stringify(output));
    return;
  }

  const trialsPerM = Object.fromEntries(NB_FRAGS.map((m) => [m, Math.max(1, Math.round(BASE_TRIALS[m]! * scale))]));
  const loadAtStart = loadavg()[0]!;
  console.log(`FEC benchmark: ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, load average ${loadAtStart.toFixed(1)}`);
  console.log(`trials per (scheme, M, fragment size, loss): ${NB_FRAGS.map((m) => `M=${m}: ${trialsPerM[m]}`).join(', ')} (scale ${scale}); one worker process per (scheme, M, size)`);
  const started = Date.now();
  const self = fileURLToPath(import.meta.url);
  const outputs: Array<WorkerOutput & { scheme: Scheme; nbFrag: number; fragmentSize: number }> = [];
  for (const nbFrag of NB_FRAGS) {
    for (const fragmentSize of SIZES) {
      for (const scheme of SCHEMES) {
        const t0 = Date.now();
        const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--worker', scheme, String(nbFrag), String(fragmentSize), '--scale', String(scale)], {
          encoding: 'utf8',
          maxBuffer: 1 << 28,
        });
        if (child.status !== 0) throw new Error(`worker ${scheme} M=${nbFrag} S=${fragmentSize} failed: ${child.stderr}`);
        outputs.push({ ...(JSON.parse(child.stdout) as WorkerOutput), scheme, nbFrag, fragmentSize });
        process.stderr.write(`  ${scheme} M=${nbFrag} S=${fragmentSize}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      }
    }
  }

  const rows = outputs.flatMap((o) =>
    o.rows.map((row) => {
      const ok = row.trials.filter((t) => t.extra !== null);
      const sum = (f: (t: TrialResult) => number) => row.trials.reduce((acc, t) => acc + f(t), 0);
      return {
        scheme: row.scheme,
        nbFrag: row.nbFrag,
        fragmentSize: row.fragmentSize,
        loss: row.loss,
        trials: row.trials.length,
        failed: row.trials.length - ok.length,
        encodeMBps: (sum((t) => t.fragmentsProduced) * row.fragmentSize) / 2 ** 20 / (sum((t) => t.encodeMs) / 1000),
        decodeMBps: (ok.length * row.nbFrag * row.fragmentSize) / 2 ** 20 / (ok.reduce((acc, t) => acc + t.decodeMs, 0) / 1000),
        extras: ok.map((t) => t.extra!),
        peakRssMB: o.peakRssMB,
        baselineRssMB: o.baselineRssMB,
      };
    }),
  );

  // Extra fragments, pooled over both fragment sizes.
  const extraTable: string[] = [];
  const extraJson: unknown[] = [];
  extraTable.push('Extra fragments received beyond M to rebuild the block (median / p99; MDS bound 0; "fail" = trials not rebuilt within the N space)');
  extraTable.push(`${'M'.padStart(6)} ${'loss'.padStart(5)} ${'n'.padStart(4)} | ${'v1 med/p99'.padStart(13)} | ${'v2 med/p99'.padStart(13)} | ${'rs med/p99'.padStart(13)} | MDS`);
  for (const nbFrag of NB_FRAGS) {
    for (const loss of LOSSES) {
      const cells: string[] = [];
      let samples = 0;
      const entry: Record<string, unknown> = { nbFrag, loss };
      for (const scheme of SCHEMES) {
        const matching = rows.filter((r) => r.scheme === scheme && r.nbFrag === nbFrag && r.loss === loss);
        const extras = matching.flatMap((r) => r.extras).sort((a, b) => a - b);
        const failed = matching.reduce((acc, r) => acc + r.failed, 0);
        samples = matching.reduce((acc, r) => acc + r.trials, 0);
        const median = quantile(extras, 0.5);
        const p99 = quantile(extras, 0.99);
        entry[scheme] = { median, p99, mean: extras.reduce((a, b) => a + b, 0) / extras.length, samples, failed };
        cells.push(`${fmt(median, 0)} / ${fmt(p99, 0)}${failed ? ` ${failed}fail` : ''}`.padStart(13));
      }
      extraJson.push(entry);
      extraTable.push(`${String(nbFrag).padStart(6)} ${`${Math.round(loss * 100)}%`.padStart(5)} ${String(samples).padStart(4)} | ${cells.join(' | ')} | 0`);
    }
  }

  const speedTable: string[] = [];
  speedTable.push('Throughput, MB/s (encode = fragment bytes produced / encoder time; decode = block bytes / decoder time)');
  speedTable.push(`${'M'.padStart(6)} ${'S'.padStart(4)} ${'loss'.padStart(5)} | ${'v1 enc'.padStart(7)} ${'v1 dec'.padStart(7)} | ${'v2 enc'.padStart(7)} ${'v2 dec'.padStart(7)} | ${'rs enc'.padStart(7)} ${'rs dec'.padStart(7)}`);
  for (const nbFrag of NB_FRAGS) {
    for (const fragmentSize of SIZES) {
      for (const loss of LOSSES) {
        const cells = SCHEMES.map((scheme) => {
          const r = rows.find((x) => x.scheme === scheme && x.nbFrag === nbFrag && x.fragmentSize === fragmentSize && x.loss === loss)!;
          return `${fmt(r.encodeMBps).padStart(7)} ${fmt(r.decodeMBps).padStart(7)}`;
        });
        speedTable.push(`${String(nbFrag).padStart(6)} ${String(fragmentSize).padStart(4)} ${`${Math.round(loss * 100)}%`.padStart(5)} | ${cells.join(' | ')}`);
      }
    }
  }

  const rssTable: string[] = [];
  rssTable.push('Peak RSS of the worker, MB (over its loss rates; the Node + tsx baseline at worker start in brackets)');
  rssTable.push(`${'M'.padStart(6)} ${'S'.padStart(4)} | ${'v1'.padStart(12)} | ${'v2'.padStart(12)} | ${'rs'.padStart(12)}`);
  for (const nbFrag of NB_FRAGS) {
    for (const fragmentSize of SIZES) {
      const cells = SCHEMES.map((scheme) => {
        const o = outputs.find((x) => x.scheme === scheme && x.nbFrag === nbFrag && x.fragmentSize === fragmentSize)!;
        return `${fmt(o.peakRssMB, 0)} [${fmt(o.baselineRssMB, 0)}]`.padStart(12);
      });
      rssTable.push(`${String(nbFrag).padStart(6)} ${String(fragmentSize).padStart(4)} | ${cells.join(' | ')}`);
    }
  }

  const seconds = (Date.now() - started) / 1000;
  console.log();
  console.log(extraTable.join('\n'));
  console.log();
  console.log(speedTable.join('\n'));
  console.log();
  console.log(rssTable.join('\n'));
  console.log();
  const loadAtEnd = loadavg()[0]!;
  console.log(`total ${seconds.toFixed(0)} s; load average ${loadAtStart.toFixed(1)} → ${loadAtEnd.toFixed(1)} (other work on the machine slows the MB/s figures, not the extra-fragment counts); p99 over fewer than 100 samples is the largest sample`);

  const results = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(results, { recursive: true });
  writeFileSync(
    `${results}fec.json`,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverage: { start: loadAtStart, end: loadAtEnd } },
        seconds,
        scale,
        trialsPerM,
        definitions: {
          extra: 'fragments received beyond M when the block was rebuilt (i.i.d. loss, N ascending); MDS bound 0',
          encodeMBps: 'fragment bytes produced / encoder time',
          decodeMBps: 'block bytes / decoder push() time, rebuilt trials only',
          peakRssMB: 'maxRSS of the worker process for (scheme, M, size) over all loss rates',
        },
        extraFragments: extraJson,
        rows: rows.map(({ extras, ...rest }) => ({
          ...rest,
          extraMedian: quantile([...extras].sort((a, b) => a - b), 0.5),
          extraP99: quantile([...extras].sort((a, b) => a - b), 0.99),
        })),
      },
      null,
      2,
    )}\n`,
  );
  console.log('wrote bench/results/fec.json');
}

await main();
