// The SQLite store's heard journal (src/store/sqlite-heard-journal.ts): a transition marked
// `heard` appends a row instead of rewriting its device; load, reopen (a crash: nothing
// compacted) and compaction must all give back exactly what was committed.

import test from 'ava';
import Sqlite from 'better-sqlite3';
import fc from 'fast-check';
import type { TransitionResult } from '../../src/campaign/draft.js';
import { hearUplink } from '../../src/campaign/heard-uplink.js';
import type { DeviceState } from '../../src/campaign/state.js';
import { copyDevice } from '../../src/campaign/state-copy.js';
import { SqliteCampaignStore, type SqliteStoreOptions } from '../../src/store/sqlite-campaign-store.js';
import { campaignState, createRecord, devEuiOf, typicalResult } from './fixtures.js';
import { tempDir } from './temp-dir.js';


/** The device heard at the campaign state's clock of `step`, as transition() would mark it. */
function heardResult(campaignId: string, before: DeviceState, step: number): TransitionResult {
  const campaign = campaignState(campaignId, step);
  const device = copyDevice(before);
  hearUplink(device, campaign.updatedAtMs);
  return { campaign, devices: [device], commands: [], log: [], heard: { devEui: device.devEui, atMs: campaign.updatedAtMs } };
}

/** A non-heard change of device i (a typical answer: log line, command, the fixture's device state). */
function changedResult(campaignId: string, i: number, step: number): TransitionResult {
  return typicalResult(campaignId, i, step);
}

async function withFile<T>(body: (path: string) => Promise<T>): Promise<T> {
  const tmp = tempDir();
  try {
    return await body(tmp.file('campaigns.db'));
  } finally {
    await tmp.remove();
  }
}

/** One value read from the file by a connection of its own (what is on disk, not what a store holds). */
function readValue<T>(path: string, sql: string, ...params: unknown[]): T {
  const db = new Sqlite(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().get(...params) as T;
  } finally {
    db.close();
  }
}

type CampaignRecord = ReturnType<typeof createRecord>;

/** A store on a fresh file holding campaign c1 with `devices` devices; closed afterwards. */
async function withCampaign(devices: number, options: SqliteStoreOptions, body: (store: SqliteCampaignStore, record: CampaignRecord, path: string) => Promise<void>): Promise<void> {
  await withFile(async (path) => {
    const store = SqliteCampaignStore.open(path, options);
    const record = createRecord('c1', devices);
    await store.create(record);
    await body(store, record, path);
    await store.close();
  });
}

function journalRows(path: string): number {
  return readValue<number>(path, `SELECT count(*) FROM device_heard`);
}

function deviceRowJson(path: string, devEui: string): string {
  return readValue<string>(path, `SELECT state_json FROM devices WHERE dev_eui = ?`, devEui);
}

test('a heard-only commit appends a journal row, leaves the device row, and load gives the committed state and clock', async (t) => {
  await withCampaign(3, {}, async (store, record, path) => {
    const rowBefore = deviceRowJson(path, devEuiOf(1));
    const result = heardResult('c1', record.devices[1]!, 7);
    await store.commit('c1', result);
    t.is(journalRows(path), 1);
    t.is(deviceRowJson(path, devEuiOf(1)), rowBefore, 'the device row was not rewritten');
    const loaded = (await store.load('c1'))!;
    t.deepEqual(loaded.devices[1], JSON.parse(JSON.stringify(result.devices[0])));
    t.is(loaded.campaign.updatedAtMs, result.campaign.updatedAtMs);
    t.is((await store.list())[0]!.updatedAtMs, result.campaign.updatedAtMs, 'list() reads the clock from the journal row too');
  });
});

test('without the mark the same change rewrites the device row (the mark is what selects the journal)', async (t) => {
  await withCampaign(2, {}, async (store, record, path) => {
    const result = heardResult('c1', record.devices[0]!, 3);
    delete result.heard;
    await store.commit('c1', result);
    t.is(journalRows(path), 0);
    t.deepEqual(JSON.parse(deviceRowJson(path, devEuiOf(0))), JSON.parse(JSON.stringify(result.devices[0])));
  });
});

