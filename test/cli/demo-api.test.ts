import test from 'ava';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/run-cli.js';

// The Bar of issue #12: `fuota demo --devices 20 --api 127.0.0.1:PORT --api-token T --linger 60`.
// During the linger, the API lists the demo campaign with its outcome counts, serves a valid
// OpenAPI document, metrics with the fragment, airtime and duty-cycle series, and the dashboard;
// a request without the token gets 401. The process is killed after the checks (no 60 s wait).
// Every wait is for a line of output, with a limit far above what a busy machine needs.

const BIN = fileURLToPath(new URL('../../bin/fuota.js', import.meta.url));
const INDEX_HTML = fileURLToPath(new URL('../../src/web/public/index.html', import.meta.url));
const TOKEN = 'bar-test-token';
const LIMIT_MS = 9 * 60_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

test('fuota demo --api serves the campaign, OpenAPI, metrics and the dashboard during the linger; 401 without the token', async (t) => {
  t.timeout(LIMIT_MS + 60_000);
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'demo', '--devices', '20', '--api', `127.0.0.1:${port}`, '--api-token', TOKEN, '--linger', '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  let exited: number | null | undefined;
  // The report (stdout) and the linger line (stderr) come on two pipes: wait for both.
  const lingering = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "lingering" line after ${LIMIT_MS} ms; stderr: ${stderr.slice(-2000)}`)), LIMIT_MS);
    const check = (): void => {
      if (stderr.includes('api: lingering 60 s') && /(outcome as|did not end as) the scenario expects/.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      check();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      check();
    });
    child.once('exit', (code) => {
      exited = code;
      clearTimeout(timer);
      reject(new Error(`demo exited ${code} before lingering; stderr: ${stderr.slice(-2000)}`));
    });
  });
  t.teardown(() => {
    if (exited === undefined) child.kill('SIGKILL');
  });
  await lingering;
  t.regex(stdout, /outcome as the scenario expects/);
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${TOKEN}` };

  const campaigns = await fetch(`${base}/api/v1/campaigns`, { headers: auth });
  t.is(campaigns.status, 200);
  const list = (await campaigns.json()) as Array<{ id: string; phase: string; devices: number; outcomes: Record<string, number> }>;
  t.is(list.length, 1);
  t.is(list[0]!.id, 'demo');
  t.is(list[0]!.phase, 'COMPLETED');
  t.is(list[0]!.devices, 20);
  t.is(Object.values(list[0]!.outcomes).reduce((a, b) => a + b, 0), 20);
  t.true((list[0]!.outcomes.confirmed ?? 0) > 0);

  const openapi = await fetch(`${base}/api/v1/openapi.json`);
  t.is(openapi.status, 200);
  const document = (await openapi.json()) as { openapi: string; paths: Record<string, unknown> };
  t.regex(document.openapi, /^3\.1\./);
  t.true('/campaigns' in document.paths);

  const metrics = await fetch(`${base}/metrics`, { headers: auth });
  t.is(metrics.status, 200);
  const text = await metrics.text();
  t.regex(text, /^fuota_fragments_sent\{campaign="demo"\} [1-9]/m);
  t.regex(text, /^fuota_airtime_seconds\{campaign="demo"\} [0-9.]*[1-9]/m);
  t.regex(text, /^fuota_duty_cycle_used_seconds\{campaign="demo",gateway="[0-9a-f]{16}",sub_band="[^"]+"\} /m);
  t.regex(text, /^fuota_duty_cycle_allowed_seconds\{campaign="demo",gateway="[0-9a-f]{16}",sub_band="[^"]+"\} [1-9]/m);

  const dashboard = await fetch(`${base}/`);
  t.is(dashboard.status, existsSync(INDEX_HTML) ? 200 : 404);

  const anonymous = await fetch(`${base}/api/v1/campaigns`);
  t.is(anonymous.status, 401);
  t.is(((await anonymous.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
  t.is((await fetch(`${base}/metrics`)).status, 401);
  t.false(stderr.includes(TOKEN) || stdout.includes(TOKEN), 'the token is never printed');
});

test('fuota demo --api refuses a non-loopback address without --api-token, and --api-token without --api, in one line', async (t) => {
  const anonymous = await runCli(['demo', '--devices', '2', '--transport', 'in-process', '--api', '0.0.0.0:0']);
  t.is(anonymous.code, 1);
  t.is(anonymous.stderr, 'fuota: --api: expected a loopback address without --api-token, got "0.0.0.0:0"\n');
  const tokenOnly = await runCli(['demo', '--devices', '2', '--transport', 'in-process', '--api-token', 'x']);
  t.is(tokenOnly.code, 1);
  t.is(tokenOnly.stderr, 'fuota: --api-token: expected --api HOST:PORT with it, got no --api\n');
});
