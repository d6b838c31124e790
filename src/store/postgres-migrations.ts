import type pg from 'pg';
import { InternalError } from '../core/errors.js';
import { postgresFailure, quoteIdent, redactedUrl } from './postgres-connection.js';

// The PostgreSQL store's schema, as numbered steps (the SQLite store's are src/store/migrations.ts).
// Each step runs in its own transaction with its row in `fuota_schema`, so a crash mid-upgrade
// leaves the previous version intact. Steps are append-only: never edit one that has shipped,
// add the next number instead. `{schema}` in a step's SQL is replaced by the quoted schema name.
//
// Choices that hold for every table here:
// - JSON is TEXT, not JSONB: the state is written whole by every commit and read whole by load;
//   JSONB would re-parse it on each write (cost on the hot path), reorder keys, refuse "\u0000"
//   in strings, and give back a different text than the SQLite store does.
// - Times are BIGINT unix ms (INTEGER is 32-bit); the stores read them back with msFromBigint.
// - Creation order (devices, campaigns) is an identity column: PostgreSQL has no rowid, and heap
//   order is not kept by UPDATEs.

export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

/** Both numbers of pg_advisory_xact_lock(int, int): 'FUOT' in ASCII, and the schema's hashtext. */
const MIGRATION_LOCK_CLASS = 0x46_55_4f_54;

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'campaigns',
    sql: `
      -- What never changes after create: the spec and the block (the package, often 100s of KB).
      -- Kept apart from the state, which every commit rewrites (an UPDATE writes a new row version).
      CREATE TABLE {schema}.campaigns (
        id         TEXT PRIMARY KEY,
        created_no BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        spec_json  TEXT NOT NULL,
        block      BYTEA NOT NULL
      );
      CREATE TABLE {schema}.campaign_states (
        campaign_id   TEXT PRIMARY KEY REFERENCES {schema}.campaigns (id) ON DELETE CASCADE,
        state_json    TEXT NOT NULL,
        phase         TEXT NOT NULL,
        updated_at_ms BIGINT NOT NULL,
        next_wake_ms  BIGINT
      );
      -- Partial: finished campaigns have no wake time and stay out of the index.
      CREATE INDEX campaign_states_by_next_wake_ms ON {schema}.campaign_states (next_wake_ms) WHERE next_wake_ms IS NOT NULL;
      CREATE TABLE {schema}.campaign_ledgers (
        campaign_id TEXT PRIMARY KEY REFERENCES {schema}.campaigns (id) ON DELETE CASCADE,
        ledger_json TEXT NOT NULL
      );
      -- created_no keeps the order devices were created in, which load() returns; an upsert keeps it.
      CREATE TABLE {schema}.devices (
        campaign_id TEXT NOT NULL REFERENCES {schema}.campaigns (id) ON DELETE CASCADE,
        dev_eui     TEXT NOT NULL,
        created_no  BIGINT GENERATED ALWAYS AS IDENTITY,
        state_json  TEXT NOT NULL,
        PRIMARY KEY (campaign_id, dev_eui)
      );
      CREATE INDEX devices_in_creation_order ON {schema}.devices (campaign_id, created_no);
      CREATE TABLE {schema}.device_log (
        id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        campaign_id TEXT NOT NULL REFERENCES {schema}.campaigns (id) ON DELETE CASCADE,
        dev_eui     TEXT NOT NULL,
        at_ms       BIGINT NOT NULL,
        direction   TEXT NOT NULL,
        f_port      INTEGER,
        payload_hex TEXT,
        text        TEXT NOT NULL
      );
      -- deviceLog() reads one device's newest entries: a backwards range scan of this index.
      CREATE INDEX device_log_by_device ON {schema}.device_log (campaign_id, dev_eui, id);
      -- A sequence never hands a number out twice (not even after a rollback): seqs are never reused.
      CREATE TABLE {schema}.outbox (
        seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        campaign_id  TEXT NOT NULL REFERENCES {schema}.campaigns (id) ON DELETE CASCADE,
        command_json TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'API tokens',
    // `fuota token`: only the SHA-256 of a token is kept (hex); revoking deletes the row.
    sql: `
      CREATE TABLE {schema}.api_tokens (
        name          TEXT PRIMARY KEY,
        scope         TEXT NOT NULL CHECK (scope IN ('read', 'admin')),
        token_sha256  TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'multicast group registry',
    // src/lns/group-registry.ts's GroupEntry as JSON (what the file registry keeps per group).
    sql: `
      CREATE TABLE {schema}.multicast_groups (
        group_name TEXT PRIMARY KEY,
        entry_json TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'campaign leases and the shared uplink inbox',
    // docs/high-availability.md: src/store/postgres-campaign-leases.ts, postgres-uplink-inbox.ts.
    sql: `
      -- One row per running campaign driven by an instance; expires_at by PostgreSQL's clock only.
      CREATE TABLE {schema}.campaign_leases (
        campaign_id TEXT PRIMARY KEY REFERENCES {schema}.campaigns (id) ON DELETE CASCADE,
        owner       TEXT NOT NULL,
        expires_at  TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX campaign_leases_by_owner ON {schema}.campaign_leases (owner);
      -- Uplinks of devices in running campaigns, one row per uplink whichever instances received it.
      CREATE TABLE {schema}.uplink_inbox (
        key            TEXT PRIMARY KEY,
        seq            BIGINT GENERATED ALWAYS AS IDENTITY,
        campaign_id    TEXT NOT NULL REFERENCES {schema}.campaigns (id) ON DELETE CASCADE,
        uplink_json    TEXT NOT NULL,
        received_at_ms BIGINT NOT NULL
      );
      CREATE INDEX uplink_inbox_by_campaign ON {schema}.uplink_inbox (campaign_id, seq);
      -- Every instance asks, for each uplink it receives, which running campaign has the device.
      CREATE INDEX devices_by_dev_eui ON {schema}.devices (dev_eui);
    `,
  },
  {
    version: 5,
    name: 'device log retention',
    // src/store/device-log-retention.ts, as the SQLite store's migration 4: one summary per device
    // of the entries retention dropped, and the retention the log was last swept with at open.
    sql: `
      CREATE TABLE {schema}.device_log_summaries (
        campaign_id  TEXT NOT NULL REFERENCES {schema}.campaigns (id) ON DELETE CASCADE,
        dev_eui      TEXT NOT NULL,
        summary_json TEXT NOT NULL,
        PRIMARY KEY (campaign_id, dev_eui)
      );
      CREATE TABLE {schema}.device_log_retention (
        only_row     INTEGER PRIMARY KEY CHECK (only_row = 1),
        keep_entries INTEGER NOT NULL,
        max_age_ms   BIGINT NOT NULL
      );
    `,
  },
];

/** The version the schema is at (0: no fuota_schema table yet), read inside the caller's transaction. */
async function currentVersion(client: pg.PoolClient, schema: string): Promise<number> {
  const table = await client.query(`SELECT to_regclass($1) AS t`, [`${quoteIdent(schema)}.fuota_schema`]);
  if (table.rows[0]?.t === null) return 0;
  const result = await client.query(`SELECT coalesce(max(version), 0) AS v FROM ${quoteIdent(schema)}.fuota_schema`);
  return Number(result.rows[0].v);
}

function checkNumbering(migrations: readonly PostgresMigration[]): void {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new InternalError('STORE_MIGRATIONS_INVALID', `campaign store migration #${i}: expected version ${i + 1}, got ${migration.version}`);
    }
  });
}

