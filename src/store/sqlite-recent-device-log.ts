import type { Database, Statement } from 'better-sqlite3';
import type { DeviceLogEntry } from '../campaign/draft.js';
import { reportAfterCommitFailure } from './after-commit-failure.js';
import { wellFormed } from './device-log.js';

// The newest device-log entries (issue #17): a commit appends its log lines to device_log_recent,
// a table without an index, and they move into device_log (indexed by device) in bulk, sorted by
// device, once enough have gathered: a chunk of devices after each commit until all are moved,
// then the copies left here deleted, a chunk of ids after each commit.
//
// Why: device_log_by_device puts each device's entries on its own leaf page, so a commit that
// logs for 30 devices dirties ~30 random index pages, each one more frame written to the WAL, and
// a page split now and then (which also makes SQLite scan its whole page cache at the commit:
// balance_nonroot renumbers pages through the lock-byte page, and pcache1Truncate then walks every
// hash slot). Measured by reading the WAL of bench/campaign.ts --one 100000:mix:adaptive:42:sqlite:500
// (frames mapped to tables with dbstat): 2.9 of 8.7 frames a commit were that index. Appended
// rows share the table's last page; a move writes each device's index leaf once for all the
// entries it gathered.
//
// Reading a device's recent entries needs no index: this connection remembers the ids of each
// device's rows (a few per device, forgotten at each move). Ids are handed out here, above every
// id of both tables, so that "ordered by id" stays the order entries were logged in across both.
// At open the table is moved whole, so a connection starts with nothing it does not know of
// (rows a crash or another connection left).

/** A move waits for at least this many rows (~6 MB). */
export const RECENT_DEVICE_LOG_MOVE_MIN_ROWS = 65_536;
/** ... and for this many rows per device that has some: a move then writes a device's index leaf once per this many entries. */
export const RECENT_DEVICE_LOG_MOVE_FACTOR = 8;
/**
 * A move goes a chunk of devices (in device order) at a time, one chunk after each commit, so
 * that no commit waits for the whole table. Measured on a synthetic store (100 000 devices, 50
 * rows each in device_log, then 800 000 recent rows in commits of 4 000): the whole table at once
 * took 15.3 s as one sorted INSERT ... SELECT (while CI ran beside it) and 25.0 s row by row (alone);
 * in chunks of 16 384 rows, 49 chunks, 0.52 s each (median), 1.8 s the last (it deleted the
 * copies, all 800 000), 32.8 s in all. The copies now go COPIES_DELETED_PER_CHUNK times this many
 * ids after each commit once the last chunk is copied.
 */
export const RECENT_DEVICE_LOG_MOVE_CHUNK_ROWS = 16_384;
/**
 * A range of ids costs less a row to delete than to copy (800 000 in 1.8 s, against 0.52 s for
 * 16 384 copied): by that proportion ~150 ms a range of 65 536 (not measured on its own).
 */
const COPIES_DELETED_PER_CHUNK = 4;

export interface RecentDeviceLogOptions {
  moveMinRows?: number;
  moveFactor?: number;
  moveChunkRows?: number;
  /** A move failed (tried again after moveMinRows more rows; nothing is lost: the rows stay where they are and are read from there). */
  onMoveError?: (error: unknown) => void;
}

type Row = [atMs: number, direction: DeviceLogEntry['direction'], fPort: number | null, payloadHex: string | null, text: string];

