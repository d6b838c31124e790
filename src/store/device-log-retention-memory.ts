import type { DeviceLogSummary } from '../campaign/device-log-summary.js';
import type { DeviceLogEntry } from '../campaign/draft.js';
import { compactionDue, compactionThresholdEntries, droppedCount, linesByDevice, summarise, summarisedCount, type DeviceLogRetention } from './device-log-retention.js';

// The memory store's side of the device-log retention (rules: device-log-retention.ts): the same
// trigger and the same cut as the SQLite and PostgreSQL stores, on a campaign's arrays.

export class MemoryDeviceLogRetention {
  /** campaign (the store's record of it) → devEui → summary JSON (as the other stores keep it: a copy out on each read). */
  private readonly summaries = new WeakMap<object, Map<string, string>>();
  private readonly threshold: number;

  constructor(private readonly retention: DeviceLogRetention) {
    this.threshold = compactionThresholdEntries(retention);
  }

  /** After a commit appended `log` to the campaign's `logs` (devEui → entries, oldest first). */
  afterInsert(campaign: { log: Map<string, DeviceLogEntry[]> }, log: readonly DeviceLogEntry[]): void {
    for (const [devEui, { newestAtMs }] of linesByDevice(log)) {
      const entries = campaign.log.get(devEui);
      if (!entries || !compactionDue(this.retention, entries.length > this.threshold, entries[0]?.atMs, newestAtMs)) continue;
      const previous = this.summaryOf(campaign, devEui);
      const count = droppedCount(
        this.retention,
        entries.map((entry) => entry.atMs),
        summarisedCount(previous),
      );
      if (count === 0) continue;
      const dropped = entries.splice(0, count);
      let summaries = this.summaries.get(campaign);
      if (!summaries) this.summaries.set(campaign, (summaries = new Map()));
      summaries.set(devEui, JSON.stringify(summarise(previous, dropped)));
    }
  }

  summaryOf(campaign: object, devEui: string): DeviceLogSummary | undefined {
    const json = this.summaries.get(campaign)?.get(devEui);
    return json === undefined ? undefined : (JSON.parse(json) as DeviceLogSummary);
  }
}
