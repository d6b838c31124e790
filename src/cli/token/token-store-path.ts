import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_STORE_PATH, DEFAULT_STORE_SCHEMA } from '../../config/config-schema.js';
import { CallerError } from '../../core/errors.js';
import { isPostgresUrl, redactedUrl } from '../../store/postgres-connection.js';

// Where `fuota token` keeps tokens: the service's store (`store.path` or `store.url` of its
// config), or the one given with --store (a SQLite file, or a postgres:// URL). Only `store` is
// read from the config, so that the network server's secrets need not be at hand to manage API
// tokens.

export type TokenStoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema: string };

const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

/** A string value of store.*, with `env:NAME` resolved as load-config does. */
function storeValue(raw: unknown, key: string, env: NodeJS.ProcessEnv): unknown {
  const envName = typeof raw === 'string' ? ENV_REF.exec(raw)?.[1] : undefined;
  if (envName === undefined) return raw;
  const value = env[envName];
  if (!value) throw new CallerError('INVALID_CONFIG', `store.${key}: expected environment variable ${envName} to be set, got nothing (unset or empty)`);
  return value;
}

export async function tokenStoreLocation(options: { config?: string; store?: string }, env: NodeJS.ProcessEnv = process.env): Promise<TokenStoreLocation> {
  if (options.config !== undefined && options.store !== undefined) throw new CallerError('INVALID_ARGUMENT', '--store: expected either --config or --store, got both');
  if (options.store !== undefined) return isPostgresUrl(options.store) ? { kind: 'postgres', url: options.store, schema: DEFAULT_STORE_SCHEMA } : { kind: 'sqlite', path: options.store };
  if (options.config === undefined) return { kind: 'sqlite', path: DEFAULT_STORE_PATH };
  const file = options.config;
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8')) ?? {};
  } catch (error) {
    throw new CallerError('CONFIG_UNREADABLE', `--config ${file}: expected a readable YAML file, got ${(error as Error).message.split('\n')[0]}`);
  }
  const store = (raw as { store?: { path?: unknown; url?: unknown; schema?: unknown } } | null)?.store;
  const path = storeValue(store?.path, 'path', env);
  const url = storeValue(store?.url, 'url', env);
  if (path !== undefined && url !== undefined) throw new CallerError('INVALID_CONFIG', 'store.url: expected either store.path (SQLite) or store.url (PostgreSQL), got both');
  if (url !== undefined) {
    if (typeof url !== 'string' || !isPostgresUrl(url)) throw new CallerError('INVALID_CONFIG', `store.url: expected a postgres://user:password@host:port/database URL, got ${JSON.stringify(typeof url === 'string' ? redactedUrl(url) : url)}`);
    const schema = storeValue(store?.schema, 'schema', env) ?? DEFAULT_STORE_SCHEMA;
    if (typeof schema !== 'string') throw new CallerError('INVALID_CONFIG', `store.schema: expected a schema name, got ${JSON.stringify(schema)}`);
    return { kind: 'postgres', url, schema };
  }
  if (path === undefined) return { kind: 'sqlite', path: DEFAULT_STORE_PATH };
  if (typeof path !== 'string' || path === '') throw new CallerError('INVALID_CONFIG', `store.path: expected a file path, got ${JSON.stringify(path)}`);
  if (path === ':memory:') throw new CallerError('INVALID_CONFIG', 'store.path: expected a file (tokens in :memory: would be lost at once), got ":memory:"');
  return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(dirname(resolve(file)), path) };
}
