import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../store/temp-dir.js';
import { CAMPAIGN_ID, startCampaignApiWorld, type CampaignApiWorld } from './campaign-api-world.js';

// `fuota campaign ...` as a user runs it, against the real REST API over a simulated demo world
// (test/cli/campaign-api-world.ts). Serial: each test is a CLI run or two, so that on a busy
// machine every test ends well inside ava's inactivity timeout, and pause/resume do not race the
// reads. The simulated clock stands still between tests: only the CLI changes the campaign.

let api: CampaignApiWorld;

test.before(async () => {
  delete process.env['FUOTA_API_TOKEN'];
  api = await startCampaignApiWorld();
});

test.after.always(async () => {
  await api?.close();
});

const withAdmin = (...args: string[]) => [...args, '--url', api.url, '--token', api.adminToken];
const withRead = (...args: string[]) => [...args, '--url', api.url, '--token', api.readToken];

test.serial('campaign list: a table with the demo campaign, running, its devices and outcome counts', async (t) => {
  const result = await runCli(withRead('campaign', 'list'));
  t.is(result.code, 0, result.stderr);
  const [header, row, ...rest] = result.stdout.trimEnd().split('\n');
  t.regex(header!, /^ID\s+PHASE\s+WAVE\s+STAGE\s+DEVICES\s+OUTCOMES\s+FRAGMENTS\s+AIRTIME\s+UPDATED$/);
  t.regex(row!, new RegExp(`^${CAMPAIGN_ID}\\s+RUNNING\\s+1/1\\s+\\S+\\s+6\\s+open 6\\s+\\d+\\s+[\\d.]+ s\\s+\\d{4}-`));
  t.deepEqual(rest, []);
  const none = await runCli(withRead('campaign', 'list', '--phase', 'completed'));
  t.is(none.stdout, 'no campaigns\n');
});

test.serial('campaign list --json: the API\'s CampaignStatus list', async (t) => {
  const result = await runCli(withRead('campaign', 'list', '--json'));
  t.is(result.code, 0, result.stderr);
  const list = JSON.parse(result.stdout) as Array<{ id: string; phase: string; devices: number }>;
  t.deepEqual(list.map((c) => [c.id, c.phase, c.devices]), [[CAMPAIGN_ID, 'RUNNING', 6]]);
});

test.serial('campaign show: phase, wave, devices and package of one campaign', async (t) => {
  const result = await runCli(withRead('campaign', 'show', CAMPAIGN_ID));
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, new RegExp(`^campaign +${CAMPAIGN_ID} \\(simulated fleet update\\)\\n`));
  t.regex(result.stdout, /\nphase +RUNNING\n/);
  t.regex(result.stdout, /\ndevices +6: open 6\n/);
  t.regex(result.stdout, /\npackage +\d+ bytes/);
  t.false(/mcKey|rootKey/i.test(result.stdout));
});

test.serial('campaign devices: one row per device; --state filters; --json', async (t) => {
  const devEuis = [...api.world.engine.view(CAMPAIGN_ID)!.devices.keys()];
  const result = await runCli(withRead('campaign', 'devices', CAMPAIGN_ID));
  t.is(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  t.regex(lines[0]!, /^DEVEUI\s+WAVE\s+PHASE\s+OUTCOME\s+FRAGMENTS\s+LAST ANSWER\s+PENDING\s+UP\s+DOWN\s+ERROR$/);
  t.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]), devEuis);
  const filtered = await runCli(withRead('campaign', 'devices', CAMPAIGN_ID, '--state', 'confirmed', '--json'));
  t.is(filtered.code, 0, filtered.stderr);
  t.deepEqual(JSON.parse(filtered.stdout), [], 'nobody confirmed yet: time stands still');
  const open = await runCli(withRead('campaign', 'devices', CAMPAIGN_ID, '--state', 'open', '--json'));
  t.deepEqual((JSON.parse(open.stdout) as Array<{ devEui: string; uplinks: number }>).map((d) => d.devEui), devEuis);
});

test.serial('campaign log: the device\'s commands and answers, oldest first; --limit keeps the newest', async (t) => {
  const devEui = [...api.world.engine.view(CAMPAIGN_ID)!.devices.keys()][0]!;
  const full = await runCli(withRead('campaign', 'log', CAMPAIGN_ID, devEui, '--json'));
  t.is(full.code, 0, full.stderr);
  const entries = JSON.parse(full.stdout) as Array<{ atMs: number; direction: string; text: string }>;
  t.true(entries.length >= 2, 'a request and an answer at least');
  t.true(entries.some((e) => e.direction === 'down') && entries.some((e) => e.direction === 'up'));
  t.deepEqual(entries.map((e) => e.atMs), [...entries.map((e) => e.atMs)].sort((a, b) => a - b));
  const last = await runCli(withRead('campaign', 'log', CAMPAIGN_ID, devEui, '--limit', '1'));
  t.is(last.code, 0, last.stderr);
  const lines = last.stdout.trimEnd().split('\n');
  t.regex(lines[0]!, /^TIME\s+DIR\s+FPORT\s+PAYLOAD\s+WHAT$/);
  t.is(lines.length, 2);
  t.true(lines[1]!.includes(entries[entries.length - 1]!.text));
});

