import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import test from 'ava';
import { buildDist } from '../../scripts/build-dist.js';

// Start-up (issue #17): the build output runs and prints what the sources print, and `--help`
// (any command's) loads the command definitions only, never a command's module graph. The build
// is a fresh one into a temporary package (dist/ of the checkout may be stale while src/ is edited),
// beside links to the checkout's node_modules/ and proto/ as in an installed package.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNNER = fileURLToPath(new URL('../helpers/help-runner.mjs', import.meta.url));
const LOAD_RECORDER = fileURLToPath(new URL('../helpers/load-recorder.mjs', import.meta.url));

/** Every command and subcommand with --help, the top-level help, and a few usage errors. */
const HELP_CASES: string[][] = [
  ['--help'],
  ['help'],
  ['help', 'campaign'],
  ['nosuch'],
  ['plan'],
  ['demo', '--devices', 'x'],
  ...['decode', 'encode', 'demo', 'fragment', 'defragment', 'plan', 'airtime', 'package', 'keys', 'diff', 'patch', 'serve', 'sim', 'campaign', 'token'].map((command) => [command, '--help']),
  ...['build', 'inspect', 'verify'].map((sub) => ['package', sub, '--help']),
  ['keys', 'generate', '--help'],
  ...['chirpstack', 'tts'].map((sub) => ['sim', sub, '--help']),
  ...['create', 'validate', 'list', 'show', 'pause', 'resume', 'cancel', 'retry', 'devices', 'log', 'watch'].map((sub) => ['campaign', sub, '--help']),
  ...['create', 'list', 'revoke'].map((sub) => ['token', sub, '--help']),
];

/**
 * The modules the command definitions need (option parsers, defaults and choices shown in the
 * help), besides src/cli/main and src/cli/commands/. Each is a leaf or close to one; adding one
 * here is a decision: it loads with every `fuota` command.
 */
const DEFINITION_MODULES = [
  'api/rest/listen-address.js',
  'campaign/device-stack.js',
  'cli/campaign/api-client.js',
  'cli/package-options.js',
  'core/errors.js',
  'demo/stack-mix.js',
  'fec/scheme.js',
  'manifest/types.js',
  'sim/fleet-scenario.js',
];

interface RunnerOutput {
  outputs: Record<string, { code: number; stdout: string; stderr: string }>;
  commonJs: string[];
}

function run(nodeArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`node ${nodeArgs.join(' ')} exited ${code}: ${stderr}`))));
  });
}

async function runMain(mainUrl: string, cases: string[][], nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunnerOutput> {
  return JSON.parse(await run([...nodeArgs, RUNNER, mainUrl, JSON.stringify(cases)], env)) as RunnerOutput;
}

let packageDir = '';
let distDir = '';

test.before(async () => {
  packageDir = mkdtempSync(join(tmpdir(), 'fuota-build-'));
  distDir = join(packageDir, 'dist');
  symlinkSync(join(ROOT, 'node_modules'), join(packageDir, 'node_modules'), 'dir');
  symlinkSync(join(ROOT, 'proto'), join(packageDir, 'proto'), 'dir');
  await buildDist({ outDir: distDir });
});

test.after.always(() => {
  if (packageDir !== '') rmSync(packageDir, { recursive: true, force: true });
});

const distMain = () => pathToFileURL(join(distDir, 'cli', 'main.js')).href;

test('the build output prints exactly what the sources print, for every help and usage error', async (t) => {
  const [fromSource, fromDist] = await Promise.all([runMain(pathToFileURL(join(ROOT, 'src/cli/main.ts')).href, HELP_CASES, ['--import', 'tsx']), runMain(distMain(), HELP_CASES)]);
  t.deepEqual(fromDist.outputs, fromSource.outputs);
  const top = fromDist.outputs['--help']!;
  t.is(top.code, 0);
  t.regex(top.stdout, /^Usage: fuota \[options\] \[command\]/);
  t.regex(top.stdout, /\n {2}demo \[options\] +run a whole campaign/);
  t.is(fromDist.outputs['nosuch']!.code, 1);
});

test('`--help` of every command loads its definition only: no module of a command, no dependency but commander', async (t) => {
  const log = join(packageDir, 'help-loads.txt');
  const { outputs, commonJs } = await runMain(distMain(), HELP_CASES, ['--import', LOAD_RECORDER], { FUOTA_LOAD_LOG: log });
  t.is(outputs['demo --help']!.code, 0);
  const loaded = [...readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url)), ...commonJs];
  const fromDist = loaded.filter((path) => path.startsWith(distDir)).map((path) => relative(distDir, path));
  t.true(fromDist.includes('cli/commands/demo.js'), 'the recorder sees the command definitions');
  const leaked = fromDist.filter((path) => path !== 'cli/main.js' && !/^cli\/commands\/[^/]+\.js$/.test(path) && !DEFINITION_MODULES.includes(path));
  t.deepEqual(leaked, [], 'modules loaded by --help beyond the command definitions (import them inside the action)');
  const packages = new Set(loaded.filter((path) => path.includes('/node_modules/')).map((path) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)![1]));
  t.deepEqual([...packages], ['commander']);
});

