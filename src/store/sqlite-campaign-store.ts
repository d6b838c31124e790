import Sqlite from 'better-sqlite3';
import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { BatchCommit, CampaignSummary, CampaignStore, OutboxItem, StoredCampaign } from '../campaign/ports.js';
import type { DeviceLogEntry, TransitionResult } from '../campaign/draft.js';
import type { CampaignState, DeviceState } from '../campaign/state.js';
import { InternalError, ValueError } from '../core/errors.js';
import { campaignSummary, stateColumns } from './campaign-rows.js';
import { deviceLogLimit, logEntry } from './device-log.js';
import { checkRetention, DEFAULT_DEVICE_LOG_RETENTION, withSummary, type DeviceLogRetention } from './device-log-retention.js';
import { SqliteDeviceLogRetention } from './device-log-retention-sqlite.js';
import { SqliteRecentDeviceLog, type RecentDeviceLogOptions } from './sqlite-recent-device-log.js';
import { checkSchemaVersion, migrate } from './migrations.js';
import { campaignExists, campaignIdMismatch, campaignNotFound, storeClosed } from './store-errors.js';
import { sqliteFailure } from './sqlite-failure.js';
import { parseStoredJson } from './stored-json.js';
import { lastStatesByCampaign } from './batch-last-states.js';
import { CampaignClocks, ENDED_PHASES, sameBeyondClock } from './sqlite-campaign-clock.js';
import { SqliteDeviceJournal, type DeviceJournalOptions, type FoldedDevice } from './sqlite-device-journal.js';
import { SqliteWalCheckpointer } from './sqlite-wal-checkpointer.js';

// The service's default campaign store: one SQLite file, one connection, synchronous calls behind
// the async port. Every commit is one write transaction (state + changed devices + ledger + log +
// outbox), so a crash leaves either all of a transition or none of it.

export interface SqliteStoreOptions {
  /** How long a write waits for another connection's lock before failing with STORE_BUSY. Default 5 s. */
  busyTimeoutMs?: number;
  /** WAL size, in pages, that triggers a checkpoint at the end of a commit. Default 16 384 (64 MiB). */
  walAutocheckpointPages?: number;
  /**
   * Who copies the WAL into the database: the commit that crosses walAutocheckpointPages
   * ('in-commit', SQLite's own, the default), or a worker thread every checkpointIntervalMs
   * ('worker', sqlite-wal-checkpointer.ts: for a long-running process; the commits' own checkpoint
   * then bounds the WAL at WORKER_WAL_BOUND_FACTOR times walAutocheckpointPages). Files only.
   */
  walCheckpoints?: 'in-commit' | 'worker';
  checkpointIntervalMs?: number;
  /** The checkpoint worker failed (nothing is lost: the commits' own checkpoint still bounds the WAL). */
  onCheckpointError?: (error: Error) => void;
  /** How much of each device's log to keep (store.deviceLog); default DEFAULT_DEVICE_LOG_RETENTION. */
  deviceLogRetention?: DeviceLogRetention;
  /** When the device journal is compacted (sqlite-device-journal.ts); the defaults suit every store. */
  deviceJournal?: DeviceJournalOptions;
  /** When the newest log entries move into the indexed log (sqlite-recent-device-log.ts); the defaults suit every store. */
  recentDeviceLog?: RecentDeviceLogOptions;
}

type CreateRecord = Parameters<CampaignStore['create']>[0];
type LogRow = [devEui: string, atMs: number, direction: DeviceLogEntry['direction'], fPort: number | null, payloadHex: string | null, text: string];

interface CampaignRow {
  spec_json: string;
  block: Buffer;
  state_json: string | null;
  commit_seq: number | null;
  ledger_json: string | null;
}

type DeviceRow = [rowid: number, stateJson: string, commitSeq: number, campaignUpdatedAtMs: number | null];

