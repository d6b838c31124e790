import type { Database, Statement } from 'better-sqlite3';
import { hearUplink } from '../campaign/heard-uplink.js';
import type { DeviceState } from '../campaign/state.js';
import { InternalError } from '../core/errors.js';
import { reportAfterCommitFailure } from './after-commit-failure.js';
import { parseStoredJson } from './stored-json.js';

// The device journal (issue #17): what a commit did to a device is appended here instead of
// rewriting the device's row in place: an uplink that only heard it (TransitionResult.heard,
// campaign/heard-uplink.ts) as "heard at at_ms", any other change as the device's whole new state.
// The uplinks a commit only heard go in one row per campaign, as (device rowid, at_ms) pairs in
// its `heard` column, in the order they were heard (writeHeard): a row each was 1.7 µs an uplink
// in a WAL commit of 26, the pairs 0.7 µs, and deleting 2.6 million rows after a compaction took
// 0.9 s against 0.2 s for the same uplinks as pairs (better-sqlite3, one file, measured alone).
//
// Why: a device row sits on a random page of the devices table, and every page a commit dirties
// is one more frame written to the WAL. Measured by reading the WAL of bench/campaign.ts (--one
// ...:mix:adaptive:42:sqlite:500, checkpoints off, frames mapped to tables with dbstat): at
// 100 000 devices 8.7 frames a commit, 4.1 of them device-table pages; at 10 000, 3.3 frames, 0.70
// device pages. Appended rows share the journal's last page (~6 states of ~650 bytes a page, ~220
// heard pairs). A heard row replaced the rewrite of a ~1 KB row: 15-25 µs a row in a WAL commit
// against ~1.5 µs an append (better-sqlite3 at 10 000 and 100 000 rows, 4 and 30 rows a commit).
//
// Durable as before: a journal row is written in the transaction that commits its change, and
// carries that commit's seq and campaign clock (sqlite-campaign-clock.ts), so the row with the
// highest seq still has the campaign's updatedAtMs. Reading back, each device row with its journal
// rows newer than it (seq above the row's) applied in order (a state replaces, a heard row hears
// it again) is exactly the state the engine held (heardOnly proved the heard rows per transition).
//
// Bounded: this connection keeps a reference to the latest state of each device whose newest
// state is only in the journal (the engine's own committed object: never written again, draft.ts).
// Once the journal holds compactFactor rows per such device (at least compactMinRows), or
// compactStateBytes of states, those devices' rows are rewritten once each, in rowid order (so
// neighbours share their page), and the journal rows that were there when it began are deleted.
// The rewrite goes a chunk of devices after each commit, not all at once: at 100 000 devices a
// whole compaction held the commit after it for up to a second (below), as the device log's move
// did (sqlite-recent-device-log.ts). A chunk writes the state each device had when the compaction
// began; a device changed since keeps its newer journal rows, which load() and open apply on top
// (their seq is above the row's). At open, a journal left by a crash or another connection
// (a compaction half done included) is folded into the device rows.

/** Compaction waits for at least this many entries (~4 MB of heard pairs): a small journal costs nothing to keep. */
export const DEVICE_JOURNAL_COMPACT_MIN_ROWS = 262_144;
/**
 * ... and for this many rows per device it would rewrite: each rewrite (15-25 µs) is then paid by
 * that many appends (~1.5 µs each), so compaction adds ~1-1.5 µs an append. At 4 it added as much
 * as the append itself: a third of a 10 000-device demo's device-row writes were compactions
 * (105 000 of 325 000, 13 compactions), measured with the store's methods counted.
 */
export const DEVICE_JOURNAL_COMPACT_FACTOR = 16;
/**
 * ... or once the states appended since the last compaction reach this many bytes (~100 000
 * states): what load() and open parse and the journal's size on disk stay bounded, whatever the
 * number of devices. A compaction then rewrites at most as many rows as states were appended, in
 * rowid order: a page a few devices, against a random page a device when each commit rewrote its own.
 */
