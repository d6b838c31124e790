// The checkpoint worker (src/store/sqlite-wal-checkpointer.ts): a long-running process's SQLite
// store copies its WAL into the database from a worker thread, not in the commit that crosses
// wal_autocheckpoint. These pin what that must not change (every commit readable, in order, after
// the worker copied it and after a reopen; the WAL removed at close, which needs the worker's
// connection closed first) and that it does copy.

import fs from 'node:fs';
import test from 'ava';
import Sqlite from 'better-sqlite3';
import { SqliteCampaignStore } from '../../src/store/sqlite-campaign-store.js';
import { SqliteWalCheckpointer } from '../../src/store/sqlite-wal-checkpointer.js';
import { createRecord, typicalResult } from './fixtures.js';
import { tempDir } from './temp-dir.js';

test('commits go on while the worker copies the WAL every millisecond; all of them are there after close and reopen, and the WAL is gone', async (t) => {
  t.timeout(120_000);
  const tmp = tempDir();
  try {
    const path = tmp.file('campaigns.db');
    let copied = 0;
    const errors: Error[] = [];
    let copiedOnce: () => void = () => {};
    const firstCopy = new Promise<void>((resolve) => (copiedOnce = resolve));
    const store = SqliteCampaignStore.open(path, {
      walCheckpoints: 'worker',
      checkpointIntervalMs: 1,
      onCheckpointError: (error) => errors.push(error),
    });
    // The store's checkpointer, to see what it copied (tests only).
    const checkpointer = Reflect.get(store, 'checkpointer') as SqliteWalCheckpointer;
    t.true(checkpointer instanceof SqliteWalCheckpointer);
    await checkpointer.ready;
    await store.create(createRecord('c1', 40));
    // Watch the copies from here on (a second listener on the worker's messages).
    (Reflect.get(checkpointer, 'worker') as { on: (e: string, f: (m: { type: string; copiedFrames?: number }) => void) => void }).on('message', (m) => {
      if (m.type === 'checkpointed' && m.copiedFrames! > 0) {
        copied += m.copiedFrames!;
        copiedOnce();
      }
    });
    let seqs: number[] = [];
    for (let step = 1; step <= 400; step++) {
      seqs = seqs.concat(await store.commit('c1', typicalResult('c1', step % 40, step)));
      // Now and then give the worker's timer a turn, as a service's event loop does between uplinks.
      if (step % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await firstCopy;
    t.true(copied > 0);
    const before = await store.load('c1');
    await store.close();
    t.deepEqual(errors, []);
    t.false(fs.existsSync(`${path}-wal`), 'the store closed last, so SQLite removed the WAL');
    const reopened = SqliteCampaignStore.open(path);
    t.deepEqual(await reopened.load('c1'), before);
    t.deepEqual((await reopened.load('c1'))!.outbox.map((item) => item.seq), seqs);
    await reopened.close();
  } finally {
    await tmp.remove();
  }
});

test("with the worker, the commits' own checkpoint waits for 4 times walAutocheckpointPages; without it, for walAutocheckpointPages", async (t) => {
  const tmp = tempDir();
  try {
    const pagesOf = (store: SqliteCampaignStore) => (Reflect.get(store, 'db') as Sqlite.Database).pragma('wal_autocheckpoint', { simple: true });
    const withWorker = SqliteCampaignStore.open(tmp.file('a.db'), { walCheckpoints: 'worker', walAutocheckpointPages: 1000 });
    t.is(pagesOf(withWorker), 4000);
    await withWorker.close();
    const inCommit = SqliteCampaignStore.open(tmp.file('b.db'), { walAutocheckpointPages: 1000 });
    t.is(pagesOf(inCommit), 1000);
    t.is(Reflect.get(inCommit, 'checkpointer'), undefined);
    await inCommit.close();
    // An in-memory database has no WAL: no worker.
    const memory = SqliteCampaignStore.open(':memory:', { walCheckpoints: 'worker' });
    t.is(Reflect.get(memory, 'checkpointer'), undefined);
    await memory.close();
  } finally {
    await tmp.remove();
  }
});

test('a worker that cannot open its file says so, naming the file, and stops cleanly', async (t) => {
  t.timeout(120_000);
  const tmp = tempDir();
  try {
    const path = tmp.file('missing.db');
    const errors: Error[] = [];
    const checkpointer = SqliteWalCheckpointer.start(path, { onError: (error) => errors.push(error) });
    await checkpointer.ready;
    await checkpointer.stop();
    t.is(errors.length, 1);
    t.true(errors[0]!.message.includes(path), errors[0]!.message);
    t.false(fs.existsSync(path), 'the worker created nothing');
  } finally {
    await tmp.remove();
  }
});
