import { ValueError } from '../core/errors.js';
import type { DeviceLogEntry } from '../campaign/draft.js';

/** deviceLog() returns at most this many entries when the caller gives no limit. */
export const DEFAULT_DEVICE_LOG_LIMIT_ENTRIES = 200;

export function deviceLogLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_DEVICE_LOG_LIMIT_ENTRIES;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new ValueError('device log limit', 'a positive integer', limit);
  return limit;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Log text with each lone UTF-16 surrogate replaced by U+FFFD (String#toWellFormed, not in our
 * ES2022 lib). SQLite TEXT is UTF-8 and would turn one into three U+FFFD; both stores store the
 * text this way so that they give back the same string.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/** The entry as a store gives it back: optional fields absent, never `undefined` (JSON and SQL NULL agree). */
export function logEntry(
  devEui: string,
  atMs: number,
  direction: DeviceLogEntry['direction'],
  fPort: number | null | undefined,
  payloadHex: string | null | undefined,
  text: string,
): DeviceLogEntry {
  const entry: DeviceLogEntry = { devEui, atMs, direction, text: wellFormed(text) };
  if (fPort !== null && fPort !== undefined) entry.fPort = fPort;
  if (payloadHex !== null && payloadHex !== undefined) entry.payloadHex = payloadHex;
  return entry;
}
