import test from 'ava';
import fc from 'fast-check';
import type { CreateMulticastGroupCommand } from '../../../src/campaign/commands.js';
import { CallerError, FuotaError, PeerError } from '../../../src/core/errors.js';
import { MemoryGroupRegistry } from '../../../src/lns/group-registry.js';
import { ChirpstackMulticast, type ChirpstackMulticastOptions, type MulticastGrpc } from '../../../src/lns/chirpstack/chirpstack-multicast.js';
import type { MulticastEnqueueItem, MulticastGroupSpec } from '../../../src/lns/chirpstack/grpc-multicast-group.js';
import { coveringGateways } from '../../../src/lns/gateway-cover.js';
import { SimClock } from '../../../src/sim/sim-clock.js';

// ChirpstackMulticast against a scripted MulticastGroupService in simulated time: the answers are
// the ones ChirpStack gives (INTERNAL for a repeated Add: storage/multicast.rs 317-325/387-395 via
// api/error.rs 46; rows that never leave the queue while a gateway is not seen); what is checked
// is what the adapter asks and when it stops asking.

const APP = '00000000-0000-4000-8000-000000000001';
const TENANT = '00000000-0000-4000-8000-0000000000aa';
const GW = ['0016c001ff10a001', '0016c001ff10a002', '0016c001ff10a003'];
const DEVS = ['70b3d57ed0000001', '70b3d57ed0000002', '70b3d57ed0000003'];

interface FakeGroup {
  spec: MulticastGroupSpec;
  devices: Set<string>;
  gateways: Set<string>;
  queue: Array<{ fCnt: number; fPort: number; payload: Uint8Array; expiresAtMs?: number }>;
}

/** A MulticastGroupService that answers as ChirpStack v4 does; `calls` records every call. */
class FakeChirpstack {
  readonly groups = new Map<string, FakeGroup>();
  readonly calls: string[] = [];
  readonly enqueued: MulticastEnqueueItem[] = [];
  /** Rows never leave the queue (their gateway is not seen). */
  stuck = false;
  /** AddDevice fails with a real INTERNAL (not a duplicate) for these. */
  readonly broken = new Set<string>();
  private seq = 0;

  grpc(): MulticastGrpc {
    const internal = (what: string) => new PeerError('CHIRPSTACK_INTERNAL', `MulticastGroupService: ChirpStack internal error: ${what}`);
    const group = (id: string) => {
      const g = this.groups.get(id);
      if (!g) throw new CallerError('CHIRPSTACK_NOT_FOUND', `not found (id: ${id})`);
      return g;
    };
    return {
      createMulticastGroup: async (spec) => {
        this.calls.push(`Create ${spec.name}`);
        const id = `00000000-0000-4000-8000-${String(++this.seq).padStart(12, '0')}`;
        this.groups.set(id, { spec, devices: new Set(), gateways: new Set(), queue: [] });
        return id;
      },
      getMulticastGroup: async (id) => ({ ...group(id).spec, id }),
      listMulticastGroups: async (applicationId, search) => {
        this.calls.push(`List ${search}`);
        return [...this.groups].filter(([, g]) => g.spec.applicationId === applicationId && g.spec.name.toLowerCase().includes(search.toLowerCase())).map(([id, g]) => ({ id, name: g.spec.name, createdAtMs: 0 }));
      },
      addDeviceToMulticastGroup: async (id, devEui) => {
        this.calls.push(`AddDevice ${devEui}`);
        if (this.broken.has(devEui)) throw internal('connection reset');
        const g = group(id);
        if (g.devices.has(devEui)) throw internal('duplicate key value violates unique constraint "multicast_group_device_pkey"');
        g.devices.add(devEui);
      },
      addGatewayToMulticastGroup: async (id, gatewayId) => {
        this.calls.push(`AddGateway ${gatewayId}`);
        const g = group(id);
        if (g.gateways.has(gatewayId)) throw internal('duplicate key value violates unique constraint "multicast_group_gateway_pkey"');
        g.gateways.add(gatewayId);
      },
      listMulticastGroupDevEuis: async (applicationId, id) => {
        this.calls.push('ListDevices');
        if (applicationId !== APP) throw new CallerError('CHIRPSTACK_NOT_FOUND', applicationId);
        return [...group(id).devices];
      },
      listMulticastGroupGatewayIds: async (tenantId, id) => {
        this.calls.push('ListGateways');
        if (tenantId !== TENANT) throw new CallerError('CHIRPSTACK_PERMISSION_DENIED', tenantId);
        return [...group(id).gateways];
      },
      getApplicationTenantId: async () => TENANT,
      enqueueMulticast: async (id, item) => {
        this.enqueued.push(item);
        const g = group(id);
        g.queue.push({ fCnt: g.queue.length, ...item });
        return g.queue.length - 1;
      },
      listMulticastQueue: async (id) => {
        const g = group(id);
        if (!this.stuck) g.queue = [];
        return g.queue;
      },
      deleteMulticastGroup: async (id) => {
        this.calls.push(`Delete ${id}`);
        group(id);
        this.groups.delete(id);
      },
    };
  }
}

