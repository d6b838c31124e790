// @ts-check
// Child process of test/cli/start-up.test.ts (plain JavaScript: it runs the built dist/ without
// tsx too). argv: the URL of a module exporting `main(argv)`, then a JSON array of argument
// lists. Runs main() on each in turn, as `fuota ARGS…` would, and prints one JSON object: the exit
// code and everything written to stdout and stderr per argument list, and the CommonJS modules
// loaded (ESM loads are recorded by load-recorder-hooks.mjs when the parent registers it).
import { createRequire } from 'node:module';

const [mainUrl, casesJson] = process.argv.slice(2);
if (mainUrl === undefined || casesJson === undefined) throw new Error('usage: help-runner.mjs MAIN_URL CASES_JSON');
const { main } = await import(mainUrl);
/** @type {string[][]} */
const cases = JSON.parse(casesJson);
const stdoutWrite = process.stdout.write.bind(process.stdout);
const stderrWrite = process.stderr.write.bind(process.stderr);
/** @type {Record<string, { code: number, stdout: string, stderr: string }>} */
const outputs = {};
for (const args of cases) {
  let stdout = '';
  let stderr = '';
  process.stdout.write = /** @type {typeof process.stdout.write} */ ((chunk) => ((stdout += String(chunk)), true));
  process.stderr.write = /** @type {typeof process.stderr.write} */ ((chunk) => ((stderr += String(chunk)), true));
  try {
    outputs[args.join(' ')] = { code: await main(['node', 'fuota', ...args]), stdout, stderr };
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
}
const commonJs = Object.keys(createRequire(import.meta.url).cache);
stdoutWrite(`${JSON.stringify({ outputs, commonJs })}\n`);
