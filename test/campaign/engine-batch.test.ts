import test from 'ava';
import type { UnicastCommand } from '../../src/campaign/commands.js';
import { CampaignEngine, type EngineOptions } from '../../src/campaign/engine.js';
import type { BatchCommit, Clock, NetworkServer } from '../../src/campaign/ports.js';
import { UPLINK_NOT_COMMITTED } from '../../src/campaign/uplink-not-committed.js';
import { InternalError, type FuotaError } from '../../src/core/errors.js';
import { MemoryCampaignStore } from '../../src/store/memory-campaign-store.js';

// The engine's uplink intake (issue #17): group commit (uplinks that come while a commit runs go
// to the store together, each settled only after the transaction holding it), per-campaign
// outbox flushes off the state queue, and a failing command retried on its own back-off.

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

/** A clock whose timers fire only when the test says so. */
class ManualClock implements Clock {
  nowMs = NOW;
  timers: Array<{ atMs: number; fn: () => void; cancelled: boolean }> = [];
  now(): number {
    return this.nowMs;
  }
  at(atMs: number, fn: () => void): () => void {
    const timer = { atMs, fn, cancelled: false };
    this.timers.push(timer);
    return () => void (timer.cancelled = true);
  }
  /** Moves to `atMs`, firing the timers due by then in time order. */
  advance(toMs: number): void {
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.atMs <= toMs).sort((a, b) => a.atMs - b.atMs)[0];
      if (!due) break;
      due.cancelled = true;
      this.nowMs = Math.max(this.nowMs, due.atMs);
      due.fn();
    }
    this.nowMs = toMs;
  }
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const devEui = (campaign: number, i: number): string => `70b3d57e${campaign.toString(16).padStart(4, '0')}${i.toString(16).padStart(4, '0')}`;

function spec(id: string, campaign: number, devices: number) {
  return { id, firmware: { version: '1.1.0' }, devices: Array.from({ length: devices }, (_, i) => ({ devEui: devEui(campaign, i), rootKey: '01'.repeat(16) })), multicast: { mcKey: 'ab'.repeat(16) } };
}

const uplink = (eui: string, n: number) => ({ devEui: eui, fPort: 2, payload: Uint8Array.of(n), atMs: NOW });

interface World {
  engine: CampaignEngine;
  store: MemoryCampaignStore;
  clock: ManualClock;
  sent: UnicastCommand[];
  /** Per campaign id prefix: a call that does not settle until the test says so, or fails. */
  network: NetworkServer & { unicast: (command: UnicastCommand) => Promise<void> };
}

function world(options: Partial<EngineOptions> = {}): World {
  const store = new MemoryCampaignStore();
  const clock = new ManualClock();
  const sent: UnicastCommand[] = [];
  const network = {
    unicast: async (command: UnicastCommand) => void sent.push(command),
    sendUnicast: (command: UnicastCommand) => network.unicast(command),
    createMulticastGroup: async () => {},
    sendMulticast: async () => {},
    deleteMulticastGroup: async () => {},
  };
  const engine = new CampaignEngine({ store, network, clock, ...options });
  return { engine, store, clock, sent, network };
}

const uplinksOf = (w: World, id: string, eui: string): number => w.engine.view(id)!.devices.get(eui)!.counters.uplinks;

test('uplinks that come while a commit runs are committed together, in one transaction, and each settles only after it', async (t) => {
  const w = world();
  await w.engine.create(spec('c', 1, 50), new Uint8Array(200).fill(1));
  const batches: number[] = [];
  const alone = deferred();
  const together = deferred();
  const commit = w.store.commit.bind(w.store);
  w.store.commit = async (id, result) => {
    await alone.promise;
    return commit(id, result);
  };
  const commitBatch = w.store.commitBatch.bind(w.store);
  w.store.commitBatch = async (entries: readonly BatchCommit[]) => {
    batches.push(entries.length);
    await together.promise;
    return commitBatch(entries);
  };
  const settled: number[] = [];
  // The first uplink goes alone (nothing to wait for); the 40 that come while it commits go together.
  let firstSettled = false;
  const first = w.engine.acceptUplink(uplink(devEui(1, 0), 0)).then(() => (firstSettled = true));
  await new Promise((r) => setTimeout(r, 20));
  const rest = Array.from({ length: 40 }, (_, i) => w.engine.acceptUplink(uplink(devEui(1, i % 20), i + 1)).then(() => settled.push(i)));
  await new Promise((r) => setTimeout(r, 20));
  t.false(firstSettled, 'not settled while its commit runs');
  alone.resolve();
  await first;
  await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(batches, [40], 'the 40 uplinks that waited in one commitBatch');
  t.deepEqual(settled, [], 'none settled before its transaction committed');
  t.is(uplinksOf(w, 'c', devEui(1, 0)), 3, 'applied in memory, in order, on the latest state');
  together.resolve();
  await Promise.all(rest);
  t.is(settled.length, 40);
  const stored = (await w.store.load('c'))!;
  t.is(stored.devices.reduce((sum, d) => sum + d.counters.uplinks, 0), 41, 'every uplink counted once in the store');
  await w.engine.close();
});

