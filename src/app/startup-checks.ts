// What `fuota serve` checks once before it starts anything (issue #14): what the config names
// must be there. Each failure is one line naming the config key, and the CLI exits 1; without
// these the service started and then failed every few seconds forever (a missing campaigns
// directory scanned every 3 s; an API that never answers found only by the first campaign).
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { ChirpstackConfig, FuotaConfig, TtsConfig } from '../config/load-config.js';
import { CallerError, isFuotaError, PeerError } from '../core/errors.js';
import { ChirpstackGrpcClient } from '../lns/chirpstack/grpc-client.js';
import { TtsHttpClient } from '../lns/tts/tts-http-client.js';
import { createPool, redactedUrl } from '../store/postgres-connection.js';

/**
 * One call's wait for the start-up API check: bounded, so that an API behind a black hole
 * fails start-up too; a refused connection fails at once, long before it.
 */
export const STARTUP_API_DEADLINE_MS = 15_000;

/** Throws the first thing missing: the campaigns directory (local, cheap) first, then the PostgreSQL store, then the network server's API. */
export async function checkStartup(config: FuotaConfig): Promise<void> {
  if (config.campaigns.directory !== undefined) await checkCampaignsDirectory(config.campaigns.directory);
  if (config.store.url !== undefined) await checkPostgres(config.store.url);
  const ns = config.networkServer;
  if (ns.kind === 'chirpstack') await checkChirpstackApi(ns);
  else await checkTtsApi(ns);
}

/** The intake reads the directory and renames files in it: it must be a directory we may write. */
async function checkCampaignsDirectory(directory: string): Promise<void> {
  const refuse = (got: string, cause?: unknown) =>
    new CallerError('CONFIG_CAMPAIGNS_DIRECTORY', `config campaigns.directory: expected an existing directory, got ${JSON.stringify(directory)} (${got})`, { cause });
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(directory)).isDirectory();
  } catch (error) {
    throw refuse(systemErrorText(error), error);
  }
  if (!isDirectory) throw refuse('a file');
  try {
    await access(directory, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    throw refuse(`not readable and writable: ${systemErrorText(error)}`, error);
  }
}

/**
 * InternalService.GetVersion: the cheapest call of ChirpStack's API (api/internal.rs), and one
 * the adapter makes anyway when networkServer.version is unset. A client of its own, closed
 * after: the service's client is built by the wiring with the same config.
 */
async function checkChirpstackApi(ns: ChirpstackConfig): Promise<void> {
  const { api } = ns;
  const client = new ChirpstackGrpcClient({
    address: api.address,
    apiToken: api.token,
    transport: api.tls ? { kind: 'tls', ...(api.tls.ca === undefined ? {} : { caPem: api.tls.ca }) } : { kind: 'insecure' },
  });
  try {
    await client.getVersion({ deadlineMs: STARTUP_API_DEADLINE_MS });
  } catch (error) {
    const got = isFuotaError(error) ? `${error.code}: ${error.message}` : String((error as Error).message ?? error);
    throw new PeerError('STARTUP_API_UNREACHABLE', `config networkServer.api.address ${api.address}: expected the ChirpStack gRPC API answering InternalService.GetVersion, got ${oneLine(got)}`, { cause: error });
  } finally {
    client.close();
  }
}

/** GET /api/v3/auth_info (TtsHttpClient.reachable): false when unreachable or 5xx; a refused API key throws its own line. */
async function checkTtsApi(ns: TtsConfig): Promise<void> {
  const client = new TtsHttpClient({ baseUrl: ns.url, apiKey: ns.apiKey, timeoutMs: STARTUP_API_DEADLINE_MS });
  if (!(await client.reachable())) {
    throw new PeerError('STARTUP_API_UNREACHABLE', `config networkServer.url ${ns.url}: expected The Things Stack's HTTP API answering GET /api/v3/auth_info, got no answer (unreachable, or a 5xx)`);
  }
}

/**
 * One connection and `SELECT 1` (bounded by STARTUP_API_DEADLINE_MS): the server answers, takes
 * our login and has the database. The URL is named without its password.
 */
export async function checkPostgres(url: string): Promise<void> {
  const pool = createPool(url, { maxConnections: 1, connectTimeoutMs: STARTUP_API_DEADLINE_MS });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const password = passwordOf(url);
    let got = oneLine(String(e.message ?? error) || String(e.code ?? 'no answer'));
    if (password !== '') got = got.split(password).join('***');
    const code = e.code === undefined || got.includes(e.code) ? '' : ` (${e.code})`;
    throw new PeerError('STARTUP_STORE_UNREACHABLE', `config store.url ${redactedUrl(url)}: expected a reachable PostgreSQL that accepts the login and has the database, got ${got}${code}`, { cause: error });
  } finally {
    await pool.end().catch(() => undefined);
  }
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

function systemErrorText(error: unknown): string {
  const e = error as { code?: string; message?: string };
  // Node's message is "ENOENT: no such file or directory, stat '/x'": the path is named already.
  return e.code ? oneLine(String(e.message ?? e.code).replace(/, \w+ '.*'$/, '')) : oneLine(String(e.message ?? error));
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
