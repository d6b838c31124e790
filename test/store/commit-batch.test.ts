import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BatchCommit, CampaignStore } from '../../src/campaign/ports.js';
import type { FuotaError } from '../../src/core/errors.js';
import { MemoryCampaignStore } from '../../src/store/memory-campaign-store.js';
import { PostgresCampaignLeases } from '../../src/store/postgres-campaign-leases.js';
import { PostgresCampaignStore, type StoreOwnership } from '../../src/store/postgres-campaign-store.js';
import { inboxKey, PostgresUplinkInbox } from '../../src/store/postgres-uplink-inbox.js';
import { SqliteCampaignStore } from '../../src/store/sqlite-campaign-store.js';
import { campaignState, createRecord, devEuiOf, deviceState, typicalResult } from './fixtures.js';
import { freshSchema, storeOptions } from './postgres-test-db.js';

// CampaignStore.commitBatch (issue #17, group commit): several transitions, of one campaign or
// several, in one transaction: all or nothing; each one's outbox seqs in the order given; the
// state and devices as the last transition touching them left them; every log line kept.

interface Harness {
  store: CampaignStore;
  cleanup(): Promise<void>;
}

const stores: Record<string, () => Promise<Harness>> = {
  memory: async () => ({ store: new MemoryCampaignStore(), cleanup: async () => undefined }),
  sqlite: async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-batch-'));
    return { store: SqliteCampaignStore.open(path.join(dir, 'store.sqlite')), cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  },
  postgres: async () => {
    const db = await freshSchema();
    const store = await PostgresCampaignStore.open(storeOptions(db));
    return { store, cleanup: () => db.drop() };
  },
};

async function withStore(t: ExecutionContext, kind: string, body: (store: CampaignStore) => Promise<void>): Promise<void> {
  const harness = await stores[kind]!();
  try {
    await body(harness.store);
  } finally {
    await harness.store.close();
    await harness.cleanup();
  }
  t.pass();
}

for (const kind of Object.keys(stores)) {
  test(`${kind}: commitBatch of two campaigns, one of them twice: seqs in order, last state wins, every log line and command kept`, async (t) => {
    await withStore(t, kind, async (store) => {
      await store.create(createRecord('a', 3));
      await store.create(createRecord('b', 3));
      const batch: BatchCommit[] = [
        { campaignId: 'a', result: typicalResult('a', 0, 1) },
        { campaignId: 'b', result: typicalResult('b', 1, 1) },
        { campaignId: 'a', result: { ...typicalResult('a', 0, 2), commands: [] } },
        { campaignId: 'a', result: typicalResult('a', 2, 3) },
      ];
      const seqs = await store.commitBatch(batch);
      t.is(seqs.length, 4);
      t.deepEqual(seqs.map((s) => s.length), [1, 1, 0, 1]);
      const flat = seqs.flat();
      t.deepEqual(flat, [...flat].sort((x, y) => x - y), 'seqs increase in the order given');
      const a = (await store.load('a'))!;
      t.deepEqual(a.campaign, campaignState('a', 3), 'the last transition of a wins');
      t.deepEqual(a.devices.find((d) => d.devEui === devEuiOf(0)), deviceState(0, 2));
      t.deepEqual(a.devices.find((d) => d.devEui === devEuiOf(2)), deviceState(2, 3));
      t.deepEqual(a.outbox.map((o) => o.seq), [seqs[0]![0], seqs[3]![0]]);
      t.deepEqual(a.outbox.map((o) => o.command), [typicalResult('a', 0, 1).commands[0], typicalResult('a', 2, 3).commands[0]]);
      t.deepEqual((await store.deviceLog('a', devEuiOf(0))).map((e) => e.text), ['step 1', 'step 2']);
      const b = (await store.load('b'))!;
      t.deepEqual(b.campaign, campaignState('b', 1));
      t.deepEqual(b.outbox.map((o) => o.seq), seqs[1]);
    });
  });

  test(`${kind}: a commitBatch with one bad transition (unknown campaign) changes nothing at all`, async (t) => {
    await withStore(t, kind, async (store) => {
      await store.create(createRecord('a', 2));
      const before = await store.load('a');
      const error = await t.throwsAsync(store.commitBatch([{ campaignId: 'a', result: typicalResult('a', 0, 1) }, { campaignId: 'nope', result: typicalResult('nope', 1, 1) }]));
      t.is((error as FuotaError).code, 'CAMPAIGN_NOT_FOUND');
      t.deepEqual(await store.load('a'), before, 'the first transition of the batch was not kept');
      t.deepEqual(await store.deviceLog('a', devEuiOf(0)), []);
      const mismatch = await t.throwsAsync(store.commitBatch([{ campaignId: 'a', result: typicalResult('b', 0, 1) }]));
      t.is((mismatch as FuotaError).code, 'CAMPAIGN_ID_MISMATCH');
    });
  });
}