test('a store failure mid-batch: every uplink of the batch is rejected UPLINK_NOT_COMMITTED, nothing of it is applied; redelivered, each counts once', async (t) => {
  const w = world();
  await w.engine.create(spec('c', 1, 10), new Uint8Array(200).fill(1));
  await w.engine.acceptUplink(uplink(devEui(1, 9), 0));
  const before = await w.store.load('c');
  const viewBefore = [...w.engine.view('c')!.devices.values()].map((d) => d.counters.uplinks);
  const commitBatch = w.store.commitBatch.bind(w.store);
  const gate = deferred();
  let fail = true;
  w.store.commitBatch = async (entries: readonly BatchCommit[]) => {
    await gate.promise;
    if (fail) throw new InternalError('TEST_STORE_DOWN', 'disk full for a moment');
    return commitBatch(entries);
  };
  // A lone uplink commits through commit(): hold that one too, so that the batch forms behind it.
  const commit = w.store.commit.bind(w.store);
  w.store.commit = async (id, result) => {
    await gate.promise;
    if (fail) throw new InternalError('TEST_STORE_DOWN', 'disk full for a moment');
    return commit(id, result);
  };
  const batch = Array.from({ length: 10 }, (_, i) => w.engine.acceptUplink(uplink(devEui(1, i), i)));
  gate.resolve();
  const outcomes = await Promise.allSettled(batch);
  t.true(outcomes.every((o) => o.status === 'rejected' && (o.reason as FuotaError).code === UPLINK_NOT_COMMITTED), 'every uplink of the failed transactions rejected, so that none is acked');
  t.deepEqual([...w.engine.view('c')!.devices.values()].map((d) => d.counters.uplinks), viewBefore, 'the live state is as before the batch');
  t.deepEqual(await w.store.load('c'), before, 'nothing of the batch in the store');
  // The broker redelivers them: each counts once.
  fail = false;
  await Promise.all(Array.from({ length: 10 }, (_, i) => w.engine.acceptUplink(uplink(devEui(1, i), i))));
  t.deepEqual([...w.engine.view('c')!.devices.values()].map((d) => d.counters.uplinks), [1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
  t.is((await w.store.load('c'))!.devices.reduce((sum, d) => sum + d.counters.uplinks, 0), 11);
  await w.engine.close();
});

test('a campaign whose network server call hangs does not hold back the uplinks nor the commands of another campaign', async (t) => {
  const w = world();
  const hang = deferred();
  w.network.unicast = async (command) => {
    if (command.devEui.startsWith(devEui(1, 0).slice(0, 12))) await hang.promise;
    w.sent.push(command);
  };
  // Campaign a's first unicast hangs inside create's flush: create resolves once its flush settles, so don't await it.
  const createdA = w.engine.create(spec('a', 1, 10), new Uint8Array(200).fill(1));
  await new Promise((r) => setTimeout(r, 50));
  await w.engine.create(spec('b', 2, 10), new Uint8Array(200).fill(1));
  t.true(w.sent.some((c) => c.devEui.startsWith(devEui(2, 0).slice(0, 12))), 'b carried out its commands while a hangs');
  for (let i = 0; i < 10; i++) t.true(await w.engine.acceptUplink(uplink(devEui(2, i), i)), 'b takes uplinks');
  for (let i = 0; i < 10; i++) t.true(await w.engine.acceptUplink(uplink(devEui(1, i), i)), 'a takes uplinks too (committed; its commands wait)');
  t.is(uplinksOf(w, 'a', devEui(1, 3)), 1);
  hang.resolve();
  await createdA;
  await w.engine.idle();
  t.true(w.sent.some((c) => c.devEui.startsWith(devEui(1, 0).slice(0, 12))));
  await w.engine.close();
});

test('a command that keeps failing is retried on its own exponential back-off, not per uplink; commands decided meanwhile wait behind it; one report per attempt, recovery once', async (t) => {
  const errors: Array<{ attempts: number; retryInMs: number }> = [];
  const recovered: number[] = [];
  const w = world({ onCommandError: (_id, _command, _error, streak) => errors.push(streak), onCommandRecovered: (_id, _command, attempts) => recovered.push(attempts), commandRetry: { initialMs: 1_000, maxMs: 4_000 } });
  let calls = 0;
  let down = true;
  w.network.unicast = async (command) => {
    calls++;
    if (down) throw new InternalError('TEST_NETWORK_DOWN', 'network server unreachable');
    w.sent.push(command);
  };
  await w.engine.create(spec('c', 1, 100), new Uint8Array(200).fill(1));
  t.is(calls, 1, 'the head command tried once');
  const queued = (await w.store.load('c'))!.outbox.length;
  t.true(queued > 1);
  for (let i = 0; i < 200; i++) await w.engine.handleUplink(uplink(devEui(1, i % 100), i));
  t.is(calls, 1, 'no retry per uplink');
  t.deepEqual(errors, [{ attempts: 1, retryInMs: 1_000 }]);
  for (const [stepMs, expected] of [[1_000, 2_000], [2_000, 4_000], [4_000, 4_000], [4_000, 4_000]] as const) {
    w.clock.advance(w.clock.nowMs + stepMs);
    await w.engine.idle();
    t.is(errors.at(-1)!.retryInMs, expected, 'doubling, capped');
  }
  t.is(calls, 5, 'one call per back-off step');
  down = false;
  w.clock.advance(w.clock.nowMs + 4_000);
  await w.engine.idle();
  t.deepEqual(recovered, [5]);
  t.true(w.sent.length >= queued, 'the head and every command queued behind it carried out, in order');
  t.deepEqual((await w.store.load('c'))!.outbox, [], 'all marked done');
  await w.engine.close();
});
