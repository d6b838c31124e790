import { InternalError } from '../core/errors.js';

// Daily send windows in a time zone ("01:00–05:00 Europe/Paris"), as pure functions of a time:
// the state machine reads no clock, so every answer here follows from (nowMs, windows, zone)
// through Intl with an explicit timeZone (deterministic for a given ICU time-zone database).
//
// One window opens once per local day: at the first instant the local clock reads ≥ `start`,
// and closes at the first instant after that at which it reads ≥ `end` (on the next day when
// `end` ≤ `start`: the window crosses midnight). So a boundary inside the spring-forward gap
// moves to the change (02:30 in Paris → 03:00 CEST), a window wholly inside the gap does not
// open that day, and in the autumn overlap the window stays open through the repeated hour
// rather than opening twice.

export interface DailyWindow {
  /** 'HH:MM', local time of the zone. */
  start: string;
  /** 'HH:MM'; at or before `start`: the next day. */
  end: string;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Minutes after midnight of 'HH:MM' (00:00..23:59); undefined when it is not one. */
export function minutesOfDay(hhmm: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** True when Intl knows the zone (it throws RangeError for an unknown one). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

// A formatter per zone: building one costs far more than using it. A cache, not state: the
// answers do not depend on what was asked before.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local clock reading at `utcMs`, as milliseconds of a UTC calendar ("wall ms"). */
export function wallMs(utcMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(utcMs)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const secondMs = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return secondMs + (((utcMs % 1000) + 1000) % 1000);
}

function offsetMs(utcMs: number, timeZone: string): number {
  return wallMs(utcMs, timeZone) - utcMs;
}

/**
 * The first instant at which the local clock reads ≥ `wall` (a wall ms). At most one offset
 * change lies within a day of it (true of every zone in the database), so the offsets a day
 * before and after are the only candidates; in a gap neither maps back and the change itself,
 * found by bisection, is the answer.
 */
export function firstInstantAtWallMs(wall: number, timeZone: string): number {
  const before = offsetMs(wall - DAY_MS, timeZone);
  const after = offsetMs(wall + DAY_MS, timeZone);
  let best: number | undefined;
  for (const offset of [before, after]) {
    const t = wall - offset;
    if (offsetMs(t, timeZone) === offset && (best === undefined || t < best)) best = t;
  }
  if (best !== undefined) return best;
  // Gap: the clock jumps over `wall` at the change, between these two instants.
  let lo = wall - Math.max(before, after);
  let hi = wall - Math.min(before, after);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallMs(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The occurrences [startMs, endMs) of the windows opening on local days around `nowMs`, merged where they overlap. */
function occurrences(nowMs: number, windows: readonly DailyWindow[], timeZone: string, daysAhead: number): Array<{ startMs: number; endMs: number }> {
  const today = Math.floor(wallMs(nowMs, timeZone) / DAY_MS) * DAY_MS;
  const list: Array<{ startMs: number; endMs: number }> = [];
  // From yesterday: a window that crosses midnight may still be open.
  for (let day = -1; day <= daysAhead; day++) {
    const midnight = today + day * DAY_MS;
    for (const w of windows) {
      const start = minutesOfDay(w.start)!;
      const end = minutesOfDay(w.end)!;
      const startMs = firstInstantAtWallMs(midnight + start * MINUTE_MS, timeZone);
      const endMs = firstInstantAtWallMs(midnight + (end > start ? 0 : DAY_MS) + end * MINUTE_MS, timeZone);
      // Empty when the whole window lies in a spring-forward gap.
      if (endMs > startMs) list.push({ startMs, endMs });
    }
  }
  list.sort((a, b) => a.startMs - b.startMs);
  const merged: Array<{ startMs: number; endMs: number }> = [];
  for (const o of list) {
    const last = merged[merged.length - 1];
    if (last && o.startMs <= last.endMs) last.endMs = Math.max(last.endMs, o.endMs);
    else merged.push({ ...o });
  }
  return merged;
}

/** The window open at `nowMs` (overlapping windows merged), or undefined. */
export function openWindow(nowMs: number, windows: readonly DailyWindow[], timeZone: string): { startMs: number; endMs: number } | undefined {
  return occurrences(nowMs, windows, timeZone, 1).find((o) => o.startMs <= nowMs && nowMs < o.endMs);
}

/** When the window open at `nowMs` closes; undefined when none is open. */
export function windowEndMs(nowMs: number, windows: readonly DailyWindow[], timeZone: string): number | undefined {
  return openWindow(nowMs, windows, timeZone)?.endMs;
}

/**
 * The earliest time ≥ nowMs at which a window is open: nowMs itself inside one, else the next
 * window start. Three days ahead always holds one (a window is empty at most on the day of a
 * spring-forward gap).
 */
export function nextWindowStartMs(nowMs: number, windows: readonly DailyWindow[], timeZone: string): number {
  for (const o of occurrences(nowMs, windows, timeZone, 3)) {
    if (o.endMs > nowMs) return Math.max(o.startMs, nowMs);
  }
  // Validated windows (start ≠ end) always open within that: reaching here is our bug.
  throw new InternalError('NO_WINDOW', `schedule.windows: expected a window to open within 3 days of ${new Date(nowMs).toISOString()}, got none`);
}
