import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { configFiles } from './config-files.js';
import { ConfigError } from '../../src/config/config-issues.js';
import { CHIRPSTACK_COMMAND_TOPIC, CHIRPSTACK_EVENT_TOPIC } from '../../src/config/config-schema.js';
import { loadConfig, type ChirpstackConfig, type FuotaConfig } from '../../src/config/load-config.js';
import { CallerError } from '../../src/core/errors.js';

const DEFAULT_FILE = new URL('../../config/fuota.yaml', import.meta.url).pathname;
const APP_ID = '6d3b2c1a-0000-4000-8000-00000000c0de';
const ENV = { FUOTA_CHIRPSTACK_APPLICATION_ID: APP_ID, FUOTA_CHIRPSTACK_API_TOKEN: 'api-token-from-env' };
const MINIMAL = `networkServer:\n  kind: chirpstack\n  applicationId: ${APP_ID}\n`;

/** Writes a config file (and extra files beside it) into a fresh directory; returns its path. */
const write = configFiles(test, 'fuota-config-');

/** The ChirpStack section (every config here is kind chirpstack unless it says tts). */
function chirpstackOf(config: FuotaConfig): ChirpstackConfig {
  if (config.networkServer.kind !== 'chirpstack') throw new Error(`expected a chirpstack config, got ${config.networkServer.kind}`);
  return config.networkServer;
}

async function configError(t: { throwsAsync: Function }, file: string, env: Record<string, string> = ENV): Promise<ConfigError> {
  return (await t.throwsAsync(loadConfig(file, { env }), { instanceOf: ConfigError })) as ConfigError;
}

test('the shipped config/fuota.yaml loads and validates', async (t) => {
  const config = await loadConfig(DEFAULT_FILE, { env: ENV });
  t.is(config.networkServer.kind, 'chirpstack');
  t.is(config.networkServer.applicationId, APP_ID);
  t.is(chirpstackOf(config).api.token, 'api-token-from-env');
  t.is(chirpstackOf(config).mqtt.password, undefined);
  t.is(chirpstackOf(config).mqtt.eventTopic, CHIRPSTACK_EVENT_TOPIC);
  t.is(chirpstackOf(config).mqtt.commandTopic, CHIRPSTACK_COMMAND_TOPIC);
  t.is(config.statusEvents.deviceTopic, 'fuota/campaigns/{campaign_id}/devices/{dev_eui}/status');
  t.is(config.store.path, '/var/lib/fuota/fuota.sqlite');
});

test('every default of the shipped file equals the schema default', async (t) => {
  const shipped = await loadConfig(DEFAULT_FILE, { env: ENV });
  const minimal = await loadConfig(write(MINIMAL), { env: ENV });
  // configFile names where each was loaded from.
  t.deepEqual({ ...minimal, configFile: undefined }, { ...shipped, configFile: undefined });
});

test('defaults fill in a minimal file', async (t) => {
  const config = await loadConfig(write(MINIMAL), { env: { FUOTA_CHIRPSTACK_API_TOKEN: 't' } });
  t.deepEqual(
    { ...chirpstackOf(config).mqtt },
    {
      url: 'mqtt://localhost:1883',
      clientId: 'lorawan-fuota',
      protocolVersion: '5',
      qos: 1,
      cleanSession: false,
      sessionExpiryS: 604_800,
      keepaliveS: 30,
      eventTopic: CHIRPSTACK_EVENT_TOPIC,
      commandTopic: CHIRPSTACK_COMMAND_TOPIC,
      format: 'json',
    },
  );
  t.like(config.networkServer, { gateways: [], txAckTimeoutMs: 60_000, multicastQueuePollMs: 10_000, multicastClassCMarginMs: 5_000, multicastExpiresAfterMs: 300_000, api: { address: 'localhost:8080', token: 't' } });
  t.like(config, {
    statusEvents: { enabled: true, format: 'json', retain: true, campaignTopic: 'fuota/campaigns/{campaign_id}/status' },
    logging: { level: 'info' },
    campaigns: { defaults: { region: 'EU868', dr: 5, budgetShare: 0.5 } },
  });
});

