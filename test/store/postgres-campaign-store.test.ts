import pg from 'pg';
import test, { type ExecutionContext } from 'ava';
import { InternalError, PeerError } from '../../src/core/errors.js';
import { PostgresCampaignStore } from '../../src/store/postgres-campaign-store.js';
import { migratePostgres, POSTGRES_MIGRATIONS, postgresSchemaVersion } from '../../src/store/postgres-migrations.js';
import { campaignStoreContract } from './campaign-store-contract.js';
import { createRecord, deviceState, devEuiOf, ledger, typicalResult, unicast } from './fixtures.js';
import { freshSchema, TEST_POSTGRES_URL, type TestSchema, storeOptions } from './postgres-test-db.js';

campaignStoreContract('postgres store', async (deviceLogRetention) => {
  const db = await freshSchema();
  const store = await PostgresCampaignStore.open({ ...storeOptions(db), ...(deviceLogRetention ? { deviceLogRetention } : {}) });
  return { store, cleanup: db.drop };
});

// What only the PostgreSQL store has: its migrations (schema, advisory lock), reopening, an
// atomic commit when the database itself refuses a row, and the one-line errors of a server
// that is not there.

const LATEST = POSTGRES_MIGRATIONS.length;

/** A fresh schema and its teardown (dropped after the test, pass or fail). */
async function schemaFor(t: ExecutionContext): Promise<TestSchema> {
  const db = await freshSchema();
  t.teardown(db.drop);
  return db;
}

async function openIn(t: ExecutionContext, db: TestSchema): Promise<PostgresCampaignStore> {
  const store = await PostgresCampaignStore.open(storeOptions(db));
  t.teardown(() => store.close());
  return store;
}

async function versions(db: TestSchema): Promise<number[]> {
  return (await db.admin.query<{ version: number }>(`SELECT version FROM "${db.schema}".fuota_schema ORDER BY version`)).rows.map((row) => row.version);
}

test('postgres store migrations: a fresh schema is created and gets every step, one row each; reopening applies nothing', async (t) => {
  const db = await schemaFor(t);
  const store = await openIn(t, db);
  t.is(store.schema, db.schema);
  t.is(await postgresSchemaVersion(store.pool, db.schema), LATEST);
  t.deepEqual(await versions(db), POSTGRES_MIGRATIONS.map((m) => m.version));
  const tables = (await db.admin.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, [db.schema])).rows.map((r) => r.tablename);
  for (const table of ['api_tokens', 'campaign_ledgers', 'campaign_states', 'campaigns', 'device_log', 'devices', 'fuota_schema', 'multicast_groups', 'outbox']) t.true(tables.includes(table), `${table} in ${tables.join(', ')}`);
  t.deepEqual(await migratePostgres(store.pool, db.url, db.schema), { from: LATEST, to: LATEST });
});

test('postgres store migrations: a schema newer than the code is refused in one line, untouched', async (t) => {
  const db = await schemaFor(t);
  await (await openIn(t, db)).close();
  await db.admin.query(`INSERT INTO "${db.schema}".fuota_schema (version, name) VALUES ($1, 'from the future')`, [LATEST + 5]);
  const error = await t.throwsAsync(PostgresCampaignStore.open(storeOptions(db)), { instanceOf: InternalError });
  t.is(error?.code, 'STORE_SCHEMA_TOO_NEW');
  t.is(error?.message, `campaign store ${db.url} schema ${db.schema}: schema version ${LATEST + 5} is newer than this program knows (latest ${LATEST}); use a newer program, the database was not touched`);
  t.deepEqual(await versions(db), [...POSTGRES_MIGRATIONS.map((m) => m.version), LATEST + 5]);
});

test('postgres store migrations: instances opening together migrate each step once (advisory lock)', async (t) => {
  const db = await schemaFor(t);
  const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresCampaignStore.open(storeOptions(db))));
  t.teardown(() => Promise.all(stores.map((store) => store.close())));
  // fuota_schema's primary key would refuse a step applied twice; every open succeeded and the steps are there once.
  t.deepEqual(await versions(db), POSTGRES_MIGRATIONS.map((m) => m.version));
  await stores[0]!.create(createRecord('c1', 2));
  t.is((await stores[3]!.load('c1'))!.devices.length, 2, 'all four are on the same tables');
});

