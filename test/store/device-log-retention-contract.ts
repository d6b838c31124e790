import test, { type ExecutionContext } from 'ava';
import type { CampaignCommand } from '../../src/campaign/commands.js';
import type { DeviceLogEntry } from '../../src/campaign/draft.js';
import type { CampaignStore } from '../../src/campaign/ports.js';
import type { DeviceLogRetention } from '../../src/store/device-log-retention.js';
import { campaignState, createRecord, devEuiOf, unicast } from './fixtures.js';

// Device-log retention (src/store/device-log-retention.ts), the same visible result from every
// CampaignStore: run by campaignStoreContract against each implementation.

export interface RetentionHarness {
  store: CampaignStore;
  cleanup(): Promise<void>;
}

type Body = (t: ExecutionContext, store: CampaignStore) => Promise<void>;

const T0 = 1_763_703_800_000;
const iso = (ms: number): string => new Date(ms).toISOString();

function entry(i: number, k: number, direction: DeviceLogEntry['direction'], text: string): DeviceLogEntry {
  const line: DeviceLogEntry = { devEui: devEuiOf(i), atMs: T0 + k * 1_000, direction, text };
  if (direction !== 'note') {
    line.fPort = 200 + (k % 4);
    line.payloadHex = k.toString(16).padStart(4, '0');
  }
  return line;
}

/** Device 0's history: setup answers first (the ones the summary keeps), then status rounds. */
function history(k: number): DeviceLogEntry {
  const first: Array<[DeviceLogEntry['direction'], string]> = [
    ['down', 'McGroupSetupReq'],
    ['up', 'McGroupSetupAns'],
    ['down', 'FragSessionSetupReq'],
    ['up', 'FragSessionSetupAns, DevVersionAns'],
    ['note', 'setup done'],
    ['up', 'malformed: FragSessionStatusAns: expected 4 bytes, got 2'],
    ['up', 'McGroupSetupAns'],
  ];
  const [direction, text] = first[k - 1] ?? (k % 2 === 0 ? ['down', 'FragSessionStatusReq'] : ['up', 'FragSessionStatusAns']);
  return entry(0, k, direction, text);
}

async function commitLog(store: CampaignStore, id: string, step: number, log: DeviceLogEntry[], commands: CampaignCommand[] = []): Promise<void> {
  await store.commit(id, { campaign: campaignState(id, step), devices: [], log, commands });
}

