import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { eventually, fuota, tail, type Child } from '../helpers/fuota-child.js';
import { networkServerLines, SIGNED_PACKAGE as PACKAGE, startInProcessChirpstack, VENDOR_KEY_LINES, writeVendorKey, type InProcessChirpstack as SimChirpstack } from '../helpers/in-process-chirpstack.js';
import { mqttConnection, WIRE_TARGET_VERSION, wireCampaignSpec } from '../lns/chirpstack/chirpstack-wire-world.js';
import { startBroker, type Broker } from '../lns/mqtt/mosquitto.js';

// `fuota serve` end to end, as a child process: a real mosquitto (TLS + password), the simulated
// ChirpStack (gRPC + MQTT) in real time with 5 devices, a config file pointing at both, and a
// campaign file dropped into the campaigns directory. The campaign's status topic must report it
// completed with every device confirmed; SIGTERM must then stop the service with exit code 0.
// Timings as in test/lns/chirpstack/chirpstack-campaign.test.ts.

const DEVICES = 5;

let broker: Broker;

test.before(async () => {
  broker = await startBroker();
});

test.after.always(async () => {
  await broker?.dispose();
});

/** The simulated ChirpStack in this process (test/helpers/in-process-chirpstack.ts). */
function startSimChirpstack(devEuis: readonly string[]): Promise<SimChirpstack> {
  return startInProcessChirpstack(broker, devEuis, 31);
}

function writeConfig(dir: string, sim: SimChirpstack, password: string): string {
  const file = path.join(dir, 'fuota.yaml');
  fs.writeFileSync(file, [
    'store:',
    '  path: ./fuota.sqlite',
    ...networkServerLines(sim, { url: broker.tlsUrl, clientId: `fuota-serve-${process.pid}-${path.basename(dir)}`, username: broker.username, password, caFile: broker.pki.caFile }),
    'logging:',
    '  level: debug',
    'campaigns:',
    '  directory: ./campaigns',
    ...VENDOR_KEY_LINES,
    '',
  ].join('\n'));
  fs.mkdirSync(path.join(dir, 'campaigns'));
  writeVendorKey(dir);
  return file;
}

function serve(configFile: string): Child {
  return fuota(['serve', '--config', configFile]);
}

test('fuota serve runs a campaign dropped into the campaigns directory to completion, then stops on SIGTERM', async (t) => {
  t.timeout(240_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-serve-'));
  const devEuis = Array.from({ length: DEVICES }, (_, i) => `70b3d57ed00005${String(i + 1).padStart(2, '0')}`);
  const sim = await startSimChirpstack(devEuis);
  const watcher = mqttConnection(broker, 'watch');
  let child: Child | undefined;
  t.teardown(async () => {
    child?.kill('SIGKILL');
    await watcher.close();
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const configFile = writeConfig(dir, sim, broker.password);
  const campaignId = `serve-${process.pid}`;
  let campaignStatus: { phase?: string; outcomes?: Record<string, number> } = {};
  watcher.onMessage((message) => {
    campaignStatus = JSON.parse(Buffer.from(message.payload).toString('utf8'));
  });
  await watcher.connect();
  await watcher.subscribe(`fuota/campaigns/${campaignId}/status`, 1);

  const startedAt = Date.now();
  child = serve(configFile);
  const running = child;
  await eventually(() => running.stdout().includes('fuota service started'), 30_000, () => `the service started; stdout:\n${tail(running.stdout())}\nstderr:\n${running.stderr()}`);

  fs.writeFileSync(path.join(dir, 'campaigns', 'block.bin'), PACKAGE);
  // region, dr and budgetShare come from campaigns.defaults; the root keys of all but the first device from ChirpStack's GetKeys.
  const full = wireCampaignSpec(campaignId, devEuis);
  const spec = { ...full, devices: full.devices.map(({ rootKey, ...device }, i) => (i === 0 ? { rootKey, ...device } : device)) };
  // Written under another name, then renamed: the intake never sees half a file.
  const campaignFile = path.join(dir, 'campaigns', 'update.json');
  fs.writeFileSync(`${campaignFile}.part`, JSON.stringify({ spec, package: 'block.bin' }));
  fs.renameSync(`${campaignFile}.part`, campaignFile);
  // A broken campaign file is set aside with its reason.
  fs.writeFileSync(path.join(dir, 'campaigns', 'broken.json'), JSON.stringify({ spec: { ...spec, id: 'broken' }, package: 'missing.bin' }));

  await eventually(() => fs.existsSync(`${campaignFile}.accepted`), 30_000, () => `update.json accepted; files: ${fs.readdirSync(path.join(dir, 'campaigns')).join(', ')}; stdout:\n${tail(running.stdout())}`);
  await eventually(
    () => (campaignStatus.phase !== undefined && campaignStatus.phase !== 'RUNNING') || campaignStatus.outcomes?.['confirmed'] === DEVICES,
    200_000,
    () => `the campaign completed; last status ${JSON.stringify(campaignStatus)}; stdout:\n${tail(running.stdout())}`,
  );
  const confirmedAfterMs = Date.now() - startedAt;
  await eventually(() => campaignStatus.phase === 'COMPLETED', 30_000, () => `phase COMPLETED; last status ${JSON.stringify(campaignStatus)}`);
  t.is(campaignStatus.outcomes?.['confirmed'], DEVICES, JSON.stringify(campaignStatus));
  for (const device of sim.devices) t.is(device.firmwareVersion, WIRE_TARGET_VERSION, `${device.devEui} runs the new firmware`);

  t.true(running.stdout().split('\n').some((line) => line.includes('root keys read from the network server') && line.includes(`"devices":${DEVICES - 1}`)), tail(running.stdout()));

  const rejected = path.join(dir, 'campaigns', 'broken.json');
  t.true(fs.existsSync(`${rejected}.rejected`));
  const reason = fs.readFileSync(`${rejected}.error.txt`, 'utf8');
  t.regex(reason, /^package path "missing\.bin": expected a readable file inside campaigns\.directory, got ENOENT\n$/);

  running.kill('SIGTERM');
  const exit = await Promise.race([running.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20_000))]);
  t.deepEqual(exit, { code: 0, signal: null }, `stderr:\n${running.stderr()}\nstdout:\n${tail(running.stdout())}`);
  t.is(running.stderr(), '');
  t.true(running.stdout().includes('fuota service stopped'));
  // Every stdout line is a JSON log record.
  for (const line of running.stdout().trim().split('\n')) JSON.parse(line);
  t.log(`${DEVICES} devices confirmed ${(confirmedAfterMs / 1000).toFixed(1)} s after fuota serve was spawned`);
});

test('fuota serve with a wrong MQTT password exits 1 with one line naming the refusal', async (t) => {
  t.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-serve-'));
  const sim = await startSimChirpstack(['70b3d57ed0000601']);
  t.teardown(async () => {
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const child = serve(writeConfig(dir, sim, 'not the password'));
  const exit = await Promise.race([child.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000))]);
  if (exit === 'hung') child.kill('SIGKILL');
  t.deepEqual(exit, { code: 1, signal: null }, child.stderr());
  const lines = child.stderr().trimEnd().split('\n');
  t.is(lines.length, 1, child.stderr());
  t.regex(lines[0]!, /^fuota: MQTT broker .* refused the connection: .*(authori[sz]ed|password)/i);
});
