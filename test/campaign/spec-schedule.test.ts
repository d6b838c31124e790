import test from 'ava';
import { campaignContext } from '../../src/campaign/context.js';
import { parseCampaignSpec } from '../../src/campaign/spec.js';
import { CallerError } from '../../src/core/errors.js';
import { BLOCK, specInput } from './script.js';

// The schedule fields and the success threshold: defaults, and each bad value refused with the
// field named, what was expected and what came.

const withSchedule = (schedule: unknown, rollout: object = {}) => ({ ...specInput(), schedule, rollout: { ...specInput().rollout, ...rollout } });

test('defaults: no start time, no windows, UTC, no success threshold', (t) => {
  const spec = parseCampaignSpec(specInput());
  t.deepEqual(spec.schedule, { timeZone: 'UTC' });
  t.is(spec.rollout.successThreshold, undefined);
});

test('a full schedule is kept as given (the stored spec parses again to the same)', (t) => {
  const spec = parseCampaignSpec(withSchedule({ startAt: '2026-01-05T01:00:00+01:00', windows: [{ start: '22:00', end: '04:30' }], timeZone: 'Europe/Paris' }, { successThreshold: 0.9 }));
  t.deepEqual(spec.schedule, { startAt: '2026-01-05T01:00:00+01:00', windows: [{ start: '22:00', end: '04:30' }], timeZone: 'Europe/Paris' });
  t.is(spec.rollout.successThreshold, 0.9);
  t.deepEqual(parseCampaignSpec(JSON.parse(JSON.stringify(spec))).schedule, spec.schedule);
});

const BAD: Array<[string, unknown, object, RegExp]> = [
  ['startAt without an offset', { startAt: '2026-01-05T01:00:00' }, {}, /^campaign spec schedule\.startAt: expected an RFC 3339 time with an offset .*, got "2026-01-05T01:00:00"$/],
  ['startAt with a space', { startAt: '2026-01-05 01:00:00Z' }, {}, /schedule\.startAt: expected .*got "2026-01-05 01:00:00Z"/],
  ['startAt on 30 February', { startAt: '2026-02-30T01:00:00Z' }, {}, /schedule\.startAt: expected .*got "2026-02-30T01:00:00Z"/],
  ['startAt as a number', { startAt: 1767574800000 }, {}, /schedule\.startAt/],
  ['an unknown zone', { timeZone: 'Europe/Atlantis' }, {}, /^campaign spec schedule\.timeZone: expected an IANA time zone .*, got "Europe\/Atlantis"$/],
  ['a zone abbreviation that is no IANA name', { timeZone: 'CEST' }, {}, /schedule\.timeZone: expected .*got "CEST"/],
  ['a window start past 23:59', { windows: [{ start: '24:00', end: '05:00' }] }, {}, /^campaign spec schedule\.windows\.0\.start: expected a local time HH:MM .*, got "24:00"$/],
  ['a window end without the leading zero', { windows: [{ start: '01:00', end: '5:00' }] }, {}, /schedule\.windows\.0\.end: expected a local time HH:MM .*got "5:00"/],
  ['a window with start = end', { windows: [{ start: '01:00', end: '05:00' }, { start: '03:00', end: '03:00' }] }, {}, /^campaign spec schedule\.windows\.1\.end: expected a time other than start .*, got "03:00"$/],
  ['no windows at all', { windows: [] }, {}, /schedule\.windows/],
  ['a misspelt key', { window: [{ start: '01:00', end: '05:00' }] }, {}, /schedule.*window/],
  ['a success threshold above 1', {}, { successThreshold: 1.5 }, /^campaign spec rollout\.successThreshold: /],
  ['a negative success threshold', {}, { successThreshold: -0.1 }, /rollout\.successThreshold/],
];

for (const [name, schedule, rollout, message] of BAD) {
  test(`refused: ${name}`, (t) => {
    const error = t.throws(() => parseCampaignSpec(withSchedule(schedule, rollout)), { instanceOf: CallerError });
    t.regex(error!.message, message);
  });
}

test('a window too short for a session (two status waits) is refused when the campaign is set up', (t) => {
  const spec = parseCampaignSpec(withSchedule({ windows: [{ start: '01:00', end: '01:02' }] }));
  const error = t.throws(() => campaignContext(spec, BLOCK), { instanceOf: CallerError });
  t.regex(error!.message, /^campaign spec schedule\.windows\.0: expected at least \d+ min from start to end .*, got 01:00–01:02$/);
  // One a few minutes long holds one.
  t.notThrows(() => campaignContext(parseCampaignSpec(withSchedule({ windows: [{ start: '23:58', end: '00:05' }] })), BLOCK));
});
