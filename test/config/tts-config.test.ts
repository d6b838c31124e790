import test from 'ava';
import { configFiles } from './config-files.js';
import { ConfigError } from '../../src/config/config-issues.js';
import { loadConfig, type FuotaConfig, type TtsConfig } from '../../src/config/load-config.js';

// networkServer.kind: tts (config/fuota-tts.yaml, docs/deploy-tts.md).

const TTS_FILE = new URL('../../config/fuota-tts.yaml', import.meta.url).pathname;
const ENV = { FUOTA_TTS_APPLICATION_ID: 'fuota-demo', FUOTA_TTS_API_KEY: 'NNSXS.KEY-FROM-ENV' };

/** Writes a config file (and extra files beside it) into a fresh directory; returns its path. */
const write = configFiles(test, 'fuota-tts-config-');

function ttsOf(config: FuotaConfig): TtsConfig {
  if (config.networkServer.kind !== 'tts') throw new Error(`expected a tts config, got ${config.networkServer.kind}`);
  return config.networkServer;
}

const minimal = (extra = '') => `networkServer:\n  kind: tts\n  url: https://eu1.cloud.thethings.network\n  applicationId: my-app\n  tenantId: ttn\n${extra}`;

test('the shipped config/fuota-tts.yaml loads: MQTT on the cluster host over TLS, user app@tenant, password the API key', async (t) => {
  const config = await loadConfig(TTS_FILE, { env: ENV });
  const ns = ttsOf(config);
  t.is(ns.applicationId, 'fuota-demo');
  t.is(ns.apiKey, 'NNSXS.KEY-FROM-ENV');
  t.is(ns.mqtt.url, 'mqtts://eu1.cloud.thethings.network:8883');
  t.is(ns.mqtt.username, 'fuota-demo@ttn');
  t.is(ns.mqtt.password, 'NNSXS.KEY-FROM-ENV');
  t.deepEqual(ns.mqtt.tls, { rejectUnauthorized: true });
  t.is(ns.frequencyPlanId, 'EU_863_870_TTN');
  t.is(ns.downlinkPriority, 'NORMAL');
  t.false(config.statusEvents.enabled);
});

test('the planner budget defaults to the share TTS grants the priority: NORMAL 0.7, HIGHEST as HIGH (0.9, TTS caps application downlinks); an explicit budgetShare wins', async (t) => {
  t.is((await loadConfig(write(minimal()), { env: ENV })).campaigns.defaults.budgetShare, 0.7);
  t.is((await loadConfig(write(minimal('  downlinkPriority: HIGHEST\n')), { env: ENV })).campaigns.defaults.budgetShare, 0.9);
  t.is((await loadConfig(write(minimal('  downlinkPriority: LOWEST\n')), { env: ENV })).campaigns.defaults.budgetShare, 0.4);
  t.is((await loadConfig(write(`${minimal()}campaigns:\n  defaults:\n    budgetShare: 0.3\n`), { env: ENV })).campaigns.defaults.budgetShare, 0.3);
});

test('open source (no tenant, http cluster): plain MQTT on port 1883, user = the application id', async (t) => {
  const config = await loadConfig(write('networkServer:\n  kind: tts\n  url: http://tts.example.local\n  applicationId: my-app\n  apiKey: K\n'), { env: {} });
  const ns = ttsOf(config);
  t.is(ns.mqtt.url, 'mqtt://tts.example.local:1883');
  t.is(ns.mqtt.username, 'my-app');
  t.is(ns.mqtt.tls, undefined);
});

test('the API key from a file; a missing one names the three ways to give it', async (t) => {
  const file = write(minimal('  apiKeyFile: key.txt\n'), { 'key.txt': 'NNSXS.FROM-FILE\n' });
  t.is(ttsOf(await loadConfig(file, { env: {} })).apiKey, 'NNSXS.FROM-FILE');
  const error = await t.throwsAsync(loadConfig(write(minimal()), { env: {} }), { instanceOf: ConfigError });
  t.regex(error!.message, /networkServer\.apiKey: expected networkServer\.apiKey, networkServer\.apiKeyFile or environment variable FUOTA_TTS_API_KEY/);
});

test('bad TTS settings are named with what was expected', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ["networkServer:\n  kind: ttn\n", /networkServer\.kind: expected "chirpstack" or "tts", got "ttn"/],
    [minimal('  downlinkPriority: URGENT\n'), /networkServer\.downlinkPriority: expected a TTS priority/],
    [minimal('  multicastPushLeadMs: 1000\n'), /networkServer\.multicastPushLeadMs: expected at least 3000 ms/],
    [minimal('  gateways: [GW_1]\n'), /networkServer\.gateways\[0\]: expected a TTS gateway id/],
    [minimal('  eventTopic: x\n'), /networkServer\.eventTopic: expected a known key/],
    ['networkServer:\n  kind: tts\n  url: https://eu1.cloud.thethings.network/api/v3\n  applicationId: my-app\n', /networkServer\.url: expected an http:\/\/ or https:\/\/ URL without a path/],
    ['networkServer:\n  kind: tts\n  url: https://x.example\n  applicationId: My_App\n', /networkServer\.applicationId: expected a TTS application id/],
    [`${minimal()}statusEvents:\n  enabled: true\n`, /statusEvents\.enabled: expected false with networkServer\.kind tts/],
    [`${minimal()}campaigns:\n  defaults:\n    region: US915\n`, /campaigns\.defaults\.region: expected EU868, the band of networkServer\.frequencyPlanId EU_863_870_TTN, got US915/],
  ];
  for (const [yaml, message] of cases) {
    const error = await t.throwsAsync(loadConfig(write(yaml), { env: ENV }), { instanceOf: ConfigError }, yaml);
    t.regex(error!.message, message, yaml);
  }
});

test('a US frequency plan goes with US915 campaigns', async (t) => {
  const config = await loadConfig(write(`${minimal('  frequencyPlanId: US_902_928_FSB_2\n')}campaigns:\n  defaults:\n    region: US915\n`), { env: ENV });
  t.is(ttsOf(config).frequencyPlanId, 'US_902_928_FSB_2');
  t.is(config.campaigns.defaults.region, 'US915');
});

test('ChirpStack keeps its defaults: status events on, budget share 0.5', async (t) => {
  const config = await loadConfig(write('networkServer:\n  kind: chirpstack\n  applicationId: 6d3b2c1a-0000-4000-8000-00000000c0de\n'), { env: { FUOTA_CHIRPSTACK_API_TOKEN: 'x' } });
  t.true(config.statusEvents.enabled);
  t.is(config.campaigns.defaults.budgetShare, 0.5);
});