/**
 * Brings `schema` (created if missing) to the latest version, one step per transaction. Each
 * transaction first takes a transaction-scoped advisory lock of this schema, so that instances
 * started together migrate one after the other: the second finds the work done. A schema newer
 * than the code, or one holding other tables and no fuota_schema, is refused untouched.
 */
export async function migratePostgres(pool: pg.Pool, url: string, schema: string, migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS): Promise<{ from: number; to: number }> {
  checkNumbering(migrations);
  const latest = migrations.length;
  const label = `campaign store ${redactedUrl(url)} schema ${schema}`;
  let from: number | undefined;
  for (;;) {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw postgresFailure(url, 'open', error);
    }
    let version: number;
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [MIGRATION_LOCK_CLASS, schema]);
      // Checked first, and created only when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE
      // privilege on the database even when the schema is there (an operator may have made it).
      const exists = await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
      version = exists.rowCount === 0 ? 0 : await currentVersion(client, schema);
      from ??= version;
      if (version > latest) {
        throw new InternalError('STORE_SCHEMA_TOO_NEW', `${label}: schema version ${version} is newer than this program knows (latest ${latest}); use a newer program, the database was not touched`);
      }
      if (version === 0 && exists.rowCount !== 0) {
        const tables = await client.query(`SELECT count(*) AS n FROM pg_tables WHERE schemaname = $1`, [schema]);
        const n = Number(tables.rows[0].n);
        if (n > 0) throw new InternalError('STORE_NOT_CAMPAIGN_DB', `${label}: has ${n} tables but no fuota_schema version, expected an empty schema or a campaign store (set store.schema to another name)`);
      }
      if (version === latest) {
        await client.query('COMMIT');
        return { from, to: latest };
      }
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.fuota_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      );
      const migration = migrations[version]!;
      try {
        await client.query(migration.sql.replaceAll('{schema}', quoteIdent(schema)));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new InternalError(
          'STORE_MIGRATION_FAILED',
          `${label}: migration ${migration.version} (${migration.name}) from version ${version} failed: ${message}; the schema is left at version ${version}`,
          { cause: error },
        );
      }
      await client.query(`INSERT INTO ${quoteIdent(schema)}.fuota_schema (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw postgresFailure(url, 'migrate', error);
    } finally {
      client.release();
    }
  }
}

/** The schema's version now (0 when it has none), for tests and diagnostics. */
export async function postgresSchemaVersion(pool: pg.Pool, schema: string): Promise<number> {
  const client = await pool.connect();
  try {
    return await currentVersion(client, schema);
  } finally {
    client.release();
  }
}
