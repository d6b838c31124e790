// RFC 3339 date-times: google.protobuf.Timestamp in JSON (proto3 JSON mapping) and campaign
// schedules. ChirpStack's pbjson writes them with chrono's to_rfc3339 ("2025-01-01T00:00:00+00:00",
// up to nanoseconds); other writers use "Z". We keep milliseconds and drop finer digits.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the Unix epoch, or undefined if `text` is not an RFC 3339 date-time. */
export function parseRfc3339Ms(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  // Field by field, no arrays: every JSON uplink's time comes through here (issue #17).
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  // Day within its month (RFC 3339 §5.7: 28-31 by month and leap year); every month has 28.
  const daysInMonth = day <= 28 ? 28 : new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60) return undefined;
  const fraction = m[7] ?? '';
  const ms = Number((fraction + '000').slice(0, 3));
  const zone = m[8] as string;
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [offsetHours, offsetMins] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
    if (offsetHours > 23 || offsetMins > 59) return undefined; // time-numoffset (RFC 3339 §5.6)
    offsetMinutes = sign * (offsetHours * 60 + offsetMins);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
}

/** RFC 3339 in UTC with "Z" and milliseconds, as Date.toISOString gives. */
export function formatRfc3339(timeMs: number): string {
  return new Date(timeMs).toISOString();
}