export const DEVICE_JOURNAL_COMPACT_STATE_BYTES = 64 * 1024 * 1024;
/**
 * Devices rewritten per transaction, one transaction after each commit while compacting. 2 400 000
 * heard-only uplinks in batches of 40 into a 100 000-device campaign (engine and SQLite file): the
 * slowest batch took 976 ms with the whole compaction in one call, 408 ms with chunks of 8 192,
 * 221 ms with 2 048 (what else those slowest batches waited for was not looked into), in about
 * the same time in all.
 */
export const DEVICE_JOURNAL_COMPACT_CHUNK_DEVICES = 2_048;

/** When to compact; the defaults above unless a test needs a small journal. */
export interface DeviceJournalOptions {
  compactMinRows?: number;
  compactFactor?: number;
  compactStateBytes?: number;
  /** Devices rewritten after each commit while a compaction runs (default DEVICE_JOURNAL_COMPACT_CHUNK_DEVICES). */
  compactChunkDevices?: number;
  /**
   * A compaction failed (it is tried again after compactMinRows more rows; nothing is lost: the
   * journal keeps what it did not fold). For the service's log: a journal that keeps failing to
   * fold grows, and load and open read all of it.
   */
  onCompactionError?: (error: unknown) => void;
}

/** A device whose newest state is only in the journal. */
interface Pending {
  campaignId: string;
  device: DeviceState;
  /** Its row in the devices table: compaction writes in this order. */
  rowid: number;
  /** Of its newest journal row: the device row gets them when it is rewritten. */
  seq: number;
  campaignUpdatedAtMs: number;
}

type JournalRow = [deviceRowid: number, atMs: number, stateJson: string | null, seq: number, campaignUpdatedAtMs: number, heard: Uint8Array | null];

/** What a journal entry does to one device: hear it at at_ms (no state), or replace its state. */
type Entry = [deviceRowid: number, atMs: number, stateJson: string | null];

/** Bytes of one (device rowid, at_ms) pair in a row's `heard` column. */
const HEARD_PAIR_BYTES = 16;

/** The uplinks one commit only heard, of one campaign: written as one row (writeHeard). */
interface HeardBatch {
  campaignId: string;
  seq: number;
  campaignUpdatedAtMs: number;
  /** Device rowid, at_ms, device rowid, at_ms, ... in the order heard. */
  pairs: number[];
}

/** A device as read back: its state (replaced or heard again by the journal) and the seq it is at. */
export interface FoldedDevice {
  state: DeviceState;
  seq: number;
}

/** Writes a device row (the store's own writeDevice). */
export type WriteDevice = (campaignId: string, device: DeviceState, seq: number, campaignUpdatedAtMs: number) => void;

export class SqliteDeviceJournal {
  private readonly insertRow: Statement;
  private readonly selectOfCampaign: Statement;
  private readonly countRows: Statement;
  private readonly maxId: Statement;
  private readonly deleteUpTo: Statement;
  /** Rows in the table, as this connection counts them. */
  private rows: number;
  /** Bytes of the states appended since the last compaction, as this connection counts them. */
  private stateBytes = 0;
  /**
   * By device rowid (unique across campaigns): a number key, not campaign id then DevEUI, because
   * each heard uplink looks its device up here, and at 100 000 devices the two string-keyed maps'
   * lookups were ~1.5 % of a benchmark's CPU (perf; issue #17).
   */
  private readonly pending = new Map<number, Pending>();
  /** What the running transaction did; applied to `pending` and the counts only once it committed. */
  private staged: Pending[] = [];
  private stagedRows = 0;
  private stagedStateBytes = 0;
  /** The running transaction's heard uplinks not yet written (writeHeard), by campaign. */
  private readonly heardBatches = new Map<string, HeardBatch>();
  /** After a failed compaction, the row count at which to try again. */
  private retryAtRows = 0;
  /** The compaction under way: the devices pending when it began, in rowid order, and the journal's last id then. */
  private compaction: { devices: Pending[]; next: number; lastId: number | null } | undefined;