test('protocol version 3.1.1 is read as written in YAML', async (t) => {
  const config = await loadConfig(write(`${MINIMAL}  mqtt:\n    protocolVersion: 3.1.1\n`), { env: ENV });
  t.is(chirpstackOf(config).mqtt.protocolVersion, '3.1.1');
});

test('env: references resolve anywhere; the password defaults to $FUOTA_MQTT_PASSWORD', async (t) => {
  const file = write(`${MINIMAL}  mqtt:\n    url: env:MQTT_URL\n    username: fuota\n    password: env:MY_PASSWORD\n  api:\n    token: env:MY_TOKEN\n`);
  const config = await loadConfig(file, { env: { ...ENV, MQTT_URL: 'mqtts://broker:8883', MY_PASSWORD: 'pw', MY_TOKEN: 'tk' } });
  t.like(config.networkServer, { mqtt: { url: 'mqtts://broker:8883', username: 'fuota', password: 'pw' }, api: { token: 'tk' } });
  const byDefault = await loadConfig(write(MINIMAL), { env: { ...ENV, FUOTA_MQTT_PASSWORD: 'default-pw' } });
  t.is(byDefault.networkServer.mqtt.password, 'default-pw');
});

test('secret files resolve beside the config file, one trailing newline dropped', async (t) => {
  const file = write(`${MINIMAL}  mqtt:\n    passwordFile: mqtt-password\n  api:\n    tokenFile: ./secrets/token\n`, { 'mqtt-password': 's3cret\n' });
  fs.mkdirSync(path.join(path.dirname(file), 'secrets'));
  fs.writeFileSync(path.join(path.dirname(file), 'secrets', 'token'), 'tok en\r\n');
  const config = await loadConfig(file, { env: {} });
  t.is(chirpstackOf(config).mqtt.password, 's3cret');
  t.is(chirpstackOf(config).api.token, 'tok en');
  t.false('passwordFile' in chirpstackOf(config).mqtt);
});

test('TLS files are read as PEM', async (t) => {
  const pem = (what: string) => `-----BEGIN ${what}-----\nAAAA\n-----END ${what}-----\n`;
  const file = write(`${MINIMAL}  mqtt:\n    url: mqtts://broker:8883\n    tls:\n      caFile: ca.pem\n      certFile: c.pem\n      keyFile: k.pem\n`, { 'ca.pem': pem('CERTIFICATE'), 'c.pem': pem('CERTIFICATE'), 'k.pem': pem('PRIVATE KEY') });
  const config = await loadConfig(file, { env: ENV });
  t.deepEqual(chirpstackOf(config).mqtt.tls, { ca: pem('CERTIFICATE'), cert: pem('CERTIFICATE'), key: pem('PRIVATE KEY'), rejectUnauthorized: true });
});

test('the example message: a bad MQTT URL names key, expected and actual', async (t) => {
  const error = await configError(t, write(`${MINIMAL}  mqtt:\n    url: http://x\n`));
  t.is(error.message, 'config networkServer.mqtt.url: expected mqtt:// or mqtts:// URL, got "http://x"');
  t.true(error instanceof CallerError);
  t.is(error.code, 'CONFIG_INVALID');
});