test.serial('campaign pause with a read token: FORBIDDEN, one line; the campaign keeps running', async (t) => {
  const refused = await runCli(withRead('campaign', 'pause', CAMPAIGN_ID));
  t.is(refused.code, 1);
  t.regex(refused.stderr, /^fuota: FORBIDDEN: token "dashboard": expected scope admin for POST .*, got scope read\n$/);
  t.is(api.world.engine.view(CAMPAIGN_ID)!.campaign.phase, 'running');
});

test.serial('campaign pause: the campaign goes PAUSED; pausing it again is refused with the API\'s code', async (t) => {
  const paused = await runCli(withAdmin('campaign', 'pause', CAMPAIGN_ID));
  t.is(paused.code, 0, paused.stderr);
  t.is(paused.stdout, `campaign ${CAMPAIGN_ID}: PAUSED\n`);
  t.is(api.world.engine.view(CAMPAIGN_ID)!.campaign.phase, 'paused');
  const again = await runCli(withAdmin('campaign', 'pause', CAMPAIGN_ID));
  t.is(again.code, 1);
  t.is(again.stderr, `fuota: CAMPAIGN_NOT_RUNNING: campaign ${CAMPAIGN_ID}: expected a running campaign to pause, got phase paused\n`);
});

test.serial('campaign resume --json: the paused campaign is RUNNING again', async (t) => {
  t.is(api.world.engine.view(CAMPAIGN_ID)!.campaign.phase, 'paused');
  const resumed = await runCli(withAdmin('campaign', 'resume', CAMPAIGN_ID, '--json'));
  t.is(resumed.code, 0, resumed.stderr);
  t.is((JSON.parse(resumed.stdout) as { status: { phase: string } }).status.phase, 'RUNNING');
  t.is(api.world.engine.view(CAMPAIGN_ID)!.campaign.phase, 'running');
});