  private readonly compactMinRows: number;
  private readonly compactFactor: number;
  private readonly compactStateBytes: number;
  private readonly compactChunkDevices: number;
  private readonly onCompactionError: ((error: unknown) => void) | undefined;

  constructor(
    private readonly db: Database,
    private readonly file: string,
    options: DeviceJournalOptions = {},
  ) {
    this.compactMinRows = options.compactMinRows ?? DEVICE_JOURNAL_COMPACT_MIN_ROWS;
    this.compactFactor = options.compactFactor ?? DEVICE_JOURNAL_COMPACT_FACTOR;
    this.compactStateBytes = options.compactStateBytes ?? DEVICE_JOURNAL_COMPACT_STATE_BYTES;
    this.compactChunkDevices = options.compactChunkDevices ?? DEVICE_JOURNAL_COMPACT_CHUNK_DEVICES;
    this.onCompactionError = options.onCompactionError;
    this.insertRow = db.prepare(`INSERT INTO device_journal (campaign_id, device_rowid, at_ms, state_json, commit_seq, campaign_updated_at_ms, heard) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.selectOfCampaign = db.prepare(`SELECT device_rowid, at_ms, state_json, commit_seq, campaign_updated_at_ms, heard FROM device_journal WHERE campaign_id = ? ORDER BY id`).raw();
    // Entries, not rows: a row of heard pairs counts each uplink it holds.
    this.countRows = db.prepare(`SELECT coalesce(sum(CASE WHEN heard IS NULL THEN 1 ELSE length(heard) / ${HEARD_PAIR_BYTES} END), 0) FROM device_journal`).pluck();
    this.maxId = db.prepare(`SELECT max(id) FROM device_journal`).pluck();
    this.deleteUpTo = db.prepare(`DELETE FROM device_journal WHERE id <= ?`);
    this.rows = this.countRows.get() as number;
  }

  /** Entries in the journal now: state rows and heard uplinks (a row of pairs counts each). */
  get size(): number {
    return this.rows;
  }

  /**
   * Within a transaction: `device` (as it is after the uplink) was heard at `atMs` in the commit
   * `seq`. Kept as a pair until writeHeard(), which the transaction must call before it ends.
   */
  heard(campaignId: string, deviceRowid: number, device: DeviceState, atMs: number, seq: number, campaignUpdatedAtMs: number): void {
    let batch = this.heardBatches.get(campaignId);
    // A transaction commits a campaign once, at one seq and clock: the row carries them for all its pairs.
    if (batch && (batch.seq !== seq || batch.campaignUpdatedAtMs !== campaignUpdatedAtMs)) {
      throw new InternalError('DEVICE_JOURNAL_HEARD_CLOCK', `campaign store ${this.file}: expected one commit seq for campaign ${campaignId} in a transaction, got ${batch.seq} and ${seq}`);
    }
    if (!batch) this.heardBatches.set(campaignId, (batch = { campaignId, seq, campaignUpdatedAtMs, pairs: [] }));
    batch.pairs.push(deviceRowid, atMs);
    this.stage({ campaignId, device, rowid: deviceRowid, seq, campaignUpdatedAtMs });
  }

  /** Within a transaction, at its end: the heard uplinks as one row per campaign. */
  writeHeard(): void {
    for (const batch of this.heardBatches.values()) {
      const bytes = Buffer.allocUnsafe(batch.pairs.length * 8);
      for (let i = 0; i < batch.pairs.length; i++) bytes.writeDoubleLE(batch.pairs[i]!, i * 8);
      this.insertRow.run(batch.campaignId, 0, 0, null, batch.seq, batch.campaignUpdatedAtMs, bytes);
    }
    this.heardBatches.clear();
  }

  /** Within a transaction: the commit `seq` left `device` as it is now (its whole state; at_ms unused, 0). */
  replaced(campaignId: string, deviceRowid: number, device: DeviceState, seq: number, campaignUpdatedAtMs: number): void {
    const json = JSON.stringify(device);
    this.insertRow.run(campaignId, deviceRowid, 0, json, seq, campaignUpdatedAtMs, null);
    this.stagedStateBytes += json.length;
    this.stage({ campaignId, device, rowid: deviceRowid, seq, campaignUpdatedAtMs });
  }

  /** Runs a transaction: what it staged is kept when it returns, dropped when it throws. */
  around<T>(transaction: () => T): T {
    this.staged = [];
    this.stagedRows = 0;
    this.stagedStateBytes = 0;
    this.heardBatches.clear();
    try {
      const out = transaction();
      // A store bug, not a fault of the file: the transaction committed without its heard rows.
      if (this.heardBatches.size > 0) throw new InternalError('DEVICE_JOURNAL_HEARD_UNWRITTEN', `campaign store ${this.file}: expected the transaction to write its heard uplinks (writeHeard), got ${this.heardBatches.size} campaigns' unwritten`);
      for (const pending of this.staged) this.pending.set(pending.rowid, pending);
      this.rows += this.stagedRows;
      this.stateBytes += this.stagedStateBytes;
      return out;
    } finally {
      this.staged = [];
      this.stagedRows = 0;
      this.stagedStateBytes = 0;
      this.heardBatches.clear();
    }
  }

