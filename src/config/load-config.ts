import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CallerError } from '../core/errors.js';
import { configIssues, ConfigError, expectedMessages, pathText, redactUrl, type ConfigIssue } from './config-issues.js';
import { API_TOKEN_ENV, configSchema, DEFAULT_STORE_PATH, DEFAULT_STORE_SCHEMA, MQTT_PASSWORD_ENV, TTS_API_KEY_ENV, type ConfigFile, type TlsFiles } from './config-schema.js';
import { applicationDownlinkDutyCycleShare } from '../lns/tts/tts-downlink-push.js';
import { regionOfFrequencyPlan } from '../lns/tts/tts-frequency-plan.js';
import { daysToMs, type DeviceLogRetention } from '../store/device-log-retention.js';
import { isRawPublicKeyHex, parsePublicKeyText } from '../manifest/public-key-text.js';

// Reads config/fuota.yaml-style files: the only place of the config module that touches the
// file system or the environment. Order: YAML → `env:NAME` strings replaced (anywhere, so that
// a compose file can set e.g. the application id) → schema (defaults, types) → relative paths
// taken from the config file's directory → secret and PEM files read. Every problem found is
// reported together in one ConfigError naming each key path.

type NetworkServerFile = ConfigFile['networkServer'];
type ChirpstackFile = Extract<NetworkServerFile, { kind: 'chirpstack' }>;
type TtsFile = Extract<NetworkServerFile, { kind: 'tts' }>;
type MqttFile = ChirpstackFile['mqtt'];
type ApiFile = ChirpstackFile['api'];

/** TLS material as Node's tls options take it: PEM text, read from the configured files. */
export interface ResolvedTls {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export type MqttConfig = Omit<MqttFile, 'password' | 'passwordFile' | 'tls'> & { password?: string; tls?: ResolvedTls };
export type ApiConfig = Omit<ApiFile, 'token' | 'tokenFile' | 'tls'> & { token: string; tls?: ResolvedTls };
export type ChirpstackConfig = Omit<ChirpstackFile, 'mqtt' | 'api'> & { mqtt: MqttConfig; api: ApiConfig };
/** TTS's MQTT server: every default filled in (URL from the cluster, user app@tenant, password the API key). */
export type TtsMqttConfig = Omit<TtsFile['mqtt'], 'url' | 'username' | 'password' | 'passwordFile' | 'tls'> & { url: string; username: string; password: string; tls?: ResolvedTls };
export type TtsConfig = Omit<TtsFile, 'mqtt' | 'apiKey' | 'apiKeyFile'> & { apiKey: string; mqtt: TtsMqttConfig };
export type NetworkServerConfig = ChirpstackConfig | TtsConfig;

type CampaignsFile = ConfigFile['campaigns'];
type StatusEventsFile = ConfigFile['statusEvents'];

/** The validated configuration, secrets resolved, paths absolute, defaults that depend on the server's kind filled in. */
/** Where the state is kept: exactly one of a SQLite file and a PostgreSQL URL (with its schema). */
export type StoreConfig = ({ path: string; url?: undefined; schema?: undefined } | { url: string; schema: string; path?: undefined }) & {
  /** store.deviceLog, in milliseconds (the loader always sets it; the stores' default when absent). */
  deviceLog?: DeviceLogRetention;
};

export type FuotaConfig = Omit<ConfigFile, 'store' | 'networkServer' | 'campaigns' | 'statusEvents'> & {
  store: StoreConfig;
  networkServer: NetworkServerConfig;
  campaigns: Omit<CampaignsFile, 'defaults'> & { defaults: Omit<CampaignsFile['defaults'], 'budgetShare'> & { budgetShare: number } };
  statusEvents: Omit<StatusEventsFile, 'enabled'> & { enabled: boolean };
  /** The file it was loaded from (absolute): admission never takes it as a package. */
  configFile?: string;
};

export interface LoadConfigOptions {
  /** Default process.env (tests pass their own). */
  env?: Readonly<Record<string, string | undefined>>;
}

const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

export async function loadConfig(file: string, options: LoadConfigOptions = {}): Promise<FuotaConfig> {
  const env = options.env ?? process.env;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new CallerError('CONFIG_UNREADABLE', `config file ${JSON.stringify(file)}: expected a readable file, got ${errorText(error)}`, { cause: error });
  }
  const raw = parseConfigText(bytes, file);
  const issues: ConfigIssue[] = [];
  const substituted = substituteEnv(raw, [], env, issues, file);
  const parsed = configSchema.safeParse(substituted, { error: expectedMessages });
  // An unset env: variable is already reported: zod's "got nothing" for the same key would repeat it.
  const envPaths = new Set(issues.map((i) => i.path));
  if (!parsed.success) {
    issues.push(...configIssues(parsed.error, substituted, configSchema).filter((i) => !envPaths.has(i.path)));
    throw new ConfigError(issues, file);
  }
  // Carry on after an env: problem on an optional key, so that file problems are reported with it.
  const config = await resolveFiles(absolutePaths(parsed.data, dirname(resolve(file))), env, issues);
  if (issues.length > 0) throw new ConfigError(issues, file);
  return { ...config, configFile: resolve(file) };
}

