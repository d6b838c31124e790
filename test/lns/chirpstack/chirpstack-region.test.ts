import commonPb from '@chirpstack/chirpstack-api/common/common_pb.js';
import test from 'ava';
import type { CreateMulticastGroupCommand } from '../../../src/campaign/commands.js';
import { FuotaError } from '../../../src/core/errors.js';
import { MemoryGroupRegistry } from '../../../src/lns/group-registry.js';
import { ChirpstackMulticast, type MulticastGrpc } from '../../../src/lns/chirpstack/chirpstack-multicast.js';
import { chirpstackRegionOf } from '../../../src/lns/chirpstack/chirpstack-region.js';
import type { MulticastGroupSpec } from '../../../src/lns/chirpstack/grpc-multicast-group.js';
import { regionNames } from '../../../src/radio/regions.js';
import { SimClock } from '../../../src/sim/sim-clock.js';

// ChirpStack's common.Region names (chirpstack-api 4.19 common.proto) for RP002's names.
const NAMES: Array<[string, string]> = [
  ['EU868', 'EU868'], ['US915', 'US915'], ['CN779', 'CN779'], ['EU433', 'EU433'], ['AU915', 'AU915'], ['CN470', 'CN470'],
  ['AS923-1', 'AS923'], ['AS923-2', 'AS923_2'], ['AS923-3', 'AS923_3'], ['AS923-4', 'AS923_4'], ['KR920', 'KR920'], ['IN865', 'IN865'], ['RU864', 'RU864'],
];

for (const [ours, chirpstack] of NAMES) {
  test(`region ${ours} is ChirpStack's ${chirpstack}`, (t) => {
    t.is(chirpstackRegionOf(ours) as string, chirpstack);
    t.true(Object.hasOwn(commonPb.Region, chirpstack));
  });
}

test('every region we plan for has its ChirpStack name from the table above', (t) => {
  const expected = new Map(NAMES);
  for (const name of regionNames()) t.is<string | undefined, string | undefined>(chirpstackRegionOf(name), expected.get(name), name);
  // CN779 is in the table (ChirpStack has it) but not among our planned regions.
  const planned: readonly string[] = regionNames();
  t.deepEqual(NAMES.map(([ours]) => ours).filter((ours) => !planned.includes(ours)), ['CN779']);
});

for (const bad of ['EU999', 'eu868', '', 'AS923-5', 'toString']) {
  test(`region ${JSON.stringify(bad)} is refused, naming the field and the choices`, (t) => {
    const error = t.throws(() => chirpstackRegionOf(bad));
    t.true(error instanceof FuotaError);
    t.is((error as FuotaError).code, 'CHIRPSTACK_REGION_UNKNOWN');
    t.regex(error!.message, new RegExp(`^region: expected a region ChirpStack v4 knows \\(EU868, .*\\), got ${JSON.stringify(JSON.stringify(bad)).slice(1, -1)}$`));
  });
}

test("each group is created in its campaign's region; a command stored without one takes the adapter's", async (t) => {
  const created: MulticastGroupSpec[] = [];
  const grpc = {
    createMulticastGroup: async (spec: MulticastGroupSpec) => {
      created.push(spec);
      return `id-${created.length}`;
    },
    listMulticastGroups: async () => [],
    addDeviceToMulticastGroup: async () => undefined,
    addGatewayToMulticastGroup: async () => undefined,
  } as unknown as MulticastGrpc;
  const multicast = new ChirpstackMulticast({
    grpc, clock: new SimClock(0), registry: new MemoryGroupRegistry(), applicationId: '00000000-0000-4000-8000-000000000001', region: 'EU868', gatewayIds: [],
    gatewaysHeard: () => [], classBPingSlotField: async () => 'periodicity-field-14', expiresAfterMs: 60_000,
    classCSchedulingType: 'DELAY', queuePollMs: 1_000, enqueueRetryMs: 1_000, enqueueMaxLateMs: 1_000, onError: () => {}, onGroupDeleted: () => {},
  });
  const command = (groupName: string, region?: string): CreateMulticastGroupCommand => ({
    type: 'create-multicast-group', groupName, mcAddr: 1, mcAppSKeyHex: '11'.repeat(16), mcNwkSKeyHex: '22'.repeat(16), deviceClass: 'C', dr: region === 'US915' ? 8 : 5, frequencyHz: 923_300_000,
    periodicity: 0, devEuis: [], gateways: [], ...(region === undefined ? {} : { region }),
  });
  await multicast.create(command('us', 'US915'));
  await multicast.create(command('as', 'AS923-1'));
  await multicast.create(command('old'));
  t.deepEqual(created.map((c) => [c.name, c.region]), [['us', 'US915'], ['as', 'AS923'], ['old', 'EU868']]);
  await t.throwsAsync(multicast.create(command('bad', 'XX123')), { code: 'CHIRPSTACK_REGION_UNKNOWN' } as never);
  multicast.close();
});
