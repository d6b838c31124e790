import test from 'ava';
import type { CreateMulticastGroupCommand } from '../../../src/campaign/commands.js';
import type { MulticastDownlink } from '../../../src/campaign/ports.js';
import { PeerError } from '../../../src/core/errors.js';
import { MemoryGroupRegistry, type GroupEntry } from '../../../src/lns/group-registry.js';
import type { MulticastBackend, QueuedItem } from '../../../src/lns/multicast-backend.js';
import { MulticastGroups, type MulticastGroupsOptions } from '../../../src/lns/multicast-groups.js';
import { THE_THINGS_STACK } from '../../../src/lns/server-label.js';
import { SimClock } from '../../../src/sim/sim-clock.js';

// The shared MulticastGroups over a scripted backend: what it asks of the backend and when,
// independent of either server (their own tests cover the backends).

class ScriptedBackend implements MulticastBackend<string> {
  readonly server = THE_THINGS_STACK;
  readonly handOverName = 'push';
  readonly calls: string[] = [];
  readonly queue: QueuedItem[] = [];
  failHandOvers = 0;
  failQueueReads = 0;

  constructor(private readonly clock: SimClock) {}

  async prepare(command: CreateMulticastGroupCommand): Promise<string> {
    this.calls.push(`prepare ${command.groupName}`);
    return `dev-${command.groupName}`;
  }
  async ensure(_command: CreateMulticastGroupCommand, prepared: string, known: GroupEntry | undefined): Promise<GroupEntry> {
    this.calls.push(`ensure ${prepared}${known ? ' (known)' : ''}`);
    return { id: prepared };
  }
  async configure(entry: GroupEntry): Promise<void> {
    this.calls.push(`configure ${entry.id}`);
  }
  handOverAtMs(downlink: MulticastDownlink): number {
    return downlink.atMs - 1_000;
  }
  async handOver(_entry: GroupEntry, downlink: MulticastDownlink): Promise<void> {
    this.calls.push(`handOver ${downlink.id} at ${this.clock.now()}`);
    if (this.failHandOvers > 0) {
      this.failHandOvers -= 1;
      throw new PeerError('TTS_UNAVAILABLE', 'try later');
    }
    this.queue.push({ fCnt: this.queue.length });
  }
  async queued(): Promise<readonly QueuedItem[]> {
    if (this.failQueueReads > 0) {
      this.failQueueReads -= 1;
      throw new PeerError('TTS_UNAVAILABLE', 'try later');
    }
    return [...this.queue];
  }
  unsentReason(): string {
    return 'at the deadline';
  }
  async delete(entry: GroupEntry): Promise<void> {
    this.calls.push(`delete ${entry.id}`);
  }
}

function setup(options: Partial<MulticastGroupsOptions> = {}) {
  const clock = new SimClock(1_000_000);
  const backend = new ScriptedBackend(clock);
  const registry = new MemoryGroupRegistry();
  const errors: string[] = [];
  const deleted: string[] = [];
  const groups = new MulticastGroups(backend, {
    clock, registry, queuePollMs: 5_000, enqueueRetryMs: 2_000, enqueueMaxLateMs: 10_000, drainAfterMs: 60_000,
    onError: (error, context) => void errors.push(`${context}: ${(error as Error).message}`),
    onGroupDeleted: (name) => void deleted.push(name),
    ...options,
  });
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return { clock, backend, registry, errors, deleted, groups, settle };
}

const command = { type: 'create-multicast-group', groupName: 'g', mcAddr: 1, mcAppSKeyHex: '', mcNwkSKeyHex: '', deviceClass: 'C', dr: 5, frequencyHz: 869_525_000, periodicity: 0, devEuis: [], gateways: [] } as CreateMulticastGroupCommand;
const frame = (id: string, atMs: number): MulticastDownlink => ({ id, groupName: 'g', fPort: 201, payload: Uint8Array.of(1), atMs });

test('create: prepare, ensure (told what the registry knew), remember, configure; a create during a drain keeps the group', async (t) => {
  const s = setup();
  await s.groups.create(command);
  await s.groups.create(command);
  t.deepEqual(s.backend.calls, ['prepare g', 'ensure dev-g', 'configure dev-g', 'prepare g', 'ensure dev-g (known)', 'configure dev-g']);
  s.backend.queue.push({});
  await s.groups.delete('g');
  await s.groups.create(command);
  t.deepEqual(s.registry.get('g'), { id: 'dev-g' });
  await s.clock.run({ untilMs: s.clock.now() + 120_000, settle: s.settle });
  t.deepEqual(s.deleted, []);
  s.groups.close();
});

test('hand-over at the backend time; a failure is retried every enqueueRetryMs until the frame is enqueueMaxLateMs late, then dropped', async (t) => {
  const s = setup();
  await s.groups.create(command);
  const atMs = s.clock.now() + 5_000;
  s.backend.failHandOvers = 100;
  await s.groups.send(frame('f', atMs));
  await s.clock.run({ untilMs: atMs + 60_000, settle: s.settle });
  const handOvers = s.backend.calls.filter((c) => c.startsWith('handOver')).map((c) => Number(c.split(' at ')[1]) - atMs);
  t.deepEqual(handOvers, [-1_000, 1_000, 3_000, 5_000, 7_000, 9_000]);
  t.is(s.groups.heldCount(), 0);
  t.regex(s.errors.at(-1)!, /^multicast f to g: push failed, frame dropped: try later$/);
  s.groups.close();
});

test('queue capacity: a failing queue read is reported and tried again; frames too late while waiting are dropped', async (t) => {
  const s = setup({ queueCapacity: 1 });
  await s.groups.create(command);
  const t0 = s.clock.now();
  await s.groups.send(frame('a', t0 + 2_000));
  await s.groups.send(frame('b', t0 + 3_000));
  s.backend.failQueueReads = 1;
  await s.clock.run({ untilMs: t0 + 4_000, settle: s.settle });
  t.deepEqual(s.backend.calls.filter((c) => c.startsWith('handOver')), [`handOver a at ${t0 + 1_000}`]);
  t.regex(s.errors[0]!, /reading the server's queue failed, retrying/);
  await s.clock.run({ untilMs: t0 + 30_000, settle: s.settle });
  t.is(s.groups.heldCount(), 0);
  t.regex(s.errors.at(-1)!, /^multicast b: dropped: multicast b to g: the server's queue held 1 of our frames \(queueCapacity 1\)/);
  s.groups.close();
});

test('resume finishes deletions a previous process accepted; close stops every timer', async (t) => {
  const s = setup();
  s.registry.set('g', { id: 'dev-g', deleting: true, drainDeadlineMs: s.clock.now() + 60_000 });
  s.backend.queue.push({ fCnt: 4 });
  s.groups.resume();
  await s.clock.run({ untilMs: s.clock.now() + 30_000, settle: s.settle });
  t.deepEqual(s.deleted, []);
  await s.clock.run({ untilMs: s.clock.now() + 60_000, settle: s.settle, done: () => s.deleted.length > 0 });
  t.deepEqual(s.deleted, ['g']);
  t.regex(s.errors[0]!, /^multicast group g: drain ended by expiry: multicast group g \(dev-g\): 1 item\(s\) still queued at the deadline; deleting the group$/);
  const c = setup();
  await c.groups.create(command);
  await c.groups.send(frame('x', c.clock.now() + 5_000));
  c.groups.close();
  await c.clock.run({ untilMs: c.clock.now() + 60_000, settle: c.settle });
  t.deepEqual(c.backend.calls.filter((call) => call.startsWith('handOver')), []);
});
