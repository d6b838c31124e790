import type { Database, Statement } from 'better-sqlite3';
import type { DeviceLogSummary } from '../campaign/device-log-summary.js';
import type { DeviceLogEntry } from '../campaign/draft.js';
import { CompactionGate, compactionDue, compactionThresholdEntries, droppedCount, linesByDevice, summarise, summarisedCount, type DeviceLogRetention } from './device-log-retention.js';
import { logEntry } from './device-log.js';
import type { SqliteRecentDeviceLog } from './sqlite-recent-device-log.js';
import { parseStoredJson } from './stored-json.js';

// The SQLite store's side of the device-log retention (rules: device-log-retention.ts). Runs
// inside the caller's transaction: afterInsert in the commit's, so that a transition and the
// pruning it caused are one; the sweep at open in transactions of its own, a batch of devices each.
// A device's entries are in device_log and, the newest, in device_log_recent
// (sqlite-recent-device-log.ts: every id there is above every id in device_log).

type Row = [atMs: number, direction: DeviceLogEntry['direction'], fPort: number | null, payloadHex: string | null, text: string];

/** Devices compacted per transaction by the sweep at open (keeps each transaction short on a big store). */
const SWEEP_BATCH_DEVICES = 500;

export class SqliteDeviceLogRetention {
  private readonly probe: Statement;
  private readonly selectTimes: Statement;
  private readonly selectDropped: Statement;
  private readonly selectSummary: Statement;
  private readonly upsertSummary: Statement;
  private readonly deleteUpTo: Statement;
  private readonly threshold: number;
  private readonly gate: CompactionGate;

  constructor(
    private readonly db: Database,
    private readonly retention: DeviceLogRetention,
    /** The file, for messages. */
    private readonly file: string,
    private readonly recent: SqliteRecentDeviceLog,
  ) {
    this.threshold = compactionThresholdEntries(retention);
    this.gate = new CompactionGate(retention);
    // Through device_log_by_device: the device's entries (a quarter more than keepEntries at
    // most, normally) and its oldest, whatever the size of the whole log.
    this.probe = db
      .prepare(
        `SELECT (SELECT count(*) FROM device_log WHERE campaign_id = @c AND dev_eui = @d) AS entries,
                (SELECT at_ms FROM device_log WHERE campaign_id = @c AND dev_eui = @d ORDER BY id LIMIT 1) AS oldest`,
      )
      .raw();
    // The times of all the device's entries first, the whole rows of the dropped ones only.
    this.selectTimes = db.prepare(`SELECT id, at_ms FROM device_log WHERE campaign_id = ? AND dev_eui = ? ORDER BY id`).raw();
    this.selectDropped = db.prepare(`SELECT at_ms, direction, f_port, payload_hex, text FROM device_log WHERE campaign_id = ? AND dev_eui = ? AND id <= ? ORDER BY id`).raw();
    this.selectSummary = db.prepare(`SELECT summary_json FROM device_log_summaries WHERE campaign_id = ? AND dev_eui = ?`).pluck();
    this.upsertSummary = db.prepare(
      `INSERT INTO device_log_summaries (campaign_id, dev_eui, summary_json) VALUES (?, ?, ?) ON CONFLICT (campaign_id, dev_eui) DO UPDATE SET summary_json = excluded.summary_json`,
    );
    this.deleteUpTo = db.prepare(`DELETE FROM device_log WHERE campaign_id = ? AND dev_eui = ? AND id <= ?`);
  }

  /** After a commit inserted `log` into campaign `campaignId` (same transaction): compacts the devices that are due. */
  afterInsert(campaignId: string, log: readonly DeviceLogEntry[]): void {
    if (log.length === 0) return;
    for (const [devEui, { added, newestAtMs }] of linesByDevice(log)) {
      if (!this.gate.mayBeDue(campaignId, devEui, added, newestAtMs)) continue;
      const [logged, loggedOldest] = this.probe.get({ c: campaignId, d: devEui }) as [number, number | null];
      const oldest = loggedOldest ?? this.recent.oldestAtMs(campaignId, devEui);
      if (oldest === undefined) continue;
      const entries = logged + this.recent.count(campaignId, devEui);
      this.gate.learned(campaignId, devEui, entries, oldest);
      if (compactionDue(this.retention, entries > this.threshold, oldest, newestAtMs)) this.compact(campaignId, devEui);
    }
  }

  summaryOf(campaignId: string, devEui: string): DeviceLogSummary | undefined {
    const json = this.selectSummary.get(campaignId, devEui) as string | undefined;
    return json === undefined ? undefined : parseStoredJson<DeviceLogSummary>(json, this.file, 'device_log_summaries.summary_json', `campaign ${campaignId} device ${devEui}`);
  }

  /**
   * At open: when the retention differs from the one the store was last swept with (or it never
   * was: a store from before retention), compacts every device that is due. Returns how many.
   */
  sweepIfChanged(): number {
    const marker = this.db.prepare(`SELECT keep_entries, max_age_ms FROM device_log_retention`).raw().get() as [number, number] | undefined;
    if (marker && marker[0] === this.retention.keepEntries && marker[1] === this.retention.maxAgeMs) return 0;
    const groups = this.db
      .prepare(`SELECT campaign_id, dev_eui, count(*), min(at_ms), max(at_ms) FROM device_log GROUP BY campaign_id, dev_eui`)
      .raw()
      .all() as Array<[string, string, number, number, number]>;
    const due = groups.filter(([, , count, oldest, newest]) => compactionDue(this.retention, count > this.threshold, oldest, newest));
    const batch = this.db.transaction((devices: typeof due) => {
      for (const [campaignId, devEui] of devices) this.compact(campaignId, devEui);
    });
    for (let i = 0; i < due.length; i += SWEEP_BATCH_DEVICES) batch.immediate(due.slice(i, i + SWEEP_BATCH_DEVICES));
    this.db
      .prepare(
        `INSERT INTO device_log_retention (only_row, keep_entries, max_age_ms) VALUES (1, ?, ?) ON CONFLICT (only_row) DO UPDATE SET keep_entries = excluded.keep_entries, max_age_ms = excluded.max_age_ms`,
      )
      .run(this.retention.keepEntries, this.retention.maxAgeMs);
    return due.length;
  }

  /** Drops the device's entries beyond the limits into its summary (the caller holds a write transaction). */
  private compact(campaignId: string, devEui: string): void {
    const logged = this.selectTimes.all(campaignId, devEui) as Array<[id: number, atMs: number]>;
    const times = [...logged, ...this.recent.times(campaignId, devEui)];
    const previous = this.summaryOf(campaignId, devEui);
    const count = droppedCount(
      this.retention,
      times.map((row) => row[1]),
      summarisedCount(previous),
    );
    if (count === 0) return;
    const lastId = times[count - 1]![0];
    const rows = [...(this.selectDropped.all(campaignId, devEui, lastId) as Row[]), ...this.recent.takeUpTo(campaignId, devEui, lastId)];
    const dropped = rows.map((row) => logEntry(devEui, ...row));
    this.upsertSummary.run(campaignId, devEui, JSON.stringify(summarise(previous, dropped)));
    this.deleteUpTo.run(campaignId, devEui, lastId);
    // A move under way (or one that failed) may still hold a copy of a dropped row: gone too, or a
    // start after a crash would move it back.
    this.recent.dropCopies(logged.filter(([id]) => id <= lastId).map(([id]) => id));
  }
}