export function deviceLogRetentionContract(name: string, open: (retention: DeviceLogRetention) => Promise<RetentionHarness>): void {
  const contract = (title: string, retention: DeviceLogRetention, body: Body): void => {
    test(`${name}: device log retention: ${title}`, async (t) => {
      const harness = await open(retention);
      try {
        await body(t, harness.store);
      } finally {
        await harness.store.close();
        await harness.cleanup();
      }
    });
  };

  const byCount = { keepEntries: 8, maxAgeMs: 365 * 24 * 3_600_000 };

  contract('past keepEntries + a quarter, a device is cut back to its newest keepEntries; one summary entry first says what was dropped', byCount, async (t, store) => {
    await store.create(createRecord('c1', 3));
    await store.create(createRecord('c2', 1));
    for (let k = 1; k <= 10; k += 1) await commitLog(store, 'c1', k, [history(k), entry(1, k, 'note', `other ${k}`)]);
    await commitLog(store, 'c2', 1, [entry(0, 1, 'note', 'in c2')]);
    t.deepEqual(await store.deviceLog('c1', devEuiOf(0)), Array.from({ length: 10 }, (_, i) => history(i + 1)), 'up to 8 + 2 entries: no summary yet');

    await commitLog(store, 'c1', 11, [history(11)]);
    const first = {
      up: 1,
      down: 2,
      note: 0,
      fromMs: T0 + 1_000,
      toMs: T0 + 3_000,
      firstAnswers: [{ command: 'McGroupSetupAns', atMs: T0 + 2_000, fPort: 202, payloadHex: '0002' }],
    };
    t.deepEqual(await store.deviceLog('c1', devEuiOf(0)), [
      {
        devEui: devEuiOf(0),
        atMs: T0 + 1_000,
        direction: 'note',
        text: `log retention: 3 older entries summarised (1 up, 2 down, 0 note) from ${iso(T0 + 1_000)} to ${iso(T0 + 3_000)}; first answers: McGroupSetupAns ${iso(T0 + 2_000)}`,
        summary: first,
      },
      ...Array.from({ length: 8 }, (_, i) => history(i + 4)),
    ]);

    for (let k = 12; k <= 14; k += 1) await commitLog(store, 'c1', k, [history(k)]);
    const log = await store.deviceLog('c1', devEuiOf(0));
    t.deepEqual(
      log.slice(1),
      Array.from({ length: 8 }, (_, i) => history(i + 7)),
      'the second cut keeps the newest 8',
    );
    // Added to: counts, span, and the first of each answer (a malformed uplink names none; a repeated answer keeps its first time).
    t.deepEqual(log[0]!.summary, {
      up: 3,
      down: 2,
      note: 1,
      fromMs: T0 + 1_000,
      toMs: T0 + 6_000,
      firstAnswers: [
        { command: 'McGroupSetupAns', atMs: T0 + 2_000, fPort: 202, payloadHex: '0002' },
        { command: 'FragSessionSetupAns', atMs: T0 + 4_000, fPort: 200, payloadHex: '0004' },
        { command: 'DevVersionAns', atMs: T0 + 4_000, fPort: 200, payloadHex: '0004' },
      ],
    });
    t.is(
      log[0]!.text,
      `log retention: 6 older entries summarised (3 up, 2 down, 1 note) from ${iso(T0 + 1_000)} to ${iso(T0 + 6_000)}; ` +
        `first answers: McGroupSetupAns ${iso(T0 + 2_000)}, FragSessionSetupAns ${iso(T0 + 4_000)}, DevVersionAns ${iso(T0 + 4_000)}`,
    );
    t.deepEqual(
      (await store.deviceLog('c1', devEuiOf(0), 2)).map((e) => e.text),
      [log[0]!.text, 'FragSessionStatusAns', 'FragSessionStatusReq'],
      'the summary comes first whatever the limit',
    );
    t.deepEqual(
      (await store.deviceLog('c1', devEuiOf(1))).map((e) => e.text),
      Array.from({ length: 10 }, (_, i) => `other ${i + 1}`),
      'another device is not touched',
    );
    t.deepEqual(await store.deviceLog('c2', devEuiOf(0)), [entry(0, 1, 'note', 'in c2')], 'nor the same device in another campaign');
  });

  contract('one commit of many entries for a device is cut back at once, to what commits of one entry each would have left', byCount, async (t, store) => {
    await store.create(createRecord('c1', 3));
    await commitLog(
      store,
      'c1',
      1,
      Array.from({ length: 30 }, (_, k) => entry(2, k + 1, 'down', `FragSessionStatusReq`)),
    );
    const log = await store.deviceLog('c1', devEuiOf(2), 1_000);
    // One at a time: compacted at the 11th, 14th, …, 29th entry back to 8; the 30th makes 9.
    t.is(log.length, 1 + 9);
    t.deepEqual(log[0]!.summary, { up: 0, down: 21, note: 0, fromMs: T0 + 1_000, toMs: T0 + 21_000, firstAnswers: [] });
    t.is(log[1]!.atMs, T0 + 22_000);
  });

  contract('a group commit (commitBatch) leaves the same log as the same transitions committed one by one', byCount, async (t, store) => {
    await store.create(createRecord('c1', 1));
    await store.create(createRecord('c2', 1));
    for (let k = 1; k <= 12; k += 1) await commitLog(store, 'c1', k, [history(k)]);
    await store.commitBatch(Array.from({ length: 12 }, (_, i) => ({ campaignId: 'c2', result: { campaign: campaignState('c2', i + 1), devices: [], log: [history(i + 1)], commands: [] } })));
    const one = await store.deviceLog('c1', devEuiOf(0));
    t.is(one.length, 1 + 9);
    t.deepEqual(await store.deviceLog('c2', devEuiOf(0)), one);
  });

  contract('entries older than maxAgeMs before the newest are dropped once the oldest is a quarter past it', { keepEntries: 1_000, maxAgeMs: 10_000 }, async (t, store) => {
    await store.create(createRecord('c1', 1));
    for (let k = 0; k <= 12; k += 1) await commitLog(store, 'c1', k, [entry(0, k, 'up', 'FragSessionStatusAns')]);
    t.is((await store.deviceLog('c1', devEuiOf(0))).length, 13, '12 s old: within 10 s + 2.5 s');
    await commitLog(store, 'c1', 13, [entry(0, 13, 'up', 'FragSessionStatusAns')]);
    let log = await store.deviceLog('c1', devEuiOf(0));
    t.deepEqual(log[0]!.summary, { up: 3, down: 0, note: 0, fromMs: T0, toMs: T0 + 2_000, firstAnswers: [{ command: 'FragSessionStatusAns', atMs: T0, fPort: 200, payloadHex: '0000' }] });
    t.deepEqual(
      log.slice(1).map((e) => e.atMs),
      Array.from({ length: 11 }, (_, i) => T0 + (i + 3) * 1_000),
      'kept: 10 s back from the newest',
    );
    for (let k = 14; k <= 16; k += 1) await commitLog(store, 'c1', k, [entry(0, k, 'up', 'FragSessionStatusAns')]);
    log = await store.deviceLog('c1', devEuiOf(0));
    t.is(log[0]!.summary?.up, 6);
    t.is(log[1]!.atMs, T0 + 6_000);
  });

  contract('a commit that fails half-way leaves the log and its summary as they were', byCount, async (t, store) => {
    await store.create(createRecord('c1', 1));
    for (let k = 1; k <= 10; k += 1) await commitLog(store, 'c1', k, [history(k)]);
    const before = await store.deviceLog('c1', devEuiOf(0));
    const poisoned = { type: 'unicast', id: 'x', devEui: devEuiOf(0), fPort: 201, payloadHex: '', bad: 1n } as unknown as CampaignCommand;
    await t.throwsAsync(commitLog(store, 'c1', 11, [history(11)], [unicast('c1', 0, 11), poisoned]));
    t.deepEqual(await store.deviceLog('c1', devEuiOf(0)), before);
  });
}
