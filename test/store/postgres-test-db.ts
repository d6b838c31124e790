import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { redactedUrl } from '../../src/store/postgres-connection.js';

// A real PostgreSQL for the store tests: FUOTA_TEST_POSTGRES_URL, or the local server .ci/run
// starts. Each test gets a schema of its own with a random name, dropped afterwards, so that
// test files and tests run in parallel on one database. An unreachable server fails the test
// with one line naming the URL and the variable: never a silent skip.

export const TEST_POSTGRES_ENV = 'FUOTA_TEST_POSTGRES_URL';
export const TEST_POSTGRES_URL = process.env[TEST_POSTGRES_ENV] ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  url: string;
  schema: string;
  /** A pool of its own on the test database, for looking at or damaging rows behind the store's back. */
  admin: pg.Pool;
  drop(): Promise<void>;
}

export async function freshSchema(): Promise<TestSchema> {
  const admin = new pg.Pool({ connectionString: TEST_POSTGRES_URL, max: 2, connectionTimeoutMillis: 30_000 });
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
