import test from 'ava';
import { ValueError } from '../../src/core/errors.js';
import { checkRetention, CompactionGate, compactionDue, compactionThresholdEntries, droppedCount, keptByCount, linesByDevice, summarise, summaryEntry } from '../../src/store/device-log-retention.js';

// The retention rules on their own; every store applies them (device-log-retention-contract.ts).

const retention = { keepEntries: 4, maxAgeMs: 100 };

test('checkRetention refuses what is not a positive integer, naming the field', (t) => {
  for (const bad of [{ keepEntries: 0, maxAgeMs: 1 }, { keepEntries: 1.5, maxAgeMs: 1 }, { keepEntries: 1, maxAgeMs: 0 }, { keepEntries: 1, maxAgeMs: Number.NaN }]) {
    const error = t.throws(() => checkRetention(bad), { instanceOf: ValueError });
    t.regex(error!.message, /^device log retention (keepEntries|maxAgeMs): expected a positive integer/);
  }
  t.deepEqual(checkRetention(retention), retention);
});

test('compaction is due past keepEntries + a quarter, or when the oldest is a quarter past maxAgeMs', (t) => {
  t.is(compactionThresholdEntries(retention), 5);
  t.is(compactionThresholdEntries({ keepEntries: 200, maxAgeMs: 1 }), 250);
  t.false(compactionDue(retention, false, 0, 125));
  t.true(compactionDue(retention, false, 0, 126));
  t.true(compactionDue(retention, true, undefined, 0));
  t.false(compactionDue(retention, false, undefined, 1e9));
});

test('droppedCount: all but the newest keepEntries, and the prefix older than maxAgeMs before the newest', (t) => {
  t.is(droppedCount(retention, []), 0);
  t.is(droppedCount(retention, [1, 2, 3]), 0);
  t.is(droppedCount(retention, [1, 2, 3, 4, 5, 6]), 2);
  // By count, what one entry at a time leaves (keep 4, compacted past 5): 4, 5, 4, 5, …
  t.deepEqual(Array.from({ length: 9 }, (_, i) => keptByCount(retention, i + 1)), [1, 2, 3, 4, 5, 4, 5, 4, 5]);
  t.is(droppedCount(retention, [1, 2, 3, 4, 5, 6, 7], 0), 2, '7 logged: 5 kept');
  t.is(droppedCount(retention, [5, 6, 7, 8, 9, 10], 2), 2, '8 logged, 2 of them summarised: 4 kept');
  t.is(droppedCount(retention, [0, 10, 150, 160]), 2, 'older than 160 - 100');
  // A young entry between old ones ends the prefix: the log kept has no holes.
  t.is(droppedCount(retention, [0, 90, 10, 150]), 1);
  // The newest by time need not be the last inserted.
  t.is(droppedCount({ keepEntries: 10, maxAgeMs: 100 }, [0, 300, 250]), 1);
});

test('summarise adds counts, widens the span, keeps the first uplink of each answer (command names only)', (t) => {
  const dev = '70b3d57ed0000000';
  const first = summarise(undefined, [
    { devEui: dev, atMs: 50, direction: 'down', text: 'McGroupSetupReq' },
    { devEui: dev, atMs: 40, direction: 'up', fPort: 200, payloadHex: '02', text: 'McGroupSetupAns, DevVersionAns' },
    { devEui: dev, atMs: 60, direction: 'up', text: 'malformed: too short' },
    { devEui: dev, atMs: 70, direction: 'up', text: '' },
  ]);
  t.deepEqual(first, {
    up: 3,
    down: 1,
    note: 0,
    fromMs: 40,
    toMs: 70,
    firstAnswers: [
      { command: 'McGroupSetupAns', atMs: 40, fPort: 200, payloadHex: '02' },
      { command: 'DevVersionAns', atMs: 40, fPort: 200, payloadHex: '02' },
    ],
  });
  const second = summarise(first, [
    { devEui: dev, atMs: 80, direction: 'up', text: 'McGroupSetupAns, FragSessionSetupAns' },
    { devEui: dev, atMs: 90, direction: 'note', text: 'why' },
  ]);
  t.deepEqual(second.firstAnswers.map((a) => `${a.command}@${a.atMs}`), ['McGroupSetupAns@40', 'DevVersionAns@40', 'FragSessionSetupAns@80']);
  t.like(second, { up: 4, down: 1, note: 1, fromMs: 40, toMs: 90 });
  t.is(first.firstAnswers.length, 2, 'the previous summary is not changed');
  t.is(summaryEntry(dev, { up: 1, down: 0, note: 0, fromMs: 0, toMs: 0, firstAnswers: [] }).text, 'log retention: 1 older entry summarised (1 up, 0 down, 0 note) from 1970-01-01T00:00:00.000Z to 1970-01-01T00:00:00.000Z');
});

test('CompactionGate: an unknown device may be due; a known one only once its bounds pass the thresholds', (t) => {
  const gate = new CompactionGate(retention); // 5 entries, 125 ms
  t.true(gate.mayBeDue('c', 'd', 1, 10));
  gate.learned('c', 'd', 3, 10);
  t.false(gate.mayBeDue('c', 'd', 1, 20), '4 entries');
  t.false(gate.mayBeDue('c', 'd', 1, 135), '5 entries, 125 ms');
  t.true(gate.mayBeDue('c', 'd', 1, 30), '6 entries');
  gate.learned('c', 'd', 2, 100);
  t.true(gate.mayBeDue('c', 'd', 1, 226), '126 ms');
  t.true(gate.mayBeDue('c2', 'd', 1, 0), 'another campaign is another device');
  t.deepEqual([...linesByDevice([
    { devEui: 'a', atMs: 5, direction: 'up', text: '' },
    { devEui: 'b', atMs: 1, direction: 'up', text: '' },
    { devEui: 'a', atMs: 3, direction: 'down', text: '' },
  ])], [['a', { added: 2, newestAtMs: 5 }], ['b', { added: 1, newestAtMs: 1 }]]);
});
