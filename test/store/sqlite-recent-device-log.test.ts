// The recent device log (src/store/sqlite-recent-device-log.ts): a commit's log lines wait in
// device_log_recent (no index) and move into device_log in bulk, sorted by device; deviceLog and
// retention read both tables as one log. The retention contract also runs with moves every 3 rows
// (sqlite-campaign-store.test.ts); here: where rows are, the order of a move, a crash, and a
// property against the memory store.
import test from 'ava';
import Sqlite from 'better-sqlite3';
import fc from 'fast-check';
import type { DeviceLogEntry } from '../../src/campaign/draft.js';
import type { CampaignStore } from '../../src/campaign/ports.js';
import { MemoryCampaignStore } from '../../src/store/memory-campaign-store.js';
import { SqliteCampaignStore, type SqliteStoreOptions } from '../../src/store/sqlite-campaign-store.js';
import { campaignState, createRecord, devEuiOf } from './fixtures.js';
import { tempDir } from './temp-dir.js';

const T0 = 1_763_703_800_000;

function line(device: number, k: number): DeviceLogEntry {
  return { devEui: devEuiOf(device), atMs: T0 + k * 1_000, direction: k % 3 === 0 ? 'note' : k % 3 === 1 ? 'up' : 'down', text: `line ${k} of device ${device}`, ...(k % 3 === 0 ? {} : { fPort: 201, payloadHex: k.toString(16).padStart(4, '0') }) };
}

async function commitLines(store: CampaignStore, step: number, log: DeviceLogEntry[]): Promise<void> {
  await store.commit('c1', { campaign: campaignState('c1', step), devices: [], log, commands: [] });
}

function count(db: Sqlite.Database, table: 'device_log' | 'device_log_recent'): number {
  return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
}

function dbOf(store: SqliteCampaignStore): Sqlite.Database {
  return (store as unknown as { db: Sqlite.Database }).db;
}

async function withStore(options: SqliteStoreOptions, body: (store: SqliteCampaignStore, path: string) => Promise<void>): Promise<void> {
  const tmp = tempDir();
  const path = tmp.file('campaigns.db');
  const store = SqliteCampaignStore.open(path, options);
  try {
    await store.create(createRecord('c1', 3));
    await body(store, path);
  } finally {
    await store.close();
    await tmp.remove();
  }
}

test('log lines wait in device_log_recent until moveMinRows gathered; deviceLog reads the newest across both tables, in order', async (t) => {
  await withStore({ recentDeviceLog: { moveMinRows: 4, moveFactor: 0 } }, async (store) => {
    const db = dbOf(store);
    await commitLines(store, 1, [line(0, 1), line(0, 2), line(1, 3)]);
    t.is(count(db, 'device_log_recent'), 3);
    t.is(count(db, 'device_log'), 0);
    await commitLines(store, 2, [line(0, 4), line(0, 5)]);
    t.is(count(db, 'device_log_recent'), 0, 'moved once 4 rows gathered');
    t.is(count(db, 'device_log'), 5);
    await commitLines(store, 3, [line(0, 6), line(0, 7)]);
    t.is(count(db, 'device_log_recent'), 2);
    const all = [1, 2, 4, 5, 6, 7].map((k) => line(0, k));
    t.deepEqual(await store.deviceLog('c1', devEuiOf(0)), all);
    t.deepEqual(await store.deviceLog('c1', devEuiOf(0), 3), all.slice(3), 'the newest 3: all recent');
    t.deepEqual(await store.deviceLog('c1', devEuiOf(0), 4), all.slice(2), 'the newest 4: both tables');
    t.deepEqual(await store.deviceLog('c1', devEuiOf(1)), [line(1, 3)]);
    t.deepEqual(await store.deviceLog('c1', devEuiOf(2)), []);
  });
});

test('a move inserts into device_log sorted by device, each device oldest first', async (t) => {
  await withStore({ recentDeviceLog: { moveMinRows: 12, moveFactor: 0 } }, async (store) => {
    const db = dbOf(store);
    db.exec(`CREATE TEMP TABLE moved (n INTEGER PRIMARY KEY, dev_eui TEXT, id INTEGER);
             CREATE TEMP TRIGGER record_move AFTER INSERT ON device_log BEGIN INSERT INTO moved (dev_eui, id) VALUES (NEW.dev_eui, NEW.id); END;`);
    // Interleaved: in id order the devices alternate, so id order is not device order.
    for (let step = 1; step <= 4; step++) await commitLines(store, step, [line(2, step), line(0, step), line(1, step)]);
    const moved = db.prepare(`SELECT dev_eui, id FROM moved ORDER BY n`).raw().all() as Array<[string, number]>;
    t.is(moved.length, 12);
    const sorted = [...moved].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    t.deepEqual(moved, sorted);
    t.notDeepEqual(
      moved.map((row) => row[1]),
      [...moved.map((row) => row[1])].sort((a, b) => a - b),
    );
    t.deepEqual(await store.deviceLog('c1', devEuiOf(2)), [1, 2, 3, 4].map((k) => line(2, k)));
  });
});

