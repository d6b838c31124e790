import test from 'ava';
import { minimumGatewaySet } from '../../../src/sim/chirpstack/sim-chirpstack-gateway-set.js';

// The gateway set for a group without gateways of its own: the vectors of ChirpStack's
// downlink/multicast.rs test_minimum_gateway_set (compared as sets, as that test does), then
// what a greedy cover must still do where a spanning tree would too.

const GW1 = '0202020202020201';
const GW2 = '0202020202020202';
const DEV1 = '0101010101010101';
const DEV2 = '0101010101010102';

const vectors: Array<[string, Array<[string, string[]]>, string[]]> = [
  ['one device - one gateway', [[DEV1, [GW2]]], [GW2]],
  ['one device - two gateways', [[DEV1, [GW1, GW2]]], [GW1]],
  ['two devices - two gateways (no overlap)', [[DEV1, [GW1]], [DEV2, [GW2]]], [GW1, GW2]],
  ['two devices - two gateways (overlap, second gw covers two devices)', [[DEV1, [GW2]], [DEV2, [GW1, GW2]]], [GW2]],
];

for (const [name, heardBy, expected] of vectors) {
  test(`ChirpStack's vector: ${name}`, (t) => {
    t.deepEqual(new Set(minimumGatewaySet(new Map(heardBy))), new Set(expected));
  });
}

test('no rx info at all (no member ever sent an uplink): no gateway, so no queue row', (t) => {
  t.deepEqual(minimumGatewaySet(new Map()), []);
  t.deepEqual(minimumGatewaySet(new Map([[DEV1, []]])), []);
});

test('every member heard by some chosen gateway, and no chosen gateway redundant', (t) => {
  const heardBy = new Map<string, string[]>([
    ['d1', ['a', 'b']], ['d2', ['b']], ['d3', ['b', 'c']], ['d4', ['c']], ['d5', ['d']],
  ]);
  const chosen = minimumGatewaySet(heardBy);
  t.deepEqual(chosen, ['b', 'c', 'd']);
  for (const [devEui, gateways] of heardBy) t.true(gateways.some((g) => chosen.includes(g)), devEui);
});
