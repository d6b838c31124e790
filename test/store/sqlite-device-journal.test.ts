// The SQLite store's device journal (src/store/sqlite-device-journal.ts): a commit appends what
// it did to a device (heard at a time, or its whole new state) instead of rewriting the device
// row; load, reopen (a crash: nothing compacted), compaction and an upgrade from the heard-only
// journal must all give back exactly what was committed.

import test from 'ava';
import Sqlite from 'better-sqlite3';
import fc from 'fast-check';
import type { TransitionResult } from '../../src/campaign/draft.js';
import { hearUplink } from '../../src/campaign/heard-uplink.js';
import type { DeviceState } from '../../src/campaign/state.js';
import { copyDevice } from '../../src/campaign/state-copy.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
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
  return readValue<number>(path, `SELECT count(*) FROM device_journal`);
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

test('without the mark the change is appended as the device\'s whole state; the row waits for compaction', async (t) => {
  await withCampaign(2, {}, async (store, record, path) => {
    const rowBefore = deviceRowJson(path, devEuiOf(0));
    const result = heardResult('c1', record.devices[0]!, 3);
    delete result.heard;
    await store.commit('c1', result);
    t.is(journalRows(path), 1);
    t.deepEqual(JSON.parse(readValue<string>(path, `SELECT state_json FROM device_journal`)), JSON.parse(JSON.stringify(result.devices[0])));
    t.is(deviceRowJson(path, devEuiOf(0)), rowBefore, 'the device row was not rewritten');
    const loaded = (await store.load('c1'))!;
    t.deepEqual(loaded.devices[0], JSON.parse(JSON.stringify(result.devices[0])));
    t.deepEqual(loaded.devices[1], JSON.parse(JSON.stringify(record.devices[1])));
  });
});

/** The (device rowid, at_ms) pairs of every heard row, in row order, read as the format says: float64 little-endian. */
function heardPairs(path: string): Array<[number, number]> {
  const db = new Sqlite(path, { readonly: true });
  try {
    const blobs = db.prepare(`SELECT heard FROM device_journal WHERE heard IS NOT NULL ORDER BY id`).pluck().all() as Buffer[];
    return blobs.flatMap((blob) => Array.from({ length: blob.length / 16 }, (_, i): [number, number] => [blob.readDoubleLE(i * 16), blob.readDoubleLE(i * 16 + 8)]));
  } finally {
    db.close();
  }
}

function rowidOf(path: string, devEui: string): number {
  return readValue<number>(path, `SELECT rowid FROM devices WHERE dev_eui = ?`, devEui);
}

test('commitBatch: a device heard then changed in one batch gets one state row; the uplinks only heard go as pairs in one row, in order', async (t) => {
  await withCampaign(3, {}, async (store, record, path) => {
    const h1 = heardResult('c1', record.devices[0]!, 1);
    const x1 = heardResult('c1', record.devices[2]!, 3);
    const g1 = heardResult('c1', record.devices[1]!, 4);
    const h2 = heardResult('c1', h1.devices[0]!, 5);
    const x2 = changedResult('c1', 2, 6);
    await store.commitBatch([h1, x1, g1, h2, x2].map((result) => ({ campaignId: 'c1', result })));
    t.is(journalRows(path), 2, 'one row of heard pairs, the last state of device 2');
    t.is(readValue<number>(path, `SELECT count(*) FROM device_journal WHERE state_json IS NOT NULL`), 1);
    t.deepEqual(heardPairs(path), [
      [rowidOf(path, devEuiOf(0)), h1.heard!.atMs],
      [rowidOf(path, devEuiOf(1)), g1.heard!.atMs],
      [rowidOf(path, devEuiOf(0)), h2.heard!.atMs],
    ]);
    t.is(readValue<number>(path, `SELECT length(heard) FROM device_journal WHERE heard IS NOT NULL`), 3 * 16, '16 bytes a pair');
    const loaded = (await store.load('c1'))!;
    t.deepEqual(loaded.devices[0], JSON.parse(JSON.stringify(h2.devices[0])));
    t.deepEqual(loaded.devices[1], JSON.parse(JSON.stringify(g1.devices[0])));
    t.deepEqual(loaded.devices[2], JSON.parse(JSON.stringify(x2.devices[0])));
    t.is(loaded.campaign.updatedAtMs, x2.campaign.updatedAtMs);
    (store as unknown as { db: Sqlite.Database }).db.close();
    const again = SqliteCampaignStore.open(path);
    t.is(journalRows(path), 0, 'folded at open');
    t.deepEqual(await again.load('c1'), loaded);
    await again.close();
  });
});