interface SummaryRow {
  id: string;
  phase: CampaignState['phase'];
  updated_at_ms: number;
  next_wake_ms: number | null;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
const DEFAULT_WAL_AUTOCHECKPOINT_PAGES = 16_384;
const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/**
 * With the checkpoint worker, the commits' own checkpoint waits for this many times
 * walAutocheckpointPages: it then finds the frames copied already, and restarts the WAL.
 */
export const WORKER_WAL_BOUND_FACTOR = 4;

/** Options end up in PRAGMA text, which takes no bound parameters: only plain integers get there. */
function pragmaInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new ValueError(`SqliteCampaignStore option ${name}`, 'a non-negative integer', value);
  return value;
}

export class SqliteCampaignStore implements CampaignStore {
  private readonly insertCampaign: Statement;
  private readonly insertState: Statement;
  private readonly updateState: Statement;
  private readonly upsertLedger: Statement;
  private readonly campaignExists: Statement;
  private readonly selectCampaign: Statement;
  private readonly selectSummaries: Statement;
  private readonly upsertDevice: Statement;
  private readonly updateDeviceAt: Statement;
  private readonly selectDeviceRowid: Statement;
  private readonly selectDevices: Statement;
  private readonly selectLastSeq: Statement;
  private readonly selectLog: Statement;
  private readonly insertOutbox: Statement;
  private readonly deleteOutbox: Statement;
  private readonly selectOutbox: Statement;
  private readonly createTx: Transaction<(record: CreateRecord) => void>;
  private readonly commitTx: Transaction<(id: string, result: TransitionResult) => number[]>;
  private readonly commitBatchTx: Transaction<(entries: readonly BatchCommit[]) => number[][]>;
  private readonly markDoneTx: Transaction<(id: string, seqs: readonly number[]) => void>;
  private readonly loadTx: Transaction<(id: string) => StoredCampaign | undefined>;
  private readonly logRetention: SqliteDeviceLogRetention;
  /**
   * Each device row's rowid, by campaign and DevEUI: a commit rewrites ~1.5 devices, and an
   * UPDATE by rowid skips the upsert's insert attempt, foreign-key check and unique-index probe
   * (issue #17: device rows were the largest share of a demo's commits), and the device journal
   * names the row by it. Exact: the rowid of an insert that rolled back is forgotten
   * (rowidsAround); the UPDATE also matches campaign_id and dev_eui all the same.
   */
  private readonly deviceRowids = new Map<string, Map<string, number>>();
  /** Rows the running transaction inserted: their rowids are forgotten if it rolls back (rowidsAround). */
  private insertedRowids: Array<[campaignId: string, devEui: string]> = [];
  /** Per campaign, the last commit_seq and state row written (sqlite-campaign-clock.ts). */
  private readonly clocks = new CampaignClocks();
  /** What commits did to devices, appended instead of rewriting their rows (sqlite-device-journal.ts). */
  private readonly journal: SqliteDeviceJournal;
  /** The newest log entries, appended to a table without an index (sqlite-recent-device-log.ts). */
  private readonly recentLog: SqliteRecentDeviceLog;
  /** Copies the WAL off the main thread (walCheckpoints 'worker'). */
  private checkpointer: SqliteWalCheckpointer | undefined;