function command(overrides: Partial<CreateMulticastGroupCommand> = {}): CreateMulticastGroupCommand {
  return {
    type: 'create-multicast-group', groupName: 'camp-w1-f0', mcAddr: 0x01fffff0, mcAppSKeyHex: '11'.repeat(16), mcNwkSKeyHex: '22'.repeat(16), deviceClass: 'C', dr: 5,
    frequencyHz: 869_525_000, periodicity: 0, devEuis: [...DEVS], gateways: [], region: 'EU868', ...overrides,
  };
}

function adapter(fake: FakeChirpstack, overrides: Partial<ChirpstackMulticastOptions> = {}) {
  const errors: Array<{ code: string; context: string; message: string }> = [];
  const deleted: string[] = [];
  const clock = new SimClock(1_000_000);
  const registry = new MemoryGroupRegistry();
  const multicast = new ChirpstackMulticast({
    grpc: fake.grpc(), clock, registry, applicationId: APP, region: 'EU868', gatewayIds: [GW[0]!], gatewaysHeard: () => [],
    classBPingSlotField: async () => 'periodicity-field-14', classCSchedulingType: 'DELAY', queuePollMs: 10_000, enqueueRetryMs: 2_000, enqueueMaxLateMs: 60_000,
    expiresAfterMs: 300_000,
    onError: (error, context) => errors.push({ code: error instanceof FuotaError ? error.code : 'RAW', context, message: error instanceof Error ? error.message : String(error) }),
    onGroupDeleted: (name) => void deleted.push(name),
    ...overrides,
  });
  return { multicast, clock, registry, errors, deleted };
}

test('a replayed create (ChirpStack answers INTERNAL for members already in) checks with List once per kind and succeeds', async (t) => {
  const fake = new FakeChirpstack();
  const { multicast, registry } = adapter(fake);
  await multicast.create(command());
  fake.calls.length = 0;
  await multicast.create(command());
  t.deepEqual(fake.calls, ['AddDevice 70b3d57ed0000001', 'ListDevices', 'AddGateway 0016c001ff10a001', 'ListGateways']);
  t.is(fake.groups.size, 1);
  t.deepEqual([...fake.groups.values()][0]!.devices, new Set(DEVS));
  t.truthy(registry.get('camp-w1-f0'));
  multicast.close();
});

test('an INTERNAL that is not a duplicate (the member is not there) still fails the create', async (t) => {
  const fake = new FakeChirpstack();
  fake.broken.add(DEVS[1]!);
  const { multicast } = adapter(fake);
  const error = await t.throwsAsync(multicast.create(command()));
  t.is((error as FuotaError).code, 'CHIRPSTACK_INTERNAL');
  t.regex(error!.message, /connection reset/);
  t.deepEqual(fake.calls.slice(-2), ['AddDevice 70b3d57ed0000002', 'ListDevices']);
  multicast.close();
});

test('a crash between Create and the registry write: the replay finds the group by its name instead of creating a second one', async (t) => {
  const fake = new FakeChirpstack();
  const first = adapter(fake);
  await first.multicast.create(command());
  first.multicast.close();
  // A new process whose registry never heard of the group (plus a group whose name only contains ours).
  await fake.grpc().createMulticastGroup({ ...[...fake.groups.values()][0]!.spec, name: 'camp-w1-f0-old' });
  const second = adapter(fake);
  fake.calls.length = 0;
  await second.multicast.create(command());
  t.deepEqual(fake.calls.filter((c) => c.startsWith('Create') || c.startsWith('List ')), ['List camp-w1-f0']);
  t.is(fake.groups.size, 2);
  t.is(second.registry.get('camp-w1-f0')!.id, [...fake.groups.keys()][0]);
  second.multicast.close();
});

test('every item carries expires_at = planned time + expiresAfterMs', async (t) => {
  const fake = new FakeChirpstack();
  const { multicast, clock } = adapter(fake);
  await multicast.create(command());
  const atMs = clock.now() + 30_000;
  await multicast.send({ id: 'f-1', groupName: 'camp-w1-f0', fPort: 201, payload: Uint8Array.of(8, 1, 0), atMs });
  await clock.run({ untilMs: atMs + 1 });
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(fake.enqueued.map((e) => e.expiresAtMs), [atMs + 300_000]);
  multicast.close();
});

test('a gateway never seen: the queue never drains, and the drain ends at the expiry with the group deleted and the unsent items reported', async (t) => {
  const fake = new FakeChirpstack();
  fake.stuck = true;
  const { multicast, clock, registry, errors, deleted } = adapter(fake);
  await multicast.create(command());
  const atMs = clock.now() + 10_000;
  await multicast.send({ id: 'f-1', groupName: 'camp-w1-f0', fPort: 201, payload: Uint8Array.of(8, 1, 0), atMs });
  await multicast.delete('camp-w1-f0');
  t.is(registry.get('camp-w1-f0')!.drainDeadlineMs, atMs + 300_000);
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  await clock.run({ untilMs: atMs + 299_000, settle });
  t.deepEqual(deleted, [], 'still waiting before the expiry');
  await clock.run({ untilMs: atMs + 320_000, settle, done: () => deleted.length > 0 });
  t.deepEqual(deleted, ['camp-w1-f0']);
  t.is(fake.groups.size, 0);
  t.is(registry.get('camp-w1-f0'), undefined);
  t.like(errors[0], { code: 'CHIRPSTACK_MULTICAST_UNSENT', context: 'multicast group camp-w1-f0: drain ended by expiry' });
  t.regex(errors[0]!.message, /1 item\(s\) still queued after they expired \(f_cnt 0\)/);
  multicast.close();
});

