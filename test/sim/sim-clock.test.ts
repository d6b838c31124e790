// SimClock's pending events (a binary heap in parallel arrays, src/sim/sim-clock.ts): whatever
// order they are scheduled in, they run in time order, ties in the order they were scheduled,
// cancelled ones not at all, and events scheduled while running take their place.

import test from 'ava';
import fc from 'fast-check';
import { SimClock } from '../../src/sim/sim-clock.js';

test('property: events run in time order, ties in scheduling order, cancelled ones never', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.record({ atMs: fc.integer({ min: 0, max: 50 }), cancel: fc.boolean(), viaCallWith: fc.boolean() }), { maxLength: 200 }), async (events) => {
      const clock = new SimClock(0);
      const ran: number[] = [];
      events.forEach((event, i) => {
        if (event.viaCallWith && !event.cancel) clock.callWith(event.atMs, (index: number) => ran.push(index), i);
        else {
          const cancel = clock.at(event.atMs, () => ran.push(i));
          if (event.cancel) cancel();
        }
      });
      await clock.run({ untilMs: 1_000 });
      const expected = events
        .map((event, i) => ({ ...event, i }))
        .filter((event) => !event.cancel)
        .sort((a, b) => a.atMs - b.atMs || a.i - b.i)
        .map((event) => event.i);
      t.deepEqual(ran, expected);
    }),
    { numRuns: 200 },
  );
});

test('an event scheduled while running, for now or later, runs in its place; one in the past runs now', async (t) => {
  const clock = new SimClock(0);
  const ran: string[] = [];
  clock.at(10, () => {
    ran.push('a@10');
    clock.at(10, () => ran.push(`c@${clock.now()}`));
    clock.at(5, () => ran.push(`past@${clock.now()}`));
    clock.at(15, () => ran.push(`d@${clock.now()}`));
  });
  clock.at(10, () => ran.push('b@10'));
  clock.at(20, () => ran.push('e@20'));
  await clock.run({ untilMs: 100 });
  t.deepEqual(ran, ['a@10', 'b@10', 'c@10', 'past@10', 'd@15', 'e@20']);
  t.is(clock.pending, 0);
});