  /**
   * After a commit: the next chunk of the compaction under way, or the start of one once the
   * journal is large enough. Never throws: what it did not finish stays in the journal, which
   * load() reads, and it tries again after another compactMinRows rows (the commit that called it
   * is committed).
   */
  maybeCompact(write: WriteDevice): void {
    try {
      if (!this.compaction) {
        if (this.rows < this.retryAtRows) return;
        const due = this.rows >= Math.max(this.compactMinRows, this.compactFactor * this.pending.size) || this.stateBytes >= this.compactStateBytes;
        if (!due) return;
        this.beginCompaction();
      }
      this.compactChunk(write);
    } catch (error) {
      this.compaction = undefined;
      this.retryAtRows = this.rows + this.compactMinRows;
      reportAfterCommitFailure(this.onCompactionError, error);
    }
  }

  /** The devices pending now and the journal rows so far: what this compaction folds. */
  private beginCompaction(): void {
    this.compaction = { devices: [...this.pending.values()].sort((a, b) => a.rowid - b.rowid), next: 0, lastId: this.maxId.get() as number | null };
    this.retryAtRows = 0;
    // The states appended from here on are the next compaction's.
    this.stateBytes = 0;
  }

  /**
   * One chunk of device rows (in rowid order) rewritten as they were when the compaction began;
   * after the last, the journal rows from before it began are deleted: the device rows hold them
   * now, or a newer journal row does.
   */
  private compactChunk(write: WriteDevice): void {
    const compaction = this.compaction!;
    const chunk = compaction.devices.slice(compaction.next, compaction.next + this.compactChunkDevices);
    this.db.transaction(() => {
      for (const p of chunk) write(p.campaignId, p.device, p.seq, p.campaignUpdatedAtMs);
    }).immediate();
    // A device committed again since the compaction began is still pending, with that newer state.
    for (const p of chunk) if (this.pending.get(p.rowid) === p) this.pending.delete(p.rowid);
    compaction.next += chunk.length;
    if (compaction.next < compaction.devices.length) return;
    if (compaction.lastId !== null) this.deleteUpTo.run(compaction.lastId);
    this.rows = this.countRows.get() as number;
    this.compaction = undefined;
  }

  /**
   * load(): the campaign's devices (by device rowid, each with its row's commit_seq) with each of
   * their journal rows newer than their row applied in order. Returns the newest journal row's
   * seq and campaign clock, for the campaign's clock.
   */
  fold(campaignId: string, devices: ReadonlyMap<number, FoldedDevice>): { seq: number; campaignUpdatedAtMs: number } | undefined {
    let newest: { seq: number; campaignUpdatedAtMs: number } | undefined;
    for (const row of this.selectOfCampaign.all(campaignId) as JournalRow[]) {
      const [, , , seq, campaignUpdatedAtMs] = row;
      for (const entry of this.entriesOf(campaignId, row)) {
        const device = devices.get(entry[0]);
        if (!device || !this.apply(campaignId, device, entry, seq)) continue;
        if (!newest || seq > newest.seq) newest = { seq, campaignUpdatedAtMs };
      }
    }
    return newest;
  }

