import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import Sqlite from 'better-sqlite3';
import { CallerError, InternalError, ValueError } from '../../src/core/errors.js';
import { CAMPAIGN_STORE_APPLICATION_ID, MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { SqliteCampaignStore } from '../../src/store/sqlite-campaign-store.js';
import { campaignStoreContract } from './campaign-store-contract.js';
import { deviceLogRetentionContract } from './device-log-retention-contract.js';
import { campaignState, createRecord, deviceState, devEuiOf, typicalResult } from './fixtures.js';
import { tempDir } from './temp-dir.js';

campaignStoreContract('sqlite store', async (deviceLogRetention) => {
  const tmp = tempDir();
  return { store: SqliteCampaignStore.open(tmp.file('campaigns.db'), deviceLogRetention ? { deviceLogRetention } : {}), cleanup: tmp.remove };
});

// The same log with its entries split between device_log_recent and device_log (the default
// thresholds above keep a test's few entries all in device_log_recent): moved whenever 3 rows
// gathered, so that a device's entries are in both tables at most points, and every retention
// compaction meets entries of both.
deviceLogRetentionContract('sqlite store, log moved every 3 rows', async (deviceLogRetention) => {
  const tmp = tempDir();
  return { store: SqliteCampaignStore.open(tmp.file('campaigns.db'), { deviceLogRetention, recentDeviceLog: { moveMinRows: 3, moveFactor: 0 } }), cleanup: tmp.remove };
});

const LATEST = MIGRATIONS.length;

/** Runs `body` with a fresh temp dir, removed afterwards. */
async function inTempDir<T>(body: (file: (name: string) => string) => Promise<T>): Promise<T> {
  const tmp = tempDir();
  try {
    return await body(tmp.file);
  } finally {
    await tmp.remove();
  }
}

function sha256(path: string): string {
  return createHash('sha256').update(fs.readFileSync(path)).digest('hex');
}

test('sqlite store: close and reopen keeps everything', async (t) => {
  await inTempDir(async (file) => {
    const path = file('campaigns.db');
    const first = SqliteCampaignStore.open(path);
    await first.create(createRecord('c1', 3));
    const seqs = await first.commit('c1', typicalResult('c1', 1, 1));
    const before = await first.load('c1');
    await first.close();
    const second = SqliteCampaignStore.open(path);
    t.deepEqual(await second.load('c1'), before);
    t.deepEqual((await second.load('c1'))!.outbox.map((item) => item.seq), seqs);
    t.is((await second.deviceLog('c1', devEuiOf(1))).length, 1);
    await second.close();
  });
});

test('sqlite store: WAL journal, the next wake time in its own indexed column', async (t) => {
  await inTempDir(async (file) => {
    const path = file('campaigns.db');
    const store = SqliteCampaignStore.open(path);
    await store.create(createRecord('c1', 1));
    await store.commit('c1', typicalResult('c1', 0, 5));
    await store.close();
    const db = new Sqlite(path, { readonly: true });
    t.is(db.pragma('journal_mode', { simple: true }), 'wal');
    t.is(db.prepare(`SELECT next_wake_ms FROM campaign_states WHERE campaign_id = 'c1'`).pluck().get(), campaignState('c1', 5).nextWakeMs);
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT campaign_id FROM campaign_states WHERE next_wake_ms <= ? ORDER BY next_wake_ms`).all(0) as Array<{ detail: string }>;
    t.regex(plan.map((row) => row.detail).join('; '), /campaign_states_by_next_wake_ms/);
    const logPlan = db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM device_log WHERE campaign_id = ? AND dev_eui = ? ORDER BY id DESC LIMIT 5`).all('c1', 'x') as Array<{ detail: string }>;
    t.regex(logPlan.map((row) => row.detail).join('; '), /device_log_by_device/);
    db.close();
  });
});