const BAD: Array<[string, string, string]> = [
  // [YAML appended under networkServer (2-space indent) or at top level, key path, words of the message]
  ['  mqtt:\n    protocolVersion: 4\n', 'networkServer.mqtt.protocolVersion', 'expected MQTT protocol version 5 or "3.1.1", got 4'],
  ['  mqtt:\n    qos: 2\n', 'networkServer.mqtt.qos', 'expected QoS 0 or 1, got 2'],
  ['  mqtt:\n    format: xml\n', 'networkServer.mqtt.format', 'expected json or protobuf, got "xml"'],
  ['  mqtt:\n    clientId: ""\n', 'networkServer.mqtt.clientId', 'expected a client id, got ""'],
  ['  mqtt:\n    cleanSession: "no"\n', 'networkServer.mqtt.cleanSession', 'expected true or false, got "no"'],
  ['  mqtt:\n    eventTopic: "application/{{application_id}}/device/+/event/{{event}}"\n', 'networkServer.mqtt.eventTopic', 'expected a topic template with {{application_id}}, {{dev_eui}}, {{event}} and no MQTT wildcards'],
  ['  api:\n    address: localhost\n', 'networkServer.api.address', 'expected host:port, got "localhost"'],
  ['  gateways: [0016c001ff10d3f6, xyz]\n', 'networkServer.gateways[1]', 'expected a gateway id (16 hex digits), got "xyz"'],
  ['  txAckTimeoutMs: -1\n', 'networkServer.txAckTimeoutMs', 'expected a duration > 0 ms, got -1'],
  ['  multicastQueuePollMs: 1.5\n', 'networkServer.multicastQueuePollMs', 'expected whole milliseconds, got 1.5'],
  ['  version: latest\n', 'networkServer.version', 'expected a ChirpStack v4 version like 4.16.1, got "latest"'],
  ['  multicastClassCMarginMs: -5\n', 'networkServer.multicastClassCMarginMs', 'expected a number of ms ≥ 0, got -5'],
  ['  multicastExpiresAfterMs: 0\n', 'networkServer.multicastExpiresAfterMs', 'expected a duration > 0 ms, got 0'],
  ['statusEvents:\n  deviceTopic: "fuota/{campaign_id}/status"\n', 'statusEvents.deviceTopic', 'expected a topic with {campaign_id} and {dev_eui} (missing {dev_eui})'],
  ['statusEvents:\n  campaignTopic: "fuota/{campaign}/status"\n', 'statusEvents.campaignTopic', 'expected a topic with {campaign_id} only, not {campaign}'],
  ['statusEvents:\n  format: xml\n', 'statusEvents.format', 'expected json or protobuf, got "xml"'],
  ['logging:\n  level: loud\n', 'logging.level', 'expected a pino level (fatal, error, warn, info, debug, trace, silent), got "loud"'],
  ['campaigns:\n  defaults:\n    region: EU999\n', 'campaigns.defaults.region', 'expected one of EU868'],
  ['campaigns:\n  defaults:\n    dr: 16\n', 'campaigns.defaults.dr', 'expected a data rate 0..15, got 16'],
  ['campaigns:\n  defaults:\n    budgetShare: 0\n', 'campaigns.defaults.budgetShare', 'expected a share in (0, 1], got 0'],
  ['store:\n  path: 42\n', 'store.path', 'expected a file path, got 42'],
  ['store:\n  url: mysql://fuota:pw@db:3306/fuota\n', 'store.url', 'expected a postgres://user:password@host:port/database URL, got "mysql://fuota:***@db:3306/fuota"'],
  ['store:\n  url: 42\n', 'store.url', 'expected a postgres:// or postgresql:// URL, got 42'],
  ['store:\n  path: ./fuota.sqlite\n  url: postgres://fuota:pw@db/fuota\n', 'store.url', 'expected either store.path (SQLite) or store.url (PostgreSQL), got both'],
  ['store:\n  url: postgres://db/fuota\n  schema: Fuota-1\n', 'store.schema', 'expected a lower-case SQL identifier (letters, digits, _; at most 63), got "Fuota-1"'],
  ['store:\n  path: ./fuota.sqlite\n  schema: fuota\n', 'store.schema', 'expected store.schema only with store.url (a SQLite file has no schemas), got "fuota"'],
  ['store:\n  deviceLog:\n    keepEntries: 5\n', 'store.deviceLog.keepEntries', 'expected at least 10 entries, got 5'],
  ['store:\n  deviceLog:\n    keepEntries: 20.5\n', 'store.deviceLog.keepEntries', 'expected a whole number of entries, got 20.5'],
  ['store:\n  deviceLog:\n    keepEntries: many\n', 'store.deviceLog.keepEntries', 'expected a number of entries, got "many"'],
  ['store:\n  deviceLog:\n    keepEntries: 2000000\n', 'store.deviceLog.keepEntries', 'expected at most 1000000 entries, got 2000000'],
  ['store:\n  deviceLog:\n    maxAgeDays: 0\n', 'store.deviceLog.maxAgeDays', 'expected more than 0 days, got 0'],
  ['store:\n  deviceLog:\n    maxAgeDays: 30d\n', 'store.deviceLog.maxAgeDays', 'expected a number of days, got "30d"'],
  ['store:\n  deviceLog:\n    maxAgeDays: 40000\n', 'store.deviceLog.maxAgeDays', 'expected at most 36500 days, got 40000'],
  ['store:\n  deviceLog: 200\n', 'store.deviceLog', 'expected a mapping of keys, got 200'],
  ['logging: verbose\n', 'logging', 'expected a mapping of keys, got "verbose"'],
  ['highAvailability:\n  enabled: true\n', 'highAvailability.enabled', 'expected false, or store.url naming the PostgreSQL all instances share (docs/high-availability.md), got true'],
  ['highAvailability:\n  instanceId: "fuota a"\n', 'highAvailability.instanceId', 'expected 1 to 64 letters, digits, ".", "_", ":" or "-", got "fuota a"'],
  ['highAvailability:\n  leaseMs: 500\n', 'highAvailability.leaseMs', 'expected at least 1000 ms, got 500'],
];