export class SqliteRecentDeviceLog {
  private readonly insertRow: Statement;
  private readonly selectRow: Statement;
  private readonly selectAtMs: Statement;
  private readonly deleteRow: Statement;
  private readonly moveRows: Statement;
  private readonly moveRow: Statement;
  /** While a move is under way: the devices it takes, in device order, and how far it got. */
  private moveQueue: Array<[campaignId: string, devEui: string]> = [];
  private movePosition = 0;
  /** The highest id when the move began: every row up to it is moved by the move's end. */
  private moveStartMaxId = 0;
  /** Whether the table may hold copies: from a move's start until one ends (a failed move leaves its copies to the next). */
  private mayHoldCopies = false;
  /** Rows the move copied that were logged after it began (their devices' chunks came later). */
  private movedAfterStart: number[] = [];
  private readonly deleteRange: Statement;
  private readonly selectMinId: Statement;
  /**
   * After a move's last chunk: its copies with ids up to this one are deleted, the rest go after
   * the next commits (undefined: none left to delete).
   */
  private copiesDeletedUpTo: number | undefined;
  private readonly moveChunkRows: number;
  private readonly deleteAll: Statement;
  /**
   * Campaign → DevEUI → ids of the device's rows in the table, oldest first. Keyed twice rather
   * than by one joined string: the DevEUI key is the log entry's own string, not a new one a device.
   */
  private readonly ids = new Map<string, Map<string, number[]>>();
  /** Devices with rows here. */
  private devices = 0;
  private rows = 0;
  private nextId: number;
  /** What the running transaction did to the lists, to undo newest first if it rolls back: an id appended, or ids taken from the front. */
  private undo: Array<[campaignId: string, devEui: string, taken: number[] | undefined]> = [];
  private undoRows = 0;
  private retryAtRows = 0;
  private readonly moveMinRows: number;
  private readonly moveFactor: number;
  private readonly onMoveError: ((error: unknown) => void) | undefined;