  /**
   * At open: a journal this connection did not write (a crash, another connection) folded into
   * the device rows, in one transaction, so that this connection starts with none pending.
   */
  foldIntoRows(): void {
    if (this.rows === 0) return;
    const campaigns = this.db.prepare(`SELECT DISTINCT campaign_id FROM device_journal`).pluck().all() as string[];
    const selectRow = this.db.prepare(`SELECT state_json, commit_seq FROM devices WHERE rowid = ? AND campaign_id = ?`).raw();
    const updateRow = this.db.prepare(`UPDATE devices SET state_json = ?, commit_seq = ?, campaign_updated_at_ms = ? WHERE rowid = ?`);
    this.db.transaction(() => {
      for (const campaignId of campaigns) {
        const touched = new Map<number, FoldedDevice & { newest?: { seq: number; campaignUpdatedAtMs: number } }>();
        for (const row of this.selectOfCampaign.all(campaignId) as JournalRow[]) {
          for (const entry of this.entriesOf(campaignId, row)) {
            const rowid = entry[0];
            let device = touched.get(rowid);
            if (!device) {
              const stored = selectRow.get(rowid, campaignId) as [string, number] | undefined;
              if (!stored) continue;
              device = { state: this.parse(stored[0], 'devices.state_json', campaignId), seq: stored[1] };
              touched.set(rowid, device);
            }
            if (!this.apply(campaignId, device, entry, row[3])) continue;
            device.newest = { seq: row[3], campaignUpdatedAtMs: row[4] };
          }
        }
        for (const [rowid, device] of touched) {
          if (device.newest) updateRow.run(JSON.stringify(device.state), device.newest.seq, device.newest.campaignUpdatedAtMs, rowid);
        }
      }
      this.db.prepare(`DELETE FROM device_journal`).run();
    }).immediate();
    this.rows = 0;
    this.stateBytes = 0;
  }

  private stage(pending: Pending): void {
    this.stagedRows++;
    this.staged.push(pending);
  }

  /**
   * A row's entries: the row itself, or each heard pair it holds, in order. A pair's at_ms and
   * rowid are whole numbers written as float64 (exact below 2^53).
   */
  private entriesOf(campaignId: string, row: JournalRow): Entry[] {
    const heard = row[5];
    if (heard === null) return [[row[0], row[1], row[2]]];
    if (heard.byteLength % HEARD_PAIR_BYTES !== 0) {
      throw new InternalError('STORE_CORRUPT', `campaign store ${this.file}: device_journal.heard of campaign ${campaignId}: expected a multiple of ${HEARD_PAIR_BYTES} bytes, got ${heard.byteLength}`);
    }
    const view = new DataView(heard.buffer, heard.byteOffset, heard.byteLength);
    const entries: Entry[] = [];
    for (let at = 0; at < heard.byteLength; at += HEARD_PAIR_BYTES) entries.push([view.getFloat64(at, true), view.getFloat64(at + 8, true), null]);
    return entries;
  }

  /** One journal entry of the commit `seq` onto `device` when it is newer than the device's row; whether it was. */
  private apply(campaignId: string, device: FoldedDevice, [, atMs, stateJson]: Entry, seq: number): boolean {
    if (seq <= device.seq) return false;
    if (stateJson === null) hearUplink(device.state, atMs);
    else device.state = this.parse(stateJson, 'device_journal.state_json', campaignId);
    return true;
  }

  private parse(json: string, column: string, campaignId: string): DeviceState {
    return parseStoredJson<DeviceState>(json, this.file, column, `campaign ${campaignId}`);
  }
}