test.serial('campaign watch: one line per change until the limit; the stream starts with the current status', async (t) => {
  const watching = runCli(withRead('campaign', 'watch', CAMPAIGN_ID, '--limit', '3'));
  // Changes made only once the watcher listens (no timing: wait for its subscription).
  while (api.events.listenerCount === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  await api.service.pause(CAMPAIGN_ID);
  await api.service.resume(CAMPAIGN_ID);
  const result = await watching;
  t.is(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  const campaignLines = lines.filter((l) => l.includes(` campaign ${CAMPAIGN_ID} `));
  t.is(lines.length, 3, result.stdout);
  t.regex(lines[0]!, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z campaign ${CAMPAIGN_ID} RUNNING wave 1/1`));
  t.true(campaignLines.some((l) => / PAUSED /.test(l)), result.stdout);
});

test.serial('campaign watch --json: each event one JSON line', async (t) => {
  const result = await runCli(withRead('campaign', 'watch', '--limit', '1', '--json'));
  t.is(result.code, 0, result.stderr);
  const event = JSON.parse(result.stdout) as { event: string; data: { id: string; phase: string } };
  t.deepEqual([event.event, event.data.id, event.data.phase], ['campaign', CAMPAIGN_ID, 'RUNNING']);
});

test.serial('campaign watch runs until Ctrl-C (SIGINT), then exits 0', async (t) => {
  const bin = fileURLToPath(new URL('../../bin/fuota.js', import.meta.url));
  const child = spawn(process.execPath, [bin, ...withRead('campaign', 'watch', CAMPAIGN_ID)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // The first line (the current status) says the stream is open; then Ctrl-C.
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('\n')) resolve();
    });
    // Ended before its first line: the assertions below say why.
    child.on('close', () => resolve());
  });
  child.kill('SIGINT');
  t.is(await exited, 0, stderr);
  t.is(stderr, '');
  t.regex(stdout, new RegExp(`^\\S+ campaign ${CAMPAIGN_ID} RUNNING `));
});

test.serial('errors are one line "fuota: CODE: message", exit 1: no token (401), an unknown campaign (404), FUOTA_API_TOKEN is used', async (t) => {
  const anonymous = await runCli(['campaign', 'list', '--url', api.url]);
  t.is(anonymous.code, 1);
  t.is(anonymous.stdout, '');
  t.is(anonymous.stderr, 'fuota: UNAUTHENTICATED: Authorization: expected a bearer token, got none\n');
  const unknown = await runCli(withRead('campaign', 'show', 'no-such-campaign'));
  t.is(unknown.code, 1);
  t.is(unknown.stderr, 'fuota: CAMPAIGN_NOT_FOUND: campaign: expected the id of a stored campaign, got "no-such-campaign"\n');
  process.env['FUOTA_API_TOKEN'] = api.readToken;
  try {
    const fromEnv = await runCli(['campaign', 'list', '--url', api.url, '--json']);
    t.is(fromEnv.code, 0, fromEnv.stderr);
  } finally {
    delete process.env['FUOTA_API_TOKEN'];
  }
});

test.serial('campaign validate: a dry run of the spec and package files; nothing is stored', async (t) => {
  const temp = tempDir();
  t.teardown(temp.remove);
  const spec = temp.file('spec.yaml');
  const pkg = temp.file('package.bin');
  fs.writeFileSync(spec, JSON.stringify({ ...api.world.spec, id: 'dry-run' }));
  fs.writeFileSync(pkg, api.world.block);
  const result = await runCli(withAdmin('campaign', 'validate', '--spec', spec, '--package', pkg));
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /^campaign +dry-run \(valid; nothing stored\)\ndevices +6 in 1 wave\(s\): 6\npackage +\d+ bytes\nfragments +\d+ of \d+ bytes/);
  t.regex(result.stdout, /\nduration +likely [\d.]+ h, worst case [\d.]+ h\n/);
  t.deepEqual((await api.service.list()).map((c) => c.id), [CAMPAIGN_ID]);
  const both = await runCli(withAdmin('campaign', 'validate', '--spec', spec, '--package', pkg, '--package-path', 'x.bin'));
  t.is(both.code, 1);
  t.is(both.stderr, 'fuota: --package: expected exactly one of --package FILE and --package-path PATH\n');
});

test.serial('campaign cancel: open devices end CANCELLED; then retry makes a new campaign of them', async (t) => {
  const cancelled = await runCli(withAdmin('campaign', 'cancel', CAMPAIGN_ID));
  t.is(cancelled.code, 0, cancelled.stderr);
  t.is(cancelled.stdout, `campaign ${CAMPAIGN_ID}: CANCELLED\n`);
  const retried = await runCli(withAdmin('campaign', 'retry', CAMPAIGN_ID, '--json'));
  t.is(retried.code, 0, retried.stderr);
  const detail = JSON.parse(retried.stdout) as { status: { id: string; phase: string; devices: number } };
  t.deepEqual([detail.status.id, detail.status.phase, detail.status.devices], [`${CAMPAIGN_ID}-retry-1`, 'RUNNING', 6]);
});

test.serial('campaign create: the spec and package files go to the server; a refusal (devices busy) is the API\'s one line', async (t) => {
  const temp = tempDir();
  t.teardown(temp.remove);
  const spec = temp.file('spec.json');
  const pkg = temp.file('package.bin');
  fs.writeFileSync(spec, JSON.stringify({ ...api.world.spec, id: 'second' }));
  fs.writeFileSync(pkg, api.world.block);
  // Every device is in the running retry campaign.
  const busy = await runCli(withAdmin('campaign', 'create', '--spec', spec, '--package', pkg));
  t.is(busy.code, 1);
  t.regex(busy.stderr, /^fuota: DEVICE_BUSY: .*\n$/);
  // Once the retry campaign is cancelled, the devices are free: created.
  await api.service.cancel(`${CAMPAIGN_ID}-retry-1`);
  const created = await runCli(withAdmin('campaign', 'create', '--spec', spec, '--package', pkg));
  t.is(created.code, 0, created.stderr);
  t.regex(created.stdout, /^created\ncampaign +second \(simulated fleet update\)\nphase +RUNNING\n/);
  t.is(api.world.engine.view('second')?.campaign.phase, 'running');
});

test.serial('an unreachable server is one line naming the URL, exit 1', async (t) => {
  const port = await closedPort();
  const result = await runCli(['campaign', 'list', '--url', `http://127.0.0.1:${port}`]);
  t.is(result.code, 1);
  t.regex(result.stderr, new RegExp(`^fuota: API_UNREACHABLE: --url http://127\\.0\\.0\\.1:${port}: expected a fuota API there \\(fuota serve, api\\.listen\\), got ECONNREFUSED\\n$`));
});

/** A loopback port nobody listens on: bound, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