test('a command loads its module graph when it runs (the recorder sees lazily imported modules)', async (t) => {
  const log = join(packageDir, 'plan-loads.txt');
  const { outputs } = await runMain(distMain(), [['plan', '--region', 'EU868', '--dr', '5', '--size', '1000']], ['--import', LOAD_RECORDER], { FUOTA_LOAD_LOG: log });
  t.is(outputs['plan --region EU868 --dr 5 --size 1000']!.code, 0);
  t.true(readFileSync(log, 'utf8').includes(pathToFileURL(join(distDir, 'radio', 'send-planner.js')).href));
});

test('an in-process demo loads no package of the wire or of `fuota serve` (MQTT, broker, gRPC, ChirpStack API, PostgreSQL, HTTP)', async (t) => {
  const log = join(packageDir, 'demo-loads.txt');
  const args = ['demo', '--devices', '20', '--transport', 'in-process', '--seed', '5'];
  const { outputs, commonJs } = await runMain(distMain(), [args], ['--import', LOAD_RECORDER], { FUOTA_LOAD_LOG: log });
  t.is(outputs[args.join(' ')]!.code, 0);
  const loaded = [...readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url)), ...commonJs];
  const packages = new Set(loaded.filter((path) => path.includes('/node_modules/')).map((path) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)![1]));
  t.true(packages.has('better-sqlite3'), 'the recorder sees what the demo runs on');
  const wire = ['mqtt', 'aedes', '@grpc/grpc-js', '@chirpstack/chirpstack-api', 'google-protobuf', 'pg', 'fastify'].filter((name) => packages.has(name));
  t.deepEqual(wire, []);
});

test('the build output finds the files it reads at run time: the dashboard and the .proto files', async (t) => {
  t.true(existsSync(join(distDir, 'web', 'public', 'index.html')));
  const script = `
    const { DASHBOARD_DIRECTORY } = await import(${JSON.stringify(pathToFileURL(join(distDir, 'api/rest/static-files.js')).href)});
    const { STATUS_PROTO_PATH } = await import(${JSON.stringify(pathToFileURL(join(distDir, 'status/status-proto.js')).href)});
    const { API_PROTO_PATH, COMPAT_PROTO_PATH } = await import(${JSON.stringify(pathToFileURL(join(distDir, 'api/grpc/proto-service.js')).href)});
    process.stdout.write(JSON.stringify([DASHBOARD_DIRECTORY + 'index.html', STATUS_PROTO_PATH, API_PROTO_PATH, COMPAT_PROTO_PATH]));`;
  const paths = JSON.parse(await run(['--input-type=module', '-e', script])) as string[];
  t.is(paths.length, 4);
  for (const path of paths) {
    t.true(path.startsWith(packageDir), `${path} is inside the built package`);
    t.true(existsSync(path), `${path} exists`);
  }
});