test('rows of one heard uplink each (schema 6 to 8) and rows of pairs are read alike, in id order, by load and at open', async (t) => {
  await withCampaign(2, {}, async (store, record, path) => {
    const h1 = heardResult('c1', record.devices[1]!, 1);
    await store.commit('c1', h1);
    const h2 = heardResult('c1', h1.devices[0]!, 2);
    // What an earlier version wrote for h2: a row of its own (as a crash before an upgrade leaves it).
    const raw = new Sqlite(path);
    raw.prepare(`INSERT INTO device_journal (campaign_id, device_rowid, at_ms, state_json, commit_seq, campaign_updated_at_ms) VALUES ('c1', ?, ?, NULL, 2, ?)`).run(rowidOf(path, devEuiOf(1)), h2.heard!.atMs, h2.campaign.updatedAtMs);
    raw.close();
    const expected = JSON.parse(JSON.stringify(h2.devices[0])) as unknown;
    t.notDeepEqual(expected, JSON.parse(JSON.stringify(h1.devices[0])));
    const loaded = (await store.load('c1'))!;
    t.deepEqual(loaded.devices[1], expected, 'load: the pair, then the row');
    t.is(loaded.campaign.updatedAtMs, h2.campaign.updatedAtMs);
    (store as unknown as { db: Sqlite.Database }).db.close();
    const again = SqliteCampaignStore.open(path);
    t.is(journalRows(path), 0);
    t.deepEqual(JSON.parse(deviceRowJson(path, devEuiOf(1))), expected, 'open: folded in the same order');
    const h3 = heardResult('c1', h2.devices[0]!, 3);
    await again.commit('c1', h3);
    t.deepEqual((await again.load('c1'))!.devices[1], JSON.parse(JSON.stringify(h3.devices[0])));
    await again.close();
  });
});

for (const bytes of [1, 8, 15, 17, 40]) {
  test(`a heard row of ${bytes} bytes (not whole pairs) is refused as STORE_CORRUPT at load`, async (t) => {
    await withCampaign(1, {}, async (store, record, path) => {
      await store.commit('c1', heardResult('c1', record.devices[0]!, 1));
      const raw = new Sqlite(path);
      raw.prepare(`UPDATE device_journal SET heard = ? WHERE heard IS NOT NULL`).run(Buffer.alloc(bytes));
      raw.close();
      const error = await t.throwsAsync(store.load('c1'));
      t.is((error as { code?: string }).code, 'STORE_CORRUPT');
      t.regex(error!.message, new RegExp(`device_journal\\.heard of campaign c1: expected a multiple of 16 bytes, got ${bytes}`));
    });
  });
}

test('a state row then heard rows: load and a reopen apply them in order (the state replaces, the uplinks hear it again)', async (t) => {
  await withCampaign(2, {}, async (store, record, path) => {
    const changed = changedResult('c1', 1, 1);
    await store.commit('c1', changed);
    let device = changed.devices[0]!;
    for (let step = 2; step <= 4; step++) {
      const result = heardResult('c1', device, step);
      await store.commit('c1', result);
      device = result.devices[0]!;
    }
    t.is(journalRows(path), 4);
    const expected = JSON.parse(JSON.stringify(device)) as unknown;
    t.notDeepEqual(expected, JSON.parse(JSON.stringify(changed.devices[0])), 'the uplinks changed the device after its state row');
    t.deepEqual((await store.load('c1'))!.devices[1], expected);
    (store as unknown as { db: Sqlite.Database }).db.close();
    const again = SqliteCampaignStore.open(path);
    t.is(journalRows(path), 0);
    t.deepEqual(JSON.parse(deviceRowJson(path, devEuiOf(1))), expected);
    t.deepEqual((await again.load('c1'))!.devices[1], expected);
    t.deepEqual((await again.load('c1'))!.devices[0], JSON.parse(JSON.stringify(record.devices[0])));
    await again.close();
  });
});

