import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { Random } from '../../src/sim/random.js';
import { RealTimeDriver } from '../../src/sim/real-time-driver.js';
import { startSimChirpstack as startSimulator } from '../../src/sim/chirpstack/sim-chirpstack.js';
import { SimClock } from '../../src/sim/sim-clock.js';
import { SimNetworkServer } from '../../src/sim/sim-network-server.js';
import { API_TOKEN, CLASS_C_MARGIN_MS, eventually, GATEWAY, mqttConnection, WireDevice, wireDeviceConfig, WIRE_BLOCK, WIRE_TARGET_VERSION, wireCampaignSpec } from '../lns/chirpstack/chirpstack-wire-world.js';
import { startBroker, type Broker } from '../lns/mqtt/mosquitto.js';
import type { ImageVerifier } from '../../src/sim/sim-device-config.js';
import { buildPackage } from '../../src/manifest/build.js';
import { publicKeyToPem, verifyingKeyOf } from '../../src/manifest/keys.js';
import { classIdOf, vendorIdOf } from '../../src/manifest/uuid5.js';
import { generateKeyPairSync } from 'node:crypto';

// `fuota serve` end to end, as a child process: a real mosquitto (TLS + password), the simulated
// ChirpStack (gRPC + MQTT) in real time with 5 devices, a config file pointing at both, and a
// campaign file dropped into the campaigns directory. The campaign's status topic must report it
// completed with every device confirmed; SIGTERM must then stop the service with exit code 0.
// Timings as in test/lns/chirpstack/chirpstack-campaign.test.ts.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEVICES = 5;

// Admission takes only signed packages: the campaign sends WIRE_BLOCK as the image of a compact
// package signed with a key the config's campaigns.vendorKeys names.
const SIGNING_KEY = { algorithm: 'es256' as const, privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
const PACKAGE = buildPackage({ newImage: WIRE_BLOCK, signingKey: SIGNING_KEY, vendorId: vendorIdOf('example.com'), classId: classIdOf('wire-node'), firmwareVersion: WIRE_TARGET_VERSION, format: 'compact' }).bytes;
/** The devices' bootloader: the reassembled block (padding aside) must be that package. */
const verifyPackage: ImageVerifier = (block) =>
  block !== null && Buffer.from(block.subarray(0, PACKAGE.length)).equals(Buffer.from(PACKAGE))
    ? { status: 'valid', version: WIRE_TARGET_VERSION, image: block.slice(0, PACKAGE.length) }
    : { status: 'corrupt', reason: 'not the campaign package' };


let broker: Broker;

test.before(async () => {
  broker = await startBroker();
});

test.after.always(async () => {
  await broker?.dispose();
});

interface SimChirpstack {
  applicationId: string;
  grpcAddress: string;
  devices: WireDevice[];
  close(): Promise<void>;
}

/** The simulated ChirpStack of chirpstack-wire-world.ts (src/sim/chirpstack/sim-chirpstack.ts), without our side. */
async function startSimChirpstack(devEuis: readonly string[]): Promise<SimChirpstack> {
  const applicationId = randomUUID();
  const clock = new SimClock(Date.now());
  const driver = new RealTimeDriver(clock, { tickMs: 5 });
  const random = new Random(31);
  const network = new SimNetworkServer(clock, random.fork('network'));
  const devices = devEuis.map((devEui) => new WireDevice(wireDeviceConfig(devEui, { uplinkIntervalMs: 2_000, verifyImage: verifyPackage }), network, random.fork(devEui)));
  for (const device of devices) network.addDevice(device, [GATEWAY]);
  driver.start();
  // ChirpStack keeps a 1.0.x device's AppKey in nwk_key; TS005 roots at its GenAppKey (the devices' 07…07).
  const deviceKeys = new Map(devEuis.map((devEui) => [devEui, { nwkKeyHex: '5a'.repeat(16), genAppKeyHex: '07'.repeat(16) }]));
  const chirpstack = await startSimulator({ network, clock, driver, mqtt: mqttConnection(broker, 'sim'), applicationId, apiToken: API_TOKEN, gateways: [GATEWAY], encoding: 'json', deviceKeys, multicastClassCMarginMs: CLASS_C_MARGIN_MS });
  for (const device of devices) device.boot();
  return {
    applicationId,
    grpcAddress: chirpstack.grpcAddress,
    devices,
    close: async () => {
      await chirpstack.stop();
      await driver.stop();
    },
  };
}

function writeConfig(dir: string, sim: SimChirpstack, password: string): string {
  const file = path.join(dir, 'fuota.yaml');
  fs.writeFileSync(file, [
    'store:',
    '  path: ./fuota.sqlite',
    'networkServer:',
    '  kind: chirpstack',
    `  applicationId: ${sim.applicationId}`,
    `  gateways: ["${GATEWAY}"]`,
    '  txAckTimeoutMs: 8000',
    '  multicastQueuePollMs: 250',
    // The simulated ChirpStack's multicast_class_c_margin (shortened, as in the wire world).
    `  multicastClassCMarginMs: ${CLASS_C_MARGIN_MS}`,
    '  mqtt:',
    `    url: ${broker.tlsUrl}`,
    `    clientId: fuota-serve-${process.pid}-${path.basename(dir)}`,
    `    username: ${broker.username}`,
    `    password: ${JSON.stringify(password)}`,
    '    tls:',
    `      caFile: ${broker.pki.caFile}`,
    '  api:',
    `    address: ${sim.grpcAddress}`,
    `    token: ${API_TOKEN}`,
    'logging:',
    '  level: debug',
    'campaigns:',
    '  directory: ./campaigns',
    '  vendorKeys:',
    '    - vendor: example.com',
    '      publicKey: ./update-pub.pem',
    '',
  ].join('\n'));
  fs.mkdirSync(path.join(dir, 'campaigns'));
  fs.writeFileSync(path.join(dir, 'update-pub.pem'), publicKeyToPem(verifyingKeyOf(SIGNING_KEY)));
  return file;
}

interface Serve {
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
}

function serve(configFile: string): Serve {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/fuota.js'), 'serve', '--config', configFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => {
    process.off('exit', killOnExit);
    resolve({ code, signal });
  }));
  return { exited, stdout: () => out, stderr: () => err, kill: (signal) => void child.kill(signal) };
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

test('fuota serve runs a campaign dropped into the campaigns directory to completion, then stops on SIGTERM', async (t) => {
  t.timeout(240_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-serve-'));
  const devEuis = Array.from({ length: DEVICES }, (_, i) => `70b3d57ed00005${String(i + 1).padStart(2, '0')}`);
  const sim = await startSimChirpstack(devEuis);
  const watcher = mqttConnection(broker, 'watch');
  let child: Serve | undefined;
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
