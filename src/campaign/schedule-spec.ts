import { z } from 'zod';
// RFC 3339 read strictly (days past the month's end, offsets past 23:59 refused): the same
// reader the ChirpStack adapter uses, so a time means one thing throughout.
import { parseRfc3339Ms } from '../core/rfc3339.js';
import { isTimeZone, minutesOfDay } from './schedule-windows.js';

// When a campaign may act: not before `startAt`, and multicast only inside daily windows of
// local time (schedule-windows.ts says how a window reads across DST changes).

const hhmm = z.string().superRefine((text, ctx) => {
  if (minutesOfDay(text) === undefined) ctx.addIssue({ code: 'custom', message: `expected a local time HH:MM (00:00..23:59), got ${JSON.stringify(text)}` });
});

const windowSchema = z
  .strictObject({
    /** 'HH:MM' local time the window opens. */
    start: hhmm,
    /** 'HH:MM' local time it closes; at or before `start`: the next day (crosses midnight). */
    end: hhmm,
  })
  .superRefine((w, ctx) => {
    if (w.start === w.end) ctx.addIssue({ code: 'custom', path: ['end'], message: `expected a time other than start (a window of 0 or 24 h), got ${JSON.stringify(w.end)}` });
  });

export const scheduleSchema = z.strictObject({
  /** RFC 3339 with an offset ("2026-01-05T01:00:00+01:00"): nothing is sent before it. */
  startAt: z
    .string()
    .superRefine((text, ctx) => {
      if (parseRfc3339Ms(text) === undefined) ctx.addIssue({ code: 'custom', message: `expected an RFC 3339 time with an offset (2026-01-05T01:00:00+01:00), got ${JSON.stringify(text)}` });
    })
    .optional(),
  /** Daily windows: multicast (fragments, status requests) only inside one; unicast setup any time. */
  windows: z.array(windowSchema).min(1).optional(),
  /** IANA zone the windows are read in. */
  timeZone: z
    .string()
    .superRefine((zone, ctx) => {
      if (!isTimeZone(zone)) ctx.addIssue({ code: 'custom', message: `expected an IANA time zone (Europe/Paris, UTC), got ${JSON.stringify(zone)}` });
    })
    .default('UTC'),
});

export type CampaignSchedule = z.output<typeof scheduleSchema>;

/** The start time in ms, when the schedule has one (validated by the schema). */
export function scheduleStartMs(schedule: CampaignSchedule): number | undefined {
  return schedule.startAt === undefined ? undefined : parseRfc3339Ms(schedule.startAt);
}
