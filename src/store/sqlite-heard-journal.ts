import type { Database, Statement } from 'better-sqlite3';
import { hearUplink } from '../campaign/heard-uplink.js';
import type { DeviceState } from '../campaign/state.js';
import { parseStoredJson } from './stored-json.js';

// The heard journal (issue #17): where the SQLite store records a transition that only heard its
// device (TransitionResult.heard, campaign/heard-uplink.ts) instead of rewriting the device row.
//
// Why: 81 % of a 10 000-device campaign's transitions are devices' periodic uplinks, and
// rewriting a ~1 KB device row is a random page write: 15-25 µs a row in a WAL commit (measured
// with better-sqlite3 at 10 000 and 100 000 rows, 4 and 30 rows a commit), the largest cost of a
// 100 000-device campaign. Appending a row to this table costs ~1.5 µs (30 rows a commit).
//
// Durable as before: a journal row is written in the transaction that commits its uplink, and
// carries that commit's seq and campaign clock (sqlite-campaign-clock.ts), so the row with the
// highest seq still has the campaign's updatedAtMs. Reading back, the device row's state heard
// again at each journal row newer than it (seq above the row's) is exactly the state the engine
// held (heardOnly proved it per transition).
//
// Bounded: this connection keeps a reference to the latest state of each device whose newest
// state is only in the journal (the engine's own committed object: never written again, draft.ts),
// and once the journal holds HEARD_COMPACT_FACTOR rows per such device (at least
// HEARD_COMPACT_MIN_ROWS), rewrites those devices' rows once each and empties the journal. At
// open, a journal left by a crash or another connection is folded into the device rows.

/** Compaction waits for at least this many rows (~10 MB of journal): a small journal costs nothing to keep. */
export const HEARD_COMPACT_MIN_ROWS = 262_144;
/**
 * ... and for this many rows per device it would rewrite: each rewrite (15-25 µs) is then paid by
 * that many appends (~1.5 µs each), so compaction adds ~1-1.5 µs an append. At 4 it added as much
 * as the append itself: a third of a 10 000-device demo's device-row writes were compactions
 * (105 000 of 325 000, 13 compactions), measured with the store's methods counted.
 */
export const HEARD_COMPACT_FACTOR = 16;
/** Devices rewritten per transaction while compacting: keeps each WAL transaction to some MB. */
const COMPACT_CHUNK_DEVICES = 8_192;

/** When to compact; the defaults above unless a test needs a small journal. */
export interface HeardJournalOptions {
  compactMinRows?: number;
  compactFactor?: number;
  /**
   * A compaction failed (it is tried again after compactMinRows more rows; nothing is lost: the
   * journal keeps what it did not fold). For the service's log: a journal that keeps failing to
   * fold grows, and load and open read all of it.
   */
  onCompactionError?: (error: unknown) => void;
}

/** A device whose newest state is only in the journal. */
interface Pending {
  device: DeviceState;
  /** Of its newest journal row: the device row gets them when it is rewritten. */
  seq: number;
  campaignUpdatedAtMs: number;
}

type JournalRow = [deviceRowid: number, atMs: number, seq: number, campaignUpdatedAtMs: number];

/** Writes a device row (the store's own writeDevice). */
export type WriteDevice = (campaignId: string, device: DeviceState, seq: number, campaignUpdatedAtMs: number) => void;

export class SqliteHeardJournal {
  private readonly insertRow: Statement;
  private readonly selectOfCampaign: Statement;
  private readonly countRows: Statement;
  private readonly maxId: Statement;
  private readonly deleteUpTo: Statement;
  /** Rows in the table, as this connection counts them. */
  private rows: number;
  private readonly pending = new Map<string, Map<string, Pending>>();
  private pendingCount = 0;
  /** What the running transaction did; applied to `pending` and `rows` only once it committed. */
  private staged: Array<{ campaignId: string; devEui: string; pending?: Pending }> = [];
  private stagedRows = 0;
  /** After a failed compaction, the row count at which to try again. */
  private retryAtRows = 0;

  private readonly compactMinRows: number;
  private readonly compactFactor: number;
  private readonly onCompactionError: ((error: unknown) => void) | undefined;

  constructor(
    private readonly db: Database,
    private readonly file: string,
    options: HeardJournalOptions = {},
  ) {
    this.compactMinRows = options.compactMinRows ?? HEARD_COMPACT_MIN_ROWS;
    this.compactFactor = options.compactFactor ?? HEARD_COMPACT_FACTOR;
    this.onCompactionError = options.onCompactionError;
    this.insertRow = db.prepare(`INSERT INTO device_heard (campaign_id, device_rowid, at_ms, commit_seq, campaign_updated_at_ms) VALUES (?, ?, ?, ?, ?)`);
    this.selectOfCampaign = db.prepare(`SELECT device_rowid, at_ms, commit_seq, campaign_updated_at_ms FROM device_heard WHERE campaign_id = ? ORDER BY id`).raw();
    this.countRows = db.prepare(`SELECT count(*) FROM device_heard`).pluck();
    this.maxId = db.prepare(`SELECT max(id) FROM device_heard`).pluck();
    this.deleteUpTo = db.prepare(`DELETE FROM device_heard WHERE id <= ?`);
    this.rows = this.countRows.get() as number;
  }

  /** Rows in the journal now. */
  get size(): number {
    return this.rows;
  }

  /** Within a transaction: `device` (as it is after the uplink) was heard at `atMs` in the commit `seq`. */
  append(campaignId: string, deviceRowid: number, device: DeviceState, atMs: number, seq: number, campaignUpdatedAtMs: number): void {
    this.insertRow.run(campaignId, deviceRowid, atMs, seq, campaignUpdatedAtMs);
    this.stagedRows++;
    this.staged.push({ campaignId, devEui: device.devEui, pending: { device, seq, campaignUpdatedAtMs } });
  }

