import test from 'ava';
import pino from 'pino';
import { CampaignOwnership, type OwnedEngine, type OwnershipInbox, type OwnershipLeases } from '../../src/app/campaign-ownership.js';
import type { Uplink } from '../../src/campaign/ports.js';
import { InternalError } from '../../src/core/errors.js';
import type { InboxUplink } from '../../src/store/postgres-uplink-inbox.js';
import { UplinkNotCommittedError } from '../../src/campaign/uplink-not-committed.js';

// CampaignOwnership's decisions against fakes of the engine, the leases and the inbox (the SQL of
// the leases and inbox: test/store/postgres-campaign-leases.test.ts; everything together over two
// real `fuota serve`: test/app/two-instance-takeover.test.ts). Time is a variable: no waiting.

const LEASE_MS = 9_000;

function fakeEngine(running: string[]) {
  const calls: string[] = [];
  const live = new Set(running);
  const handled: Array<{ uplink: Uplink; key?: string }> = [];
  /** How each uplink came: 'page' (acceptUplink, one group commit) or 'one' (handleUplink). */
  const paths: string[] = [];
  let refuse: Error | undefined;
  /** Set: acceptUplink rejects every uplink as a refused group commit would. */
  let refuseBatch: Error | undefined;
  /** Keys handleUplink refuses as already taken by another instance. */
  const consumedElsewhere = new Set<string>();
  const take = (uplink: Uplink, key: string | undefined, path: string): boolean => {
    if (refuse) throw refuse;
    handled.push({ uplink, ...(key === undefined ? {} : { key }) });
    paths.push(path);
    return uplink.devEui !== 'unrouted';
  };
  const engine: OwnedEngine = {
    runningCampaignIds: () => [...live],
    view: (id) => (live.has(id) ? ({ campaign: { phase: 'running' } } as never) : undefined),
    release: async (id) => void (calls.push(`release ${id}`), live.delete(id)),
    resume: async (id) => void (calls.push(`resume ${id}`), live.add(id)),
    retryOutboxes: async () => void calls.push('retry outboxes'),
    handleUplink: async (uplink, key) => {
      if (key !== undefined && consumedElsewhere.has(key)) throw new InternalError('UPLINK_ALREADY_CONSUMED', `uplink ${key} taken`);
      return take(uplink, key, 'one');
    },
    acceptUplink: async (uplink, key) => {
      if (refuseBatch) throw new UplinkNotCommittedError(uplink.devEui, 3, refuseBatch);
      return take(uplink, key, 'page');
    },
    idle: async () => void calls.push('idle'),
    downlinkFailed: async () => {},
    unicastQueuedCopy: async () => {},
    gatewayDutyCycleOverflow: async () => {},
  };
  return { engine, calls, live, handled, paths, consumedElsewhere, refuseWith: (error: Error | undefined) => void (refuse = error), refuseBatchWith: (error: Error | undefined) => void (refuseBatch = error) };
}

function fakeLeases(state: { renewed: string[]; owners: Map<string, string>; free: string[] }) {
  const released: string[] = [];
  const leases: OwnershipLeases = {
    owner: 'fuota-a',
    leaseMs: LEASE_MS,
    renew: async () => state.renewed,
    owners: async (ids) => new Map([...state.owners].filter(([id]) => ids.includes(id))),
    acquire: async () => state.free.splice(0),
    release: async (ids) => void released.push(...ids),
  };
  return { leases, released };
}

function fakeInbox(rows: InboxUplink[]) {
  const discarded: string[] = [];
  const inbox: OwnershipInbox = {
    put: async (uplink) => (uplink.devEui === 'none' ? undefined : 'c1'),
    pending: async (ids) => rows.splice(0).filter((row) => ids.includes(row.campaignId)),
    discard: async (keys) => void discarded.push(...keys),
    discardCampaigns: async () => {},
  };
  return { inbox, discarded };
}

const silent = pino({ level: 'silent' });
const uplink = (devEui: string): Uplink => ({ devEui, fPort: 201, payload: Uint8Array.of(1), atMs: 1 });

test('start takes the free campaigns; a campaign whose lease another instance holds is released; one created since the renewal is kept', async (t) => {
  const e = fakeEngine(['mine', 'lost', 'new']);
  const l = fakeLeases({ renewed: ['mine'], owners: new Map([['lost', 'fuota-b'], ['new', 'fuota-a']]), free: ['free'] });
  const taken: string[] = [];
  const withHook = new CampaignOwnership({ engine: () => e.engine, leases: l.leases, inbox: fakeInbox([]).inbox, log: silent, monotonicMs: () => 0, onTakenOver: (id) => taken.push(id) });
  t.deepEqual(await withHook.start(), ['free']);
  await withHook.stop();
  // The first renewal opens the window: what waited in the outboxes goes out at once.
  t.deepEqual(e.calls, ['retry outboxes', 'release lost', 'resume free']);
  t.deepEqual(taken, ['free']);
  t.deepEqual([...e.live].sort(), ['free', 'mine', 'new']);
});

