import { InternalError } from '../core/errors.js';
import { gpsMsToUnixMs, unixMsToGpsMs } from '../core/gps-time.js';
import { sessionSecondsFor, sessionTimeoutFor } from '../radio/session-timeout.js';
import type { CampaignContext } from './context.js';
import { nextWindowStartMs, windowEndMs } from './schedule-windows.js';

// When a TS005 multicast session starts and ends. Without send windows: `sessionLeadMs` after
// now, as long as the fragments need. With windows (spec schedule.windows) the session is placed
// inside one: it starts at the lead or at the next window start, whichever is later, and ends
// by the window's end, its SessionTimeOut the smallest that covers what is left of the window
// (devices do not sit in class C through the day). A run the window cuts short continues in a
// new session in the next window: the devices' fragmentation sessions keep what they received.

export interface SessionSlot {
  startMs: number;
  /** Our planning end: no multicast frame ends after it. */
  endMs: number;
  /** The TS005 SessionTimeOut field sent (class C: 2^t s; class B: 128·2^t s). */
  timeOutField: number;
}

/** A window must leave this much after the session start to be worth a session. */
export function minSessionMs(ctx: CampaignContext): number {
  return 2 * ctx.statusWaitMs;
}

/** Whole seconds (SessionTime is in seconds); class B on a beacon period (TS005 §4.6: GPS multiple of 128 s). */
function alignStartMs(ms: number, ctx: CampaignContext): number {
  const startMs = Math.ceil(ms / 1000) * 1000;
  if (ctx.spec.multicast.class !== 'B') return startMs;
  const gpsS = Math.ceil(unixMsToGpsMs(startMs) / 1000 / 128) * 128;
  return gpsMsToUnixMs(gpsS * 1000);
}

export function sessionSlot(ctx: CampaignContext, nowMs: number): SessionSlot {
  const earliestMs = nowMs + ctx.spec.timing.sessionLeadMs;
  const { windows, timeZone } = ctx.spec.schedule;
  if (!windows) {
    const startMs = alignStartMs(earliestMs, ctx);
    return { startMs, endMs: startMs + ctx.sessionTimeout.seconds * 1000, timeOutField: ctx.sessionTimeout.field };
  }
  let candidateMs = earliestMs;
  // Each pass moves on to a later window (only a DST change or a beacon boundary makes one too short).
  for (let pass = 0; pass < 14; pass++) {
    const startMs = alignStartMs(nextWindowStartMs(candidateMs, windows, timeZone), ctx);
    const endOfWindowMs = windowEndMs(startMs, windows, timeZone);
    if (endOfWindowMs !== undefined && endOfWindowMs - startMs >= minSessionMs(ctx)) {
      const deviceClass = ctx.spec.multicast.class;
      const field = Math.min(ctx.sessionTimeout.field, sessionTimeoutFor(deviceClass, (endOfWindowMs - startMs) * 1000).field);
      return { startMs, endMs: Math.min(startMs + sessionSecondsFor(deviceClass, field) * 1000, endOfWindowMs), timeOutField: field };
    }
    candidateMs = endOfWindowMs ?? startMs + 1;
  }
  // campaignContext refused windows shorter than a session: only our bug gets here.
  throw new InternalError('NO_SESSION_WINDOW', `schedule.windows: expected a window of at least ${minSessionMs(ctx) / 1000} s within a week of ${new Date(nowMs).toISOString()}, got none`);
}