test('sqlite store: a commit that returned survives SIGKILL of the process, whole', async (t) => {
  await inTempDir(async (file) => {
    const path = file('crash.db');
    const killAfterStep = 200;
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./crash-child.ts', import.meta.url)), path], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let reported = 0;
    let pending = '';
    let stderr = '';
    let killed = false;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`crash child: expected step ${killAfterStep} within 90 s, got ${reported}; stderr: ${stderr}`));
      }, 90_000); // generous: starting tsx on a busy machine (issue #14)
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString()).split('\n');
        pending = lines.pop()!;
        for (const line of lines) reported = Math.max(reported, Number(line));
        if (reported >= killAfterStep && !killed) {
          killed = child.kill('SIGKILL');
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (killed && signal === 'SIGKILL') resolve();
        else reject(new Error(`crash child: expected death by SIGKILL, got exit code ${code} signal ${signal}; stderr: ${stderr}`));
      });
    });
    const store = SqliteCampaignStore.open(path);
    const loaded = (await store.load('crash'))!;
    const step = loaded.campaign.downlinkSeq - campaignState('crash', 0).downlinkSeq;
    t.true(step >= reported, `the child reported step ${reported} committed; the store has step ${step}`);
    // One whole transition: every part of step `step`, nothing of step + 1.
    t.deepEqual(loaded.devices.map((device) => device.counters.uplinks), [step, step, step]);
    t.is(loaded.outbox.length, step);
    let logEntries = 0;
    for (let i = 0; i < 3; i += 1) {
      // Retention may have summarised the oldest: they count as the summary says.
      for (const entry of await store.deviceLog('crash', devEuiOf(i), 1_000_000)) logEntries += entry.summary ? entry.summary.up + entry.summary.down + entry.summary.note : 1;
    }
    t.is(logEntries, step);
    await store.close();
  });
});

test('sqlite store migrations: a fresh file gets every step; reopening an up-to-date file writes nothing', async (t) => {
  await inTempDir(async (file) => {
    const path = file('campaigns.db');
    const store = SqliteCampaignStore.open(path);
    t.is(store.schemaVersion, LATEST);
    await store.close();
    const db = new Sqlite(path);
    t.is(db.pragma('application_id', { simple: true }), CAMPAIGN_STORE_APPLICATION_ID);
    t.is(db.pragma('user_version', { simple: true }), LATEST);
    t.deepEqual(migrate(db, path), { from: LATEST, to: LATEST });
    db.close();
    const hash = sha256(path);
    const again = SqliteCampaignStore.open(path);
    t.is(again.schemaVersion, LATEST);
    await again.close();
    t.is(sha256(path), hash, 'reopening changed the file');
  });
});

test('sqlite store migrations: a version 1 file is upgraded to the latest, its data kept', async (t) => {
  await inTempDir(async (file) => {
    const path = file('v1.db');
    const v1 = new Sqlite(path);
    t.deepEqual(migrate(v1, path, MIGRATIONS.slice(0, 1)), { from: 0, to: 1 });
    const record = createRecord('old', 2);
    v1.prepare(`INSERT INTO campaigns (id, spec_json, block) VALUES (?, ?, ?)`).run('old', record.specJson, record.block);
    v1.prepare(`INSERT INTO campaign_states (campaign_id, state_json, phase, updated_at_ms, next_wake_ms) VALUES (?, ?, ?, ?, ?)`).run(
      'old',
      JSON.stringify(record.campaign),
      record.campaign.phase,
      record.campaign.updatedAtMs,
      record.campaign.nextWakeMs,
    );
    for (const device of record.devices) v1.prepare(`INSERT INTO devices (campaign_id, dev_eui, state_json) VALUES (?, ?, ?)`).run('old', device.devEui, JSON.stringify(device));
    const indexes = (): unknown[] => v1.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'campaign_states_by_next_wake_ms'`).pluck().all();
    t.deepEqual(indexes(), []);
    v1.close();

    const store = SqliteCampaignStore.open(path);
    t.is(store.schemaVersion, LATEST);
    t.deepEqual(await store.load('old'), { specJson: record.specJson, block: record.block, campaign: record.campaign, devices: record.devices, outbox: [] });
    await store.commit('old', typicalResult('old', 1, 1));
    await store.close();
    const upgraded = new Sqlite(path, { readonly: true });
    t.deepEqual(upgraded.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'campaign_states_by_next_wake_ms'`).pluck().all(), ['campaign_states_by_next_wake_ms']);
    upgraded.close();
  });
});