test('postgres store migrations: a failing step rolls back to the previous version', async (t) => {
  const db = await schemaFor(t);
  const store = await openIn(t, db);
  const broken = [...POSTGRES_MIGRATIONS, { version: LATEST + 1, name: 'broken', sql: `CREATE TABLE {schema}.half_done (x INTEGER); INSERT INTO {schema}.no_such_table VALUES (1);` }];
  const error = await t.throwsAsync(migratePostgres(store.pool, db.url, db.schema, broken), { instanceOf: InternalError });
  t.is(error?.code, 'STORE_MIGRATION_FAILED');
  t.regex(error!.message, new RegExp(`migration ${LATEST + 1} \\(broken\\) from version ${LATEST} failed: relation ".*no_such_table" does not exist; the schema is left at version ${LATEST}$`));
  t.is(await postgresSchemaVersion(store.pool, db.schema), LATEST);
  t.is((await db.admin.query(`SELECT to_regclass($1) AS t`, [`"${db.schema}".half_done`])).rows[0].t, null);
});

test('postgres store migrations: a schema holding other tables and no version is refused', async (t) => {
  const db = await schemaFor(t);
  await db.admin.query(`CREATE SCHEMA "${db.schema}"; CREATE TABLE "${db.schema}".customers (id INTEGER)`);
  const error = await t.throwsAsync(PostgresCampaignStore.open(storeOptions(db)), { instanceOf: InternalError });
  t.is(error?.code, 'STORE_NOT_CAMPAIGN_DB');
  t.regex(error!.message, /has 1 tables but no fuota_schema version, expected an empty schema or a campaign store/);
});

test('postgres store: reopening keeps everything (campaign, devices, ledger, outbox, log, order)', async (t) => {
  const db = await schemaFor(t);
  const first = await openIn(t, db);
  await first.create(createRecord('b', 3));
  await first.create(createRecord('a', 1));
  const seqs = await first.commit('b', { ...typicalResult('b', 1, 1), ledger: ledger(1), devices: [deviceState(9, 1), deviceState(1, 1)] });
  await first.commit('b', typicalResult('b', 2, 2));
  await first.markDone('b', seqs);
  const before = { b: await first.load('b'), a: await first.load('a'), list: await first.list(), log: await first.deviceLog('b', devEuiOf(1)) };
  await first.close();
  const again = await openIn(t, db);
  t.deepEqual({ b: await again.load('b'), a: await again.load('a'), list: await again.list(), log: await again.deviceLog('b', devEuiOf(1)) }, before);
  t.deepEqual(before.b!.devices.map((d) => d.devEui), [0, 1, 2, 9].map(devEuiOf));
  t.deepEqual(before.list.map((s) => s.id), ['b', 'a']);
});

test('postgres store: a commit whose outbox insert the database refuses leaves nothing of it (one transaction)', async (t) => {
  const db = await schemaFor(t);
  const store = await openIn(t, db);
  await store.create(createRecord('c1', 2));
  await store.commit('c1', typicalResult('c1', 0, 1));
  const before = await store.load('c1');
  // The outbox row is the last write of a commit: the state, ledger, devices and log are written by then.
  await db.admin.query(`ALTER TABLE "${db.schema}".outbox ADD CONSTRAINT no_poison CHECK (command_json NOT LIKE '%poison%')`);
  const poisoned = { ...unicast('c1', 1, 2), id: 'poison' };
  const error = await t.throwsAsync(store.commit('c1', { ...typicalResult('c1', 1, 2), ledger: ledger(2), commands: [unicast('c1', 1, 2), poisoned] }), { instanceOf: InternalError });
  t.is(error?.code, 'STORE_FAILED');
  t.regex(error!.message, /commit to campaign c1 failed: .*no_poison.*\(SQLSTATE 23514\)$/);
  t.deepEqual(await store.load('c1'), before);
  t.deepEqual(await store.deviceLog('c1', devEuiOf(1)), []);
  // The pool's connection is usable again: the next commit goes through.
  t.is((await store.commit('c1', typicalResult('c1', 1, 3))).length, 1);
});

test('postgres store: an unreachable server, a missing database and an unknown role are one line naming the URL without its password', async (t) => {
  const base = new URL(TEST_POSTGRES_URL);
  const refused = `postgres://fuota:s3cret-pw@127.0.0.1:1${base.pathname}`;
  const noDb = `postgres://${base.username || 'postgres'}:s3cret-pw@${base.host}/fuota_no_such_db_${process.pid}`;
  const noRole = `postgres://fuota_no_such_role:s3cret-pw@${base.host}${base.pathname}`;
  for (const [url, words] of [
    [refused, /ECONNREFUSED/],
    [noDb, /database "fuota_no_such_db_\d+" does not exist \(SQLSTATE 3D000\)/],
    [noRole, /fuota_no_such_role.*\(SQLSTATE 28(000|P01)\)/],
  ] as const) {
    const error = await t.throwsAsync(PostgresCampaignStore.open({ url, connectTimeoutMs: 30_000 }), { instanceOf: PeerError });
    t.is(error?.code, 'STORE_UNAVAILABLE', error?.message);
    t.true(error!.message.startsWith(`campaign store ${url.replace('s3cret-pw', '***')}: open failed: expected a reachable PostgreSQL, got `), error!.message);
    t.regex(error!.message, words);
    t.false(error!.message.includes('s3cret-pw'));
    t.false(error!.message.includes('\n'));
  }
});