/**
 * The file's bytes as YAML, every failure one line naming the file (issue #14): binary data is
 * never echoed, and yaml's multi-line caret diagram is cut to its first line plus `linePos`.
 */
function parseConfigText(bytes: Buffer, file: string): unknown {
  let text: string;
  try {
    // A NUL is not YAML text either (YAML 1.2 §5.1 excludes C0 controls but tab/LF/CR).
    if (bytes.includes(0)) throw new Error('NUL byte');
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new CallerError('CONFIG_NOT_TEXT', `config file ${JSON.stringify(file)}: expected a YAML text file, got binary data`, { cause: error });
  }
  try {
    // yaml's own alias limit (maxAliasCount, default 100) refuses alias-expansion bombs.
    return parseYaml(text) ?? {};
  } catch (error) {
    const e = error as { message?: string; linePos?: Array<{ line: number; col: number }> };
    const first = String(e.message ?? error).split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').replace(/[^\x20-\x7e]/g, '?');
    const at = e.linePos?.[0] ? ` line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw new CallerError('CONFIG_NOT_YAML', `config file ${JSON.stringify(file)}${at}: expected YAML, got ${first}`, { cause: error });
  }
}

/**
 * `env:NAME` strings replaced anywhere. YAML anchors may make the tree a graph: an alias inside
 * its own anchor (`a: &x {b: *x}`) is a cycle that would recurse forever, so it is refused here.
 */
function substituteEnv(node: unknown, path: PropertyKey[], env: LoadConfigOptions['env'] & object, issues: ConfigIssue[], file: string, enclosing: ReadonlySet<object> = new Set()): unknown {
  if (node !== null && typeof node === 'object' && enclosing.has(node)) {
    throw new CallerError('CONFIG_ALIAS_CYCLE', `config file ${JSON.stringify(file)} ${pathText(path)}: expected a value, got a YAML alias to a node that contains it (a cycle)`);
  }
  const inner = node !== null && typeof node === 'object' ? new Set([...enclosing, node]) : enclosing;
  const recurse = (child: unknown, key: PropertyKey) => substituteEnv(child, [...path, key], env, issues, file, inner);
  if (typeof node === 'string') {
    const name = ENV_REF.exec(node)?.[1];
    if (name === undefined) return node;
    const value = env[name];
    if (value === undefined || value === '') issues.push({ path: pathText(path), expected: `environment variable ${name} to be set`, actual: 'nothing (unset or empty)' });
    return value;
  }
  if (Array.isArray(node)) return node.map((item, i) => recurse(item, i));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, recurse(value, key)]));
  }
  return node;
}

/** Relative paths in the file mean "beside the config file", not "wherever the service started". */
function absolutePaths(config: ConfigFile, base: string): ConfigFile {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const absOpt = (p: string | undefined) => (p === undefined ? undefined : abs(p));
  const tls = (t: TlsFiles | undefined): TlsFiles | undefined => t && { ...t, caFile: absOpt(t.caFile), certFile: absOpt(t.certFile), keyFile: absOpt(t.keyFile) };
  const ns = config.networkServer;
  return {
    ...config,
    store: { ...config.store, path: config.store.path === undefined || config.store.path === ':memory:' ? config.store.path : abs(config.store.path) },
    networkServer:
      ns.kind === 'chirpstack'
        ? { ...ns, mqtt: { ...ns.mqtt, passwordFile: absOpt(ns.mqtt.passwordFile), tls: tls(ns.mqtt.tls) }, api: { ...ns.api, tokenFile: absOpt(ns.api.tokenFile), tls: tls(ns.api.tls) } }
        : { ...ns, apiKeyFile: absOpt(ns.apiKeyFile), mqtt: { ...ns.mqtt, passwordFile: absOpt(ns.mqtt.passwordFile), tls: tls(ns.mqtt.tls) } },
    campaigns: {
      ...config.campaigns,
      directory: absOpt(config.campaigns.directory),
      vendorKeys: config.campaigns.vendorKeys.map((k) => (isRawPublicKeyHex(k.publicKey) ? k : { ...k, publicKey: abs(k.publicKey) })),
    },
  };
}

async function resolveFiles(config: ConfigFile, env: LoadConfigOptions['env'] & object, issues: ConfigIssue[]): Promise<FuotaConfig> {
  const ns = config.networkServer;
  const networkServer = ns.kind === 'chirpstack' ? await resolveChirpstack(ns, env, issues) : await resolveTts(ns, env, issues);
  const vendorKeys = await vendorKeyTexts(config.campaigns.vendorKeys, issues);
  // TTS's gateway server grants each priority its share of the duty cycle (sub_band.go): plan within it.
  const budgetShare = config.campaigns.defaults.budgetShare ?? (networkServer.kind === 'tts' ? applicationDownlinkDutyCycleShare(networkServer.downlinkPriority) : 0.5);
  // TTS's MQTT server takes only its own topics (down/push, down/replace): no status events there.
  if (networkServer.kind === 'tts' && config.statusEvents.enabled === true) {
    issues.push({ path: 'statusEvents.enabled', expected: 'false with networkServer.kind tts (TTS\'s MQTT server accepts only its down/push and down/replace topics; use the operator API\'s events instead)', actual: 'true' });
  }
  const statusEvents = { ...config.statusEvents, enabled: config.statusEvents.enabled ?? networkServer.kind === 'chirpstack' };
  // Leases and the shared uplink inbox live in PostgreSQL: a SQLite file is one host's.
  if (config.highAvailability.enabled && config.store.url === undefined) {
    issues.push({ path: 'highAvailability.enabled', expected: 'false, or store.url naming the PostgreSQL all instances share (docs/high-availability.md)', actual: 'true' });
  }
  // The multicast devices take the frequency plan: campaigns that default to another band could never be sent.
  const planRegion = networkServer.kind === 'tts' ? regionOfFrequencyPlan(networkServer.frequencyPlanId) : undefined;
  if (planRegion !== undefined && planRegion !== config.campaigns.defaults.region) {
    issues.push({ path: 'campaigns.defaults.region', expected: `${planRegion}, the band of networkServer.frequencyPlanId ${(networkServer as TtsConfig).frequencyPlanId}`, actual: config.campaigns.defaults.region });
  }
  const store = storeOf(config.store, issues);
  return { ...config, store, statusEvents, campaigns: { ...config.campaigns, vendorKeys, defaults: { ...config.campaigns.defaults, budgetShare } }, networkServer };
}

/** store.path or store.url (not both); the default file when neither is set. */
function storeOf(store: ConfigFile['store'], issues: ConfigIssue[]): StoreConfig {
  if (store.path !== undefined && store.url !== undefined) {
    issues.push({ path: 'store.url', expected: 'either store.path (SQLite) or store.url (PostgreSQL)', actual: 'both' });
  }
  const deviceLog = { keepEntries: store.deviceLog.keepEntries, maxAgeMs: daysToMs(store.deviceLog.maxAgeDays) };
  if (store.url !== undefined) return { url: store.url, schema: store.schema ?? DEFAULT_STORE_SCHEMA, deviceLog };
  if (store.schema !== undefined) issues.push({ path: 'store.schema', expected: 'store.schema only with store.url (a SQLite file has no schemas)', actual: JSON.stringify(store.schema) });
  return { path: store.path ?? DEFAULT_STORE_PATH, deviceLog };
}

async function resolveTts(ns: TtsFile, env: LoadConfigOptions['env'] & object, issues: ConfigIssue[]): Promise<TtsConfig> {
  const { apiKey: _k, apiKeyFile: _kf, mqtt, ...rest } = ns;
  const { password: _p, passwordFile: _pf, tls: mqttTls, url, username, ...mqttRest } = mqtt;
  const apiKey = (await secret({ key: 'networkServer.apiKey', value: ns.apiKey, file: ns.apiKeyFile, envName: TTS_API_KEY_ENV, required: true }, env, issues)) ?? '';
  const password = (await secret({ key: 'networkServer.mqtt.password', value: mqtt.password, file: mqtt.passwordFile, envName: MQTT_PASSWORD_ENV, required: false }, env, issues)) ?? apiKey;
  const cluster = new URL(ns.url);
  // TTS serves MQTT on the cluster's host: 8883 with TLS, 1883 without (network-servers.md).
  const mqttUrl = url ?? (cluster.protocol === 'https:' ? `mqtts://${cluster.hostname}:8883` : `mqtt://${cluster.hostname}:1883`);
  if (mqttTls && !mqttUrl.startsWith('mqtts:')) issues.push({ path: 'networkServer.mqtt.url', expected: 'an mqtts:// URL when mqtt.tls is set', actual: JSON.stringify(redactUrl(mqttUrl)) });
  const resolvedMqtt: TtsMqttConfig = {
    ...mqttRest,
    url: mqttUrl,
    username: username ?? (ns.tenantId === undefined ? ns.applicationId : `${ns.applicationId}@${ns.tenantId}`),
    password,
    ...(mqttTls ? { tls: await pemFiles(mqttTls, 'networkServer.mqtt.tls', issues) } : mqttUrl.startsWith('mqtts:') ? { tls: { rejectUnauthorized: true } } : {}),
  };
  return { ...rest, apiKey, mqtt: resolvedMqtt };
}

async function resolveChirpstack(ns: ChirpstackFile, env: LoadConfigOptions['env'] & object, issues: ConfigIssue[]): Promise<ChirpstackConfig> {
  const { mqtt, api } = ns;
  const { password: _p, passwordFile: _pf, tls: mqttTls, ...mqttRest } = mqtt;
  const { token: _t, tokenFile: _tf, tls: apiTls, ...apiRest } = api;
  const password = await secret({ key: 'networkServer.mqtt.password', value: mqtt.password, file: mqtt.passwordFile, envName: MQTT_PASSWORD_ENV, required: false }, env, issues);
  const token = (await secret({ key: 'networkServer.api.token', value: api.token, file: api.tokenFile, envName: API_TOKEN_ENV, required: true }, env, issues)) ?? '';
  if (mqttTls && !mqtt.url.startsWith('mqtts:')) issues.push({ path: 'networkServer.mqtt.url', expected: 'an mqtts:// URL when mqtt.tls is set', actual: JSON.stringify(redactUrl(mqtt.url)) });
  const resolvedMqtt = { ...mqttRest, ...(password === undefined ? {} : { password }), ...(mqttTls ? { tls: await pemFiles(mqttTls, 'networkServer.mqtt.tls', issues) } : {}) };
  const resolvedApi = { ...apiRest, token, ...(apiTls ? { tls: await pemFiles(apiTls, 'networkServer.api.tls', issues) } : {}) };
  return { ...ns, mqtt: resolvedMqtt, api: resolvedApi };
}

/** campaigns.vendorKeys with each PEM file read and checked: publicKey then holds PEM text or raw hex. */
async function vendorKeyTexts(keys: ConfigFile['campaigns']['vendorKeys'], issues: ConfigIssue[]): Promise<ConfigFile['campaigns']['vendorKeys']> {
  const out: ConfigFile['campaigns']['vendorKeys'] = [];
  for (const [i, key] of keys.entries()) {
    if (isRawPublicKeyHex(key.publicKey)) {
      out.push(key);
      continue;
    }
    const path = `campaigns.vendorKeys[${i}].publicKey`;
    const text = await readText(key.publicKey, path, issues);
    if (text === undefined) continue;
    try {
      parsePublicKeyText(text, path);
      out.push({ ...key, publicKey: text });
    } catch (error) {
      issues.push({ path, expected: `a PEM public key (P-256 or Ed25519) in ${JSON.stringify(key.publicKey)}`, actual: (error as Error).message.replace(/^.*?: expected .*?, got /, '') });
    }
  }
  return out;
}

interface SecretSource {
  /** Key path of the literal; its file twin is `${key}File`. */
  key: string;
  value: string | undefined;
  file: string | undefined;
  /** Taken when neither the literal nor the file is set. */
  envName: string;
  required: boolean;
}

/** A literal (env: already substituted) or a file; with neither, the environment default. */
async function secret(source: SecretSource, env: LoadConfigOptions['env'] & object, issues: ConfigIssue[]): Promise<string | undefined> {
  const { key, value, file, envName } = source;
  if (value !== undefined && file !== undefined) {
    issues.push({ path: `${key}File`, expected: `either ${key} or ${key}File`, actual: 'both' });
    return undefined;
  }
  if (file !== undefined) {
    const text = await readText(file, `${key}File`, issues);
    if (text === undefined) return undefined;
    const trimmed = text.replace(/\r?\n$/, '');
    if (trimmed === '') issues.push({ path: `${key}File`, expected: `a non-empty secret in ${JSON.stringify(file)}`, actual: 'an empty file' });
    return trimmed;
  }
  if (value !== undefined) return value;
  const fallback = env[envName];
  if (fallback !== undefined && fallback !== '') return fallback;
  if (source.required) issues.push({ path: key, expected: `${key}, ${key}File or environment variable ${envName}`, actual: 'none of them' });
  return undefined;
}

async function pemFiles(tls: TlsFiles, key: string, issues: ConfigIssue[]): Promise<ResolvedTls> {
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    issues.push({ path: `${key}.${tls.certFile === undefined ? 'certFile' : 'keyFile'}`, expected: 'certFile and keyFile together (or neither)', actual: 'nothing' });
  }
  const out: ResolvedTls = { rejectUnauthorized: tls.rejectUnauthorized };
  for (const [field, name] of [['ca', 'caFile'], ['cert', 'certFile'], ['key', 'keyFile']] as const) {
    const path = tls[name];
    if (path === undefined) continue;
    const text = await readText(path, `${key}.${name}`, issues);
    if (text === undefined) continue;
    if (!text.includes('-----BEGIN ')) issues.push({ path: `${key}.${name}`, expected: `PEM text in ${JSON.stringify(path)}`, actual: 'no "-----BEGIN" line' });
    else out[field] = text;
  }
  return out;
}

async function readText(path: string, key: string, issues: ConfigIssue[]): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    issues.push({ path: key, expected: `a readable file ${JSON.stringify(path)}`, actual: errorText(error) });
    return undefined;
  }
}

function errorText(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ? `${e.code} (${e.message?.replace(/^[A-Z]+: /, '') ?? ''})` : String(e.message ?? error).split('\n')[0]!;
}