  /** Within a transaction: the device's row was rewritten, its journal rows are history. */
  written(campaignId: string, devEui: string): void {
    // Pending, or maybe journalled earlier in this transaction: a needless delete is harmless, and
    // skipping it for the common case (no journal row yet) spares an object per device row.
    if (this.pending.get(campaignId)?.has(devEui) || this.staged.length > 0) this.staged.push({ campaignId, devEui });
  }

  /** Runs a transaction: what it staged is kept when it returns, dropped when it throws. */
  around<T>(transaction: () => T): T {
    this.staged = [];
    this.stagedRows = 0;
    try {
      const out = transaction();
      for (const change of this.staged) {
        let devices = this.pending.get(change.campaignId);
        if (change.pending) {
          if (!devices) this.pending.set(change.campaignId, (devices = new Map()));
          if (!devices.has(change.devEui)) this.pendingCount++;
          devices.set(change.devEui, change.pending);
        } else if (devices?.delete(change.devEui)) this.pendingCount--;
      }
      this.rows += this.stagedRows;
      return out;
    } finally {
      this.staged = [];
      this.stagedRows = 0;
    }
  }

  /**
   * After a commit: rewrites the pending devices and empties the journal once it is large enough.
   * Never throws: what it did not finish stays in the journal, which load() reads, and it tries
   * again after another compactMinRows rows (the commit that called it is committed).
   */
  maybeCompact(write: WriteDevice): void {
    if (this.rows < Math.max(this.compactMinRows, this.compactFactor * this.pendingCount, this.retryAtRows)) return;
    try {
      this.compact(write);
      this.retryAtRows = 0;
    } catch (error) {
      this.retryAtRows = this.rows + this.compactMinRows;
      try {
        this.onCompactionError?.(error);
      } catch {
        // A listener's fault must not fail the commit that is already committed.
      }
    }
  }

  /** Rewrites every pending device's row, then deletes the journal rows they made history. */
  compact(write: WriteDevice): void {
    const lastId = this.maxId.get() as number | null;
    const all: Array<[string, Pending]> = [];
    for (const [campaignId, devices] of this.pending) for (const pending of devices.values()) all.push([campaignId, pending]);
    for (let start = 0; start < all.length; start += COMPACT_CHUNK_DEVICES) {
      const chunk = all.slice(start, start + COMPACT_CHUNK_DEVICES);
      this.db.transaction(() => {
        for (const [campaignId, p] of chunk) write(campaignId, p.device, p.seq, p.campaignUpdatedAtMs);
      }).immediate();
      for (const [campaignId, p] of chunk) {
        if (this.pending.get(campaignId)?.delete(p.device.devEui)) this.pendingCount--;
      }
    }
    for (const [campaignId, devices] of this.pending) if (devices.size === 0) this.pending.delete(campaignId);
    if (lastId !== null) this.deleteUpTo.run(lastId);
    this.rows = this.countRows.get() as number;
  }

  /**
   * load(): the campaign's devices (by device rowid, each with its row's commit_seq) heard again
   * at each of their journal rows newer than their row. Returns the newest journal row's seq and
   * campaign clock, for the campaign's clock.
   */
  fold(campaignId: string, devices: ReadonlyMap<number, { state: DeviceState; seq: number }>): { seq: number; campaignUpdatedAtMs: number } | undefined {
    let newest: { seq: number; campaignUpdatedAtMs: number } | undefined;
    for (const [rowid, atMs, seq, campaignUpdatedAtMs] of this.selectOfCampaign.all(campaignId) as JournalRow[]) {
      const device = devices.get(rowid);
      if (!device || seq <= device.seq) continue;
      hearUplink(device.state, atMs);
      if (!newest || seq > newest.seq) newest = { seq, campaignUpdatedAtMs };
    }
    return newest;
  }

  /**
   * At open: a journal this connection did not write (a crash, another connection) folded into
   * the device rows, in one transaction, so that this connection starts with none pending.
   */
  foldIntoRows(): void {
    if (this.rows === 0) return;
    const campaigns = this.db.prepare(`SELECT DISTINCT campaign_id FROM device_heard`).pluck().all() as string[];
    const selectRow = this.db.prepare(`SELECT state_json, commit_seq FROM devices WHERE rowid = ? AND campaign_id = ?`).raw();
    const updateRow = this.db.prepare(`UPDATE devices SET state_json = ?, commit_seq = ?, campaign_updated_at_ms = ? WHERE rowid = ?`);
    this.db.transaction(() => {
      for (const campaignId of campaigns) {
        const touched = new Map<number, { state: DeviceState; seq: number; newest?: { seq: number; campaignUpdatedAtMs: number } }>();
        for (const [rowid, atMs, seq, campaignUpdatedAtMs] of this.selectOfCampaign.all(campaignId) as JournalRow[]) {
          let device = touched.get(rowid);
          if (!device) {
            const row = selectRow.get(rowid, campaignId) as [string, number] | undefined;
            if (!row) continue;
            device = { state: parseStoredJson<DeviceState>(row[0], this.file, 'devices.state_json', `campaign ${campaignId}`), seq: row[1] };
            touched.set(rowid, device);
          }
          if (seq <= device.seq) continue;
          hearUplink(device.state, atMs);
          device.newest = { seq, campaignUpdatedAtMs };
        }
        for (const [rowid, device] of touched) {
          if (device.newest) updateRow.run(JSON.stringify(device.state), device.newest.seq, device.newest.campaignUpdatedAtMs, rowid);
        }
      }
      this.db.prepare(`DELETE FROM device_heard`).run();
    }).immediate();
    this.rows = 0;
  }
}
