import type pg from 'pg';
import type { DeviceLogSummary } from '../campaign/device-log-summary.js';
import type { DeviceLogEntry } from '../campaign/draft.js';
import { CompactionGate, compactionDue, compactionThresholdEntries, droppedCount, linesByDevice, summarise, summarisedCount, type DeviceLogRetention } from './device-log-retention.js';
import { logEntry } from './device-log.js';
import { msFromBigint } from './postgres-connection.js';
import { parseStoredJson } from './stored-json.js';

// The PostgreSQL store's side of the device-log retention (rules: device-log-retention.ts), the
// same steps as the SQLite one (device-log-retention-sqlite.ts) so that both give back the same
// log. afterInsert runs in the commit's transaction: one probe statement for the devices the
// commit logged for that may be due (CompactionGate), and a compaction only for those that are.

type Queryable = Pick<pg.PoolClient, 'query'>;

/** Devices compacted per transaction by the sweep at open. */
const SWEEP_BATCH_DEVICES = 500;

export class PostgresDeviceLogRetention {
  private readonly threshold: number;
  private readonly gate: CompactionGate;

  constructor(
    private readonly retention: DeviceLogRetention,
    /** Qualifies a table name with the store's schema. */
    private readonly t: (table: string) => string,
    /** The store's URL without its password, for messages. */
    private readonly label: string,
  ) {
    this.threshold = compactionThresholdEntries(retention);
    this.gate = new CompactionGate(retention);
  }

  /** After a commit inserted `log` into campaign `campaignId` (same transaction): compacts the devices that are due. */
  async afterInsert(client: Queryable, campaignId: string, log: readonly DeviceLogEntry[]): Promise<void> {
    if (log.length === 0) return;
    const lines = linesByDevice(log);
    const maybe = [...lines].filter(([devEui, { added, newestAtMs }]) => this.gate.mayBeDue(campaignId, devEui, added, newestAtMs)).map(([devEui]) => devEui);
    if (maybe.length === 0) return;
    // As the SQLite store: each device's entries and its oldest, through device_log_by_device, in one round trip.
    const probed = await client.query<{ dev_eui: string; entries: string; oldest: string | null }>(
      `SELECT d.dev_eui,
              (SELECT count(*) FROM ${this.t('device_log')} l WHERE l.campaign_id = $1 AND l.dev_eui = d.dev_eui) AS entries,
              (SELECT l.at_ms FROM ${this.t('device_log')} l WHERE l.campaign_id = $1 AND l.dev_eui = d.dev_eui ORDER BY l.id LIMIT 1) AS oldest
       FROM unnest($2::text[]) AS d(dev_eui)`,
      [campaignId, maybe],
    );
    for (const row of probed.rows) {
      if (row.oldest === null) continue;
      const entries = Number(row.entries);
      const oldest = msFromBigint(row.oldest, this.label, 'device_log.at_ms', `campaign ${campaignId}`);
      this.gate.learned(campaignId, row.dev_eui, entries, oldest);
      if (compactionDue(this.retention, entries > this.threshold, oldest, lines.get(row.dev_eui)!.newestAtMs)) await this.compact(client, campaignId, row.dev_eui);
    }
  }

  async summaryOf(client: Queryable, campaignId: string, devEui: string): Promise<DeviceLogSummary | undefined> {
    const found = await client.query<{ summary_json: string }>(`SELECT summary_json FROM ${this.t('device_log_summaries')} WHERE campaign_id = $1 AND dev_eui = $2`, [campaignId, devEui]);
    const json = found.rows[0]?.summary_json;
    return json === undefined ? undefined : parseStoredJson<DeviceLogSummary>(json, this.label, 'device_log_summaries.summary_json', `campaign ${campaignId} device ${devEui}`);
  }

  /**
   * After the migrations: when the retention differs from the one the schema was last swept with
   * (or it never was), compacts every device that is due, SWEEP_BATCH_DEVICES per transaction.
   * Instances sharing a store should share its retention, or each start sweeps again.
   */
  async sweepIfChanged(pool: pg.Pool): Promise<number> {
    const marker = await pool.query<{ keep_entries: number; max_age_ms: string }>(`SELECT keep_entries, max_age_ms FROM ${this.t('device_log_retention')}`);
    const found = marker.rows[0];
    if (found && found.keep_entries === this.retention.keepEntries && Number(found.max_age_ms) === this.retention.maxAgeMs) return 0;
    const groups = await pool.query<{ campaign_id: string; dev_eui: string; n: string; oldest: string; newest: string }>(
      `SELECT campaign_id, dev_eui, count(*) AS n, min(at_ms) AS oldest, max(at_ms) AS newest FROM ${this.t('device_log')} GROUP BY campaign_id, dev_eui`,
    );
    const due = groups.rows.filter((g) => compactionDue(this.retention, Number(g.n) > this.threshold, Number(g.oldest), Number(g.newest)));
    for (let i = 0; i < due.length; i += SWEEP_BATCH_DEVICES) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const g of due.slice(i, i + SWEEP_BATCH_DEVICES)) await this.compact(client, g.campaign_id, g.dev_eui);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    }
    await pool.query(
      `INSERT INTO ${this.t('device_log_retention')} (only_row, keep_entries, max_age_ms) VALUES (1, $1, $2)
       ON CONFLICT (only_row) DO UPDATE SET keep_entries = excluded.keep_entries, max_age_ms = excluded.max_age_ms`,
      [this.retention.keepEntries, this.retention.maxAgeMs],
    );
    return due.length;
  }

  /** Drops the device's entries beyond the limits into its summary (in the caller's transaction). */
  private async compact(client: Queryable, campaignId: string, devEui: string): Promise<void> {
    const where = `campaign ${campaignId}`;
    // FOR UPDATE: two instances (or a commit and a sweep) compacting one device take turns.
    const rows = (
      await client.query<{ id: string; at_ms: string; direction: DeviceLogEntry['direction']; f_port: number | null; payload_hex: string | null; text: string }>(
        `SELECT id, at_ms, direction, f_port, payload_hex, text FROM ${this.t('device_log')} WHERE campaign_id = $1 AND dev_eui = $2 ORDER BY id FOR UPDATE`,
        [campaignId, devEui],
      )
    ).rows;
    const atMs = rows.map((row) => msFromBigint(row.at_ms, this.label, 'device_log.at_ms', where));
    const previous = await this.summaryOf(client, campaignId, devEui);
    const count = droppedCount(this.retention, atMs, summarisedCount(previous));
    if (count === 0) return;
    const dropped = rows.slice(0, count).map((row, i) => logEntry(devEui, atMs[i]!, row.direction, row.f_port, row.payload_hex, row.text));
    const summary = summarise(previous, dropped);
    await client.query(
      `INSERT INTO ${this.t('device_log_summaries')} (campaign_id, dev_eui, summary_json) VALUES ($1, $2, $3)
       ON CONFLICT (campaign_id, dev_eui) DO UPDATE SET summary_json = excluded.summary_json`,
      [campaignId, devEui, JSON.stringify(summary)],
    );
    await client.query(`DELETE FROM ${this.t('device_log')} WHERE campaign_id = $1 AND dev_eui = $2 AND id <= $3`, [campaignId, devEui, rows[count - 1]!.id]);
  }
}
