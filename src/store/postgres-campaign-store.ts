import type pg from 'pg';
import type { BatchCommit, CampaignSummary, CampaignStore, CommitOptions, OutboxItem, StoredCampaign } from '../campaign/ports.js';
import type { DeviceLogEntry, TransitionResult } from '../campaign/draft.js';
import type { CampaignState, DeviceState } from '../campaign/state.js';
import { InternalError } from '../core/errors.js';
import { campaignSummary, stateColumns } from './campaign-rows.js';
import { deviceLogLimit, logEntry, wellFormed } from './device-log.js';
import { checkRetention, DEFAULT_DEVICE_LOG_RETENTION, withSummary, type DeviceLogRetention } from './device-log-retention.js';
import { PostgresDeviceLogRetention } from './device-log-retention-postgres.js';
import { checkSchemaName, createPool, DEFAULT_POSTGRES_SCHEMA, msFromBigint, postgresFailure, quoteIdent, redactedUrl, type PoolOptions } from './postgres-connection.js';
import { migratePostgres, POSTGRES_MIGRATIONS, type PostgresMigration } from './postgres-migrations.js';
import { campaignExists, campaignIdMismatch, campaignNotFound, storeClosed } from './store-errors.js';
import { parseStoredJson } from './stored-json.js';
import { lastStatesByCampaign } from './batch-last-states.js';

// The campaign store on PostgreSQL (store.url), for operators whose network server already runs
// on a PostgreSQL cluster and for several instances sharing one store. Same semantics as the
// SQLite store (test/store/campaign-store-contract.ts runs against both): every commit is one
// transaction (state + changed devices + ledger + log + outbox), so a crash or a lost connection
// leaves either all of a transition or none of it.

export interface PostgresStoreOptions extends PoolOptions {
  /** postgres://user:password@host:port/database (or postgresql://). Names the store in messages, password hidden. */
  url: string;
  /** The schema the tables live in, created if missing. Default `fuota`. */
  schema?: string;
  /** A pool to run on instead of one of its own (then close() leaves it open). */
  pool?: pg.Pool;
  /** The migration steps; default POSTGRES_MIGRATIONS (tests pass others). */
  migrations?: readonly PostgresMigration[];
  /** Several instances (docs/high-availability.md): leases and the shared uplink inbox, inside create's and commit's transactions. */
  ownership?: StoreOwnership;
  /** How much of each device's log to keep (store.deviceLog); default DEFAULT_DEVICE_LOG_RETENTION. */
  deviceLogRetention?: DeviceLogRetention;
}

/** What create and commit do for several instances, in their own transaction (PostgresCampaignLeases, PostgresUplinkInbox). */
export interface StoreOwnership {
  /** The creating instance owns the new campaign. */
  claimIn(client: pg.PoolClient, campaignId: string): Promise<void>;
  /** Refuses the commit unless this instance holds the campaign's lease. */
  fenceIn(client: pg.PoolClient, campaignId: string): Promise<void>;
  /** Takes the consumed uplink out of the inbox, or refuses the commit when it is gone. */
  consumeIn(client: pg.PoolClient, inboxKey: string): Promise<void>;
}

type CreateRecord = Parameters<CampaignStore['create']>[0];
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** A group commit's log lines by campaign, in the order given. */
function campaignLines(rows: ReadonlyArray<{ id: string; line: DeviceLogEntry }>): Map<string, DeviceLogEntry[]> {
  const byCampaign = new Map<string, DeviceLogEntry[]>();
  for (const { id, line } of rows) {
    let lines = byCampaign.get(id);
    if (!lines) byCampaign.set(id, (lines = []));
    lines.push(line);
  }
  return byCampaign;
}

/** PostgreSQL TEXT cannot hold U+0000 (SQLite can): a NUL in log text becomes U+FFFD instead of failing the commit. */
function pgText(text: string): string {
  return wellFormed(text).replace(/\0/g, '\ufffd');
}

export class PostgresCampaignStore implements CampaignStore {
  /** The URL without its password: how messages name this store. */
  readonly label: string;
  readonly schema: string;
  private readonly t: (table: string) => string;
  private readonly ownsPool: boolean;
  private readonly thePool: pg.Pool;
  private migrated: Promise<void> | undefined;
  private readonly logRetention: PostgresDeviceLogRetention;
  private closed = false;

  private constructor(private readonly options: PostgresStoreOptions) {
    this.schema = checkSchemaName(options.schema ?? DEFAULT_POSTGRES_SCHEMA);
    this.label = redactedUrl(options.url);
    const schema = quoteIdent(this.schema);
    this.t = (table) => `${schema}.${table}`;
    this.ownsPool = options.pool === undefined;
    this.thePool = options.pool ?? createPool(options.url, options);
    this.logRetention = new PostgresDeviceLogRetention(checkRetention(options.deviceLogRetention ?? DEFAULT_DEVICE_LOG_RETENTION), this.t, this.label);
  }

