import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CallerError } from '../core/errors.js';
import { configIssues, ConfigError, expectedMessages, pathText, redactUrl, type ConfigIssue } from './config-issues.js';
import { API_TOKEN_ENV, configSchema, MQTT_PASSWORD_ENV, type ConfigFile, type TlsFiles } from './config-schema.js';
import { isRawPublicKeyHex, parsePublicKeyText } from '../manifest/public-key-text.js';

// Reads config/fuota.yaml-style files: the only place of the config module that touches the
// file system or the environment. Order: YAML → `env:NAME` strings replaced (anywhere, so that
// a compose file can set e.g. the application id) → schema (defaults, types) → relative paths
// taken from the config file's directory → secret and PEM files read. Every problem found is
// reported together in one ConfigError naming each key path.

type NetworkServerFile = ConfigFile['networkServer'];
type MqttFile = NetworkServerFile['mqtt'];
type ApiFile = NetworkServerFile['api'];

/** TLS material as Node's tls options take it: PEM text, read from the configured files. */
export interface ResolvedTls {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export type MqttConfig = Omit<MqttFile, 'password' | 'passwordFile' | 'tls'> & { password?: string; tls?: ResolvedTls };
export type ApiConfig = Omit<ApiFile, 'token' | 'tokenFile' | 'tls'> & { token: string; tls?: ResolvedTls };
export type NetworkServerConfig = Omit<NetworkServerFile, 'mqtt' | 'api'> & { mqtt: MqttConfig; api: ApiConfig };

/** The validated configuration, secrets resolved, paths absolute. */
export type FuotaConfig = Omit<ConfigFile, 'networkServer'> & {
  networkServer: NetworkServerConfig;
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
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CallerError('CONFIG_UNREADABLE', `config file ${JSON.stringify(file)}: expected a readable file, got ${errorText(error)}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new CallerError('CONFIG_NOT_YAML', `config file ${JSON.stringify(file)}: expected YAML, got ${errorText(error)}`, { cause: error });
  }
  const issues: ConfigIssue[] = [];
  const substituted = substituteEnv(raw, [], env, issues);
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

function substituteEnv(node: unknown, path: PropertyKey[], env: LoadConfigOptions['env'] & object, issues: ConfigIssue[]): unknown {
  if (typeof node === 'string') {
    const name = ENV_REF.exec(node)?.[1];
    if (name === undefined) return node;
    const value = env[name];
    if (value === undefined || value === '') issues.push({ path: pathText(path), expected: `environment variable ${name} to be set`, actual: 'nothing (unset or empty)' });
    return value;
  }
  if (Array.isArray(node)) return node.map((item, i) => substituteEnv(item, [...path, i], env, issues));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, substituteEnv(value, [...path, key], env, issues)]));
  }
  return node;
}

/** Relative paths in the file mean "beside the config file", not "wherever the service started". */
function absolutePaths(config: ConfigFile, base: string): ConfigFile {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const absOpt = (p: string | undefined) => (p === undefined ? undefined : abs(p));
  const tls = (t: TlsFiles | undefined): TlsFiles | undefined => t && { ...t, caFile: absOpt(t.caFile), certFile: absOpt(t.certFile), keyFile: absOpt(t.keyFile) };
  const { mqtt, api } = config.networkServer;
  return {
    ...config,
    store: { path: config.store.path === ':memory:' ? ':memory:' : abs(config.store.path) },
    networkServer: {
      ...config.networkServer,
      mqtt: { ...mqtt, passwordFile: absOpt(mqtt.passwordFile), tls: tls(mqtt.tls) },
      api: { ...api, tokenFile: absOpt(api.tokenFile), tls: tls(api.tls) },
    },
    campaigns: {
      ...config.campaigns,
      directory: absOpt(config.campaigns.directory),
      vendorKeys: config.campaigns.vendorKeys.map((k) => (isRawPublicKeyHex(k.publicKey) ? k : { ...k, publicKey: abs(k.publicKey) })),
    },
  };
}

async function resolveFiles(config: ConfigFile, env: LoadConfigOptions['env'] & object, issues: ConfigIssue[]): Promise<FuotaConfig> {
  const { mqtt, api } = config.networkServer;
  const { password: _p, passwordFile: _pf, tls: mqttTls, ...mqttRest } = mqtt;
  const { token: _t, tokenFile: _tf, tls: apiTls, ...apiRest } = api;
  const password = await secret({ key: 'networkServer.mqtt.password', value: mqtt.password, file: mqtt.passwordFile, envName: MQTT_PASSWORD_ENV, required: false }, env, issues);
  const token = (await secret({ key: 'networkServer.api.token', value: api.token, file: api.tokenFile, envName: API_TOKEN_ENV, required: true }, env, issues)) ?? '';
  if (mqttTls && !mqtt.url.startsWith('mqtts:')) issues.push({ path: 'networkServer.mqtt.url', expected: 'an mqtts:// URL when mqtt.tls is set', actual: JSON.stringify(redactUrl(mqtt.url)) });
  const resolvedMqtt = { ...mqttRest, ...(password === undefined ? {} : { password }), ...(mqttTls ? { tls: await pemFiles(mqttTls, 'networkServer.mqtt.tls', issues) } : {}) };
  const resolvedApi = { ...apiRest, token, ...(apiTls ? { tls: await pemFiles(apiTls, 'networkServer.api.tls', issues) } : {}) };
  const vendorKeys = await vendorKeyTexts(config.campaigns.vendorKeys, issues);
  return { ...config, campaigns: { ...config.campaigns, vendorKeys }, networkServer: { ...config.networkServer, mqtt: resolvedMqtt, api: resolvedApi } };
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
