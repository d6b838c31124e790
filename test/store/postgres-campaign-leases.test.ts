import test from 'ava';
import { FuotaError } from '../../src/core/errors.js';
import { PostgresCampaignLeases } from '../../src/store/postgres-campaign-leases.js';
import { PostgresCampaignStore, type StoreOwnership } from '../../src/store/postgres-campaign-store.js';
import { inboxKey, PostgresUplinkInbox } from '../../src/store/postgres-uplink-inbox.js';
import { campaignState, createRecord, devEuiOf, typicalResult } from './fixtures.js';
import { freshSchema, type TestSchema } from './postgres-test-db.js';

// Leases and the shared uplink inbox of several instances (docs/high-availability.md), against a
// real PostgreSQL: two "instances" are two stores with their own pools on one schema.

const LEASE_MS = 60_000;

interface Instance {
  store: PostgresCampaignStore;
  leases: PostgresCampaignLeases;
  inbox: PostgresUplinkInbox;
}

async function instance(db: TestSchema, owner: string): Promise<Instance> {
  const base = await PostgresCampaignStore.open({ url: db.url, schema: db.schema, maxConnections: 3 });
  const leases = new PostgresCampaignLeases({ pool: base.pool, url: db.url, schema: db.schema, owner, leaseMs: LEASE_MS });
  const inbox = new PostgresUplinkInbox({ pool: base.pool, url: db.url, schema: db.schema });
  const ownership: StoreOwnership = {
    claimIn: (client, id) => leases.claimIn(client, id),
    fenceIn: (client, id) => leases.fenceIn(client, id),
    consumeIn: (client, key) => inbox.consumeIn(client, key),
  };
  // A second store on the same pool, with the ownership hooks (the first only migrated).
  const store = await PostgresCampaignStore.open({ url: db.url, schema: db.schema, pool: base.pool, ownership });
  return { store, leases, inbox };
}

async function withTwo(body: (a: Instance, b: Instance, db: TestSchema) => Promise<void>): Promise<void> {
  const db = await freshSchema();
  const a = await instance(db, 'fuota-a');
  const b = await instance(db, 'fuota-b');
  try {
    await body(a, b, db);
  } finally {
    for (const i of [a, b]) await i.store.pool.end().catch(() => undefined);
    await db.drop();
  }
}

async function expire(db: TestSchema, campaignId: string): Promise<void> {
  await db.admin.query(`UPDATE "${db.schema}".campaign_leases SET expires_at = now() - interval '1 second' WHERE campaign_id = $1`, [campaignId]);
}

const uplink = (i: number, atMs = 1_763_700_000_000) => ({ devEui: devEuiOf(i), fPort: 201, payload: Uint8Array.of(0x01, i), atMs });

test('the creating instance owns the campaign; the other takes it only once the lease expired, and the former owner can commit nothing after', async (t) => {
  await withTwo(async (a, b, db) => {
    await a.store.create(createRecord('c1', 3));
    t.deepEqual(await a.leases.owners(['c1']), new Map([['c1', 'fuota-a']]));
    t.deepEqual(await b.leases.acquire(), [], 'an unexpired lease is not taken');
    t.deepEqual(await a.leases.renew(), ['c1']);
    await a.store.commit('c1', typicalResult('c1', 1, 1));

    await expire(db, 'c1');
    t.deepEqual(await b.leases.acquire(), ['c1']);
    t.deepEqual(await a.leases.renew(), [], 'the former owner renews nothing');
    const before = await b.store.load('c1');
    const error = await t.throwsAsync(a.store.commit('c1', typicalResult('c1', 2, 2)));
    t.is((error as FuotaError).code, 'CAMPAIGN_LEASE_LOST');
    t.regex(error!.message, /^campaign c1: expected instance fuota-a to hold its lease, got a lease of instance fuota-b; the transition was not committed$/);
    t.deepEqual(await b.store.load('c1'), before, 'nothing of the refused commit is stored');
    await b.store.commit('c1', typicalResult('c1', 2, 2));
  });
});

test('a commit without any lease row is refused; a restarted instance with the same id takes its own lease back at once', async (t) => {
  await withTwo(async (a, _b, db) => {
    await a.store.create(createRecord('c1', 2));
    await db.admin.query(`DELETE FROM "${db.schema}".campaign_leases`);
    const error = await t.throwsAsync(a.store.commit('c1', typicalResult('c1', 1, 1)));
    t.regex(error!.message, /got no lease/);
    t.deepEqual(await a.leases.acquire(), ['c1'], 'a campaign without a lease is free');
    const again = await instance(db, 'fuota-a');
    try {
      t.deepEqual(await again.leases.acquire(), ['c1'], 'same instanceId: no wait for the expiry');
      await again.store.commit('c1', typicalResult('c1', 1, 1));
    } finally {
      await again.store.pool.end();
    }
  });
});

test('finished campaigns are never acquired, and released leases are free at once', async (t) => {
  await withTwo(async (a, b) => {
    await a.store.create(createRecord('done', 1));
    await a.store.create(createRecord('live', 1));
    await a.store.commit('done', { campaign: { ...campaignState('done', 1), phase: 'completed' }, devices: [], log: [], commands: [] });
    await a.leases.release(['done', 'live']);
    t.deepEqual(await b.leases.acquire(), ['live']);
  });
});

test('the inbox keeps one row per uplink whichever instances put it, only for devices of running campaigns; a commit takes it out exactly once', async (t) => {
  await withTwo(async (a, b) => {
    await a.store.create(createRecord('c1', 3));
    t.is(await a.inbox.put(uplink(0), 1), 'c1');
    t.is(await b.inbox.put(uplink(0), 2), undefined, 'the copy another instance received is the same row');
    t.is(await b.inbox.put(uplink(0, 1_763_700_000_001), 3), 'c1', 'another time: another uplink');
    t.is(await a.inbox.put(uplink(999), 4), undefined, 'not a device of any running campaign');
    t.is(await a.inbox.size(), 2);
    const pending = await b.inbox.pending(['c1']);
    t.deepEqual(pending.map((p) => p.key), [inboxKey(uplink(0)), inboxKey(uplink(0, 1_763_700_000_001))], 'oldest first');
    t.deepEqual(pending[0]!.uplink, uplink(0));

    await a.store.commit('c1', typicalResult('c1', 1, 1), { consumedUplinkKey: pending[0]!.key });
    t.is(await a.inbox.size(), 1);
    const before = await a.store.load('c1');
    const error = await t.throwsAsync(a.store.commit('c1', typicalResult('c1', 2, 2), { consumedUplinkKey: pending[0]!.key }));
    t.is((error as FuotaError).code, 'UPLINK_ALREADY_CONSUMED');
    t.deepEqual(await a.store.load('c1'), before, 'an uplink is never counted twice');
    await a.inbox.discard([pending[1]!.key]);
    t.is(await a.inbox.size(), 0);
  });
});

test('inboxKey: the same uplink gives the same key; device, time, port or payload change it', (t) => {
  const base = uplink(1);
  const key = inboxKey(base);
  t.regex(key, /^[0-9a-f]{40}$/);
  t.is(inboxKey({ ...base, payload: Uint8Array.of(0x01, 1) }), key);
  for (const other of [uplink(2), { ...base, atMs: base.atMs + 1 }, { ...base, fPort: 200 }, { ...base, payload: Uint8Array.of(0x01, 2) }]) t.not(inboxKey(other), key);
});
