import type { Database } from 'better-sqlite3';
import { InternalError } from '../core/errors.js';

// The campaign store's schema, as numbered steps. The database's `PRAGMA user_version` is the
// number of the last step applied; each step runs with its version bump in one transaction, so a
// crash mid-upgrade leaves the previous version intact. Steps are append-only: never edit one that
// has shipped, add the next number instead.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Marks the file as ours (`PRAGMA application_id`), 'FUOT' in ASCII, so we never migrate a stranger's database. */
export const CAMPAIGN_STORE_APPLICATION_ID = 0x46_55_4f_54;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      -- What never changes after create: the spec and the block (the package, often 100s of KB).
      -- Kept apart from the state because SQLite rewrites a whole row, overflow pages and all,
      -- on any UPDATE: a block in the state row would be rewritten by every commit.
      CREATE TABLE campaigns (
        id        TEXT PRIMARY KEY,
        spec_json TEXT NOT NULL,
        block     BLOB NOT NULL
      );
      -- Rewritten by every commit. phase, updated_at_ms and next_wake_ms copy fields of the
      -- state so that list() and wake-up scans never parse the JSON.
      CREATE TABLE campaign_states (
        campaign_id   TEXT PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
        state_json    TEXT NOT NULL,
        phase         TEXT NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        next_wake_ms  INTEGER
      );
      -- Written only by transitions that scheduled airtime; it can be large (one emission per frame).
      CREATE TABLE campaign_ledgers (
        campaign_id TEXT PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
        ledger_json TEXT NOT NULL
      );
      -- A rowid table (not WITHOUT ROWID): rows are ~1 KB, too wide for a clustered key, and the
      -- rowid keeps the order devices were created in, which load() returns.
      CREATE TABLE devices (
        campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
        dev_eui     TEXT NOT NULL,
        state_json  TEXT NOT NULL,
        UNIQUE (campaign_id, dev_eui)
      );
      CREATE TABLE device_log (
        id          INTEGER PRIMARY KEY,
        campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
        dev_eui     TEXT NOT NULL,
        at_ms       INTEGER NOT NULL,
        direction   TEXT NOT NULL,
        f_port      INTEGER,
        payload_hex TEXT,
        text        TEXT NOT NULL
      );
      -- deviceLog() reads one device's newest entries: a backwards range scan of this index.
      CREATE INDEX device_log_by_device ON device_log (campaign_id, dev_eui, id);
      -- AUTOINCREMENT: done rows are deleted, and a seq must never be handed out twice.
      -- No index on campaign_id: the table holds only commands not yet carried out (a handful),
      -- and an index would cost a page write on every commit and every markDone.
      CREATE TABLE outbox (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
        command_json TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'index campaigns by next wake time',
    // Partial: finished campaigns have no wake time and stay out of the index.
    sql: `CREATE INDEX campaign_states_by_next_wake_ms ON campaign_states (next_wake_ms) WHERE next_wake_ms IS NOT NULL;`,
  },
  {
    version: 3,
    name: 'API tokens',
    // `fuota token`: only the SHA-256 of a token is kept (hex, as api.tokens[].tokenSha256 in the
    // config); revoking deletes the row. Few rows: the verifier reads them all and compares each.
    sql: `
      CREATE TABLE api_tokens (
        name          TEXT PRIMARY KEY,
        scope         TEXT NOT NULL CHECK (scope IN ('read', 'admin')),
        token_sha256  TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'device log retention',
    // src/store/device-log-retention.ts: per device, one summary of the entries retention dropped
    // (read by its primary key with every deviceLog), and the retention the log was last swept
    // with at open (one row), so that a store from before retention, or after a change of
    // store.deviceLog, is compacted once at open and not on every start.
    sql: `
      CREATE TABLE device_log_summaries (
        campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
        dev_eui      TEXT NOT NULL,
        summary_json TEXT NOT NULL,
        PRIMARY KEY (campaign_id, dev_eui)
      ) WITHOUT ROWID;
      CREATE TABLE device_log_retention (
        only_row     INTEGER PRIMARY KEY CHECK (only_row = 1),
        keep_entries INTEGER NOT NULL,
        max_age_ms   INTEGER NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'campaign clock on device rows',
    // sqlite-campaign-clock.ts (issue #17): a commit that changed the campaign only by its clock
    // does not rewrite the state row; the device rows it writes carry the commit's seq and the
    // campaign's updatedAtMs instead, and the row with the highest seq has the clock. ADD COLUMN
    // with a constant default rewrites no row: a big store upgrades instantly.
    sql: `
      ALTER TABLE campaign_states ADD COLUMN commit_seq INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE devices ADD COLUMN commit_seq INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE devices ADD COLUMN campaign_updated_at_ms INTEGER;
    `,
  },
  {
    version: 6,
    name: 'heard journal',
    // sqlite-heard-journal.ts, now sqlite-device-journal.ts (issue #17): an uplink that only heard its device is a row here
    // instead of a rewrite of the device row. Appended in id order and read whole (load, open,
    // compaction): no index, which would cost a second page write per uplink. device_rowid is the
    // devices table's rowid (not a declared key, so no foreign key; campaign_id cascades).
    sql: `
      CREATE TABLE device_heard (
        id                     INTEGER PRIMARY KEY,
        campaign_id            TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
        device_rowid           INTEGER NOT NULL,
        at_ms                  INTEGER NOT NULL,
        commit_seq             INTEGER NOT NULL,
        campaign_updated_at_ms INTEGER NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: 'device journal',
    // sqlite-device-journal.ts (issue #17): every change of a device is appended, not only an
    // uplink that heard it: a row with state_json is the device's whole state after its commit,
    // one without is "heard at at_ms" as before. Renamed for what it now holds; rows a crash left
    // in the old table are kept and folded at open like any other.
    sql: `
      ALTER TABLE device_heard RENAME TO device_journal;
      ALTER TABLE device_journal ADD COLUMN state_json TEXT;
    `,
  },
  {
    version: 8,
    name: 'recent device log',
    // sqlite-recent-device-log.ts (issue #17): a commit appends its log lines here, without an
    // index (device_log_by_device cost a random page write per device a commit logged for); they
    // move into device_log in bulk, sorted by device. Same columns; ids handed out by the store,
    // above every id of device_log.
    sql: `
      CREATE TABLE device_log_recent (
        id          INTEGER PRIMARY KEY,
        campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
        dev_eui     TEXT NOT NULL,
        at_ms       INTEGER NOT NULL,
        direction   TEXT NOT NULL,
        f_port      INTEGER,
        payload_hex TEXT,
        text        TEXT NOT NULL
      );
    `,
  },
  {
    version: 9,
    name: 'heard entries per commit',
    // sqlite-device-journal.ts (issue #17): the uplinks a commit only heard go in one row per
    // campaign, as (device rowid, at_ms) pairs in `heard` (float64 little-endian, 16 bytes a pair,
    // in the order they were heard), instead of a row each. device_rowid and at_ms are 0 in such a
    // row. Rows without it are read as before.
    sql: `
      ALTER TABLE device_journal ADD COLUMN heard BLOB;
    `,
  },
];

export interface SchemaVersion {
  applicationId: number;
  version: number;
}

export function readSchemaVersion(db: Database): SchemaVersion {
  return {
    applicationId: db.pragma('application_id', { simple: true }) as number,
    version: db.pragma('user_version', { simple: true }) as number,
  };
}

/**
 * Refuses, without writing anything, a file this code must not migrate: another program's
 * database, or one whose schema is newer than the code. Returns the version found.
 */
export function checkSchemaVersion(db: Database, file: string, migrations: readonly Migration[] = MIGRATIONS): number {
  checkNumbering(migrations);
  const latest = migrations.length;
  const { applicationId, version } = readSchemaVersion(db);
  if (applicationId !== 0 && applicationId !== CAMPAIGN_STORE_APPLICATION_ID) {
    throw new InternalError(
      'STORE_NOT_CAMPAIGN_DB',
      `campaign store ${file}: application_id is 0x${applicationId.toString(16)}, expected 0x${CAMPAIGN_STORE_APPLICATION_ID.toString(16)}: not a campaign database`,
    );
  }
  if (version > latest) {
    throw new InternalError(
      'STORE_SCHEMA_TOO_NEW',
      `campaign store ${file}: schema version ${version} is newer than this program knows (latest ${latest}); use a newer program, the file was not touched`,
    );
  }
  if (version === 0) {
    const objects = db.prepare(`SELECT count(*) FROM sqlite_schema`).pluck().get() as number;
    if (objects > 0) {
      throw new InternalError(
        'STORE_NOT_CAMPAIGN_DB',
        `campaign store ${file}: has ${objects} schema objects but no schema version, expected an empty file or a campaign database`,
      );
    }
  }
  return version;
}

/** Applies the missing steps in order, in one write transaction; a no-op when up to date. Returns the versions before and after. */
export function migrate(db: Database, file: string, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  const from = checkSchemaVersion(db, file, migrations);
  if (from === migrations.length) return { from, to: from };
  const apply = db.transaction(() => {
    // Read again under the write lock: another process may have migrated since the check above.
    const current = checkSchemaVersion(db, file, migrations);
    for (const migration of migrations.slice(current)) {
      try {
        db.exec(migration.sql);
      } catch (error) {
        // Thrown inside the transaction: every step of this run is rolled back.
        const message = error instanceof Error ? error.message : String(error);
        throw new InternalError(
          'STORE_MIGRATION_FAILED',
          `campaign store ${file}: migration ${migration.version} (${migration.name}) from version ${current} failed: ${message}; the file is left at version ${current}`,
          { cause: error },
        );
      }
      db.pragma(`user_version = ${migration.version}`);
    }
    db.pragma(`application_id = ${CAMPAIGN_STORE_APPLICATION_ID}`);
    return current;
  });
  return { from: apply.immediate(), to: migrations.length };
}

function checkNumbering(migrations: readonly Migration[]): void {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new InternalError('STORE_MIGRATIONS_INVALID', `campaign store migration #${i}: expected version ${i + 1}, got ${migration.version}`);
    }
  });
}