  constructor(
    private readonly db: Database,
    options: RecentDeviceLogOptions = {},
  ) {
    this.moveMinRows = options.moveMinRows ?? RECENT_DEVICE_LOG_MOVE_MIN_ROWS;
    this.moveFactor = options.moveFactor ?? RECENT_DEVICE_LOG_MOVE_FACTOR;
    this.moveChunkRows = options.moveChunkRows ?? RECENT_DEVICE_LOG_MOVE_CHUNK_ROWS;
    this.onMoveError = options.onMoveError;
    this.insertRow = db.prepare(`INSERT INTO device_log_recent (id, campaign_id, dev_eui, at_ms, direction, f_port, payload_hex, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.selectRow = db.prepare(`SELECT at_ms, direction, f_port, payload_hex, text FROM device_log_recent WHERE id = ?`).raw();
    this.selectAtMs = db.prepare(`SELECT at_ms FROM device_log_recent WHERE id = ?`).pluck();
    this.deleteRow = db.prepare(`DELETE FROM device_log_recent WHERE id = ?`);
    this.deleteRange = db.prepare(`DELETE FROM device_log_recent WHERE id > ? AND id <= ?`);
    this.selectMinId = db.prepare(`SELECT min(id) FROM device_log_recent`).pluck();
    // Sorted by device: each device's entries land on its index leaf together.
    // OR IGNORE: a row a move had copied when a crash came is in device_log already (same id, same row).
    this.moveRows = db.prepare(
      `INSERT OR IGNORE INTO device_log (id, campaign_id, dev_eui, at_ms, direction, f_port, payload_hex, text)
       SELECT id, campaign_id, dev_eui, at_ms, direction, f_port, payload_hex, text FROM device_log_recent ORDER BY campaign_id, dev_eui, id`,
    );
    this.deleteAll = db.prepare(`DELETE FROM device_log_recent`);
    this.moveRow = db.prepare(
      `INSERT INTO device_log (id, campaign_id, dev_eui, at_ms, direction, f_port, payload_hex, text)
       SELECT id, campaign_id, dev_eui, at_ms, direction, f_port, payload_hex, text FROM device_log_recent WHERE id = ?`,
    );
    if (db.prepare(`SELECT EXISTS (SELECT 1 FROM device_log_recent)`).pluck().get() === 1) this.moveAll();
    this.nextId = (db.prepare(`SELECT max(id) FROM device_log`).pluck().get() as number | null ?? 0) + 1;
  }

  /** Within a transaction: appends the entry. */
  insert(campaignId: string, entry: DeviceLogEntry): void {
    const id = this.nextId++;
    this.insertRow.run(id, campaignId, entry.devEui, entry.atMs, entry.direction, entry.fPort ?? null, entry.payloadHex ?? null, wellFormed(entry.text));
    let list = this.idsOf(campaignId, entry.devEui);
    if (!list) this.setIds(campaignId, entry.devEui, (list = []));
    list.push(id);
    this.undo.push([campaignId, entry.devEui, undefined]);
    this.rows++;
    this.undoRows++;
  }

  /** How many of the device's entries are here. */
  count(campaignId: string, devEui: string): number {
    return this.idsOf(campaignId, devEui)?.length ?? 0;
  }

  /** The device's newest `limit` entries here, oldest first. */
  newest(campaignId: string, devEui: string, limit: number): Row[] {
    const ids = this.idsOf(campaignId, devEui);
    if (!ids) return [];
    return ids.slice(Math.max(0, ids.length - limit)).map((id) => this.selectRow.get(id) as Row);
  }

  /** The atMs of the device's oldest entry here, if it has one. */
  oldestAtMs(campaignId: string, devEui: string): number | undefined {
    const id = this.idsOf(campaignId, devEui)?.[0];
    return id === undefined ? undefined : (this.selectAtMs.get(id) as number);
  }

  /** [id, atMs] of each of the device's entries here, oldest first. */
  times(campaignId: string, devEui: string): Array<[id: number, atMs: number]> {
    return (this.idsOf(campaignId, devEui) ?? []).map((id) => [id, this.selectAtMs.get(id) as number]);
  }

  /** Within a transaction: the device's entries with an id up to `lastId`, oldest first, deleted. */
  takeUpTo(campaignId: string, devEui: string, lastId: number): Row[] {
    const list = this.idsOf(campaignId, devEui);
    if (!list) return [];
    let count = 0;
    while (count < list.length && list[count]! <= lastId) count++;
    if (count === 0) return [];
    const ids = list.splice(0, count);
    this.undo.push([campaignId, devEui, ids]);
    if (list.length === 0) this.setIds(campaignId, devEui, undefined);
    this.rows -= count;
    this.undoRows -= count;
    return ids.map((id) => {
      const row = this.selectRow.get(id) as Row;
      this.deleteRow.run(id);
      return row;
    });
  }

  /** Within a transaction: deletes the copies a move made of these rows of device_log, if it still holds any (retention dropped the rows). */
  dropCopies(ids: readonly number[]): void {
    if (!this.mayHoldCopies) return;
    for (const id of ids) this.deleteRow.run(id);
  }

  /** Runs a transaction: what it did to the lists is kept when it returns, put back when it throws. */
  around<T>(transaction: () => T): T {
    this.undo = [];
    this.undoRows = 0;
    try {
      return transaction();
    } catch (error) {
      // Newest first, each change reverted: the lists end as they were before the transaction.
      for (const [campaignId, devEui, taken] of this.undo.reverse()) {
        let list = this.idsOf(campaignId, devEui);
        if (!list) this.setIds(campaignId, devEui, (list = []));
        if (taken) list.unshift(...taken);
        else list.pop();
        if (list.length === 0) this.setIds(campaignId, devEui, undefined);
      }
      this.rows -= this.undoRows;
      throw error;
    } finally {
      this.undo = [];
      this.undoRows = 0;
    }
  }

  /**
   * After a commit: once enough rows gathered, starts a move of every device that has some (in
   * device order), and moves its next chunk (moveChunkRows rows) after each commit until it is
   * done, then deletes the next ids of its copies after each commit until none is left. Never
   * throws: rows a move did not take stay here and are read from here; after a failure it goes on
   * (or starts again) after moveMinRows more rows.
   */
  maybeMove(): void {
    if (this.copiesDeletedUpTo !== undefined) {
      if (this.rows < this.retryAtRows) return;
      try {
        const from = this.copiesDeletedUpTo;
        this.copiesDeleted(this.db.transaction(() => this.deleteCopies(from, [])).immediate());
        this.retryAtRows = 0;
      } catch (error) {
        this.retryAtRows = this.rows + this.moveMinRows;
        reportAfterCommitFailure(this.onMoveError, error);
      }
      return;
    }
    if (this.movePosition >= this.moveQueue.length) {
      if (this.rows < Math.max(this.moveMinRows, this.moveFactor * this.devices, this.retryAtRows)) return;
      this.moveQueue = this.devicesInOrder();
      this.movePosition = 0;
      this.moveStartMaxId = this.nextId - 1;
      this.mayHoldCopies = true;
      this.movedAfterStart = [];
    }
    try {
      this.moveChunk();
      this.retryAtRows = 0;
    } catch (error) {
      this.moveQueue = [];
      this.movePosition = 0;
      this.retryAtRows = this.rows + this.moveMinRows;
      reportAfterCommitFailure(this.onMoveError, error);
    }
  }

  /** The next devices of the move, all their rows, in one transaction. */
  private moveChunk(): void {
    const chunk: Array<[campaignId: string, devEui: string, ids: number[]]> = [];
    let rows = 0;
    while (this.movePosition < this.moveQueue.length && rows < this.moveChunkRows) {
      const [campaignId, devEui] = this.moveQueue[this.movePosition++]!;
      // None left: retention took them since the move began.
      const ids = this.idsOf(campaignId, devEui);
      if (!ids) continue;
      chunk.push([campaignId, devEui, ids]);
      rows += ids.length;
    }
    const last = this.movePosition >= this.moveQueue.length;
    const after: number[] = [];
    // Copied only: deleting row by row would rewrite pages all over the table (a chunk's devices
    // have rows everywhere in it; measured 2 s a chunk against 15 s for a whole move at once).
    // The last chunk begins deleting what the move copied: the ids up to where it began, in
    // ranges, then the few logged since.
    const deleted = this.db
      .transaction(() => {
        for (const [, , ids] of chunk) {
          for (const id of ids) {
            this.moveRow.run(id);
            if (id > this.moveStartMaxId) after.push(id);
          }
        }
        return last ? this.deleteCopies(((this.selectMinId.get() as number | null) ?? this.moveStartMaxId + 1) - 1, after) : undefined;
      })
      .immediate();
    for (const [campaignId, devEui] of chunk) this.setIds(campaignId, devEui, undefined);
    this.rows -= rows;
    this.movedAfterStart.push(...after);
    if (last) this.moveQueue = [];
    if (deleted) this.copiesDeleted(deleted);
  }

  /**
   * Within a transaction: the copies of the move that ended, ids from `from` on (up to
   * COPIES_DELETED_PER_CHUNK × moveChunkRows of them); once past where the move began, those
   * logged since it began too (`extra`: the last chunk's, not yet in movedAfterStart). Returns
   * how far it got.
   */
  private deleteCopies(from: number, extra: readonly number[]): { upTo: number; done: boolean } {
    const upTo = Math.max(from, Math.min(from + COPIES_DELETED_PER_CHUNK * this.moveChunkRows, this.moveStartMaxId));
    if (upTo > from) this.deleteRange.run(from, upTo);
    if (upTo < this.moveStartMaxId) return { upTo, done: false };
    for (const id of [...this.movedAfterStart, ...extra]) this.deleteRow.run(id);
    return { upTo, done: true };
  }

  /** After the commit of a deleteCopies: where the next goes on from, or no copies left. */
  private copiesDeleted({ upTo, done }: { upTo: number; done: boolean }): void {
    this.copiesDeletedUpTo = done ? undefined : upTo;
    if (!done) return;
    this.mayHoldCopies = false;
    this.movedAfterStart = [];
  }

  /** Every device with rows here, sorted as device_log_by_device sorts them (TEXT compares as bytes; ours are ASCII). */
  private devicesInOrder(): Array<[campaignId: string, devEui: string]> {
    const out: Array<[string, string]> = [];
    for (const campaignId of [...this.ids.keys()].sort()) for (const devEui of [...this.ids.get(campaignId)!.keys()].sort()) out.push([campaignId, devEui]);
    return out;
  }

  /** Every row into device_log, in one transaction (at open). */
  private moveAll(): void {
    this.db
      .transaction(() => {
        this.moveRows.run();
        this.deleteAll.run();
      })
      .immediate();
    this.ids.clear();
    this.devices = 0;
    this.rows = 0;
    this.moveQueue = [];
    this.movePosition = 0;
    this.movedAfterStart = [];
    this.mayHoldCopies = false;
    this.copiesDeletedUpTo = undefined;
  }

  private idsOf(campaignId: string, devEui: string): number[] | undefined {
    return this.ids.get(campaignId)?.get(devEui);
  }

  private setIds(campaignId: string, devEui: string, list: number[] | undefined): void {
    let devices = this.ids.get(campaignId);
    const had = devices?.has(devEui) ?? false;
    if (list === undefined) {
      if (devices?.delete(devEui) && devices.size === 0) this.ids.delete(campaignId);
    } else {
      if (!devices) this.ids.set(campaignId, (devices = new Map()));
      devices.set(devEui, list);
    }
    this.devices += (list === undefined ? 0 : 1) - (had ? 1 : 0);
  }

}