test('postgres store: a damaged JSON row and a time past 2^53 fail with STORE_CORRUPT naming the column', async (t) => {
  const db = await schemaFor(t);
  const store = await openIn(t, db);
  await store.create(createRecord('c1', 2));
  await db.admin.query(`UPDATE "${db.schema}".devices SET state_json = '{"devEui": ' WHERE dev_eui = $1`, [devEuiOf(1)]);
  const error = await t.throwsAsync(store.load('c1'), { instanceOf: InternalError });
  t.is(error?.code, 'STORE_CORRUPT');
  t.regex(error!.message, /devices\.state_json of campaign c1: expected JSON, got "\{\\"devEui\\": "/);
  await db.admin.query(`UPDATE "${db.schema}".campaign_states SET updated_at_ms = 1152921504606846976`);
  const big = await t.throwsAsync(store.list(), { instanceOf: InternalError });
  t.is(big?.code, 'STORE_CORRUPT');
  t.regex(big!.message, /campaign_states\.updated_at_ms of campaign c1: expected an integer below 2\^53, got "1152921504606846976"/);
});

test('postgres store: the schema name must be a plain identifier (it is put into SQL text)', async (t) => {
  for (const schema of ['Fuota', 'a-b', 'x"; DROP TABLE y; --', '']) {
    const error = await t.throwsAsync(PostgresCampaignStore.open({ url: TEST_POSTGRES_URL, schema }));
    t.is((error as InternalError).code, 'INVALID_STORE_SCHEMA');
  }
});

test('postgres store: a schema from before device-log retention (version 4, 300 entries of a device) is compacted at open; another retention compacts again', async (t) => {
  const db = await schemaFor(t);
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  t.teardown(() => pool.end());
  await migratePostgres(pool, db.url, db.schema, POSTGRES_MIGRATIONS.slice(0, 4));
  const s = `"${db.schema}"`;
  const record = createRecord('old', 2);
  await db.admin.query(`INSERT INTO ${s}.campaigns (id, spec_json, block) VALUES ($1, $2, $3)`, ['old', record.specJson, Buffer.from(record.block)]);
  await db.admin.query(`INSERT INTO ${s}.campaign_states (campaign_id, state_json, phase, updated_at_ms) VALUES ($1, $2, 'running', 1)`, ['old', JSON.stringify(record.campaign)]);
  const ks = Array.from({ length: 300 }, (_, i) => i + 1);
  await db.admin.query(
    `INSERT INTO ${s}.device_log (campaign_id, dev_eui, at_ms, direction, f_port, payload_hex, text)
     SELECT 'old', $1, k * 1000, CASE WHEN k % 2 = 0 THEN 'up' ELSE 'down' END, 200, '00', CASE WHEN k = 2 THEN 'McGroupSetupAns' ELSE 'entry ' || k END FROM unnest($2::int[]) AS u(k) ORDER BY k`,
    [devEuiOf(0), ks],
  );
  const retention = { keepEntries: 50, maxAgeMs: 10 * 86_400_000 };
  const store = await PostgresCampaignStore.open({ ...storeOptions(db), deviceLogRetention: retention });
  const log = await store.deviceLog('old', devEuiOf(0), 1_000);
  // As 300 entries logged one at a time would have left: 50 + (250 mod 14).
  t.is(log.length, 1 + 62);
  t.deepEqual(log[0]!.summary, { up: 119, down: 119, note: 0, fromMs: 1_000, toMs: 238_000, firstAnswers: [{ command: 'McGroupSetupAns', atMs: 2_000, fPort: 200, payloadHex: '00' }] });
  t.is(log[1]!.text, 'entry 239');
  await store.close();
  const rows = async (): Promise<number> => Number((await db.admin.query(`SELECT count(*) AS n FROM ${s}.device_log`)).rows[0].n);
  t.is(await rows(), 62);
  const stricter = await PostgresCampaignStore.open({ ...storeOptions(db), deviceLogRetention: { ...retention, keepEntries: 20 } });
  t.is((await stricter.deviceLog('old', devEuiOf(0), 1_000))[0]!.summary!.up, (300 - 24) / 2, '20 + (280 mod 6) kept');
  await stricter.close();
  t.is(await rows(), 24);
});