test('sqlite store migrations: a file newer than the code is refused and left untouched', async (t) => {
  await inTempDir(async (file) => {
    const path = file('future.db');
    const db = new Sqlite(path);
    migrate(db, path);
    db.pragma(`user_version = ${LATEST + 5}`);
    db.close();
    const hash = sha256(path);
    const error = t.throws(() => SqliteCampaignStore.open(path), { instanceOf: InternalError });
    t.is(error?.code, 'STORE_SCHEMA_TOO_NEW');
    t.is(error?.message, `campaign store ${path}: schema version ${LATEST + 5} is newer than this program knows (latest ${LATEST}); use a newer program, the file was not touched`);
    t.is(sha256(path), hash);
    t.deepEqual(fs.readdirSync(file('.')), ['future.db'], 'no WAL or shm file created');
  });
});

test('sqlite store migrations: a failing step rolls back to the previous version', async (t) => {
  await inTempDir(async (file) => {
    const path = file('campaigns.db');
    await SqliteCampaignStore.open(path).close();
    const broken = [...MIGRATIONS, { version: LATEST + 1, name: 'broken', sql: `CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);` }];
    const db = new Sqlite(path);
    const error = t.throws(() => migrate(db, path, broken), { instanceOf: InternalError });
    t.is(error?.code, 'STORE_MIGRATION_FAILED');
    t.is(error?.message, `campaign store ${path}: migration ${LATEST + 1} (broken) from version ${LATEST} failed: no such table: no_such_table; the file is left at version ${LATEST}`);
    t.is(db.pragma('user_version', { simple: true }), LATEST);
    t.deepEqual(db.prepare(`SELECT name FROM sqlite_schema WHERE name = 'half_done'`).all(), []);
    db.close();
  });
});

test('sqlite store migrations: steps must be numbered 1, 2, 3...', (t) => {
  const db = new Sqlite(':memory:');
  const error = t.throws(() => migrate(db, ':memory:', [MIGRATIONS[0]!, { ...MIGRATIONS[1]!, version: 3 }]), { instanceOf: InternalError });
  t.is(error?.code, 'STORE_MIGRATIONS_INVALID');
  t.is(error?.message, 'campaign store migration #1: expected version 2, got 3');
  db.close();
});

test("sqlite store: another program's database is refused", async (t) => {
  await inTempDir(async (file) => {
    const foreign = file('foreign.db');
    const db = new Sqlite(foreign);
    db.exec(`CREATE TABLE customers (id INTEGER)`);
    db.close();
    const error = t.throws(() => SqliteCampaignStore.open(foreign), { instanceOf: InternalError });
    t.is(error?.code, 'STORE_NOT_CAMPAIGN_DB');
    t.regex(error!.message, /foreign\.db: has 1 schema objects but no schema version/);

    const tagged = file('tagged.db');
    const other = new Sqlite(tagged);
    other.pragma('application_id = 1234');
    other.close();
    const tagError = t.throws(() => SqliteCampaignStore.open(tagged), { instanceOf: InternalError });
    t.is(tagError?.code, 'STORE_NOT_CAMPAIGN_DB');
    t.regex(tagError!.message, /tagged\.db: application_id is 0x4d2, expected 0x46554f54/);
  });
});