test('a move goes a chunk of devices after each commit, in device order across chunks, until every device that had rows when it began is moved', async (t) => {
  await withStore({ recentDeviceLog: { moveMinRows: 6, moveFactor: 0, moveChunkRows: 2 } }, async (store) => {
    const db = dbOf(store);
    db.exec(`CREATE TEMP TABLE moved (n INTEGER PRIMARY KEY, dev_eui TEXT, id INTEGER);
             CREATE TEMP TRIGGER record_move AFTER INSERT ON device_log BEGIN INSERT INTO moved (dev_eui, id) VALUES (NEW.dev_eui, NEW.id); END;`);
    await commitLines(store, 1, [line(2, 1), line(1, 2), line(0, 3)]);
    await commitLines(store, 2, [line(2, 4), line(1, 5), line(0, 6)]);
    // Due: device 0's two rows (a chunk of 2 rows) moved first.
    t.deepEqual(db.prepare(`SELECT dev_eui FROM moved ORDER BY n`).pluck().all(), [devEuiOf(0), devEuiOf(0)]);
    t.is(count(db, 'device_log_recent'), 6, 'copies stay until the move ends');
    await commitLines(store, 3, [line(0, 7), line(2, 8)]);
    // Device 1 next; device 0's new row waits for the next move.
    t.deepEqual(db.prepare(`SELECT dev_eui FROM moved ORDER BY n`).pluck().all(), [devEuiOf(0), devEuiOf(0), devEuiOf(1), devEuiOf(1)]);
    await commitLines(store, 4, []);
    // Device 2 last, with the row it logged during the move.
    t.deepEqual(db.prepare(`SELECT dev_eui FROM moved WHERE n > 4 ORDER BY n`).pluck().all(), [devEuiOf(2), devEuiOf(2), devEuiOf(2)]);
    // The last chunk deletes the copies (ids 1-6, within 4 × moveChunkRows, and 8, logged during the move).
    t.deepEqual(db.prepare(`SELECT id FROM device_log_recent ORDER BY id`).pluck().all(), [7], 'device 0 logged after its chunk went');
    await commitLines(store, 5, []);
    t.is(count(db, 'device_log_recent'), 1, 'the move is over; the next waits for moveMinRows');
    t.deepEqual(await store.deviceLog('c1', devEuiOf(0)), [3, 6, 7].map((k) => line(0, k)));
    t.deepEqual(await store.deviceLog('c1', devEuiOf(2)), [1, 4, 8].map((k) => line(2, k)));
  });
});

test('past 4 × moveChunkRows ids, a move\'s copies are deleted a range after each commit, those logged during the move with the last', async (t) => {
  await withStore({ recentDeviceLog: { moveMinRows: 9, moveFactor: 0, moveChunkRows: 1 } }, async (store) => {
    const db = dbOf(store);
    const left = () => db.prepare(`SELECT id FROM device_log_recent ORDER BY id`).pluck().all();
    await commitLines(store, 1, [0, 1, 2, 0, 1, 2, 0, 1, 2].map((device, k) => line(device, k + 1)));
    t.deepEqual(left(), [1, 2, 3, 4, 5, 6, 7, 8, 9], 'the move began: device 0 copied');
    await commitLines(store, 2, [line(2, 10)]);
    await commitLines(store, 3, [line(0, 11)]);
    t.deepEqual(left(), [5, 6, 7, 8, 9, 10, 11], 'device 2 copied (with 10, logged during the move): the last chunk, which deletes ids 1-4');
    await commitLines(store, 4, []);
    t.deepEqual(left(), [9, 10, 11], 'ids 5-8');
    await commitLines(store, 5, []);
    t.deepEqual(left(), [11], 'id 9, then 10; 11 (device 0, after its chunk) waits for the next move');
    for (const device of [0, 1, 2]) t.deepEqual((await store.deviceLog('c1', devEuiOf(device))).map((e) => e.text), (device === 0 ? [1, 4, 7, 11] : device === 1 ? [2, 5, 8] : [3, 6, 9, 10]).map((k) => line(device, k).text));
  });
});

test('a move whose copies fit one range deletes them all with its last chunk, those logged during the move too', async (t) => {
  await withStore({ recentDeviceLog: { moveMinRows: 2, moveFactor: 0, moveChunkRows: 1 } }, async (store) => {
    const db = dbOf(store);
    await commitLines(store, 1, [line(0, 1), line(1, 2)]);
    await commitLines(store, 2, [line(1, 3)]);
    t.is(count(db, 'device_log_recent'), 0);
    t.is(count(db, 'device_log'), 3);
  });
});