  private constructor(
    private readonly db: Database,
    /** The file path (or ':memory:'), for messages. */
    readonly file: string,
    retention: DeviceLogRetention,
    deviceJournal: DeviceJournalOptions | undefined,
    recentDeviceLog: RecentDeviceLogOptions | undefined,
  ) {
    this.recentLog = new SqliteRecentDeviceLog(db, recentDeviceLog);
    this.logRetention = new SqliteDeviceLogRetention(db, retention, file, this.recentLog);
    this.journal = new SqliteDeviceJournal(db, file, deviceJournal);
    const prepare = (sql: string): Statement => db.prepare(sql);
    this.insertCampaign = prepare(`INSERT INTO campaigns (id, spec_json, block) VALUES (?, ?, ?)`);
    this.insertState = prepare(`INSERT INTO campaign_states (state_json, phase, updated_at_ms, next_wake_ms, campaign_id) VALUES (?, ?, ?, ?, ?)`);
    this.updateState = prepare(`UPDATE campaign_states SET state_json = ?, phase = ?, updated_at_ms = ?, next_wake_ms = ?, commit_seq = ? WHERE campaign_id = ?`);
    this.upsertLedger = prepare(
      `INSERT INTO campaign_ledgers (campaign_id, ledger_json) VALUES (?, ?) ON CONFLICT (campaign_id) DO UPDATE SET ledger_json = excluded.ledger_json`,
    );
    this.campaignExists = prepare(`SELECT 1 FROM campaigns WHERE id = ?`).pluck();
    this.selectCampaign = prepare(
      `SELECT c.spec_json, c.block, s.state_json, s.commit_seq, l.ledger_json FROM campaigns c LEFT JOIN campaign_states s ON s.campaign_id = c.id LEFT JOIN campaign_ledgers l ON l.campaign_id = c.id WHERE c.id = ?`,
    );
    // The clock of a running campaign may be on the device row written last (sqlite-campaign-clock.ts):
    // a scan of its devices; an ended campaign's state row was written by the commit that ended it.
    const phases = [...ENDED_PHASES].map((phase) => `'${phase}'`).join(', ');
    this.selectSummaries = prepare(
      `SELECT c.id, s.phase, s.next_wake_ms,
              CASE WHEN s.phase IN (${phases}) THEN s.updated_at_ms
                   ELSE coalesce((SELECT r.campaign_updated_at_ms FROM (
                       SELECT d.commit_seq, d.campaign_updated_at_ms FROM devices d WHERE d.campaign_id = c.id AND d.commit_seq > s.commit_seq
                       UNION ALL SELECT h.commit_seq, h.campaign_updated_at_ms FROM device_journal h WHERE h.campaign_id = c.id AND h.commit_seq > s.commit_seq
                     ) r ORDER BY r.commit_seq DESC LIMIT 1), s.updated_at_ms)
              END AS updated_at_ms
       FROM campaigns c JOIN campaign_states s ON s.campaign_id = c.id ORDER BY c.rowid`,
    );
    this.upsertDevice = prepare(
      `INSERT INTO devices (campaign_id, dev_eui, state_json, commit_seq, campaign_updated_at_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (campaign_id, dev_eui) DO UPDATE SET state_json = excluded.state_json, commit_seq = excluded.commit_seq, campaign_updated_at_ms = excluded.campaign_updated_at_ms`,
    );
    this.updateDeviceAt = prepare(`UPDATE devices SET state_json = ?, commit_seq = ?, campaign_updated_at_ms = ? WHERE rowid = ? AND campaign_id = ? AND dev_eui = ?`);
    this.selectDeviceRowid = prepare(`SELECT rowid FROM devices WHERE campaign_id = ? AND dev_eui = ?`).pluck();
    this.selectDevices = prepare(`SELECT rowid, state_json, commit_seq, campaign_updated_at_ms FROM devices WHERE campaign_id = ? ORDER BY rowid`).raw();
    this.selectLastSeq = prepare(
      `SELECT max(coalesce((SELECT commit_seq FROM campaign_states WHERE campaign_id = @id), 0), coalesce((SELECT max(commit_seq) FROM devices WHERE campaign_id = @id), 0),
                  coalesce((SELECT max(commit_seq) FROM device_journal WHERE campaign_id = @id), 0))`,
    ).pluck();
    this.selectLog = prepare(
      `SELECT dev_eui, at_ms, direction, f_port, payload_hex, text FROM device_log WHERE campaign_id = ? AND dev_eui = ? ORDER BY id DESC LIMIT ?`,
    ).raw();
    this.insertOutbox = prepare(`INSERT INTO outbox (campaign_id, command_json) VALUES (?, ?)`);
    this.deleteOutbox = prepare(`DELETE FROM outbox WHERE campaign_id = ? AND seq = ?`);
    this.selectOutbox = prepare(`SELECT seq, command_json FROM outbox WHERE campaign_id = ? ORDER BY seq`).raw();

    this.createTx = db.transaction((record: CreateRecord) => this.createRows(record));
    this.commitTx = db.transaction((id: string, result: TransitionResult) => this.commitRows(id, result));
    this.commitBatchTx = db.transaction((entries: readonly BatchCommit[]) => this.commitBatchRows(entries));
    this.markDoneTx = db.transaction((id: string, seqs: readonly number[]) => {
      this.requireCampaign(id);
      for (const seq of seqs) this.deleteOutbox.run(id, seq);
    });
    // A read transaction, so that the campaign, its devices and its outbox are one snapshot.
    this.loadTx = db.transaction((id: string) => this.loadRows(id));
  }