  /** Connects and migrates: resolves once the store is usable, rejects with STORE_UNAVAILABLE and the like. */
  static async open(options: PostgresStoreOptions): Promise<PostgresCampaignStore> {
    const store = PostgresCampaignStore.connect(options);
    try {
      await store.ready();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /**
   * The store at once, without waiting for the server (the service wires itself synchronously):
   * the first operation, or ready(), connects and migrates.
   */
  static connect(options: PostgresStoreOptions): PostgresCampaignStore {
    return new PostgresCampaignStore(options);
  }

  /** The pool (shared with the token store and group registry of the same database). */
  get pool(): pg.Pool {
    return this.thePool;
  }

  /** Migrates once; a failure is thrown to every waiting caller and the next call tries again. */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(storeClosed(this.label, 'open'));
    this.migrated ??= migratePostgres(this.thePool, this.options.url, this.schema, this.options.migrations ?? POSTGRES_MIGRATIONS)
      // A store from before retention, or opened with another store.deviceLog, is compacted once.
      .then(() => this.sweepDeviceLog())
      .then(
        () => undefined,
        (error: unknown) => {
          this.migrated = undefined;
          throw error;
        },
      );
    return this.migrated;
  }

  private async sweepDeviceLog(): Promise<void> {
    try {
      await this.logRetention.sweepIfChanged(this.thePool);
    } catch (error) {
      throw postgresFailure(this.options.url, 'compact the device log', error);
    }
  }

  async create(record: CreateRecord): Promise<void> {
    const { campaign } = record;
    await this.withTransaction(`create campaign ${campaign.id}`, async (client) => {
      // ON CONFLICT DO NOTHING rather than a unique-violation error: the transaction stays usable, and the answer is the same as SQLite's.
      const inserted = await client.query(`INSERT INTO ${this.t('campaigns')} (id, spec_json, block) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [
        campaign.id,
        record.specJson,
        Buffer.from(record.block),
      ]);
      if (inserted.rowCount === 0) throw campaignExists(this.label, campaign.id);
      const [stateJson, phase, updatedAtMs, nextWakeMs, id] = stateColumns(campaign);
      await client.query(`INSERT INTO ${this.t('campaign_states')} (state_json, phase, updated_at_ms, next_wake_ms, campaign_id) VALUES ($1, $2, $3, $4, $5)`, [stateJson, phase, updatedAtMs, nextWakeMs, id]);
      await this.upsertDevices(client, campaign.id, record.devices);
      await this.options.ownership?.claimIn(client, campaign.id);
    });
  }

  async load(id: string): Promise<StoredCampaign | undefined> {
    // REPEATABLE READ: the campaign, its devices and its outbox are one snapshot.
    return this.withTransaction(`load campaign ${id}`, (client) => this.loadRows(client, id), 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async list(): Promise<CampaignSummary[]> {
    const rows = await this.query<{ id: string; phase: CampaignState['phase']; updated_at_ms: string; next_wake_ms: string | null }>(
      'list campaigns',
      `SELECT c.id, s.phase, s.updated_at_ms, s.next_wake_ms FROM ${this.t('campaigns')} c JOIN ${this.t('campaign_states')} s ON s.campaign_id = c.id ORDER BY c.created_no`,
      [],
    );
    return rows.map((row) => {
      const where = `campaign ${row.id}`;
      const wake = row.next_wake_ms === null ? null : msFromBigint(row.next_wake_ms, this.label, 'campaign_states.next_wake_ms', where);
      return campaignSummary(row.id, row.phase, msFromBigint(row.updated_at_ms, this.label, 'campaign_states.updated_at_ms', where), wake);
    });
  }

  async commit(id: string, result: TransitionResult, options?: CommitOptions): Promise<number[]> {
    const entry: BatchCommit = options?.consumedUplinkKey === undefined ? { campaignId: id, result } : { campaignId: id, result, consumedUplinkKey: options.consumedUplinkKey };
    const [seqs] = await this.writeBatch([entry], `commit to campaign ${id}`);
    return seqs!;
  }

  /**
   * A group commit (issue #17) in one transaction: first the fence of every campaign of the batch
   * (an instance that lost any of those leases commits nothing) and every consumed uplink key
   * (one already taken fails the whole batch), then each campaign's state, ledger and devices as
   * the last transition touching them left them, then every log line and command in the order given.
   */
  commitBatch(entries: readonly BatchCommit[]): Promise<number[][]> {
    return this.writeBatch(entries, `commit ${entries.length} transitions`);
  }

  /** One commit is a batch of one: the same fence, rows and refusals, named after the operation. */
  private async writeBatch(entries: readonly BatchCommit[], operation: string): Promise<number[][]> {
    if (this.closed) throw storeClosed(this.label, operation);
    for (const entry of entries) if (entry.result.campaign.id !== entry.campaignId) throw campaignIdMismatch(this.label, entry.campaignId, entry.result.campaign.id);
    if (entries.length === 0) return [];
    const campaigns = lastStatesByCampaign(entries);
    return this.withTransaction(operation, async (client) => {
      // Serialized before anything is sent, so that what JSON cannot hold (a BigInt) fails the
      // whole batch, as a STORE_FAILED of this operation.
      const commandRows = entries.flatMap((entry, i) => entry.result.commands.map((command) => ({ i, id: entry.campaignId, json: JSON.stringify(command) })));
      const logRows = entries.flatMap((entry) => entry.result.log.map((line) => ({ id: entry.campaignId, line })));
      for (const id of campaigns.keys()) await this.options.ownership?.fenceIn(client, id);
      for (const entry of entries) if (entry.consumedUplinkKey !== undefined) await this.options.ownership?.consumeIn(client, entry.consumedUplinkKey);
      for (const [id, last] of campaigns) {
        const [stateJson, phase, updatedAtMs, nextWakeMs] = stateColumns(last.result.campaign);
        const updated = await client.query(`UPDATE ${this.t('campaign_states')} SET state_json = $1, phase = $2, updated_at_ms = $3, next_wake_ms = $4 WHERE campaign_id = $5`, [
          stateJson,
          phase,
          updatedAtMs,
          nextWakeMs,
          id,
        ]);
        if (updated.rowCount === 0) throw campaignNotFound(this.label, id);
        if (last.ledger) {
          await client.query(
            `INSERT INTO ${this.t('campaign_ledgers')} (campaign_id, ledger_json) VALUES ($1, $2) ON CONFLICT (campaign_id) DO UPDATE SET ledger_json = excluded.ledger_json`,
            [id, JSON.stringify(last.ledger)],
          );
        }
        await this.upsertDevices(client, id, [...last.devices.values()]);
      }
      if (logRows.length > 0) {
        await client.query(
          `INSERT INTO ${this.t('device_log')} (campaign_id, dev_eui, at_ms, direction, f_port, payload_hex, text)
           SELECT c, d, a, r, f, p, x FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::text[], $7::text[]) WITH ORDINALITY AS l(c, d, a, r, f, p, x, n) ORDER BY n`,
          [
            logRows.map((r) => r.id),
            logRows.map((r) => r.line.devEui),
            logRows.map((r) => r.line.atMs),
            logRows.map((r) => r.line.direction),
            logRows.map((r) => r.line.fPort ?? null),
            logRows.map((r) => r.line.payloadHex ?? null),
            logRows.map((r) => pgText(r.line.text)),
          ],
        );
        for (const [id, lines] of campaignLines(logRows)) await this.logRetention.afterInsert(client, id, lines);
      }
      const seqs: number[][] = entries.map(() => []);
      if (commandRows.length === 0) return seqs;
      const inserted = await client.query<{ seq: string }>(
        `INSERT INTO ${this.t('outbox')} (campaign_id, command_json) SELECT c, j FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS o(c, j, n) ORDER BY n RETURNING seq`,
        [commandRows.map((r) => r.id), commandRows.map((r) => r.json)],
      );
      // Seqs increase with n (ORDER BY n): sorted, they pair with commandRows in order.
      const all = inserted.rows.map((row) => msFromBigint(row.seq, this.label, 'outbox.seq', operation)).sort((a, b) => a - b);
      commandRows.forEach((row, k) => seqs[row.i]!.push(all[k]!));
      return seqs;
    });
  }

  async markDone(id: string, seqs: readonly number[]): Promise<void> {
    await this.withTransaction(`markDone in campaign ${id}`, async (client) => {
      await this.requireCampaign(client, id);
      if (seqs.length > 0) await client.query(`DELETE FROM ${this.t('outbox')} WHERE campaign_id = $1 AND seq = ANY($2::bigint[])`, [id, [...seqs]]);
    });
  }

  async deviceLog(id: string, devEui: string, limit?: number): Promise<DeviceLogEntry[]> {
    const entries = deviceLogLimit(limit);
    return this.withTransaction(
      `deviceLog of ${devEui} in campaign ${id}`,
      async (client) => {
        await this.requireCampaign(client, id);
        const result = await client.query<{ dev_eui: string; at_ms: string; direction: DeviceLogEntry['direction']; f_port: number | null; payload_hex: string | null; text: string }>(
          `SELECT dev_eui, at_ms, direction, f_port, payload_hex, text FROM ${this.t('device_log')} WHERE campaign_id = $1 AND dev_eui = $2 ORDER BY id DESC LIMIT $3`,
          [id, devEui, entries],
        );
        // Read newest first (so LIMIT keeps the newest), returned newest last.
        const read = result.rows
          .reverse()
          .map((row) => logEntry(row.dev_eui, msFromBigint(row.at_ms, this.label, 'device_log.at_ms', `campaign ${id}`), row.direction, row.f_port, row.payload_hex, row.text));
        return withSummary(devEui, await this.logRetention.summaryOf(client, id, devEui), read);
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }

  /** Ends the pool when it is the store's own; a second close is a no-op. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.thePool.end();
  }

  /**
   * Runs `fn` in one transaction on one connection of the pool: COMMIT when it resolves, ROLLBACK
   * when it throws; driver errors become FuotaErrors naming the operation. Waits for migrations.
   */
  private async withTransaction<T>(operation: string, fn: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    if (this.closed) throw storeClosed(this.label, operation);
    await this.ready();
    let client: pg.PoolClient;
    try {
      client = await this.thePool.connect();
    } catch (error) {
      throw postgresFailure(this.options.url, operation, error);
    }
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const value = await fn(client);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is gone (the server ended it): the pool must not hand it out again.
        broken = rollbackError as Error;
      }
      throw postgresFailure(this.options.url, operation, error);
    } finally {
      client.release(broken);
    }
  }

  private async query<R extends pg.QueryResultRow>(operation: string, sql: string, values: unknown[]): Promise<R[]> {
    if (this.closed) throw storeClosed(this.label, operation);
    await this.ready();
    try {
      return (await this.thePool.query<R>(sql, values)).rows;
    } catch (error) {
      throw postgresFailure(this.options.url, operation, error);
    }
  }

  private async upsertDevices(client: Queryable, campaignId: string, devices: readonly DeviceState[]): Promise<void> {
    if (devices.length === 0) return;
    // One statement, ordered by the array (WITH ORDINALITY), so that new devices get created_no in the order given.
    await client.query(
      `INSERT INTO ${this.t('devices')} (campaign_id, dev_eui, state_json)
       SELECT $1, d, s FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u(d, s, n) ORDER BY n
       ON CONFLICT (campaign_id, dev_eui) DO UPDATE SET state_json = excluded.state_json`,
      [campaignId, devices.map((device) => device.devEui), devices.map((device) => JSON.stringify(device))],
    );
  }

  private async loadRows(client: Queryable, id: string): Promise<StoredCampaign | undefined> {
    const found = await client.query<{ spec_json: string; block: Buffer; state_json: string | null; ledger_json: string | null }>(
      `SELECT c.spec_json, c.block, s.state_json, l.ledger_json FROM ${this.t('campaigns')} c LEFT JOIN ${this.t('campaign_states')} s ON s.campaign_id = c.id LEFT JOIN ${this.t('campaign_ledgers')} l ON l.campaign_id = c.id WHERE c.id = $1`,
      [id],
    );
    const row = found.rows[0];
    if (!row) return undefined;
    const where = `campaign ${id}`;
    if (row.state_json === null) throw new InternalError('STORE_CORRUPT', `campaign store ${this.label}: campaign_states of ${where}: expected a row, got none`);
    const devices = await client.query<{ state_json: string }>(`SELECT state_json FROM ${this.t('devices')} WHERE campaign_id = $1 ORDER BY created_no`, [id]);
    const outbox = await client.query<{ seq: string; command_json: string }>(`SELECT seq, command_json FROM ${this.t('outbox')} WHERE campaign_id = $1 ORDER BY seq`, [id]);
    const stored: StoredCampaign = {
      specJson: row.spec_json,
      // A plain Uint8Array copy, not the driver's Buffer: the same type the memory store returns.
      block: new Uint8Array(row.block),
      campaign: parseStoredJson<CampaignState>(row.state_json, this.label, 'campaign_states.state_json', where),
      devices: devices.rows.map((d) => parseStoredJson<DeviceState>(d.state_json, this.label, 'devices.state_json', where)),
      outbox: outbox.rows.map((o): OutboxItem => {
        const seq = msFromBigint(o.seq, this.label, 'outbox.seq', where);
        return { seq, command: parseStoredJson(o.command_json, this.label, 'outbox.command_json', `${where} seq ${seq}`) };
      }),
    };
    if (row.ledger_json !== null) stored.ledger = parseStoredJson(row.ledger_json, this.label, 'campaign_ledgers.ledger_json', where);
    return stored;
  }

  private async requireCampaign(client: Queryable, id: string): Promise<void> {
    const found = await client.query(`SELECT 1 FROM ${this.t('campaigns')} WHERE id = $1`, [id]);
    if (found.rowCount === 0) throw campaignNotFound(this.label, id);
  }
}
