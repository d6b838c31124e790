import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configSchema } from '../../config/config-schema.js';
import { CallerError } from '../../core/errors.js';

// Where `fuota token` keeps tokens: the service's store (`store.path` of its config), or a file
// given with --store. Only `store` is read from the config, so that the network server's secrets
// need not be at hand to manage API tokens.

const DEFAULT_CONFIG_STORE = configSchema.shape.store.parse({}).path;

export async function tokenStorePath(options: { config?: string; store?: string }, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (options.config !== undefined && options.store !== undefined) throw new CallerError('INVALID_ARGUMENT', '--store: expected either --config or --store, got both');
  if (options.store !== undefined) return options.store;
  if (options.config === undefined) return DEFAULT_CONFIG_STORE;
  const file = options.config;
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8')) ?? {};
  } catch (error) {
    throw new CallerError('CONFIG_UNREADABLE', `--config ${file}: expected a readable YAML file, got ${(error as Error).message.split('\n')[0]}`);
  }
  let path = (raw as { store?: { path?: unknown } } | null)?.store?.path;
  const envName = typeof path === 'string' ? /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(path)?.[1] : undefined;
  if (envName !== undefined) {
    path = env[envName];
    if (!path) throw new CallerError('INVALID_CONFIG', `store.path: expected environment variable ${envName} to be set, got nothing (unset or empty)`);
  }
  if (path === undefined) return DEFAULT_CONFIG_STORE;
  if (typeof path !== 'string' || path === '') throw new CallerError('INVALID_CONFIG', `store.path: expected a file path, got ${JSON.stringify(path)}`);
  if (path === ':memory:') throw new CallerError('INVALID_CONFIG', 'store.path: expected a file (tokens in :memory: would be lost at once), got ":memory:"');
  return isAbsolute(path) ? path : resolve(dirname(resolve(file)), path);
}
