import test from 'ava';
import { CallerError, ValueError } from '../../../src/core/errors.js';
import { ChirpstackGrpcClient } from '../../../src/lns/chirpstack/grpc-client.js';
import type { MulticastGroupSpec } from '../../../src/lns/chirpstack/grpc-multicast-group.js';
import { classCGroup } from '../../sim/chirpstack/sim-chirpstack-world.js';

// Arguments are checked before anything is sent (ChirpStack would answer INTERNAL for bad hex).
// The client points at a port nobody listens on: a ValueError, not CHIRPSTACK_UNAVAILABLE,
// proves the check happened locally.

const client = new ChirpstackGrpcClient({ address: '127.0.0.1:1', apiToken: 't', transport: { kind: 'insecure' }, deadlineMs: 500 });
test.after.always(() => client.close());

const GROUP_ID = '00000000-0000-4000-8000-000000000000';

const specCases: Array<[string, Partial<MulticastGroupSpec>, string, string]> = [
  ['mcAddr of 3 bytes', { mcAddrHex: '01abcd' }, 'mcAddrHex', 'INVALID_LENGTH'],
  ['mcAddr not hex', { mcAddrHex: '01abcdeg' }, 'mcAddrHex', 'INVALID_HEX'],
  ['mcAddr odd digits', { mcAddrHex: '01abcde' }, 'mcAddrHex', 'INVALID_HEX'],
  ['McNwkSKey of 15 bytes', { mcNwkSKeyHex: '0102030405060708090a0b0c0d0e0f' }, 'mcNwkSKeyHex', 'INVALID_LENGTH'],
  ['McAppSKey not hex', { mcAppSKeyHex: 'x'.repeat(32) }, 'mcAppSKeyHex', 'INVALID_HEX'],
  ['negative fCnt', { fCnt: -1 }, 'fCnt', 'VALUE_OUT_OF_RANGE'],
  ['fCnt beyond 32 bits', { fCnt: 2 ** 32 }, 'fCnt', 'VALUE_OUT_OF_RANGE'],
  ['dr 16', { dr: 16 }, 'dr', 'VALUE_OUT_OF_RANGE'],
  ['fractional frequency', { frequencyHz: 869.525e6 + 0.5 }, 'frequencyHz', 'VALUE_OUT_OF_RANGE'],
  ['periodicity 8', { classBPingSlotPeriodicity: 8 }, 'classBPingSlotPeriodicity', 'VALUE_OUT_OF_RANGE'],
  ['unknown region', { region: 'EU999' as never }, 'region', 'UNKNOWN_REGION'],
  ['unknown group type', { groupType: 'CLASS_A' as never }, 'groupType', 'UNKNOWN_GROUP_TYPE'],
  ['unknown scheduling', { classCSchedulingType: 'ASAP' as never }, 'classCSchedulingType', 'UNKNOWN_SCHEDULING_TYPE'],
];

for (const [name, overrides, field, code] of specCases) {
  test(`Create refuses ${name}`, async (t) => {
    const error = await t.throwsAsync(client.createMulticastGroup(classCGroup(overrides)), { instanceOf: ValueError });
    t.is(error?.field, field);
    t.is(error?.code, code);
  });
}

const callCases: Array<[string, () => Promise<unknown>, string]> = [
  ['AddDevice with a 7-byte DevEUI', () => client.addDeviceToMulticastGroup(GROUP_ID, '01020304050607'), 'devEui'],
  ['AddGateway with a non-hex gateway id', () => client.addGatewayToMulticastGroup(GROUP_ID, 'gw-1'), 'gatewayId'],
  ['Enqueue with FPort 0', () => client.enqueueMulticast(GROUP_ID, { fPort: 0, payload: Uint8Array.of(1) }), 'fPort'],
  ['Enqueue with FPort 256', () => client.enqueueMulticast(GROUP_ID, { fPort: 256, payload: Uint8Array.of(1) }), 'fPort'],
  ['Enqueue without bytes', () => client.enqueueMulticast(GROUP_ID, { fPort: 201, payload: 'AQI=' as never }), 'payload'],
  ['GetKeys with a bad DevEUI', () => client.getDeviceKeys('xyz'), 'devEui'],
  ['unicast with a non-UUID id', () => client.enqueueUnicast({ devEui: '0102030405060708', fPort: 200, payload: Uint8Array.of(1), id: 'q-1' }), 'id'],
];

for (const [name, call, field] of callCases) {
  test(`${name} is refused before sending`, async (t) => {
    const error = await t.throwsAsync(call(), { instanceOf: ValueError });
    t.is(error?.field, field);
  });
}

test('options are checked at construction', (t) => {
  const base = { address: '127.0.0.1:8080', apiToken: 't', transport: { kind: 'insecure' } as const };
  t.is(t.throws(() => new ChirpstackGrpcClient({ ...base, address: 'http://chirpstack:8080' }), { instanceOf: CallerError })?.code, 'CHIRPSTACK_ADDRESS_INVALID');
  t.is(t.throws(() => new ChirpstackGrpcClient({ ...base, apiToken: ' ' }), { instanceOf: CallerError })?.code, 'CHIRPSTACK_TOKEN_MISSING');
  t.is(t.throws(() => new ChirpstackGrpcClient({ ...base, deadlineMs: 0 }), { instanceOf: CallerError })?.code, 'CHIRPSTACK_DEADLINE_INVALID');
});