// Several instances (docs/high-availability.md): the fence of every campaign in the batch and
// every consumed inbox key are in the batch's transaction.
test('postgres with leases: a batch touching a campaign whose lease is lost, or an uplink already consumed, commits nothing; otherwise every key is consumed', async (t) => {
  const db = await freshSchema();
  const base = await PostgresCampaignStore.open(storeOptions(db));
  const leases = new PostgresCampaignLeases({ pool: base.pool, url: db.url, schema: db.schema, owner: 'fuota-a', leaseMs: 60_000 });
  const inbox = new PostgresUplinkInbox({ pool: base.pool, url: db.url, schema: db.schema });
  const ownership: StoreOwnership = { claimIn: (c, id) => leases.claimIn(c, id), fenceIn: (c, id) => leases.fenceIn(c, id), consumeIn: (c, key) => inbox.consumeIn(c, key) };
  const store = await PostgresCampaignStore.open({ url: db.url, schema: db.schema, pool: base.pool, ownership });
  try {
    await store.create(createRecord('a', 3));
    await store.create(createRecord('b', 3));
    const up = (i: number) => ({ devEui: devEuiOf(i), fPort: 201, payload: Uint8Array.of(1, i), atMs: 1_763_700_000_000 + i });
    for (const i of [0, 1, 2]) t.is(await inbox.put(up(i), Date.now()), 'a', 'waiting in the inbox for campaign a');
    const keyed = (i: number, step: number): BatchCommit => ({ campaignId: 'a', result: typicalResult('a', i, step), consumedUplinkKey: inboxKey(up(i)) });

    // Another instance took campaign b: a batch touching a and b is refused whole.
    await db.admin.query(`UPDATE "${db.schema}".campaign_leases SET owner = 'fuota-b' WHERE campaign_id = 'b'`);
    const beforeA = await store.load('a');
    const lost = await t.throwsAsync(store.commitBatch([keyed(0, 1), { campaignId: 'b', result: typicalResult('b', 0, 1) }]));
    t.is((lost as FuotaError).code, 'CAMPAIGN_LEASE_LOST');
    t.deepEqual(await store.load('a'), beforeA);
    t.is(await inbox.size(), 3, 'no uplink consumed by the refused batch');

    // An uplink already consumed (another commit took it): the whole batch is refused.
    await store.commit('a', typicalResult('a', 1, 1), { consumedUplinkKey: inboxKey(up(1)) });
    const beforeTwice = await store.load('a');
    const twice = await t.throwsAsync(store.commitBatch([keyed(0, 2), keyed(1, 3)]));
    t.is((twice as FuotaError).code, 'UPLINK_ALREADY_CONSUMED');
    t.deepEqual(await store.load('a'), beforeTwice);
    t.is(await inbox.size(), 2);

    const seqs = await store.commitBatch([keyed(0, 4), keyed(2, 5)]);
    t.is(seqs.flat().length, 2);
    t.is(await inbox.size(), 0, 'every uplink of the batch consumed with it');
    t.deepEqual((await store.load('a'))!.campaign, campaignState('a', 5));
  } finally {
    await store.close();
    await base.pool.end().catch(() => undefined);
    await db.drop();
  }
});
