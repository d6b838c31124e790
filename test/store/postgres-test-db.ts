import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { redactedUrl } from '../../src/store/postgres-connection.js';

// A real PostgreSQL for the store tests: FUOTA_TEST_POSTGRES_URL, or the local server .ci/run
// starts. Each test gets a schema of its own with a random name, dropped afterwards, so that
// test files and tests run in parallel on one database. An unreachable server fails the test
// with one line naming the URL and the variable: never a silent skip.

export const TEST_POSTGRES_ENV = 'FUOTA_TEST_POSTGRES_URL';
export const TEST_POSTGRES_URL = process.env[TEST_POSTGRES_ENV] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A connection may take long to open on a busy 2-core machine (the tests of every file at once, a
 * node event loop busy with JSON): generous, so that only a server that is not there fails.
 */
export const TEST_CONNECT_TIMEOUT_MS = 120_000;

/** Options of a store under test: few connections (tests of a file run at once), a generous connect timeout. */
export function storeOptions(db: { url: string; schema: string }): { url: string; schema: string; maxConnections: number; connectTimeoutMs: number } {
  return { url: db.url, schema: db.schema, maxConnections: 3, connectTimeoutMs: TEST_CONNECT_TIMEOUT_MS };
}

export interface TestSchema {
  url: string;
  schema: string;
  /** A pool of its own on the test database, for looking at or damaging rows behind the store's back. */
  admin: pg.Pool;
  drop(): Promise<void>;
}

export async function freshSchema(): Promise<TestSchema> {
  const admin = new pg.Pool({ connectionString: TEST_POSTGRES_URL, max: 1, connectionTimeoutMillis: TEST_CONNECT_TIMEOUT_MS });
  admin.on('error', () => undefined);
  try {
    await admin.query('SELECT 1');
  } catch (error) {
    await admin.end().catch(() => undefined);
    throw new Error(`PostgreSQL for the store tests is unreachable at ${redactedUrl(TEST_POSTGRES_URL)} (set ${TEST_POSTGRES_ENV}; .ci/run starts a local one): ${(error as Error).message}`);
  }
  const schema = `fuota_test_${randomBytes(6).toString('hex')}`;
  return {
    url: TEST_POSTGRES_URL,
    schema,
    admin,
    drop: async () => {
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