test('a frame longer than the DR carries is dropped here and reported, never enqueued', async (t) => {
  const fake = new FakeChirpstack();
  const { multicast, clock, errors } = adapter(fake);
  await multicast.create(command({ dr: 0 })); // EU868 DR0: 51-byte FRMPayload (RP002)
  await multicast.send({ id: 'big', groupName: 'camp-w1-f0', fPort: 201, payload: new Uint8Array(52), atMs: clock.now() });
  await multicast.send({ id: 'fits', groupName: 'camp-w1-f0', fPort: 201, payload: new Uint8Array(51), atMs: clock.now() });
  await clock.run({ untilMs: clock.now() + 1, settle: () => new Promise((resolve) => setImmediate(resolve)) });
  t.deepEqual(fake.enqueued.map((e) => e.payload.length), [51]);
  t.like(errors[0], { code: 'CHIRPSTACK_PAYLOAD_TOO_LARGE' });
  t.regex(errors[0]!.message, /payload: expected at most 51 bytes \(the group's DR\), got 52/);
  multicast.close();
});

test("a DR the region has no downlink for is refused before anything exists in ChirpStack (its scheduler would retry forever)", async (t) => {
  const fake = new FakeChirpstack();
  const { multicast } = adapter(fake);
  const error = await t.throwsAsync(multicast.create(command({ dr: 12 })));
  t.is((error as FuotaError).code, 'CHIRPSTACK_DR_INVALID');
  t.regex(error!.message, /dr: expected a data rate EU868 defines for downlinks .* got DR12/);
  t.deepEqual(fake.calls, []);
  multicast.close();
});

test('no gateway configured: the group names the gateways that heard its members (a cover), never none', async (t) => {
  const heard: Record<string, string[]> = { [DEVS[0]!]: [GW[1]!, GW[2]!], [DEVS[1]!]: [GW[2]!], [DEVS[2]!]: [] };
  const fake = new FakeChirpstack();
  const { multicast } = adapter(fake, { gatewayIds: [], gatewaysHeard: (devEui) => heard[devEui] ?? [] });
  await multicast.create(command());
  t.deepEqual([...[...fake.groups.values()][0]!.gateways], [GW[2]]);
  const none = adapter(new FakeChirpstack(), { gatewayIds: [] });
  const error = await t.throwsAsync(none.multicast.create(command()));
  t.is((error as FuotaError).code, 'CHIRPSTACK_NO_GATEWAY');
  t.regex(error!.message, /gateways: expected networkServer\.gateways, the campaign's multicast\.gateways, or an uplink from one of its 3 devices/);
  multicast.close();
  none.multicast.close();
});

test('class B asks for the server version first; without one the create fails before Create', async (t) => {
  const fake = new FakeChirpstack();
  const refused = new CallerError('CHIRPSTACK_CLASS_B_UNSUPPORTED', 'class B multicast: networkServer.version: expected the ChirpStack version');
  const { multicast } = adapter(fake, { classBPingSlotField: async () => Promise.reject(refused) });
  await t.throwsAsync(multicast.create(command({ deviceClass: 'B', periodicity: 4 })), { is: refused });
  t.deepEqual(fake.calls, []);
  const old = adapter(fake, { classBPingSlotField: async () => 'nb-k-field-14' });
  await old.multicast.create(command({ deviceClass: 'B', periodicity: 4 }));
  t.like([...fake.groups.values()][0]!.spec, { groupType: 'CLASS_B', classBPingSlotPeriodicity: 4, classBPingSlotField: 'nb-k-field-14' });
  multicast.close();
  old.multicast.close();
});

test('gateway cover: every heard device is covered, only heard gateways are used, and never more gateways than devices', (t) => {
  t.deepEqual(coveringGateways(['a', 'b', 'c'], (d) => ({ a: ['g1', 'g2'], b: ['g2'], c: ['g3'] })[d] ?? []), ['g2', 'g3']);
  t.deepEqual(coveringGateways(['a'], () => []), []);
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom('d1', 'd2', 'd3', 'd4', 'd5'), fc.uniqueArray(fc.constantFrom<string>('g1', 'g2', 'g3', 'g4'))), (heard) => {
      const devices = Object.keys(heard);
      const cover = coveringGateways(devices, (d) => heard[d] ?? []);
      for (const d of devices) if (heard[d]!.length > 0) t.true(heard[d]!.some((g) => cover.includes(g)));
      for (const g of cover) t.true(devices.some((d) => heard[d]!.includes(g)));
      t.true(cover.length <= devices.length);
      t.is(new Set(cover).size, cover.length);
    }),
  );
});