test('mayAct holds while the last renewal is surely unexpired (0.8 of the lease, monotonic) and not after', async (t) => {
  let nowMs = 1_000;
  const e = fakeEngine(['c1']);
  const o = new CampaignOwnership({ engine: () => e.engine, leases: fakeLeases({ renewed: ['c1'], owners: new Map(), free: [] }).leases, inbox: fakeInbox([]).inbox, log: silent, monotonicMs: () => nowMs });
  t.false(o.mayAct('c1'), 'nothing renewed yet');
  await o.start();
  await o.stop();
  nowMs += LEASE_MS * 0.8 - 1;
  t.true(o.mayAct('c1'));
  nowMs += 1;
  t.false(o.mayAct('c1'), 'a command might land after the lease');
  await o.handBack();
  t.false(o.mayAct('c1'));
});

test('the inbox is drained into the engine with each key; unrouted rows are discarded; a lost lease leaves the row; a transition that fails drops it', async (t) => {
  const e = fakeEngine(['c1']);
  const rows: InboxUplink[] = [
    { key: 'k1', campaignId: 'c1', uplink: uplink('d1') },
    { key: 'k2', campaignId: 'c1', uplink: uplink('unrouted') },
    { key: 'k3', campaignId: 'other', uplink: uplink('d3') },
  ];
  const i = fakeInbox(rows);
  const o = new CampaignOwnership({ engine: () => e.engine, leases: fakeLeases({ renewed: ['c1'], owners: new Map(), free: [] }).leases, inbox: i.inbox, log: silent, monotonicMs: () => 0, inboxPollMs: 60_000 });
  await o.start();
  await waitFor(() => e.handled.length === 2);
  t.deepEqual(e.handled.map((h) => h.key), ['k1', 'k2']);
  await waitFor(() => i.discarded.length === 1);
  t.deepEqual(i.discarded, ['k2'], 'the engine had no campaign for it');

  e.refuseWith(new InternalError('CAMPAIGN_LEASE_LOST', 'campaign c1: lost'));
  rows.push({ key: 'k4', campaignId: 'c1', uplink: uplink('d1') });
  t.true(await o.inlet.handleUplink(uplink('d1')), 'kept in the inbox, drain started');
  await waitFor(() => rows.length === 0);
  t.deepEqual(i.discarded, ['k2'], 'k4 waits for the next owner');

  e.refuseWith(new InternalError('SOME_BUG', 'the transition threw'));
  rows.push({ key: 'k5', campaignId: 'c1', uplink: uplink('d1') });
  t.true(await o.inlet.handleUplink(uplink('d1')));
  await waitFor(() => i.discarded.length === 2);
  t.deepEqual(i.discarded, ['k2', 'k5'], 'a poisonous uplink does not block the ones after it');
  t.false(await o.inlet.handleUplink(uplink('none')), 'not a device of a running campaign');
  await o.stop();
});

test('a page of the inbox goes to the engine in one group commit; a refused commit sends its uplinks again one at a time, in order, skipping one another instance took', async (t) => {
  const e = fakeEngine(['c1']);
  const page = (keys: string[]): InboxUplink[] => keys.map((key) => ({ key, campaignId: 'c1', uplink: uplink(`d-${key}`) }));
  const rows = page(['k1', 'k2', 'k3']);
  const i = fakeInbox(rows);
  const o = new CampaignOwnership({ engine: () => e.engine, leases: fakeLeases({ renewed: ['c1'], owners: new Map(), free: [] }).leases, inbox: i.inbox, log: silent, monotonicMs: () => 0, inboxPollMs: 60_000 });
  await o.start();
  await waitFor(() => rows.length === 0 && e.calls.includes('idle'));
  t.deepEqual(e.paths, ['page', 'page', 'page'], 'accepted together: the engine commits them in one transaction');
  t.deepEqual(e.handled.map((h) => h.key), ['k1', 'k2', 'k3']);

  e.refuseBatchWith(new InternalError('UPLINK_ALREADY_CONSUMED', 'uplink k5 taken'));
  e.consumedElsewhere.add('k5');
  rows.push(...page(['k4', 'k5', 'k6']));
  t.true(await o.inlet.handleUplink(uplink('d-k4')), 'kept in the inbox, drain started');
  await waitFor(() => rows.length === 0 && e.handled.length === 5);
  t.deepEqual(e.paths.slice(3), ['one', 'one'], 'the refused page again, one at a time');
  t.deepEqual(e.handled.slice(3).map((h) => h.key), ['k4', 'k6'], 'in order; the one another instance took is not counted twice');
  t.deepEqual(i.discarded, [], 'all three are gone from the inbox with their commits (or the other instance\'s)');
  await o.stop();
});

async function waitFor(check: () => boolean): Promise<void> {
  // Only promise turns pass here (the fakes answer at once); the bound guards against a hang.
  for (let turns = 0; !check(); turns++) {
    if (turns > 10_000) throw new Error('condition never held');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
