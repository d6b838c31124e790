import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { eventually, freePort, fuota, logLines, stopped, tail } from '../helpers/fuota-child.js';
import { startSimulationRun } from '../helpers/sim-run.js';

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
  // The simulator writes its campaign file elsewhere first, so that the service's intake only meets it once it is whole.
  const run = await startSimulationRun(t, { server: 'chirpstack', writeConfig, devices: DEVICES, uplinkIntervalMs: 1000 });
  const { dir, campaigns, campaignName, campaignFile, printed, sim: simChild } = run;
  t.regex(printed, /^MQTT broker: mqtt:\/\/127\.0\.0\.1:\d+ \(embedded/m);
  t.regex(printed, /^ChirpStack gRPC API: 127\.0\.0\.1:\d+ /m);
  t.regex(printed, /^ChirpStack MQTT integration: application 0c6a1f7e-5a0b-4c1d-9e2f-3a4b5c6d7e8f, json events/m);
  t.regex(printed, new RegExp(`^fleet: ${DEVICES} devices `, 'm'));
  t.true(fs.existsSync(path.join(dir, 'sim-update-pub.pem')), printed);
  t.false(printed.includes('note: campaigns.vendorKeys'), 'the config trusts the simulator\'s key');

  const campaignId = campaignFile.spec.id;
  t.is(campaignFile.spec.devices.length, DEVICES);
  t.true(campaignFile.spec.devices.every((d) => d.rootKey === undefined), 'root keys come from the simulated ChirpStack');
  t.true(fs.statSync(path.join(dir, 'staging', campaignFile.package)).size > 0);

  const startedAt = Date.now();
  const serveChild = await run.serve();
  run.dropCampaign();

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
