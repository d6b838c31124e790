import { compareRuns, runScenario, type RunRecord, type Verdict } from './serve-fault-harness.js';
import { DEFAULT_API_DOWN_MS, scenarios } from './fault-scenarios.js';

// `npm run faults [-- [--parallel N] [--api-down-ms MS] [--keep] [scenario…]]`: the fault matrix of issue #14
// against the real `fuota serve` (test/fault/serve-fault-harness.ts), outside `npm test`: an
// undisturbed baseline and each scenario, N at a time (they run in real time: about 5 minutes
// each, the two API outages 5 minutes more each; they wait, the CPU is mostly idle). Prints a table; exit code 1 when any scenario fails.

// Each child and broker adds an exit listener (killed with the runner): many at once.
process.setMaxListeners(200);
const args = process.argv.slice(2);
let apiDownMs = DEFAULT_API_DOWN_MS;
let keepDir = false;
let parallel = 1;
const names: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === '--api-down-ms') apiDownMs = Number(args[++i]);
  else if (arg === '--keep') keepDir = true;
  else if (arg === '--parallel') parallel = Number(args[++i]);
  else names.push(arg);
}
if (!Number.isInteger(parallel) || parallel < 1) {
  process.stderr.write(`faults: --parallel: expected a positive integer, got ${JSON.stringify(args[args.indexOf('--parallel') + 1])}\n`);
  process.exit(2);
}
if (!Number.isInteger(apiDownMs) || apiDownMs <= 0) {
  process.stderr.write(`faults: --api-down-ms: expected a positive integer, got ${JSON.stringify(args[args.indexOf('--api-down-ms') + 1])}\n`);
  process.exit(2);
}
const all = scenarios(apiDownMs);
const unknown = names.filter((name) => !all.some((s) => s.name === name));
if (unknown.length > 0) {
  process.stderr.write(`faults: unknown scenario ${unknown.join(', ')}; expected some of: ${all.map((s) => s.name).join(', ')}\n`);
  process.exit(2);
}
const chosen = all.filter((s) => s.name !== 'baseline' && (names.length === 0 || names.includes(s.name)));
const log = (line: string): void => void process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const options = { keepDir, log };

const LAUNCH_GAP_MS = 20_000;
const startedAt = Date.now();
// Runs wait on real time, not the CPU: several at once (each its own broker, ports, directory).
const runs = new Map<string, Promise<RunRecord | Error>>();
const queue = [all.find((s) => s.name === 'baseline')!, ...chosen];
let active = 0;
await new Promise<void>((resolve) => {
  const next = (): void => {
    if (queue.length === 0 && active === 0) return resolve();
    if (active < parallel && queue.length > 0) {
      const scenario = queue.shift()!;
      active++;
      log(`${scenario.name}: started`);
      const run = runScenario(scenario, options).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      runs.set(scenario.name, run);
      void run.then((result) => {
        active--;
        log(`${scenario.name}: ${result instanceof Error ? `ERROR ${result.message}` : `${result.phase} in ${result.seconds.toFixed(0)} s (${result.serveStarts} serve start(s))`}`);
        next();
      });
      // The next one a little later: starting children (tsx compiles on load) is what loads the CPU.
      setTimeout(next, LAUNCH_GAP_MS);
    }
  };
  next();
});

const baseline = await runs.get('baseline')!;
if (baseline instanceof Error) {
  process.stdout.write(`the baseline run failed: ${baseline.message}\n`);
  process.exit(1);
}
const rows: Array<{ name: string; result: string; seconds: string; duplicates: string; lost: string; diff: string }> = [];
rows.push({ name: 'baseline', result: baseline.phase === 'completed' ? 'ok' : `FAIL (${baseline.phase})`, seconds: baseline.seconds.toFixed(0), duplicates: '-', lost: '-', diff: `${baseline.phase}: ${Object.values(baseline.outcomes).join(',')}` });
let failed = baseline.phase !== 'completed';
for (const scenario of chosen) {
  const run = await runs.get(scenario.name)!;
  if (run instanceof Error) {
    failed = true;
    rows.push({ name: scenario.name, result: 'ERROR', seconds: '-', duplicates: '-', lost: '-', diff: 'the run did not end (see above)' });
    continue;
  }
  const verdict: Verdict = compareRuns(baseline, run);
  if (!verdict.ok) failed = true;
  const duplicates = [
    verdict.duplicateUplinks.length > 0 ? `uplinks: ${verdict.duplicateUplinks.join('; ')}` : '',
    verdict.unpromisedRepeats.length > 0 ? `NOT in outbox: ${verdict.unpromisedRepeats.join('; ')}` : '',
    verdict.promisedRepeats.length > 0 ? `${verdict.promisedRepeats.length} repeat(s) the outbox held` : '',
  ].filter((text) => text !== '').join(' | ') || 'none';
  rows.push({
    name: scenario.name,
    result: verdict.ok ? 'ok' : 'FAIL',
    seconds: run.seconds.toFixed(0),
    duplicates,
    lost: verdict.framesNotSent.length === 0 ? 'none' : verdict.framesNotSent.join(' '),
    diff: [...verdict.problems, ...verdict.outcomeDiff].join('; ') || 'none',
  });
  log(`${scenario.name}: ${verdict.ok ? 'ok' : 'FAIL'}; ${JSON.stringify(verdict)}\n  ${run.notes.join('\n  ')}`);
}

const header = { name: 'scenario', result: 'result', seconds: 'real s', duplicates: 'duplicates', lost: 'frames never sent', diff: 'outcome diff' };
const width = (key: keyof typeof header): number => Math.max(header[key].length, ...rows.map((row) => row[key].length));
const line = (row: typeof header): string => [row.name.padEnd(width('name')), row.result.padEnd(width('result')), row.seconds.padStart(width('seconds')), row.duplicates.padEnd(width('duplicates')), row.lost.padEnd(width('lost')), row.diff].join('  ');
process.stdout.write(`${line(header)}\n${rows.map(line).join('\n')}\n`);
process.stdout.write(`${rows.length} runs (${rows.filter((r) => r.result === 'ok').length} ok) in ${((Date.now() - startedAt) / 60_000).toFixed(1)} min\n`);
process.exit(failed ? 1 : 0);