test('sqlite store: a file that is not SQLite fails with STORE_CORRUPT naming it', async (t) => {
  await inTempDir(async (file) => {
    const path = file('garbage.db');
    fs.writeFileSync(path, Buffer.alloc(8_192, 0x5a));
    const error = t.throws(() => SqliteCampaignStore.open(path), { instanceOf: InternalError });
    t.is(error?.code, 'STORE_CORRUPT');
    t.true(error!.message.startsWith(`campaign store ${path}: open failed: file is not a database (SQLITE_NOTADB)`), error!.message);
  });
});

test('sqlite store: a damaged JSON row fails load with STORE_CORRUPT naming the column and the campaign', async (t) => {
  await inTempDir(async (file) => {
    const path = file('campaigns.db');
    const store = SqliteCampaignStore.open(path);
    await store.create(createRecord('c1', 2));
    const db = new Sqlite(path);
    db.prepare(`UPDATE devices SET state_json = '{"devEui": ' WHERE dev_eui = ?`).run(devEuiOf(1));
    db.close();
    const error = await t.throwsAsync(store.load('c1'), { instanceOf: InternalError });
    t.is(error?.code, 'STORE_CORRUPT');
    t.regex(error!.message, /campaigns\.db: devices\.state_json of campaign c1: expected JSON, got "\{\\"devEui\\": "/);
    await store.close();
  });
});

test('sqlite store: a writer blocked past busy_timeout fails with STORE_BUSY', async (t) => {
  await inTempDir(async (file) => {
    const path = file('campaigns.db');
    const store = SqliteCampaignStore.open(path, { busyTimeoutMs: 50 });
    await store.create(createRecord('c1', 1));
    const other = new Sqlite(path);
    other.exec('BEGIN IMMEDIATE');
    const error = await t.throwsAsync(store.commit('c1', typicalResult('c1', 0, 1)), { instanceOf: InternalError });
    t.is(error?.code, 'STORE_BUSY');
    t.regex(error!.message, /commit to campaign c1 failed: database is locked \(SQLITE_BUSY\)/);
    other.exec('ROLLBACK');
    other.close();
    t.deepEqual(await store.commit('c1', { ...typicalResult('c1', 0, 2), devices: [deviceState(0, 2)] }), [1]);
    await store.close();
  });
});

test('sqlite store: a campaign without its state row fails load with STORE_CORRUPT', async (t) => {
  await inTempDir(async (file) => {
    const path = file('campaigns.db');
    const store = SqliteCampaignStore.open(path);
    await store.create(createRecord('c1', 1));
    const db = new Sqlite(path);
    db.prepare(`DELETE FROM campaign_states WHERE campaign_id = 'c1'`).run();
    db.close();
    const error = await t.throwsAsync(store.load('c1'), { instanceOf: InternalError });
    t.is(error?.code, 'STORE_CORRUPT');
    t.is(error?.message, `campaign store ${path}: campaign_states of campaign c1: expected a row, got none`);
    await store.close();
  });
});

test('sqlite store: options must be non-negative integers (they go into PRAGMA text)', (t) => {
  for (const options of [{ busyTimeoutMs: -1 }, { busyTimeoutMs: 1.5 }, { walAutocheckpointPages: Number.NaN }]) {
    const error = t.throws(() => SqliteCampaignStore.open(':memory:', options), { instanceOf: ValueError });
    t.regex(error!.message, /^SqliteCampaignStore option \w+: expected a non-negative integer, got /);
  }
});

