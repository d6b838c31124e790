import test from 'ava';
import { CampaignEngine } from '../../src/campaign/engine.js';
import type { UnicastCommand } from '../../src/campaign/commands.js';
import type { NetworkServer } from '../../src/campaign/ports.js';
import { SimClock } from '../../src/sim/sim-clock.js';
import { MemoryCampaignStore } from '../../src/store/memory-campaign-store.js';
import { A, BLOCK, MINUTE, T0, specInput } from './script.js';

// CampaignEngine.unicastQueuedCopy: the network server adapter left an ask to our copy still in
// the device's queue (src/lns/queued-unicasts.ts); the engine commits that the ask was no attempt
// (device-progress.ts answeredByQueuedCopy) like every other transition.

async function world() {
  const store = new MemoryCampaignStore();
  const clock = new SimClock(T0);
  const unicasts: UnicastCommand[] = [];
  const network: NetworkServer = {
    sendUnicast: async (command) => void unicasts.push(command),
    createMulticastGroup: async () => undefined,
    sendMulticast: async () => undefined,
    deleteMulticastGroup: async () => undefined,
  };
  const engine = new CampaignEngine({ store, network, clock });
  await engine.create(specInput({ devices: 2, timing: { answerTimeoutMs: 60 * MINUTE } }), BLOCK);
  await engine.idle();
  const asksTo = (devEui: string) => unicasts.filter((u) => u.devEui === devEui);
  const uplink = async (devEui: string, atMs: number) => {
    await clock.run({ untilMs: atMs, settle: () => engine.idle() });
    await engine.handleUplink({ devEui, fPort: 10, payload: Uint8Array.of(1, 2), atMs });
    await engine.idle();
  };
  const commits = { count: 0 };
  const commit = store.commit.bind(store);
  store.commit = (id, result) => {
    commits.count++;
    return commit(id, result);
  };
  return { engine, store, clock, asksTo, uplink, commits };
}

test('an ask left to the queued copy of a device heard since is committed as no attempt; reports for other asks or devices change nothing', async (t) => {
  const { engine, store, asksTo, uplink } = await world();
  t.is(asksTo(A).length, 1);
  // Two uplinks without the answer: asked again (the gateway refused both RX windows).
  await uplink(A, T0 + 5 * MINUTE);
  await uplink(A, T0 + 10 * MINUTE);
  const [first, second] = asksTo(A);
  t.truthy(second);
  t.is(engine.view('camp-1')!.devices.get(A)!.pending?.attempts, 2);
  await engine.unicastQueuedCopy(A, first!.id); // not the latest ask
  await engine.unicastQueuedCopy('00000000000000ff', second!.id); // no campaign has it
  t.is(engine.view('camp-1')!.devices.get(A)!.pending?.attempts, 2);
  await engine.unicastQueuedCopy(A, second!.id);
  const stored = (await store.load('camp-1'))!;
  t.is(stored.devices.find((d) => d.devEui === A)!.pending?.attempts, 1, 'committed');
  t.is(engine.view('camp-1')!.devices.get(A)!.pending?.attempts, 1);
  const log = await store.deviceLog('camp-1', A);
  t.true(log.some((e) => e.direction === 'note' && e.text.includes('still held the earlier copy')));
  await engine.close();
});

test('a report that changes nothing (the device not heard since the ask before it) commits nothing', async (t) => {
  const { engine, store, clock, asksTo, commits } = await world();
  const [ask] = asksTo(A);
  t.truthy(ask);
  await clock.run({ untilMs: T0 + 2 * MINUTE, settle: () => engine.idle() });
  const before = (await store.load('camp-1'))!.campaign.updatedAtMs;
  const count = commits.count;
  await engine.unicastQueuedCopy(A, ask!.id);
  t.is(commits.count, count, 'no store transaction');
  t.is(engine.view('camp-1')!.devices.get(A)!.pending?.attempts, 1, 'the attempt stands');
  t.is((await store.load('camp-1'))!.campaign.updatedAtMs, before);
  t.is(engine.view('camp-1')!.campaign.updatedAtMs, before, 'the live state is the committed one');
  await engine.close();
});
