import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { eventually, freePort, fuota, logLines, stopped, tail, type Child } from '../helpers/fuota-child.js';

// `fuota sim chirpstack` then `fuota serve` with the same config, as a new user would try the
// service: both as child processes, an embedded broker, free ports. The written campaign file is
// dropped into the campaigns directory; the campaign must pass the fragment stage and complete
// with every device confirmed (serve's JSON log says so), and SIGTERM must stop both cleanly.
// Limits are generous (a busy 2-core machine): a run takes about 2-3 minutes.

const DEVICES = 3;

/** Campaign vendor keys (admission): the sim's public key beside the config. */
const VENDOR_KEYS = ['  vendorKeys:', '    - vendor: example.com', '      publicKey: ./sim-update-pub.pem'];

function writeConfig(dir: string, mqttPort: number, grpcPort: number): string {
  const file = path.join(dir, 'fuota.yaml');
  fs.writeFileSync(file, [
    'store:',
    '  path: ./fuota.sqlite',
    'networkServer:',
    '  kind: chirpstack',
    '  applicationId: 0c6a1f7e-5a0b-4c1d-9e2f-3a4b5c6d7e8f',
    '  txAckTimeoutMs: 8000',
    '  multicastQueuePollMs: 250',
    '  multicastClassCMarginMs: 1000',
    '  mqtt:',
    `    url: mqtt://127.0.0.1:${mqttPort}`,
    '    protocolVersion: "3.1.1"',
    `    clientId: fuota-sim-test-${process.pid}`,
    '  api:',
    `    address: 127.0.0.1:${grpcPort}`,
    '    token: sim-test-token',
    'campaigns:',
    '  directory: ./campaigns',
    ...VENDOR_KEYS,
    '',
  ].join('\n'));
  fs.mkdirSync(path.join(dir, 'campaigns'));
  return file;
}

test('fuota serve takes the campaign file fuota sim chirpstack wrote and reaches the fragment stage against its simulated ChirpStack and fleet', async (t) => {
  t.timeout(540_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-sim-'));
  const configFile = writeConfig(dir, await freePort(), await freePort());
  const campaigns = path.join(dir, 'campaigns');
  let sim: Child | undefined;
  let serve: Child | undefined;
  t.teardown(() => {
    serve?.kill('SIGKILL');
    sim?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Written elsewhere first, so that the service's intake only meets the file once it is whole.
  const staging = path.join(dir, 'staging');
  sim = fuota(['sim', 'chirpstack', '--config', configFile, '--embedded-broker', '--devices', String(DEVICES), '--uplink-interval-ms', '1000', '--write-campaign', staging]);
  const simChild = sim;
  await eventually(() => simChild.stdout().includes('ready: '), 60_000, () => `the simulator ready; stdout:\n${simChild.stdout()}\nstderr:\n${simChild.stderr()}`, [simChild]);
  const printed = simChild.stdout();
  t.regex(printed, /^MQTT broker: mqtt:\/\/127\.0\.0\.1:\d+ \(embedded/m);
  t.regex(printed, /^ChirpStack gRPC API: 127\.0\.0\.1:\d+ /m);
  t.regex(printed, /^ChirpStack MQTT integration: application 0c6a1f7e-5a0b-4c1d-9e2f-3a4b5c6d7e8f, json events/m);
  t.regex(printed, new RegExp(`^fleet: ${DEVICES} devices `, 'm'));
  t.true(fs.existsSync(path.join(dir, 'sim-update-pub.pem')), printed);
  t.false(printed.includes('note: campaigns.vendorKeys'), 'the config trusts the simulator\'s key');

  const written = fs.readdirSync(staging);
  const campaignName = written.find((name) => name.endsWith('.json'));
  t.truthy(campaignName, written.join(', '));
  const campaignFile = JSON.parse(fs.readFileSync(path.join(staging, campaignName!), 'utf8')) as { spec: { id: string; devices: Array<{ devEui: string; rootKey?: string }> }; package: string };
  const campaignId = campaignFile.spec.id;
  t.is(campaignFile.spec.devices.length, DEVICES);
  t.true(campaignFile.spec.devices.every((d) => d.rootKey === undefined), 'root keys come from the simulated ChirpStack');
  t.true(fs.statSync(path.join(staging, campaignFile.package)).size > 0);

  const startedAt = Date.now();
  serve = fuota(['serve', '--config', configFile]);
  const serveChild = serve;
  await eventually(() => serveChild.stdout().includes('fuota service started'), 60_000, () => `the service started; stdout:\n${tail(serveChild.stdout())}\nstderr:\n${serveChild.stderr()}`, [simChild, serveChild]);
  fs.copyFileSync(path.join(staging, campaignFile.package), path.join(campaigns, campaignFile.package));
  fs.copyFileSync(path.join(staging, campaignName!), path.join(campaigns, `${campaignName}.part`));
  fs.renameSync(path.join(campaigns, `${campaignName}.part`), path.join(campaigns, campaignName!));

  const progress = () => logLines(serveChild.stdout()).filter((line) => line['msg'] === 'campaign progress' && line['campaignId'] === campaignId);
  const why = () => `serve stdout:\n${tail(serveChild.stdout())}\nserve stderr:\n${serveChild.stderr()}\nsim stderr:\n${simChild.stderr()}`;
  await eventually(() => fs.existsSync(path.join(campaigns, `${campaignName}.accepted`)), 60_000, () => `the campaign file accepted; files: ${fs.readdirSync(campaigns).join(', ')}; ${why()}`, [simChild, serveChild]);
  // The written file says the devices' class and running image: admission checks both.
  t.false(serveChild.stdout().includes('checks not made'), tail(serveChild.stdout()));
  // The fragment stage is the milestone: setup answered over the simulated ChirpStack's MQTT, the
  // multicast group made through its gRPC API. A whole run to completion is serve.test.ts's (it
  // would add two minutes of real time to npm test here).
  await eventually(() => progress().some((line) => line['stage'] === 'fragments'), 240_000, () => `the fragment stage; ${why()}`, [simChild, serveChild]);
  t.log(`fragments ${((Date.now() - startedAt) / 1000).toFixed(0)} s after fuota serve was spawned`);
  t.true(progress().every((line) => line['phase'] === 'running'), JSON.stringify(progress().at(-1)));

  t.deepEqual(await stopped(serveChild, 30_000), { code: 0, signal: null }, why());
  t.deepEqual(await stopped(simChild, 30_000), { code: 0, signal: null }, `sim stderr:\n${simChild.stderr()}`);
  t.is(serveChild.stderr(), '');
  t.is(simChild.stderr(), '');
  t.regex(simChild.stdout(), /stopped\n$/);
});

test('fuota sim chirpstack --embedded-broker refuses an MQTT 5 config with one line naming the field', async (t) => {
  t.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-sim-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const configFile = writeConfig(dir, await freePort(), await freePort());
  fs.writeFileSync(configFile, fs.readFileSync(configFile, 'utf8').replace('    protocolVersion: "3.1.1"\n', ''));
  const child = fuota(['sim', 'chirpstack', '--config', configFile, '--embedded-broker']);
  const exit = await Promise.race([child.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 45_000))]);
  if (exit === 'hung') child.kill('SIGKILL');
  t.deepEqual(exit, { code: 1, signal: null }, child.stderr());
  t.regex(child.stderr(), /^fuota: networkServer\.mqtt\.protocolVersion: expected "3\.1\.1" with --embedded-broker .*, got 5\n$/);
});
