import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { eventually, freePort, fuota, logLines, stopped, tail, type Child } from '../helpers/fuota-child.js';
import { startSimulationRun } from '../helpers/sim-run.js';

// `fuota sim tts` then `fuota serve` with networkServer.kind: tts and the same config, as a TTS
// user would try the service: both as child processes, an embedded broker, the simulated TTS's
// HTTP API on the config's cluster URL, free ports. The campaign file the simulator wrote (root
// keys in it: TTS keeps no GenAppKey) is dropped into the campaigns directory; the campaign must
// complete with every device confirmed (serve's JSON log says so), and SIGTERM stops both.

const DEVICES = 3;

function writeConfig(dir: string, mqttPort: number, httpPort: number): string {
  const file = path.join(dir, 'fuota.yaml');
  fs.writeFileSync(file, [
    'store:',
    '  path: ./fuota.sqlite',
    'networkServer:',
    '  kind: tts',
    `  url: http://127.0.0.1:${httpPort}`,
    '  applicationId: fuota-e2e',
    '  tenantId: ttn',
    '  apiKey: NNSXS.E2E-SIMULATED-KEY',
    '  gateways: [sim-gateway-1]',
    '  txAckTimeoutMs: 8000',
    '  multicastQueuePollMs: 250',
    '  mqtt:',
    `    url: mqtt://127.0.0.1:${mqttPort}`,
    `    clientId: fuota-tts-test-${process.pid}`,
    'statusEvents:',
    '  enabled: false',
    'campaigns:',
    '  directory: ./campaigns',
    '  vendorKeys:',
    '    - vendor: example.com',
    '      publicKey: ./sim-update-pub.pem',
    '',
  ].join('\n'));
  fs.mkdirSync(path.join(dir, 'campaigns'));
  return file;
}

test('fuota serve (kind tts) completes the campaign fuota sim tts wrote, over its simulated The Things Stack and fleet', async (t) => {
  t.timeout(540_000);
  const run = await startSimulationRun(t, { server: 'tts', writeConfig, devices: DEVICES, uplinkIntervalMs: 500 });
  const { dir, campaigns, campaignName, campaignFile, printed, sim: simChild } = run;
  t.regex(printed, /^TTS HTTP API: http:\/\/127\.0\.0\.1:\d+\/api\/v3 /m);
  t.regex(printed, /^TTS MQTT: application fuota-e2e@ttn, uplinks on v3\/fuota-e2e@ttn\/devices\/\+\/up/m);
  t.regex(printed, new RegExp(`^fleet: ${DEVICES} devices .* gateways sim-gateway-1$`, 'm'));
  t.false(printed.includes('note: campaigns.vendorKeys'), 'the config trusts the simulator\'s key');

  const campaignId = campaignFile.spec.id;
  t.true(campaignFile.spec.devices.every((d) => /^[0-9a-f]{32}$/.test(d.rootKey ?? '')), 'TTS keeps no GenAppKey: the file gives the root keys');

  const startedAt = Date.now();
  const serveChild = await run.serve();
  run.dropCampaign();

  const progress = () => logLines(serveChild.stdout()).filter((line) => line['msg'] === 'campaign progress' && line['campaignId'] === campaignId);
  const why = () => `serve stdout:\n${tail(serveChild.stdout())}\nserve stderr:\n${serveChild.stderr()}\nsim stderr:\n${simChild.stderr()}`;
  await eventually(() => fs.existsSync(path.join(campaigns, `${campaignName}.accepted`)), 60_000, () => `the campaign file accepted; files: ${fs.readdirSync(campaigns).join(', ')}; ${why()}`, [simChild, serveChild]);
  await eventually(() => progress().some((line) => line['phase'] !== 'running'), 420_000, () => `the campaign ended; ${why()}`, [simChild, serveChild]);
  t.log(`campaign ended ${((Date.now() - startedAt) / 1000).toFixed(0)} s after fuota serve was spawned`);
  t.like(progress().at(-1), { phase: 'completed' });
  // Every multicast device fuota created over TTS's HTTP API was deleted once drained.
  await eventually(() => logLines(serveChild.stdout()).some((line) => line['msg'] === 'multicast group deleted'), 60_000, () => `a multicast group deleted; ${why()}`, [simChild, serveChild]);
  const stored = await import('../../src/store/sqlite-campaign-store.js').then(({ SqliteCampaignStore }) => SqliteCampaignStore.open(path.join(dir, 'fuota.sqlite')));
  try {
    const record = await stored.load(campaignId);
    t.deepEqual(record!.devices.map((d) => d.outcome), Array(DEVICES).fill('confirmed'));
  } finally {
    await stored.close();
  }
  t.deepEqual(await stopped(serveChild, 30_000), { code: 0, signal: null }, why());
  t.deepEqual(await stopped(simChild, 30_000), { code: 0, signal: null }, `sim stderr:\n${simChild.stderr()}`);
  t.is(serveChild.stderr(), '');
  t.is(simChild.stderr(), '');
  t.false(logLines(serveChild.stdout()).some((line) => (line['level'] as number) >= 50), tail(serveChild.stdout()));
});

test('fuota sim tts refuses a ChirpStack config, and a cluster URL it cannot serve, with one line naming the field', async (t) => {
  t.timeout(90_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-sim-tts-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const configFile = writeConfig(dir, await freePort(), await freePort());
  const run = async (): Promise<Child> => {
    const child = fuota(['sim', 'tts', '--config', configFile, '--embedded-broker']);
    const exit = await Promise.race([child.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 45_000))]);
    if (exit === 'hung') child.kill('SIGKILL');
    t.deepEqual(exit, { code: 1, signal: null }, child.stderr());
    return child;
  };
  fs.writeFileSync(configFile, fs.readFileSync(configFile, 'utf8').replace(/url: http:\/\/127\.0\.0\.1:\d+/, 'url: https://eu1.cloud.thethings.network'));
  t.regex((await run()).stderr(), /^fuota: networkServer\.url: expected http:\/\/127\.0\.0\.1:PORT or http:\/\/localhost:PORT \(the simulated TTS serves plain HTTP there\), got https:\/\/eu1\.cloud\.thethings\.network\n$/);
  fs.writeFileSync(configFile, 'networkServer:\n  kind: chirpstack\n  applicationId: 0c6a1f7e-5a0b-4c1d-9e2f-3a4b5c6d7e8f\n  api:\n    token: x\ncampaigns:\n  vendorKeys: []\n');
  t.regex((await run()).stderr(), /^fuota: networkServer\.kind: expected tts for fuota sim tts \(fuota sim chirpstack simulates kind chirpstack\), got chirpstack\n$/);
});