test('compaction by state bytes: once the states appended reach compactStateBytes, the pending devices are rewritten in rowid order', async (t) => {
  await withFile(async (path) => {
    const oneState = JSON.stringify(changedResult('c1', 0, 1).devices[0]).length;
    const store = SqliteCampaignStore.open(path, { deviceJournal: { compactStateBytes: 3 * oneState + 1 } });
    const record = createRecord('c1', 5);
    await store.create(record);
    // Which rows compaction writes, in order, seen from the store's own connection.
    const db = (store as unknown as { db: Sqlite.Database }).db;
    db.exec(`CREATE TEMP TABLE written (rowid_written INTEGER); CREATE TEMP TRIGGER note_write AFTER UPDATE ON devices BEGIN INSERT INTO written VALUES (new.rowid); END;`);
    for (const [step, i] of [3, 0, 4].entries()) await store.commit('c1', changedResult('c1', i, step + 1));
    t.is(journalRows(path), 3, 'three states, below the bound');
    t.is(db.prepare(`SELECT count(*) FROM written`).pluck().get(), 0);
    await store.commit('c1', changedResult('c1', 2, 4));
    t.is(journalRows(path), 0, 'the fourth state crossed it');
    const rowids = db.prepare(`SELECT rowid_written FROM written ORDER BY rowid`).pluck().all() as number[];
    t.is(rowids.length, 4);
    t.deepEqual(rowids, [...rowids].sort((a, b) => a - b), 'in rowid order, not the order they were changed in');
    const loaded = (await store.load('c1'))!;
    for (const [i, step] of [[3, 1], [0, 2], [4, 3], [2, 4]] as const) t.deepEqual(loaded.devices[i], JSON.parse(JSON.stringify(changedResult('c1', i, step).devices[0])));
    await store.close();
  });
});

