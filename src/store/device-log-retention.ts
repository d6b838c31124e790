import type { DeviceLogAnswer, DeviceLogSummary } from '../campaign/device-log-summary.js';
import type { DeviceLogEntry } from '../campaign/draft.js';
import { ValueError } from '../core/errors.js';

// Device-log retention (issue #17): each device keeps its newest entries, within an age, and one
// summary of everything dropped before them. The same rules for every store (SQLite, PostgreSQL,
// memory), so that they give back the same log; this module holds the rules, the stores only
// read and delete rows (device-log-retention-sqlite.ts, -postgres.ts, -memory.ts).
//
// Why both limits must hold (an entry is kept only when it is among the newest `keepEntries`
// AND younger than `maxAgeMs`), rather than either: the count is the bound the store's size
// rests on. With "either", a device that retries every minute would keep every entry of the
// last 30 days (tens of thousands): the log would again grow with the traffic. The age only
// ever makes a log shorter: history older than a month is rarely what an operator looks for.
//
// Cost: a commit does not prune on every entry. A device's log is compacted only once it holds
// more than keepEntries + a slack of a quarter (or its oldest entry passed maxAgeMs by a
// quarter), back down to the limits: pruning costs a few statements per ~keepEntries/4 entries
// of a device. Whether a device is due is known without a query most of the time (CompactionGate:
// bounds kept in memory); otherwise a probe counts the device's entries (at most a quarter more
// than keepEntries, through the index), whatever the size of the whole log.

const DAY_MS = 24 * 60 * 60 * 1000;

export interface DeviceLogRetention {
  /** Each device keeps at most its newest this many entries (more, by the slack, until its next compaction). */
  keepEntries: number;
  /** Entries older than this before the device's newest entry are dropped too. */
  maxAgeMs: number;
}

export const DEFAULT_DEVICE_LOG_KEEP_ENTRIES = 200;
export const DEFAULT_DEVICE_LOG_MAX_AGE_DAYS = 30;
export const DEFAULT_DEVICE_LOG_RETENTION: DeviceLogRetention = { keepEntries: DEFAULT_DEVICE_LOG_KEEP_ENTRIES, maxAgeMs: DEFAULT_DEVICE_LOG_MAX_AGE_DAYS * DAY_MS };

export function daysToMs(days: number): number {
  return Math.round(days * DAY_MS);
}

export function checkRetention(retention: DeviceLogRetention): DeviceLogRetention {
  const { keepEntries, maxAgeMs } = retention;
  if (!Number.isSafeInteger(keepEntries) || keepEntries < 1) throw new ValueError('device log retention keepEntries', 'a positive integer', keepEntries);
  if (!Number.isSafeInteger(maxAgeMs) || maxAgeMs < 1) throw new ValueError('device log retention maxAgeMs', 'a positive integer of milliseconds', maxAgeMs);
  return { keepEntries, maxAgeMs };
}

/** A device's log may hold this many entries before it is compacted back to keepEntries. */
export function compactionThresholdEntries(retention: DeviceLogRetention): number {
  return retention.keepEntries + Math.ceil(retention.keepEntries / 4);
}

/** A device's oldest entry may be this much older than its newest before the log is compacted. */
export function compactionThresholdAgeMs(retention: DeviceLogRetention): number {
  return retention.maxAgeMs + Math.ceil(retention.maxAgeMs / 4);
}

/**
 * Whether a device's log is due for compaction: `beyondThreshold` says it holds more than
 * compactionThresholdEntries entries; the ages are its oldest entry's (by insertion) and its
 * newest's (the newest logged by the commit at hand).
 */
export function compactionDue(retention: DeviceLogRetention, beyondThreshold: boolean, oldestAtMs: number | undefined, newestAtMs: number): boolean {
  return beyondThreshold || (oldestAtMs !== undefined && newestAtMs - oldestAtMs > compactionThresholdAgeMs(retention));
}

/**
 * How many of a device's entries (oldest first, as inserted) to drop, `summarised` having been
 * dropped before: by count, down to what entries one at a time would have left (keepEntries, plus
 * the entries logged since the last multiple of the compaction cycle), so that a group commit
 * leaves the same log as the same transitions committed one by one; and every entry before the
 * first one younger than maxAgeMs (a prefix: the log kept is always "everything since", with no
 * holes, even when uplinks arrived out of time order).
 */
export function droppedCount(retention: DeviceLogRetention, atMsOldestFirst: readonly number[], summarised = 0): number {
  const count = atMsOldestFirst.length;
  if (count === 0) return 0;
  const byCount = Math.max(0, count - keptByCount(retention, summarised + count));
  const cutoffMs = Math.max(...atMsOldestFirst) - retention.maxAgeMs;
  let byAge = atMsOldestFirst.findIndex((atMs) => atMs >= cutoffMs);
  if (byAge < 0) byAge = count;
  return Math.max(byCount, byAge);
}

/**
 * How many entries a device keeps by count after `logged` entries in all, one at a time: all up
 * to keepEntries; then a compaction each time it passes the threshold, back to keepEntries.
 */