test('reopen after a crash: recent rows move into device_log at open, the log reads the same, new lines come after them', async (t) => {
  const tmp = tempDir();
  const path = tmp.file('campaigns.db');
  try {
    const store = SqliteCampaignStore.open(path);
    await store.create(createRecord('c1', 2));
    for (let step = 1; step <= 5; step++) await commitLines(store, step, [line(0, step), line(1, step)]);
    const before = await store.deviceLog('c1', devEuiOf(0));
    // No close(): the connection is dropped as a killed process would leave it.
    dbOf(store).close();
    const reopened = SqliteCampaignStore.open(path);
    const db = dbOf(reopened);
    t.is(count(db, 'device_log_recent'), 0);
    t.is(count(db, 'device_log'), 10);
    t.deepEqual(await reopened.deviceLog('c1', devEuiOf(0)), before);
    await commitLines(reopened, 6, [line(0, 6)]);
    t.deepEqual(await reopened.deviceLog('c1', devEuiOf(0)), [...before, line(0, 6)]);
    t.deepEqual(await reopened.deviceLog('c1', devEuiOf(0), 2), [line(0, 5), line(0, 6)]);
    await reopened.close();
  } finally {
    await tmp.remove();
  }
});

test('property: with moves (in chunks) and reopens at any point, every device log reads as the memory store gives it (retention included)', async (t) => {
  const retention = { keepEntries: 5, maxAgeMs: 40_000 };
  const commitArb = fc.record({
    lines: fc.array(fc.record({ device: fc.integer({ min: 0, max: 2 }), gapS: fc.integer({ min: 0, max: 9 }) }), { maxLength: 6 }),
    reopen: fc.boolean(),
  });
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(commitArb, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 8 }), async (commits, moveMinRows, moveChunkRows) => {
      runs++;
      const tmp = tempDir();
      const path = tmp.file('campaigns.db');
      const options: SqliteStoreOptions = { deviceLogRetention: retention, recentDeviceLog: { moveMinRows, moveFactor: 0, moveChunkRows } };
      let sqlite = SqliteCampaignStore.open(path, options);
      const memory = new MemoryCampaignStore({ deviceLogRetention: retention });
      try {
        for (const store of [sqlite, memory] as CampaignStore[]) await store.create(createRecord('c1', 3));
        let k = 0;
        let atMs = T0;
        for (const [step, commit] of commits.entries()) {
          const log = commit.lines.map(({ device, gapS }) => {
            atMs += gapS * 1_000;
            k++;
            return { ...line(device, k), atMs };
          });
          for (const store of [sqlite, memory] as CampaignStore[]) await commitLines(store, step + 1, log);
          if (commit.reopen) {
            await sqlite.close();
            sqlite = SqliteCampaignStore.open(path, options);
          }
        }
        for (let device = 0; device < 3; device++) {
          for (const limit of [undefined, 1, 3]) t.deepEqual(await sqlite.deviceLog('c1', devEuiOf(device), limit), await memory.deviceLog('c1', devEuiOf(device), limit));
        }
      } finally {
        await sqlite.close();
        await memory.close();
        await tmp.remove();
      }
    }),
    { numRuns: 60, seed: 17 },
  );
  t.is(runs, 60);
});

test('a move that fails is reported, the commit stands, the rows are read where they are, and the move is tried again after moveMinRows more', async (t) => {
  const failures: unknown[] = [];
  await withStore({ recentDeviceLog: { moveMinRows: 2, moveFactor: 0, onMoveError: (error) => failures.push(error) } }, async (store) => {
    const db = dbOf(store);
    db.exec(`CREATE TEMP TRIGGER refuse_move BEFORE INSERT ON device_log BEGIN SELECT RAISE(ABORT, 'disk says no'); END;`);
    await commitLines(store, 1, [line(0, 1), line(0, 2)]);
    t.is(failures.length, 1);
    t.regex(String(failures[0]), /disk says no/);
    t.is(count(db, 'device_log_recent'), 2);
    db.exec(`DROP TRIGGER refuse_move`);
    await commitLines(store, 2, [line(0, 3)]);
    t.is(count(db, 'device_log_recent'), 3, 'not before moveMinRows more rows');
    await commitLines(store, 3, [line(0, 4)]);
    t.is(count(db, 'device_log_recent'), 0);
    t.is(count(db, 'device_log'), 4);
    t.is(failures.length, 1);
    t.deepEqual(await store.deviceLog('c1', devEuiOf(0)), [1, 2, 3, 4].map((k) => line(0, k)));
  });
});
