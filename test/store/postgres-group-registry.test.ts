import test, { type ExecutionContext } from 'ava';
import { PostgresCampaignStore } from '../../src/store/postgres-campaign-store.js';
import { PostgresGroupRegistry } from '../../src/store/postgres-group-registry.js';
import { freshSchema, type TestSchema, storeOptions } from './postgres-test-db.js';

// The multicast group registry in PostgreSQL: synchronous reads and writes from memory, writes
// queued to the table in order, flushed, retried after a failure, and re-read by reload().

async function migrated(t: ExecutionContext): Promise<{ db: TestSchema; store: PostgresCampaignStore }> {
  const db = await freshSchema();
  const store = await PostgresCampaignStore.open(storeOptions(db));
  t.teardown(async () => {
    await store.close();
    await db.drop();
  });
  return { db, store };
}

async function rows(db: TestSchema): Promise<Record<string, unknown>> {
  const result = await db.admin.query<{ group_name: string; entry_json: string }>(`SELECT group_name, entry_json FROM "${db.schema}".multicast_groups ORDER BY group_name`);
  return Object.fromEntries(result.rows.map((row) => [row.group_name, JSON.parse(row.entry_json)]));
}

test('postgres group registry: set/delete answer from memory at once, land in the table in order after flush, and a second registry opens with them', async (t) => {
  const { db, store } = await migrated(t);
  const registry = await PostgresGroupRegistry.open(store.pool, { url: db.url, schema: db.schema });
  t.deepEqual(registry.entries(), []);
  registry.set('c-w0-f0', { id: 'uuid-0', maxPayloadBytes: 222, gatewayIds: ['gw1'], deviceClass: 'C' });
  registry.set('c-w0-f1', { id: 'uuid-1' });
  registry.set('c-w0-f1', { id: 'uuid-1', deleting: true, drainDeadlineMs: 1_763_700_000_000 });
  registry.set('gone', { id: 'x' });
  registry.delete('gone');
  t.deepEqual(registry.get('c-w0-f1'), { id: 'uuid-1', deleting: true, drainDeadlineMs: 1_763_700_000_000 });
  t.is(registry.get('gone'), undefined);
  await registry.flush();
  t.deepEqual(await rows(db), {
    'c-w0-f0': { id: 'uuid-0', maxPayloadBytes: 222, gatewayIds: ['gw1'], deviceClass: 'C' },
    'c-w0-f1': { id: 'uuid-1', deleting: true, drainDeadlineMs: 1_763_700_000_000 },
  });
  const second = await PostgresGroupRegistry.open(store.pool, { url: db.url, schema: db.schema });
  t.deepEqual(second.entries(), registry.entries());
});

test('postgres group registry: entries keep group-registry.ts field rules (unknown or mistyped fields dropped; copies)', async (t) => {
  const { db, store } = await migrated(t);
  const registry = await PostgresGroupRegistry.open(store.pool, { url: db.url, schema: db.schema });
  registry.set('g', { id: 'a', deviceClass: 'A' as 'C', maxPayloadBytes: '9' as unknown as number, extra: 1 } as never);
  t.deepEqual(registry.get('g'), { id: 'a' });
  registry.get('g')!.id = 'changed';
  t.is(registry.get('g')!.id, 'a');
  await db.admin.query(`INSERT INTO "${db.schema}".multicast_groups VALUES ('raw', '{"id": "r", "memberDevEui": 7, "deleting": true}'), ('no-id', '{"deleting": true}')`);
  await registry.reload();
  t.deepEqual(registry.get('raw'), { id: 'r', deleting: true });
  t.is(registry.get('no-id'), undefined);
});

test('postgres group registry: reload() sees what another instance wrote, after its own queued writes landed', async (t) => {
  const { db, store } = await migrated(t);
  const mine = await PostgresGroupRegistry.open(store.pool, { url: db.url, schema: db.schema });
  const theirs = await PostgresGroupRegistry.open(store.pool, { url: db.url, schema: db.schema });
  theirs.set('their-group', { id: 't' });
  await theirs.flush();
  mine.set('my-group', { id: 'm' });
  t.is(mine.get('their-group'), undefined);
  await mine.reload();
  t.deepEqual(mine.entries(), [['my-group', { id: 'm' }], ['their-group', { id: 't' }]]);
  t.deepEqual(Object.keys(await rows(db)), ['my-group', 'their-group']);
});

test('postgres group registry: a failed write is reported and retried until it lands; flush waits for it', async (t) => {
  const { db, store } = await migrated(t);
  const errors: string[] = [];
  const registry = await PostgresGroupRegistry.open(store.pool, { url: db.url, schema: db.schema, retryMs: 20, onError: (error, groupName) => errors.push(`${groupName}: ${(error as Error).message}`) });
  await db.admin.query(`ALTER TABLE "${db.schema}".multicast_groups RENAME TO multicast_groups_away`);
  registry.set('g1', { id: '1' });
  registry.set('g2', { id: '2' });
  const flushed = registry.flush();
  const deadline = Date.now() + 60_000;
  while (errors.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  t.true(errors.length >= 2, 'the failure is reported at each try');
  t.true(errors.every((line) => line.startsWith('g1: campaign store ')), errors[0]);
  t.regex(errors[0]!, /write multicast group g1 failed: .*does not exist \(SQLSTATE 42P01\)/);
  await db.admin.query(`ALTER TABLE "${db.schema}".multicast_groups_away RENAME TO multicast_groups`);
  await flushed;
  t.deepEqual(await rows(db), { g1: { id: '1' }, g2: { id: '2' } });
});

test('postgres group registry: close() gives up on writes that still fail, reporting them, instead of waiting forever', async (t) => {
  const { db, store } = await migrated(t);
  const failed: string[] = [];
  const registry = await PostgresGroupRegistry.open(store.pool, { url: db.url, schema: db.schema, retryMs: 20, onError: (_error, groupName) => failed.push(groupName) });
  await db.admin.query(`DROP TABLE "${db.schema}".multicast_groups`);
  registry.set('g1', { id: '1' });
  await registry.close();
  t.true(failed.includes('g1'));
  t.deepEqual(registry.get('g1'), { id: '1' }, 'memory keeps it');
});