export function keptByCount(retention: DeviceLogRetention, logged: number): number {
  if (logged <= retention.keepEntries) return logged;
  const cycle = compactionThresholdEntries(retention) - retention.keepEntries + 1;
  return retention.keepEntries + ((logged - retention.keepEntries) % cycle);
}

/** Entries a summary stands for. */
export function summarisedCount(summary: DeviceLogSummary | undefined): number {
  return summary === undefined ? 0 : summary.up + summary.down + summary.note;
}

/** A command name as our log texts write them (device-answers.ts joins them with ", "). */
const COMMAND_NAME = /^[A-Z][A-Za-z0-9]*$/;

/** The previous summary (if any) with `dropped` (oldest first, older than any entry kept) added. */
export function summarise(previous: DeviceLogSummary | undefined, dropped: readonly DeviceLogEntry[]): DeviceLogSummary {
  const summary: DeviceLogSummary = previous
    ? { ...previous, firstAnswers: [...previous.firstAnswers] }
    : { up: 0, down: 0, note: 0, fromMs: Number.POSITIVE_INFINITY, toMs: Number.NEGATIVE_INFINITY, firstAnswers: [] };
  const known = new Set(summary.firstAnswers.map((answer) => answer.command));
  for (const entry of dropped) {
    summary[entry.direction] += 1;
    summary.fromMs = Math.min(summary.fromMs, entry.atMs);
    summary.toMs = Math.max(summary.toMs, entry.atMs);
    if (entry.direction !== 'up') continue;
    for (const command of entry.text.split(', ')) {
      if (!COMMAND_NAME.test(command) || known.has(command)) continue;
      known.add(command);
      const answer: DeviceLogAnswer = { command, atMs: entry.atMs };
      if (entry.fPort !== undefined) answer.fPort = entry.fPort;
      if (entry.payloadHex !== undefined) answer.payloadHex = entry.payloadHex;
      summary.firstAnswers.push(answer);
    }
  }
  return summary;
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/** The note a reader of the log sees first: what was dropped, in words, and the summary itself. */
export function summaryEntry(devEui: string, summary: DeviceLogSummary): DeviceLogEntry {
  const total = summary.up + summary.down + summary.note;
  const answers = summary.firstAnswers.map((answer) => `${answer.command} ${iso(answer.atMs)}`).join(', ');
  const text =
    `log retention: ${total} older ${total === 1 ? 'entry' : 'entries'} summarised (${summary.up} up, ${summary.down} down, ${summary.note} note) ` +
    `from ${iso(summary.fromMs)} to ${iso(summary.toMs)}` +
    (answers === '' ? '' : `; first answers: ${answers}`);
  return { devEui, atMs: summary.fromMs, direction: 'note', text, summary };
}

/** A store's read of a device's log: the summary entry (when entries were dropped) first, then the entries read. */
export function withSummary(devEui: string, summary: DeviceLogSummary | undefined, entries: DeviceLogEntry[]): DeviceLogEntry[] {
  return summary === undefined ? entries : [summaryEntry(devEui, summary), ...entries];
}

/**
 * What a store instance knows of each device's log, so that a commit need not probe the database
 * while a device is surely within the limits: an upper bound of its entry count and a lower
 * bound of its oldest atMs. Bounds, not exact figures, so that a commit rolled back after
 * updating them cannot make a compaction late: they are set only from counts read in the
 * database (a rolled-back insert can only have made a count larger), grow with every insert, and
 * are not lowered by a compaction (the next commit of that device probes again and reads the
 * count kept). About 100 bytes per device logged for since the store was opened.
 */
export class CompactionGate {
  private readonly devices = new Map<string, { entries: number; oldestAtMs: number }>();
  private readonly thresholdEntries: number;
  private readonly thresholdAgeMs: number;

  constructor(retention: DeviceLogRetention) {
    this.thresholdEntries = compactionThresholdEntries(retention);
    this.thresholdAgeMs = compactionThresholdAgeMs(retention);
  }

  /** After `added` entries of the device (the newest at newestAtMs) went in: false when it is surely not due, so no probe. */
  mayBeDue(campaignId: string, devEui: string, added: number, newestAtMs: number): boolean {
    const known = this.devices.get(`${campaignId}\u0000${devEui}`);
    if (!known) return true;
    known.entries += added;
    return known.entries > this.thresholdEntries || newestAtMs - known.oldestAtMs > this.thresholdAgeMs;
  }

  /** A probe read the device's entry count and oldest atMs (after this commit's insert). */
  learned(campaignId: string, devEui: string, entries: number, oldestAtMs: number): void {
    this.devices.set(`${campaignId}\u0000${devEui}`, { entries, oldestAtMs });
  }
}

/** For each device of a commit's log lines: how many it logged, and the newest atMs (the "now" its age rule is checked against). */
export function linesByDevice(log: readonly DeviceLogEntry[]): Map<string, { added: number; newestAtMs: number }> {
  const byDevice = new Map<string, { added: number; newestAtMs: number }>();
  for (const entry of log) {
    const known = byDevice.get(entry.devEui);
    if (known) {
      known.added += 1;
      known.newestAtMs = Math.max(known.newestAtMs, entry.atMs);
    } else byDevice.set(entry.devEui, { added: 1, newestAtMs: entry.atMs });
  }
  return byDevice;
}
