import test from 'ava';
import { ValueError } from '../../src/core/errors.js';
import { Ts004Decoder } from '../../src/fec/ts004-decoder.js';
import { Ts004Encoder } from '../../src/fec/ts004-encoder.js';
import { fragmentationMatrixValue, parseFecScheme, schemeForDevice, schemeForGroup } from '../../src/fec/scheme.js';

test('FragmentationMatrix: 0 for every parity matrix, 7 for Reed-Solomon', (t) => {
  t.deepEqual((['v1', 'v2', 'v2-lbm', 'rs'] as const).map(fragmentationMatrixValue), [0, 0, 0, 7]);
});

test('per device: TS004 package version picks the matrix; RS only when declared and preferred', (t) => {
  t.is(schemeForDevice({ ts004PackageVersion: 1 }), 'v1');
  t.is(schemeForDevice({ ts004PackageVersion: 2 }), 'v2');
  t.is(schemeForDevice({ ts004PackageVersion: 2, v2Seed: 'N-M' }), 'v2-lbm');
  t.is(schemeForDevice({ ts004PackageVersion: 1, reedSolomon: true }), 'v1');
  t.is(schemeForDevice({ ts004PackageVersion: 1, reedSolomon: true }, 'rs'), 'rs');
  t.is(schemeForDevice({ ts004PackageVersion: 2 }, 'rs'), 'v2');
});

test('per group: one scheme for all, RS only if every member declares it, mixed matrices refused', (t) => {
  t.is(schemeForGroup([{ ts004PackageVersion: 1, reedSolomon: true }, { ts004PackageVersion: 2, reedSolomon: true }], 'rs'), 'rs');
  t.is(schemeForGroup([{ ts004PackageVersion: 2, reedSolomon: true }, { ts004PackageVersion: 2 }], 'rs'), 'v2');
  const error = t.throws(() => schemeForGroup([{ ts004PackageVersion: 1 }, { ts004PackageVersion: 2 }]), { instanceOf: ValueError });
  t.is(error?.code, 'FEC_MIXED_GROUP');
  t.regex(error?.message ?? '', /v1 and v2/);
});

const bad: Array<[string, () => unknown, string]> = [
  ['unknown matrix name', () => parseFecScheme('v3'), 'FEC_SCHEME'],
  ['encoder with an unknown matrix', () => new Ts004Encoder('rs' as 'v1', new Uint8Array(10), 5), 'FEC_SCHEME'],
  ['decoder with an unknown matrix', () => new Ts004Decoder('V1' as 'v1', 10, 5), 'FEC_SCHEME'],
  ['empty group', () => schemeForGroup([]), 'FEC_EMPTY_GROUP'],
  ['TS004 version 3', () => schemeForDevice({ ts004PackageVersion: 3 as 1 }), 'UNKNOWN_PACKAGE_VERSION'],
];
for (const [name, run, code] of bad) {
  test(`bad input: ${name} → ${code}`, (t) => {
    t.is(t.throws(run, { instanceOf: ValueError })?.code, code);
  });
}