const titles = new Map<string, number>();
for (const [yaml, key, words] of BAD) {
  // A key with several bad inputs (store.url) gets #2, #3… (ava wants unique titles).
  const seen = (titles.get(key) ?? 0) + 1;
  titles.set(key, seen);
  test(`bad input: ${key}${seen > 1 ? ` #${seen}` : ''}`, async (t) => {
    const error = await configError(t, write(`${MINIMAL}${yaml}`));
    t.true(error.message.startsWith(`config ${key}: `), error.message);
    t.true(error.message.includes(words), error.message);
    t.is(error.issues.length, 1, error.message);
  });
}

test('store.url names a PostgreSQL store instead of the file: postgres:// or postgresql://, env: allowed, schema default fuota', async (t) => {
  const config = await loadConfig(write(`store:\n  url: env:STORE_URL\n${MINIMAL}`), { env: { ...ENV, STORE_URL: 'postgres://fuota:pw@db.example:5432/fuota' } });
  const deviceLog = { keepEntries: 200, maxAgeMs: 30 * 86_400_000 };
  t.deepEqual(config.store, { url: 'postgres://fuota:pw@db.example:5432/fuota', schema: 'fuota', deviceLog });
  t.is(config.store.path, undefined);
  const other = await loadConfig(write(`store:\n  url: postgresql://db.example/lorawan\n  schema: fuota_eu\n${MINIMAL}`), { env: ENV });
  t.deepEqual(other.store, { url: 'postgresql://db.example/lorawan', schema: 'fuota_eu', deviceLog });
  const file = await loadConfig(write(`store:\n  path: ./state/fuota.sqlite\n${MINIMAL}`), { env: ENV });
  t.true(file.store.path?.endsWith('/state/fuota.sqlite'));
  t.is(file.store.url, undefined);
});

test('store.deviceLog: by default the newest 200 entries of each device, at most 30 days old; maxAgeDays may be a fraction', async (t) => {
  const defaults = await loadConfig(write(MINIMAL), { env: ENV });
  t.deepEqual(defaults.store.deviceLog, { keepEntries: 200, maxAgeMs: 30 * 86_400_000 });
  const set = await loadConfig(write(`store:\n  path: ./fuota.sqlite\n  deviceLog:\n    keepEntries: 50\n    maxAgeDays: 0.5\n${MINIMAL}`), { env: ENV });
  t.deepEqual(set.store.deviceLog, { keepEntries: 50, maxAgeMs: 43_200_000 });
});

test('highAvailability: off by default; with store.url, enabled with its instance id, lease and inbox period', async (t) => {
  const plain = await loadConfig(write(MINIMAL), { env: ENV });
  t.deepEqual(plain.highAvailability, { enabled: false, leaseMs: 30_000, inboxPollMs: 500 });
  const ha = await loadConfig(write(`store:\n  url: postgres://db.example/fuota\nhighAvailability:\n  enabled: true\n  instanceId: fuota-a\n  leaseMs: 10000\n${MINIMAL}`), { env: ENV });
  t.deepEqual(ha.highAvailability, { enabled: true, instanceId: 'fuota-a', leaseMs: 10_000, inboxPollMs: 500 });
});