test('upgrade: a schema-6 store with heard rows a crash left opens at the latest schema, folded', async (t) => {
  await withFile(async (path) => {
    const old = SqliteCampaignStore.open(path);
    const record = createRecord('c1', 2);
    await old.create(record);
    await old.close();
    const heardAtMs = record.campaign.updatedAtMs + 60_000;
    const raw = new Sqlite(path);
    // Back to schema 6 as it was (no device_log_recent, schema 8, either): what it journalled for an uplink that only heard device 1, before it crashed.
    raw.pragma('user_version = 6');
    raw.exec(`DROP TABLE device_log_recent; DROP TABLE device_journal; CREATE TABLE device_heard (id INTEGER PRIMARY KEY, campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE, device_rowid INTEGER NOT NULL, at_ms INTEGER NOT NULL, commit_seq INTEGER NOT NULL, campaign_updated_at_ms INTEGER NOT NULL);`);
    const rowid = raw.prepare(`SELECT rowid FROM devices WHERE dev_eui = ?`).pluck().get(devEuiOf(1)) as number;
    raw.prepare(`INSERT INTO device_heard (campaign_id, device_rowid, at_ms, commit_seq, campaign_updated_at_ms) VALUES ('c1', ?, ?, 1, ?)`).run(rowid, heardAtMs, heardAtMs);
    raw.close();
    const store = SqliteCampaignStore.open(path);
    t.is(store.schemaVersion, MIGRATIONS.length);
    t.is(journalRows(path), 0);
    const expected = copyDevice(record.devices[1]!);
    hearUplink(expected, heardAtMs);
    const loaded = (await store.load('c1'))!;
    t.deepEqual(loaded.devices[1], JSON.parse(JSON.stringify(expected)));
    t.is(loaded.campaign.updatedAtMs, heardAtMs);
    await store.close();
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
    const store = SqliteCampaignStore.open(path, { deviceJournal: { compactMinRows: 8, compactFactor: 2 } });
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

test('a compaction goes a chunk of devices after each commit; a device committed meanwhile keeps its newer state, and only the rows from before it began are deleted', async (t) => {
  await withFile(async (path) => {
    const options: SqliteStoreOptions = { deviceJournal: { compactMinRows: 5, compactFactor: 1, compactChunkDevices: 2 } };
    const store = SqliteCampaignStore.open(path, options);
    const record = createRecord('c1', 5);
    await store.create(record);
    const db = (store as unknown as { db: Sqlite.Database }).db;
    db.exec(`CREATE TEMP TABLE written (rowid_written INTEGER); CREATE TEMP TRIGGER note_write AFTER UPDATE ON devices BEGIN INSERT INTO written VALUES (new.rowid); END;`);
    const writtenCount = () => db.prepare(`SELECT count(*) FROM written`).pluck().get() as number;
    const latest = [...record.devices];
    let step = 0;
    const heard = async (i: number) => {
      const result = heardResult('c1', latest[i]!, ++step);
      await store.commit('c1', result);
      latest[i] = result.devices[0]!;
    };
    for (const i of [4, 2, 0, 3]) await heard(i);
    t.is(writtenCount(), 0, '4 rows: below compactMinRows');
    await heard(1);
    t.is(writtenCount(), 2, 'the 5th row began the compaction: its first chunk of 2 devices');
    t.is(journalRows(path), 5, 'nothing deleted before the last chunk');
    await heard(0); // device 0 (written in the first chunk) committed again
    t.is(writtenCount(), 4, 'the second chunk after the next commit');
    await heard(4); // device 4 (in the third chunk, not written yet) committed again
    t.is(writtenCount(), 5, 'the last chunk');
    const rowids = db.prepare(`SELECT rowid_written FROM written ORDER BY rowid`).pluck().all() as number[];
    t.deepEqual(rowids, [...rowids].sort((a, b) => a - b), 'in rowid order across the chunks');
    t.is(journalRows(path), 2, 'the rows of the two commits made during the compaction stay');
    t.deepEqual((await store.load('c1'))!.devices, latest.map((d) => JSON.parse(JSON.stringify(d))), 'devices 0 and 4 as their newer commits left them');
    await heard(2);
    t.is(writtenCount(), 5, 'the next compaction waits for its own threshold');
    // A second compaction, over to its end: devices 0 and 4 still pending with their newer states (or it would delete their rows).
    // 3 rows, then device 3 twice: 5 rows over 4 pending devices (0, 4, 2, 3) begin it, a chunk; the next commit's chunk ends it.
    for (let n = 0; n < 3; n++) await heard(3);
    t.is(writtenCount(), 9, 'a second compaction rewrote the 4 pending devices');
    t.is(journalRows(path), 1, 'and ended: only the row of the commit that ran its last chunk is left');
    t.deepEqual((await store.load('c1'))!.devices, latest.map((d) => JSON.parse(JSON.stringify(d))));
    await store.close();
    const reopened = SqliteCampaignStore.open(path, options);
    t.deepEqual((await reopened.load('c1'))!.devices, latest.map((d) => JSON.parse(JSON.stringify(d))));
    await reopened.close();
  });
});

test('a compaction that fails is reported, keeps the journal (load unchanged), and is tried again after compactMinRows more rows', async (t) => {
  await withFile(async (path) => {
    const errors: unknown[] = [];
    const store = SqliteCampaignStore.open(path, { deviceJournal: { compactMinRows: 4, compactFactor: 1, onCompactionError: (error) => errors.push(error) } });
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
  await withCampaign(2, { deviceJournal: { compactMinRows: 2, compactFactor: 1 } }, async (store, record, path) => {
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
    // chunkDevices below the 4 devices: compactions that span commits, with reopens amid them.
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), async (steps, minRows, chunkDevices) => {
      await withFile(async (path) => {
        const options: SqliteStoreOptions = { deviceJournal: { compactMinRows: minRows, compactFactor: 1, compactChunkDevices: chunkDevices } };
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