test('commitBatch: a device heard then changed in one batch gets its row, one only heard gets one journal row per uplink, in order', async (t) => {
  await withCampaign(3, {}, async (store, record, path) => {
    const h1 = heardResult('c1', record.devices[0]!, 1);
    const h2 = heardResult('c1', h1.devices[0]!, 2);
    const x1 = heardResult('c1', record.devices[2]!, 3);
    const x2 = changedResult('c1', 2, 4);
    await store.commitBatch([h1, x1, h2, x2].map((result) => ({ campaignId: 'c1', result })));
    t.is(journalRows(path), 2, 'two uplinks of device 0; device 2 was rewritten');
    const loaded = (await store.load('c1'))!;
    t.deepEqual(loaded.devices[0], JSON.parse(JSON.stringify(h2.devices[0])));
    t.deepEqual(loaded.devices[2], JSON.parse(JSON.stringify(x2.devices[0])));
    t.is(loaded.campaign.updatedAtMs, x2.campaign.updatedAtMs);
  });
});

test('reopen after a crash (nothing compacted) folds the journal into the device rows and empties it', async (t) => {
  await withCampaign(2, {}, async (store, record, path) => {
    let device = record.devices[1]!;
    for (let step = 1; step <= 5; step++) {
      const result = heardResult('c1', device, step);
      await store.commit('c1', result);
      device = result.devices[0]!;
    }
    const before = await store.load('c1');
    // No close(): the connection is dropped as a killed process would leave it.
    (store as unknown as { db: Sqlite.Database }).db.close();
    t.is(journalRows(path), 5);
    const again = SqliteCampaignStore.open(path);
    t.is(journalRows(path), 0);
    t.deepEqual(JSON.parse(deviceRowJson(path, devEuiOf(1))), JSON.parse(JSON.stringify(device)));
    t.deepEqual(await again.load('c1'), before);
    await again.close();
  });
});

test('compaction: past its threshold the pending devices are rewritten once and the journal emptied; load is unchanged', async (t) => {
  await withFile(async (path) => {
    const store = SqliteCampaignStore.open(path, { heardJournal: { compactMinRows: 8, compactFactor: 2 } });
    const record = createRecord('c1', 3);
    await store.create(record);
    const latest = [...record.devices];
    let rowsSeen = 0;
    for (let step = 1; step <= 7; step++) {
      const i = step % 3;
      const result = heardResult('c1', latest[i]!, step);
      await store.commit('c1', result);
      latest[i] = result.devices[0]!;
      rowsSeen = Math.max(rowsSeen, journalRows(path));
    }
    t.is(journalRows(path), 7, 'below 8 rows: nothing compacted');
    const before = await store.load('c1');
    const result = heardResult('c1', latest[0]!, 8);
    await store.commit('c1', result);
    latest[0] = result.devices[0]!;
    t.is(journalRows(path), 0, 'the 8th row compacted the journal');
    for (let i = 0; i < 3; i++) t.deepEqual(JSON.parse(deviceRowJson(path, devEuiOf(i))), JSON.parse(JSON.stringify(latest[i])));
    const after = (await store.load('c1'))!;
    t.deepEqual(after.devices, latest.map((d) => JSON.parse(JSON.stringify(d))));
    t.is(after.campaign.updatedAtMs, result.campaign.updatedAtMs);
    t.notDeepEqual(after, before);
  });
});