test('a missing or wrong network server kind and application id are named', async (t) => {
  const none = await configError(t, write('store:\n  path: x.sqlite\n'));
  t.is(none.message.split('; ')[0], 'config networkServer: expected a mapping of keys (kind: chirpstack or tts, …), got nothing');
  const wrong = await configError(t, write(`networkServer:\n  kind: ttn\n`));
  t.deepEqual(wrong.issues.map((i) => i.path), ['networkServer.kind']);
  t.regex(wrong.message, /config networkServer\.kind: expected "chirpstack" or "tts", got "ttn"/);
  const noApp = await configError(t, write(`networkServer:\n  kind: chirpstack\n`));
  t.deepEqual(noApp.issues.map((i) => i.path), ['networkServer.applicationId']);
});

test('an unknown key is reported with the keys that exist there', async (t) => {
  const error = await configError(t, write(`${MINIMAL}  mqtt:\n    urll: mqtt://x\n`));
  t.regex(error.message, /^config networkServer\.mqtt\.urll: expected a known key \(url, clientId, protocolVersion, /);
  t.regex(error.message, /got an unknown key$/);
  const top = await configError(t, write(`${MINIMAL}statusEvent:\n  enabled: false\n`));
  t.is(top.message, 'config statusEvent: expected a known key (store, networkServer, statusEvents, logging, campaigns, api, highAvailability), got an unknown key');
});

test('several problems come in one error', async (t) => {
  const error = await configError(t, write(`${MINIMAL}  mqtt:\n    qos: 2\nlogging:\n  level: loud\n`));
  t.deepEqual(error.issues.map((i) => i.path), ['networkServer.mqtt.qos', 'logging.level']);
  t.regex(error.message, /; config logging\.level: /);
});

test('a missing config file is named', async (t) => {
  const missing = path.join(path.dirname(write('{}')), 'nope.yaml');
  const error = await t.throwsAsync(loadConfig(missing, { env: ENV }), { instanceOf: CallerError });
  t.is(error.code, 'CONFIG_UNREADABLE');
  t.true(error.message.startsWith(`config file "${missing}": expected a readable file, got ENOENT`), error.message);
});

test('a file that is not YAML is named', async (t) => {
  const file = write('networkServer: [unclosed\n');
  const error = await t.throwsAsync(loadConfig(file, { env: ENV }), { instanceOf: CallerError });
  t.is(error.code, 'CONFIG_NOT_YAML');
  t.regex(error.message, /^config file "[^"]+" line \d+, column \d+: expected YAML, got [^\n]+$/);
  t.true(error.message.startsWith(`config file "${file}" line `), error.message);
});

test('an unreadable secret file is named with its key', async (t) => {
  const file = write(`${MINIMAL}  api:\n    tokenFile: /nonexistent/token\n`);
  const error = await configError(t, file, {});
  t.is(error.issues[0]!.path, 'networkServer.api.tokenFile');
  t.regex(error.message, /^config networkServer\.api\.tokenFile: expected a readable file "\/nonexistent\/token", got ENOENT/);
});

test('a missing TLS file, a lone client certificate and plain mqtt:// with TLS are named', async (t) => {
  const file = write(`${MINIMAL}  mqtt:\n    tls:\n      caFile: missing-ca.pem\n      certFile: missing-cert.pem\n`);
  const error = await configError(t, file);
  t.deepEqual(error.issues.map((i) => i.path).sort(), ['networkServer.mqtt.tls.caFile', 'networkServer.mqtt.tls.certFile', 'networkServer.mqtt.tls.keyFile', 'networkServer.mqtt.url']);
  t.regex(error.message, /missing-ca\.pem/);
});

test('an unset env: variable, a missing token and a password given twice are named', async (t) => {
  const unset = await configError(t, write(`${MINIMAL}  mqtt:\n    password: env:NOT_SET\n`));
  t.is(unset.message, 'config networkServer.mqtt.password: expected environment variable NOT_SET to be set, got nothing (unset or empty)');
  const noToken = await configError(t, write(MINIMAL), {});
  t.is(noToken.message, 'config networkServer.api.token: expected networkServer.api.token, networkServer.api.tokenFile or environment variable FUOTA_CHIRPSTACK_API_TOKEN, got none of them');
  const twice = await configError(t, write(`${MINIMAL}  mqtt:\n    password: a\n    passwordFile: b\n`));
  t.is(twice.issues[0]!.path, 'networkServer.mqtt.passwordFile');
  t.regex(twice.message, /expected either networkServer\.mqtt\.password or networkServer\.mqtt\.passwordFile, got both/);
});

test('secret values never appear in messages', async (t) => {
  const error = await configError(t, write(`${MINIMAL}  mqtt:\n    password: 123456\n`));
  t.is(error.message, 'config networkServer.mqtt.password: expected a password or env:NAME, got a number (not shown)');
});

test('a password inside a URL is not shown either', async (t) => {
  const error = await configError(t, write(`${MINIMAL}  mqtt:\n    url: http://fuota:hunter2@broker\n`));
  t.is(error.message, 'config networkServer.mqtt.url: expected mqtt:// or mqtts:// URL, got "http://fuota:***@broker"');
});

// Issue #14: every bad file answered in one line naming the file (and where in it), exit 1 (a FuotaError).
test('a self-referencing YAML alias is one CONFIG_ALIAS_CYCLE line, not a stack overflow', async (t) => {
  const file = write(`${MINIMAL}store: &a\n  path: *a\n`);
  const error = await t.throwsAsync(loadConfig(file, { env: ENV }), { instanceOf: CallerError });
  t.is(error!.code, 'CONFIG_ALIAS_CYCLE');
  t.is(error!.message, `config file ${JSON.stringify(file)} store.path: expected a value, got a YAML alias to a node that contains it (a cycle)`);
});

test('an alias to a sibling (no cycle) still loads', async (t) => {
  const config = await loadConfig(write(`${MINIMAL}logging: &l\n  level: warn\n`), { env: ENV });
  t.is(config.logging.level, 'warn');
});

test('a YAML syntax error is one line naming the file, line and column', async (t) => {
  const file = write('networkServer: [1,\nstore: 2\n');
  const error = await t.throwsAsync(loadConfig(file, { env: ENV }), { instanceOf: CallerError });
  t.is(error!.code, 'CONFIG_NOT_YAML');
  t.is(error!.message, `config file ${JSON.stringify(file)} line 2, column 1: expected YAML, got Flow sequence in block collection must be sufficiently indented and end with a ]`);
});

const binaries: Array<[string, Uint8Array]> = [
  ['NUL bytes', Uint8Array.of(0x6b, 0x3a, 0x00, 0x00, 0x01, 0x0a)],
  ['invalid UTF-8', Uint8Array.of(0x6b, 0x3a, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x0a)],
];
for (const [name, bytes] of binaries) {
  test(`a binary config file (${name}) is one line, no raw bytes`, async (t) => {
    const file = write('');
    fs.writeFileSync(file, bytes);
    const error = await t.throwsAsync(loadConfig(file, { env: ENV }), { instanceOf: CallerError });
    t.is(error!.code, 'CONFIG_NOT_TEXT');
    t.is(error!.message, `config file ${JSON.stringify(file)}: expected a YAML text file, got binary data`);
  });
}

test('a ChirpStack applicationId that is not a UUID is refused; env:NAME still works', async (t) => {
  const error = await configError(t, write('networkServer:\n  kind: chirpstack\n  applicationId: not-a-uuid\n'));
  t.is(error.message, 'config networkServer.applicationId: expected a ChirpStack application id (UUID), got "not-a-uuid"');
  const fromEnv = await loadConfig(write('networkServer:\n  kind: chirpstack\n  applicationId: env:APP\n'), { env: { ...ENV, APP: APP_ID } });
  t.is(fromEnv.networkServer.applicationId, APP_ID);
  const badEnv = await configError(t, write('networkServer:\n  kind: chirpstack\n  applicationId: env:APP\n'), { ...ENV, APP: 'my-app' });
  t.deepEqual(badEnv.issues.map((i) => i.path), ['networkServer.applicationId']);
});
