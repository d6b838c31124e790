import test from 'ava';
import { isFuotaError } from '../../../src/core/errors.js';
import { nextPingSlotAfterGpsMs, nextPingSlotAfterGpsMsForPingNb } from '../../../src/sim/chirpstack/sim-chirpstack-class-b.js';
import { classBPingNb, hasMulticastExpiry, hasUnicastExpiry, parseSimChirpstackVersion } from '../../../src/sim/chirpstack/sim-chirpstack-version.js';

// The ChirpStack release the simulation plays, and what follows from it (sources in
// sim-chirpstack-version.ts).

const v = parseSimChirpstackVersion;

test('a plain "4.minor.patch" only', (t) => {
  t.like(v('4.19.0'), { major: 4, minor: 19, patch: 0, text: '4.19.0' });
  for (const bad of ['v4.19.0', '4.19', '4.19.0-rc.1', '3.9.0', '', '4.x.0']) {
    const error = t.throws(() => v(bad), undefined, bad);
    t.true(isFuotaError(error) && error.code === 'SIM_CHIRPSTACK_VERSION_INVALID', bad);
  }
});

test('multicast expires_at from 4.10, unicast expires_at from 4.14', (t) => {
  t.deepEqual(['4.9.9', '4.10.0', '4.13.2', '4.14.0'].map((x) => [hasMulticastExpiry(v(x)), hasUnicastExpiry(v(x))]), [
    [false, false], [true, false], [true, false], [true, true],
  ]);
});

test('ping_nb from the class B field, by version: field 12 period (<4.8), nb_k (4.8–4.12), periodicity (4.13+)', (t) => {
  // [version, field 14, field 12, ping_nb]
  const cases: Array<[string, number, number | undefined, number]> = [
    ['4.19.0', 0, undefined, 128], ['4.13.0', 7, undefined, 1], ['4.13.0', 2, undefined, 32], ['4.13.0', 8, undefined, 0],
    ['4.12.0', 0, undefined, 1], ['4.8.0', 7, undefined, 128], ['4.8.0', 2, undefined, 4],
    ['4.7.0', 5, undefined, 0], ['4.7.0', 5, 0, 0], ['4.7.0', 0, 4096, 1], ['4.7.0', 0, 32, 128], ['4.0.0', 0, 1024, 4], ['4.7.0', 0, 3000, 1], ['4.7.0', 0, 5000, 0],
  ];
  for (const [version, field14, field12, pingNb] of cases) t.is(classBPingNb(v(version), field14, field12), pingNb, `${version} ${field14} ${field12}`);
});

test('next ping slot by ping_nb: the vectors of ChirpStack\'s classb.rs test_get_next_ping_slot_after', (t) => {
  // [after (GPS ms), ping_nb, expected (GPS ms)], DevAddr 00000000.
  const vectors: Array<[number, number, number]> = [[0, 1, 74_300], [120_000, 1, 185_620], [0, 2, 12_860], [13_000, 2, 74_300], [124_000, 128, 124_220]];
  for (const [afterGpsMs, pingNb, expectedGpsMs] of vectors) {
    t.is(nextPingSlotAfterGpsMsForPingNb(afterGpsMs, 0, pingNb), expectedGpsMs, `after ${afterGpsMs}, ping_nb ${pingNb}`);
    t.is(nextPingSlotAfterGpsMs(afterGpsMs, 0, 7 - Math.log2(pingNb)), expectedGpsMs);
  }
});
