import pg from 'pg';
import { FuotaError, InternalError, PeerError, ValueError } from '../core/errors.js';
import { storeFailure } from './store-errors.js';

// What the PostgreSQL store, token store and group registry share: the pool they run on, the
// schema their tables live in, names for messages (the URL without its password), and driver
// errors turned into FuotaErrors with stable codes. The SQLSTATE stays in the message because it
// is what an operator searches for (PostgreSQL manual, Appendix A "PostgreSQL Error Codes").

/** Where the tables are: a plain lower-case identifier, so that it can be put into SQL text. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
export const DEFAULT_POSTGRES_SCHEMA = 'fuota';
const DEFAULT_MAX_CONNECTIONS = 10;
// Generous: a loaded host (or event loop) can take seconds to open a connection; a refused one fails at once anyway.
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

export interface PostgresTarget {
  url: string;
  /** Default `fuota`. */
  schema?: string;
}

export interface PoolOptions {
  /** Connections the pool may open. Default 10. */
  maxConnections?: number;
  /** How long opening one connection may take before it fails with STORE_UNAVAILABLE. Default 30 s. */
  connectTimeoutMs?: number;
  /** An idle connection that breaks (server restart): the pool drops it and opens another on demand. */
  onIdleError?: (error: Error) => void;
}

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new ValueError('store.schema', 'a lower-case SQL identifier (letters, digits, _; at most 63)', schema, 'INVALID_STORE_SCHEMA');
  return schema;
}

/** `"name"`: only ever called on names checked by checkSchemaName, quoted all the same. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The URL as messages show it: the password (and a `password=` parameter) replaced by ***. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*):[^/@]*@/i, '$1:***@');
  }
}

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text);
}

export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: 'lorawan-fuota',
  });
  // Without a listener an idle client's error is an unhandled 'error' event: the process dies.
  pool.on('error', (error) => options.onIdleError?.(error));
  return pool;
}

/** Error classes of SQLSTATE (first two characters) and single codes, by what the caller can do. */
const UNAVAILABLE_CLASSES = ['08', '28', '3D', '53', '57']; // connection, authorization, no database, resources, shutdown
const BUSY_CODES = ['40001', '40P01', '55P03']; // serialization failure, deadlock, lock not available
const NODE_UNAVAILABLE = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE'];

/**
 * A driver error as a FuotaError: STORE_UNAVAILABLE (PeerError: the server is unreachable,
 * refuses our login, or has no such database), STORE_BUSY, or STORE_FAILED. One line, naming the
 * store by its redacted URL; the password never appears even when the driver repeats it.
 */
export function postgresFailure(url: string, operation: string, error: unknown): FuotaError {
  if (error instanceof FuotaError) return error;
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const raw = String(e?.message ?? error) || (code ?? 'unknown error');
  const text = hidePassword(url, raw.replace(/\s*\n\s*/g, ' '));
  const where = `campaign store ${redactedUrl(url)}`;
  if (code !== undefined && (NODE_UNAVAILABLE.includes(code) || UNAVAILABLE_CLASSES.includes(code.slice(0, 2)))) {
    return new PeerError('STORE_UNAVAILABLE', `${where}: ${operation} failed: expected a reachable PostgreSQL, got ${text}${/^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : ''}`, { cause: error });
  }
  if (/timeout exceeded when trying to connect|Connection terminated/i.test(raw)) {
    return new PeerError('STORE_UNAVAILABLE', `${where}: ${operation} failed: expected a reachable PostgreSQL, got ${text}`, { cause: error });
  }
  if (code !== undefined && BUSY_CODES.includes(code)) return new InternalError('STORE_BUSY', `${where}: ${operation} failed: ${text} (SQLSTATE ${code})`, { cause: error });
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) return new InternalError('STORE_FAILED', `${where}: ${operation} failed: ${text} (SQLSTATE ${code})`, { cause: error });
  // JSON.stringify's TypeError (a BigInt), a value the driver cannot bind.
  return storeFailure(redactedUrl(url), operation, new Error(text));
}

function hidePassword(url: string, text: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return text;
  }
  return password === '' ? text : text.split(password).join('***');
}

/** A BIGINT column (the driver gives strings, so that nothing is rounded) as a number; a value past 2^53 is damage. */
export function msFromBigint(value: string | number, label: string, column: string, where: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new InternalError('STORE_CORRUPT', `campaign store ${label}: ${column} of ${where}: expected an integer below 2^53, got ${JSON.stringify(value)}`);
  return n;
}
