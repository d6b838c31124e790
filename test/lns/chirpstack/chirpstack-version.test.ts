import test from 'ava';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import multicastPb from '@chirpstack/chirpstack-api/api/multicast_group_pb.js';
import { FuotaError } from '../../../src/core/errors.js';
import {
  classBPingSlotField,
  classBPingSlotValue,
  parseChirpstackVersion,
  supportsMulticastExpiry,
  supportsUnicastExpiry,
  type ClassBPingSlotField,
} from '../../../src/lns/chirpstack/chirpstack-version.js';
import { createMulticastGroupBytes } from '../../../src/lns/chirpstack/grpc-multicast-group.js';
import { classCGroup } from '../../sim/chirpstack/sim-chirpstack-world.js';

// What each ChirpStack release can take, and the class B field each one reads. The old layouts
// are written here from ChirpStack's api/proto/api/multicast_group.proto at the release tags:
//   v4.0.0..v4.7.x  `uint32 class_b_ping_slot_period = 12;` (ping period in slots; storage
//                   computes ping_nb = 4096 / period), no field 14;
//   v4.8.0..v4.12.x `uint32 class_b_ping_slot_nb_k = 14;` (ping_nb = 2^k);
//   v4.13.0+        `uint32 class_b_ping_slot_periodicity = 14;` (LoRaWAN periodicity).
// The test decodes our bytes with those layouts (protobufjs), not with the 4.19 classes we encode with.

const OLD_LAYOUT = protobuf.parse(`
  syntax = "proto3";
  message MulticastGroupV47 {
    string id = 1; string name = 2; string application_id = 3; int32 region = 4; string mc_addr = 5;
    string mc_nwk_s_key = 6; string mc_app_s_key = 7; uint32 f_cnt = 8; int32 group_type = 9; uint32 dr = 10;
    uint32 frequency = 11; uint32 class_b_ping_slot_period = 12; int32 class_c_scheduling_type = 13;
  }
  message CreateMulticastGroupRequestV47 { MulticastGroupV47 multicast_group = 1; }
  message MulticastGroupV412 { uint32 class_b_ping_slot_nb_k = 14; }
  message CreateMulticastGroupRequestV412 { MulticastGroupV412 multicast_group = 1; }
`).root;

const versions: Array<[string, number, ClassBPingSlotField, boolean, boolean]> = [
  ['4.0.0', 0, 'period-field-12', false, false],
  ['v4.7.2', 7, 'period-field-12', false, false],
  ['4.8.0', 8, 'nb-k-field-14', false, false],
  ['4.10.1', 10, 'nb-k-field-14', true, false],
  ['4.12.0', 12, 'nb-k-field-14', true, false],
  ['4.13.0', 13, 'periodicity-field-14', true, false],
  ['4.14', 14, 'periodicity-field-14', true, true],
  ['4.19.0-test.1', 19, 'periodicity-field-14', true, true],
];

for (const [text, minor, field, multicastExpiry, unicastExpiry] of versions) {
  test(`version ${text}: class B in ${field}, multicast expiry ${multicastExpiry}, unicast expiry ${unicastExpiry}`, (t) => {
    const version = parseChirpstackVersion(text);
    t.is(version.minor, minor);
    t.is(classBPingSlotField(version), field);
    t.is(supportsMulticastExpiry(version), multicastExpiry);
    t.is(supportsUnicastExpiry(version), unicastExpiry);
  });
}

const badVersions: Array<[string, unknown, string]> = [
  ['empty', '', 'CHIRPSTACK_VERSION_INVALID'],
  ['words', 'latest', 'CHIRPSTACK_VERSION_INVALID'],
  ['a number', 4.13, 'CHIRPSTACK_VERSION_INVALID'],
  ['v3', '3.12.4', 'CHIRPSTACK_VERSION_UNSUPPORTED'],
  ['v5', '5.0.0', 'CHIRPSTACK_VERSION_UNSUPPORTED'],
];
for (const [name, input, code] of badVersions) {
  test(`version refused: ${name}`, (t) => {
    const error = t.throws(() => parseChirpstackVersion(input as string));
    t.true(error instanceof FuotaError);
    t.is((error as FuotaError).code, code);
    t.regex(error!.message, /^networkServer\.version: expected ChirpStack v4|^networkServer\.version: expected a ChirpStack version like 4\.13\.0, got /);
  });
}

test('class B values: periodicity k is pingNb 2^(7-k) in every layout', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 7 }), (k) => {
      const pingNb = 2 ** (7 - k);
      t.is(classBPingSlotValue('periodicity-field-14', k), k);
      t.is(2 ** classBPingSlotValue('nb-k-field-14', k), pingNb);
      t.is(4096 / classBPingSlotValue('period-field-12', k), pingNb);
    }),
  );
});

test('v4.13+ bytes: field 14 is the periodicity, read back by the 4.19 classes', (t) => {
  const bytes = createMulticastGroupBytes(classCGroup({ groupType: 'CLASS_B', classBPingSlotPeriodicity: 5 }));
  const group = multicastPb.CreateMulticastGroupRequest.deserializeBinary(bytes).getMulticastGroup()!;
  t.is(group.getClassBPingSlotPeriodicity(), 5);
});

test('v4.8-4.12 bytes: field 14 is nb_k = 7 - k', (t) => {
  const bytes = createMulticastGroupBytes(classCGroup({ groupType: 'CLASS_B', classBPingSlotPeriodicity: 5, classBPingSlotField: 'nb-k-field-14' }));
  const decoded = OLD_LAYOUT.lookupType('CreateMulticastGroupRequestV412').decode(bytes).toJSON();
  t.deepEqual(decoded, { multicastGroup: { classBPingSlotNbK: 2 } });
});

test('v4.0-4.7 bytes: field 12 is the ping period in slots, field 14 absent, everything else intact', (t) => {
  const spec = classCGroup({ groupType: 'CLASS_B', classBPingSlotPeriodicity: 2, classBPingSlotField: 'period-field-12' });
  const bytes = createMulticastGroupBytes(spec);
  const decoded = OLD_LAYOUT.lookupType('CreateMulticastGroupRequestV47').decode(bytes).toJSON() as { multicastGroup: Record<string, unknown> };
  t.like(decoded.multicastGroup, { name: spec.name, mcAddr: spec.mcAddrHex, dr: spec.dr, frequency: spec.frequencyHz, groupType: 1, classBPingSlotPeriod: 128 });
  // The 4.19 classes see no field 14 in it.
  t.is(multicastPb.CreateMulticastGroupRequest.deserializeBinary(bytes).getMulticastGroup()!.getClassBPingSlotPeriodicity(), 0);
});

test('a large ping period (k = 7: 4096 slots) takes a two-byte varint', (t) => {
  const bytes = createMulticastGroupBytes(classCGroup({ groupType: 'CLASS_B', classBPingSlotPeriodicity: 7, classBPingSlotField: 'period-field-12' }));
  const decoded = OLD_LAYOUT.lookupType('CreateMulticastGroupRequestV47').decode(bytes).toJSON() as { multicastGroup: Record<string, unknown> };
  t.is(decoded.multicastGroup['classBPingSlotPeriod'], 4096);
});