test('sqlite store: a file from before device-log retention (version 3, 300 entries of a device) is compacted at open; reopened unchanged, nothing is written', async (t) => {
  await inTempDir(async (file) => {
    const path = file('v3.db');
    const v3 = new Sqlite(path);
    t.deepEqual(migrate(v3, path, MIGRATIONS.slice(0, 3)), { from: 0, to: 3 });
    const record = createRecord('old', 2);
    v3.prepare(`INSERT INTO campaigns (id, spec_json, block) VALUES (?, ?, ?)`).run('old', record.specJson, record.block);
    v3.prepare(`INSERT INTO campaign_states (campaign_id, state_json, phase, updated_at_ms, next_wake_ms) VALUES (?, ?, ?, ?, ?)`).run('old', JSON.stringify(record.campaign), 'running', 1, null);
    const insert = v3.prepare(`INSERT INTO device_log (campaign_id, dev_eui, at_ms, direction, f_port, payload_hex, text) VALUES ('old', ?, ?, ?, ?, ?, ?)`);
    for (let k = 1; k <= 300; k += 1) insert.run(devEuiOf(0), 1_000 * k, k % 2 === 0 ? 'up' : 'down', 200, '00', k === 2 ? 'McGroupSetupAns' : `entry ${k}`);
    for (let k = 1; k <= 5; k += 1) insert.run(devEuiOf(1), 1_000 * k, 'note', null, null, `note ${k}`);
    v3.close();

    const retention = { keepEntries: 50, maxAgeMs: 10 * 86_400_000 };
    const store = SqliteCampaignStore.open(path, { deviceLogRetention: retention });
    t.is(store.schemaVersion, LATEST);
    const log = await store.deviceLog('old', devEuiOf(0), 1_000);
    // As 300 entries logged one at a time would have left: 50 + (250 mod 14).
    t.is(log.length, 1 + 62);
    t.deepEqual(log[0]!.summary, { up: 119, down: 119, note: 0, fromMs: 1_000, toMs: 238_000, firstAnswers: [{ command: 'McGroupSetupAns', atMs: 2_000, fPort: 200, payloadHex: '00' }] });
    t.is(log[1]!.text, 'entry 239');
    t.is((await store.deviceLog('old', devEuiOf(1))).length, 5, 'a short log is left as it is');
    await store.close();
    const rows = (): number => {
      const db = new Sqlite(path, { readonly: true });
      const count = db.prepare(`SELECT count(*) FROM device_log`).pluck().get() as number;
      db.close();
      return count;
    };
    t.is(rows(), 62 + 5);

    const hash = sha256(path);
    await SqliteCampaignStore.open(path, { deviceLogRetention: retention }).close();
    t.is(sha256(path), hash, 'reopening with the same retention changed the file');
    const stricter = SqliteCampaignStore.open(path, { deviceLogRetention: { ...retention, keepEntries: 20 } });
    const summary = (await stricter.deviceLog('old', devEuiOf(0), 1_000))[0]!.summary!;
    t.is(summary.up + summary.down, 300 - 24, '20 + (280 mod 6) kept');
    await stricter.close();
    t.is(rows(), 24 + 5);
  });
});

test('sqlite store: a device first written by a group commit that rolled back is written by the next commit (the rowid hint is only a hint)', async (t) => {
  const store = SqliteCampaignStore.open(':memory:');
  await store.create(createRecord('c1', 2));
  // Device 5 is new: its row is inserted, then the unknown campaign rolls the whole batch back.
  const failed = store.commitBatch([
    { campaignId: 'c1', result: typicalResult('c1', 5, 1) },
    { campaignId: 'nope', result: typicalResult('nope', 0, 1) },
  ]);
  t.is((await t.throwsAsync(failed, { instanceOf: CallerError }))?.code, 'CAMPAIGN_NOT_FOUND');
  t.false((await store.load('c1'))!.devices.some((device) => device.devEui === devEuiOf(5)));
  // Another new device takes the freed rowid; then device 5 again, then device 0 twice.
  await store.commit('c1', typicalResult('c1', 6, 2));
  await store.commit('c1', typicalResult('c1', 5, 3));
  await store.commit('c1', typicalResult('c1', 0, 4));
  await store.commit('c1', typicalResult('c1', 0, 5));
  const stored = await store.load('c1');
  t.deepEqual(stored!.devices, [deviceState(0, 5), deviceState(1, 0), deviceState(6, 2), deviceState(5, 3)]);
  await store.close();
});