test('a compaction that fails is reported, keeps the journal (load unchanged), and is tried again after compactMinRows more rows', async (t) => {
  await withFile(async (path) => {
    const errors: unknown[] = [];
    const store = SqliteCampaignStore.open(path, { heardJournal: { compactMinRows: 4, compactFactor: 1, onCompactionError: (error) => errors.push(error) } });
    const record = createRecord('c1', 2);
    await store.create(record);
    // Device rows refuse updates (heard commits write none; compaction rewrites them).
    const other = new Sqlite(path);
    other.exec(`CREATE TRIGGER refuse_device_updates BEFORE UPDATE ON devices BEGIN SELECT RAISE(ABORT, 'test: device rows refuse updates'); END;`);
    const latest = [...record.devices];
    const hear = async (step: number): Promise<void> => {
      const i = step % 2;
      const result = heardResult('c1', latest[i]!, step);
      await store.commit('c1', result);
      latest[i] = result.devices[0]!;
    };
    for (let step = 1; step <= 4; step++) await hear(step);
    t.is(errors.length, 1, 'the 4th row tried a compaction, which failed');
    t.regex(String((errors[0] as Error).message), /refuse updates/);
    t.is(journalRows(path), 4, 'the journal kept every row');
    t.deepEqual((await store.load('c1'))!.devices, latest.map((d) => JSON.parse(JSON.stringify(d))));
    other.exec(`DROP TRIGGER refuse_device_updates`);
    other.close();
    for (let step = 5; step <= 7; step++) await hear(step);
    t.is(journalRows(path), 7, 'no new try before compactMinRows more rows');
    await hear(8);
    t.is(journalRows(path), 0, 'tried again at 8 rows, and folded');
    t.is(errors.length, 1);
    t.deepEqual((await store.load('c1'))!.devices, latest.map((d) => JSON.parse(JSON.stringify(d))));
    await store.close();
  });
});

test('a batch that fails changes neither the journal nor what compaction later writes', async (t) => {
  await withCampaign(2, { heardJournal: { compactMinRows: 2, compactFactor: 1 } }, async (store, record, path) => {
    const good = heardResult('c1', record.devices[0]!, 1);
    const lost = heardResult('c1', record.devices[1]!, 2);
    const unknown = { ...changedResult('nope', 0, 3) };
    await t.throwsAsync(store.commitBatch([{ campaignId: 'c1', result: lost }, { campaignId: 'nope', result: unknown }]));
    t.is(journalRows(path), 0);
    await store.commit('c1', good);
    await store.commit('c1', heardResult('c1', good.devices[0]!, 4));
    t.is(journalRows(path), 0, 'compacted at 2 rows');
    const loaded = (await store.load('c1'))!;
    t.deepEqual(loaded.devices[1], JSON.parse(JSON.stringify(record.devices[1])), 'the failed batch left device 1 as created');
  });
});

test('property: any sequence of heard and changed commits, single or batched, with reopens and compactions, loads as the last committed state', async (t) => {
  const step = fc.record({
    kind: fc.constantFrom('heard', 'heard', 'heard', 'changed'),
    device: fc.integer({ min: 0, max: 3 }),
    batchWithNext: fc.boolean(),
    reopen: fc.integer({ min: 0, max: 9 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 12 }), async (steps, minRows) => {
      await withFile(async (path) => {
        const options: SqliteStoreOptions = { heardJournal: { compactMinRows: minRows, compactFactor: 1 } };
        let store = SqliteCampaignStore.open(path, options);
        const record = createRecord('c1', 4);
        await store.create(record);
        const latest = [...record.devices];
        let campaign = record.campaign;
        let batch: TransitionResult[] = [];
        let n = 0;
        for (const s of steps) {
          n++;
          const result = s.kind === 'heard' ? heardResult('c1', latest[s.device]!, n) : changedResult('c1', s.device, n);
          latest[s.device] = result.devices[0]!;
          campaign = result.campaign;
          batch.push(result);
          if (s.batchWithNext && batch.length < 4) continue;
          if (batch.length === 1) await store.commit('c1', batch[0]!);
          else await store.commitBatch(batch.map((result) => ({ campaignId: 'c1', result })));
          batch = [];
          if (s.reopen === 0) {
            (store as unknown as { db: Sqlite.Database }).db.close();
            store = SqliteCampaignStore.open(path, options);
          }
        }
        if (batch.length > 0) await store.commitBatch(batch.map((result) => ({ campaignId: 'c1', result })));
        const loaded = (await store.load('c1'))!;
        t.deepEqual(loaded.devices, latest.map((d) => JSON.parse(JSON.stringify(d))));
        t.is(loaded.campaign.updatedAtMs, campaign.updatedAtMs);
        t.is((await store.list())[0]!.updatedAtMs, campaign.updatedAtMs);
        await store.close();
      });
    }),
    { numRuns: 60 },
  );
});