  /** Opens (creating if needed) and migrates the store at `file`; ':memory:' for a throwaway one. */
  static open(file: string, options: SqliteStoreOptions = {}): SqliteCampaignStore {
    const busyTimeoutMs = pragmaInteger('busyTimeoutMs', options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    const walAutocheckpointPages = pragmaInteger('walAutocheckpointPages', options.walAutocheckpointPages ?? DEFAULT_WAL_AUTOCHECKPOINT_PAGES);
    const retention = checkRetention(options.deviceLogRetention ?? DEFAULT_DEVICE_LOG_RETENTION);
    let db: Database | undefined;
    try {
      db = new Sqlite(file);
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      // Before anything writes to the file (journal_mode = WAL does): a newer or foreign
      // database must be left exactly as it was.
      checkSchemaVersion(db, file);
      db.pragma('journal_mode = WAL');
      // Safe enough: in WAL mode with synchronous = NORMAL a commit is in the WAL file (the OS
      // has it) when it returns, so a killed or crashed process loses nothing; only an OS crash
      // or power cut may lose the last transactions before the next checkpoint, and never leaves
      // the database corrupt. FULL fsyncs every commit: measured 2-20x fewer commits/s here.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      // Checkpoints (copying the WAL into the file, with two fsyncs) every 16 Ki pages instead
      // of SQLite's 1 Ki: measured ~1.5-2x more commits/s, since a commit writes ~7 pages. Costs
      // a WAL of up to ~64 MiB and a longer recovery scan at open after a crash.
      const worker = options.walCheckpoints === 'worker' && isFile(file);
      db.pragma(`wal_autocheckpoint = ${worker ? walAutocheckpointPages * WORKER_WAL_BOUND_FACTOR : walAutocheckpointPages}`);
      // After a checkpoint, truncate the WAL file back to this size rather than keep it at its peak.
      db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
      migrate(db, file);
      const store = new SqliteCampaignStore(db, file, retention, options.deviceJournal, options.recentDeviceLog);
      // A store from before retention, or opened with another store.deviceLog, is compacted once.
      store.logRetention.sweepIfChanged();
      // Changes journalled before a crash (or by another connection) go into their device rows.
      store.journal.foldIntoRows();
      if (worker) {
        const { checkpointIntervalMs, onCheckpointError } = options;
        store.checkpointer = SqliteWalCheckpointer.start(file, { ...(checkpointIntervalMs === undefined ? {} : { intervalMs: checkpointIntervalMs }), ...(onCheckpointError ? { onError: onCheckpointError } : {}) });
      }
      return store;
    } catch (error) {
      db?.close();
      throw sqliteFailure(file, 'open', error);
    }
  }

  /** The schema version of the open database (PRAGMA user_version). */
  get schemaVersion(): number {
    return this.run('schemaVersion', () => this.db.pragma('user_version', { simple: true }) as number);
  }

  async create(record: CreateRecord): Promise<void> {
    this.run(`create campaign ${record.campaign.id}`, () => this.rowidsAround(() => this.clocks.around(() => this.createTx.immediate(record))));
  }

  async load(id: string): Promise<StoredCampaign | undefined> {
    return this.run(`load campaign ${id}`, () => this.loadTx.deferred(id));
  }

  async list(): Promise<CampaignSummary[]> {
    return this.run('list campaigns', () =>
      (this.selectSummaries.all() as SummaryRow[]).map((row) => campaignSummary(row.id, row.phase, row.updated_at_ms, row.next_wake_ms)),
    );
  }

  async commit(id: string, result: TransitionResult): Promise<number[]> {
    return this.run(`commit to campaign ${id}`, () => {
      if (result.campaign.id !== id) throw campaignIdMismatch(this.file, id, result.campaign.id);
      // Immediate: take the write lock up front, so that a lock upgrade cannot fail half-way.
      const seqs = this.aroundCommit(() => this.commitTx.immediate(id, result));
      this.compactJournal();
      this.recentLog.maybeMove();
      return seqs;
    });
  }

  async commitBatch(entries: readonly BatchCommit[]): Promise<number[][]> {
    return this.run(`commit ${entries.length} transitions`, () => {
      for (const entry of entries) if (entry.result.campaign.id !== entry.campaignId) throw campaignIdMismatch(this.file, entry.campaignId, entry.result.campaign.id);
      const seqs = this.aroundCommit(() => this.commitBatchTx.immediate(entries));
      this.compactJournal();
      this.recentLog.maybeMove();
      return seqs;
    });
  }

  async markDone(id: string, seqs: readonly number[]): Promise<void> {
    this.run(`markDone in campaign ${id}`, () => this.markDoneTx.immediate(id, seqs));
  }

  async deviceLog(id: string, devEui: string, limit?: number): Promise<DeviceLogEntry[]> {
    const entries = deviceLogLimit(limit);
    return this.run(`deviceLog of ${devEui} in campaign ${id}`, () => {
      this.requireCampaign(id);
      // The newest from device_log_recent (ids above all of device_log's), the rest from device_log.
      const recent = this.recentLog.newest(id, devEui, entries);
      const rows = recent.length < entries ? (this.selectLog.all(id, devEui, entries - recent.length) as LogRow[]) : [];
      // device_log read newest first (so LIMIT keeps the newest), returned newest last.
      const logged = [...rows.reverse().map((row) => logEntry(...row)), ...recent.map((row) => logEntry(devEui, ...row))];
      return withSummary(devEui, this.logRetention.summaryOf(id, devEui), logged);
    });
  }

  async close(): Promise<void> {
    // The worker's connection first: the store's, closed last, then checkpoints and removes the WAL.
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }

  private createRows(record: CreateRecord): void {
    const { campaign } = record;
    if (this.campaignExists.get(campaign.id) !== undefined) throw campaignExists(this.file, campaign.id);
    this.insertCampaign.run(campaign.id, record.specJson, record.block);
    const columns = stateColumns(campaign);
    this.insertState.run(...columns);
    this.clocks.stage(campaign.id, { seq: 0, written: JSON.parse(columns[0]) as CampaignState });
    for (const device of record.devices) this.writeDevice(campaign.id, device, 0, null);
  }

  private commitRows(id: string, result: TransitionResult): number[] {
    const seq = this.writeState(id, result.campaign, result.devices.length);
    // Only transitions that scheduled airtime carry a ledger; the others keep the stored one.
    if (result.ledger) this.upsertLedger.run(id, JSON.stringify(result.ledger));
    const { heard } = result;
    for (const device of result.devices) {
      if (heard?.devEui === device.devEui) this.journalHeard(id, device, heard.atMs, seq, result.campaign.updatedAtMs);
      else this.journalState(id, device, seq, result.campaign.updatedAtMs);
    }
    this.journal.writeHeard();
    this.insertLogRows(id, result.log);
    return this.insertOutboxRows(id, result.commands);
  }

  /**
   * A group commit's rows (issue #17): every transition's log and commands in the order given;
   * the state, ledger and devices only as the last transition touching each left them (the ones
   * before would be overwritten within the same transaction).
   */
  private commitBatchRows(entries: readonly BatchCommit[]): number[][] {
    const campaigns = lastStatesByCampaign(entries);
    const journalled = heardOnlyInBatch(entries);
    const clocks = new Map<string, { seq: number; updatedAtMs: number }>();
    // States first: an unknown campaign is refused as CAMPAIGN_NOT_FOUND before its rows hit a foreign key.
    for (const [id, last] of campaigns) {
      const { campaign } = last.result;
      const heard = journalled.get(id);
      // Rows that carry the clock: device rows and journal rows alike.
      const seq = this.writeState(id, campaign, last.devices.size - (heard?.devices.size ?? 0) + (heard?.rows ?? 0));
      clocks.set(id, { seq, updatedAtMs: campaign.updatedAtMs });
      if (last.ledger) this.upsertLedger.run(id, JSON.stringify(last.ledger));
      for (const device of last.devices.values()) if (!heard?.devices.has(device.devEui)) this.journalState(id, device, seq, campaign.updatedAtMs);
    }
    const seqs = entries.map(({ campaignId: id, result }) => {
      // In order: a device heard several times in the batch gets a journal entry for each, replayed in order.
      if (result.heard && journalled.get(id)?.devices.has(result.heard.devEui)) {
        const clock = clocks.get(id)!;
        this.journalHeard(id, result.devices[0]!, result.heard.atMs, clock.seq, clock.updatedAtMs);
      }
      this.insertLogRows(id, result.log);
      return this.insertOutboxRows(id, result.commands);
    });
    this.journal.writeHeard();
    return seqs;
  }

  /** Records that `device` (its state after the uplink) was heard at `atMs`, instead of rewriting its row. */
  private journalHeard(id: string, device: DeviceState, atMs: number, seq: number, campaignUpdatedAtMs: number): void {
    this.journal.heard(id, this.deviceRowid(id, device.devEui), device, atMs, seq, campaignUpdatedAtMs);
  }

  /** Records a commit's device (its whole state), instead of rewriting its row; a device with no row yet gets one. */
  private journalState(id: string, device: DeviceState, seq: number, campaignUpdatedAtMs: number): void {
    const rowid = this.rowidIfAny(id, device.devEui);
    if (rowid === undefined) this.writeDevice(id, device, seq, campaignUpdatedAtMs);
    else this.journal.replaced(id, rowid, device, seq, campaignUpdatedAtMs);
  }

  /** A commit's transaction inside what keeps in-memory state in step with it (each puts its part back when it throws). */
  private aroundCommit<T>(transaction: () => T): T {
    return this.rowidsAround(() => this.clocks.around(() => this.journal.around(() => this.recentLog.around(transaction))));
  }

  /** After a commit: the device journal compacted once it is large (never throws: sqlite-device-journal.ts). */
  private compactJournal(): void {
    this.journal.maybeCompact((id, device, seq, campaignUpdatedAtMs) => this.writeDevice(id, device, seq, campaignUpdatedAtMs));
  }

  private deviceRowid(id: string, devEui: string): number {
    const rowid = this.rowidIfAny(id, devEui);
    if (rowid === undefined) throw new InternalError('DEVICE_NOT_IN_CAMPAIGN', `campaign store ${this.file}: device ${devEui} of campaign ${id} has no row to journal an uplink against`);
    return rowid;
  }

  /**
   * Runs a transaction; when it throws, forgets the rowids of the rows it inserted: the journal
   * trusts a remembered rowid (SQLite hands a rolled-back insert's rowid out again).
   */
  private rowidsAround<T>(transaction: () => T): T {
    this.insertedRowids = [];
    try {
      return transaction();
    } catch (error) {
      for (const [id, devEui] of this.insertedRowids) this.deviceRowids.get(id)?.delete(devEui);
      throw error;
    } finally {
      this.insertedRowids = [];
    }
  }

  /** The device's rowid (remembered, or read and remembered), if it has a row. */
  private rowidIfAny(id: string, devEui: string): number | undefined {
    let rowids = this.deviceRowids.get(id);
    let rowid = rowids?.get(devEui);
    if (rowid === undefined) {
      rowid = this.selectDeviceRowid.get(id, devEui) as number | undefined;
      if (rowid === undefined) return undefined;
      if (!rowids) this.deviceRowids.set(id, (rowids = new Map()));
      rowids.set(devEui, rowid);
    }
    return rowid;
  }

  /**
   * A commit's campaign clock (sqlite-campaign-clock.ts): takes the campaign's next commit_seq and
   * rewrites the state row unless only its clock changed and `deviceRows` device rows will carry
   * it. Refuses an unknown campaign (CAMPAIGN_NOT_FOUND) before its rows hit a foreign key.
   */
  private writeState(id: string, campaign: CampaignState, deviceRows: number): number {
    const known = this.clocks.current(id);
    if (!known && this.campaignExists.get(id) === undefined) throw campaignNotFound(this.file, id);
    const seq = (known ? known.seq : (this.selectLastSeq.get({ id }) as number)) + 1;
    if (deviceRows > 0 && known?.written && !ENDED_PHASES.has(campaign.phase) && sameBeyondClock(known.written, campaign)) {
      this.clocks.stage(id, { seq, written: known.written });
      return seq;
    }
    const [json, phase, updatedAtMs, nextWakeMs] = stateColumns(campaign);
    if (this.updateState.run(json, phase, updatedAtMs, nextWakeMs, seq, id).changes === 0) throw campaignNotFound(this.file, id);
    // Parsed back rather than kept: what is compared next is exactly what the row holds, whatever the caller does with its object.
    this.clocks.stage(id, { seq, written: JSON.parse(json) as CampaignState });
    return seq;
  }

  /** `seq`, `campaignUpdatedAtMs`: the commit's campaign clock (null at create). */
  private writeDevice(id: string, device: DeviceState, seq: number, campaignUpdatedAtMs: number | null): void {
    const json = JSON.stringify(device);
    let rowids = this.deviceRowids.get(id);
    const rowid = rowids?.get(device.devEui);
    if (rowid !== undefined && this.updateDeviceAt.run(json, seq, campaignUpdatedAtMs, rowid, id, device.devEui).changes === 1) return;
    this.upsertDevice.run(id, device.devEui, json, seq, campaignUpdatedAtMs);
    if (!rowids) this.deviceRowids.set(id, (rowids = new Map()));
    rowids.set(device.devEui, this.selectDeviceRowid.get(id, device.devEui) as number);
    this.insertedRowids.push([id, device.devEui]);
  }

  private insertLogRows(id: string, log: readonly DeviceLogEntry[]): void {
    for (const entry of log) this.recentLog.insert(id, entry);
    this.logRetention.afterInsert(id, log);
  }

  private insertOutboxRows(id: string, commands: TransitionResult['commands']): number[] {
    return commands.map((command) => Number(this.insertOutbox.run(id, JSON.stringify(command)).lastInsertRowid));
  }

  private loadRows(id: string): StoredCampaign | undefined {
    const row = this.selectCampaign.get(id) as CampaignRow | undefined;
    if (!row) return undefined;
    const where = `campaign ${id}`;
    if (row.state_json === null) throw new InternalError('STORE_CORRUPT', `campaign store ${this.file}: campaign_states of ${where}: expected a row, got none`);
    // The clock is on the row with the highest commit_seq (sqlite-campaign-clock.ts).
    let lastSeq = row.commit_seq ?? 0;
    let updatedAtMs: number | undefined;
    // In rowid order (the order devices were created in): a Map keeps it.
    const byRowid = new Map<number, FoldedDevice>();
    for (const [rowid, json, seq, campaignUpdatedAtMs] of this.selectDevices.all(id) as DeviceRow[]) {
      if (seq > lastSeq && campaignUpdatedAtMs !== null) {
        lastSeq = seq;
        updatedAtMs = campaignUpdatedAtMs;
      }
      byRowid.set(rowid, { state: parseStoredJson<DeviceState>(json, this.file, 'devices.state_json', where), seq });
    }
    // Changes journalled since (sqlite-device-journal.ts): another connection's, or this one's not yet compacted.
    const journalled = this.journal.fold(id, byRowid);
    if (journalled && journalled.seq > lastSeq) {
      lastSeq = journalled.seq;
      updatedAtMs = journalled.campaignUpdatedAtMs;
    }
    const devices = [...byRowid.values()].map((device) => device.state);
    const campaign = parseStoredJson<CampaignState>(row.state_json, this.file, 'campaign_states.state_json', where);
    if (updatedAtMs !== undefined) campaign.updatedAtMs = updatedAtMs;
    const stored: StoredCampaign = {
      specJson: row.spec_json,
      // A plain Uint8Array copy, not the driver's Buffer: the same type the memory store returns.
      block: new Uint8Array(row.block),
      campaign,
      devices,
      outbox: (this.selectOutbox.all(id) as Array<[number, string]>).map(
        ([seq, json]): OutboxItem => ({ seq, command: parseStoredJson(json, this.file, 'outbox.command_json', `${where} seq ${seq}`) }),
      ),
    };
    if (row.ledger_json !== null) stored.ledger = parseStoredJson(row.ledger_json, this.file, 'campaign_ledgers.ledger_json', where);
    return stored;
  }

  private requireCampaign(id: string): void {
    if (this.campaignExists.get(id) === undefined) throw campaignNotFound(this.file, id);
  }

  /** Runs `work` on the open database; driver errors become InternalErrors naming the file and the operation. */
  private run<T>(operation: string, work: () => T): T {
    if (!this.db.open) throw storeClosed(this.file, operation);
    try {
      return work();
    } catch (error) {
      throw sqliteFailure(this.file, operation, error);
    }
  }
}

/**
 * Per campaign of a group commit, the devices every transition of the batch only heard
 * (TransitionResult.heard): they get journal rows, one per transition; a device with any other
 * change in the batch gets its row rewritten, as the batch's last transition left it.
 */
function heardOnlyInBatch(entries: readonly BatchCommit[]): Map<string, { devices: Set<string>; rows: number }> {
  const out = new Map<string, { devices: Set<string>; rows: number }>();
  const changed = new Map<string, Set<string>>();
  for (const { campaignId: id, result } of entries) {
    for (const device of result.devices) {
      if (result.heard?.devEui === device.devEui) continue;
      let set = changed.get(id);
      if (!set) changed.set(id, (set = new Set()));
      set.add(device.devEui);
    }
  }
  for (const { campaignId: id, result } of entries) {
    if (!result.heard || changed.get(id)?.has(result.heard.devEui)) continue;
    let heard = out.get(id);
    if (!heard) out.set(id, (heard = { devices: new Set(), rows: 0 }));
    heard.devices.add(result.heard.devEui);
    heard.rows++;
  }
  return out;
}

/** A database file (not ':memory:' nor '', SQLite's temporary database), which has a WAL to checkpoint. */
function isFile(file: string): boolean {
  return file !== '' && file !== ':memory:' && !file.startsWith('file::memory:');
}
