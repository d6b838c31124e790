import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { EmbeddedBroker } from '../../src/lns/mqtt/embedded-broker.js';

// `fuota serve` refuses to start (exit 1, one line on stderr) when what it needs is not there
// (issue #14): a campaigns.directory that does not exist, a network server API that does not
// answer. Nothing here waits on a timeout: the API sits on a closed local port, so the
// connection is refused at once.

const ROOT = new URL('../..', import.meta.url).pathname;
const APP_ID = '0c6a1f7e-5a0b-4c1d-9e2f-3a4b5c6d7e8f';

// A broker that accepts: only the API is missing, as in the reports of issue #14.
let broker: EmbeddedBroker;
test.before(async () => {
  broker = await EmbeddedBroker.start();
});
test.after.always(() => broker?.close());

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function configDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-serve-startup-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function chirpstackConfig(dir: string, apiPort: number, extra = ''): string {
  const file = path.join(dir, 'fuota.yaml');
  fs.writeFileSync(file, [
    'store:',
    '  path: ./fuota.sqlite',
    'networkServer:',
    '  kind: chirpstack',
    `  applicationId: ${APP_ID}`,
    '  mqtt:',
    `    url: ${broker.url}`,
    "    protocolVersion: '3.1.1'",
    // One client id each: the tests run at once on one broker, and a second CONNECT with an id takes the first one's place.
    `    clientId: fuota-startup-${path.basename(dir)}`,
    '  api:',
    `    address: 127.0.0.1:${apiPort}`,
    '    token: x',
    extra,
  ].join('\n'));
  return file;
}

/** Runs `fuota serve`; resolves with its exit and stderr (a hang is killed after 60 s: the test then fails). */
async function serve(configFile: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/fuota.js'), 'serve', '--config', configFile], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const hang = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(hang);
  return { code, stderr };
}

function oneLine(t: { is: Function }, stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  t.is(lines.length, 1, stderr);
  return lines[0]!;
}

test('a campaigns.directory that does not exist: refused at start-up', async (t) => {
  const dir = configDir(t);
  const missing = path.join(dir, 'campaigns');
  const { code, stderr } = await serve(chirpstackConfig(dir, await closedPort(), `campaigns:\n  directory: ./campaigns\n`));
  t.is(code, 1, stderr);
  t.is(oneLine(t, stderr), `fuota: config campaigns.directory: expected an existing directory, got ${JSON.stringify(missing)} (ENOENT: no such file or directory)`);
});

test('a campaigns.directory that is a file: refused at start-up', async (t) => {
  const dir = configDir(t);
  fs.writeFileSync(path.join(dir, 'campaigns'), 'x');
  const { code, stderr } = await serve(chirpstackConfig(dir, await closedPort(), `campaigns:\n  directory: ./campaigns\n`));
  t.is(code, 1, stderr);
  t.is(oneLine(t, stderr), `fuota: config campaigns.directory: expected an existing directory, got ${JSON.stringify(path.join(dir, 'campaigns'))} (a file)`);
});

test('an unreachable ChirpStack gRPC API: one line naming networkServer.api.address, exit 1', async (t) => {
  const dir = configDir(t);
  const port = await closedPort();
  const { code, stderr } = await serve(chirpstackConfig(dir, port));
  t.is(code, 1, stderr);
  t.regex(oneLine(t, stderr), new RegExp(`^fuota: config networkServer\\.api\\.address 127\\.0\\.0\\.1:${port}: expected the ChirpStack gRPC API answering InternalService\\.GetVersion, got CHIRPSTACK_UNAVAILABLE: `));
});

test('an unreachable The Things Stack HTTP API: one line naming networkServer.url, exit 1', async (t) => {
  const dir = configDir(t);
  const port = await closedPort();
  const file = path.join(dir, 'fuota.yaml');
  fs.writeFileSync(file, `store:\n  path: ./fuota.sqlite\nnetworkServer:\n  kind: tts\n  url: http://127.0.0.1:${port}\n  applicationId: fuota-e2e\n  apiKey: K\n  mqtt:\n    url: ${broker.url}\n    clientId: fuota-startup-${path.basename(dir)}\n`);
  const { code, stderr } = await serve(file);
  t.is(code, 1, stderr);
  t.is(oneLine(t, stderr), `fuota: config networkServer.url http://127.0.0.1:${port}: expected The Things Stack's HTTP API answering GET /api/v3/auth_info, got no answer (unreachable, or a 5xx)`);
});

test('a self-referencing YAML alias and a binary config: one line each, exit 1', async (t) => {
  const dir = configDir(t);
  const alias = path.join(dir, 'alias.yaml');
  fs.writeFileSync(alias, 'store: &a\n  path: *a\n');
  const looped = await serve(alias);
  t.is(looped.code, 1, looped.stderr);
  t.is(oneLine(t, looped.stderr), `fuota: config file ${JSON.stringify(alias)} store.path: expected a value, got a YAML alias to a node that contains it (a cycle)`);
  const binary = path.join(dir, 'binary.yaml');
  fs.writeFileSync(binary, Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0xff));
  const dumped = await serve(binary);
  t.is(dumped.code, 1, dumped.stderr);
  t.is(oneLine(t, dumped.stderr), `fuota: config file ${JSON.stringify(binary)}: expected a YAML text file, got binary data`);
});
