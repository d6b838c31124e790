import test from 'ava';
import { ValueError } from '../../src/core/errors.js';
import { SimClock } from '../../src/sim/sim-clock.js';
import { buildSimFleet, DEFAULT_SCENARIO, type FleetScenario } from '../../src/sim/sim-fleet.js';

function fleet(scenario: Partial<FleetScenario>) {
  return buildSimFleet({
    scenario: { ...DEFAULT_SCENARIO, ...scenario },
    clock: new SimClock(Date.UTC(2026, 11, 1)),
    image: new Uint8Array(16),
    verifyImage: () => ({ status: 'corrupt', reason: 'unused' }),
    rejectImage: () => ({ status: 'corrupt', reason: 'unused' }),
    maxNbFrag: 300,
    smallMaxNbFrag: 4,
  });
}

test('the default scenario is all spec devices, as before stacks existed', (t) => {
  const { members, targets } = fleet({ devices: 20 });
  t.true(members.every((m) => m.stack === 'spec' && m.device.config.stack === 'spec' && m.device.config.fragMax === undefined));
  t.true(targets.every((target) => target.stack === 'spec'));
});

test('stacks: exactly round(share · n) devices each, loramac-node always v1 with fragMax from maxNbFrag', (t) => {
  const { members, targets } = fleet({ devices: 10, stacks: { 'loramac-node': 0.3, lbm: 0.3, spec: 0.4 }, v2Share: 1, smallShare: 0.5 });
  const count = (stack: string) => members.filter((m) => m.stack === stack).length;
  t.deepEqual([count('loramac-node'), count('lbm'), count('spec')], [3, 3, 4]);
  for (const m of members) {
    const config = m.device.config;
    t.is(targets.find((target) => target.devEui === config.devEui)?.stack, m.stack);
    const nb = m.kind === 'small' ? 4 : 300;
    if (m.stack === 'loramac-node') t.deepEqual(config.packageVersions, { ts003: 1, ts004: 1, ts005: 1 });
    else t.deepEqual(config.packageVersions, { ts003: 2, ts004: 2, ts005: 2 });
    t.deepEqual(config.fragMax, m.stack === 'spec' ? undefined : { nb, size: 255, redundancy: nb });
    t.is(config.maxNbFrag, nb);
  }
});

test('stacks are spread by the seed without moving kinds or versions; left-over devices run spec', (t) => {
  const mixed = fleet({ devices: 40, seed: 9, stacks: { lbm: 0.5 }, absentShare: 0.25 });
  const plain = fleet({ devices: 40, seed: 9, absentShare: 0.25 });
  t.is(mixed.members.filter((m) => m.stack === 'lbm').length, 20);
  t.is(mixed.members.filter((m) => m.stack === 'spec').length, 20);
  t.deepEqual(mixed.members.map((m) => m.kind), plain.members.map((m) => m.kind));
  t.deepEqual(mixed.members.map((m) => m.device.config.packageVersions.ts004), plain.members.map((m) => m.device.config.packageVersions.ts004));
  t.deepEqual(fleet({ devices: 40, seed: 9, stacks: { lbm: 0.5 } }).members.map((m) => m.stack), fleet({ devices: 40, seed: 9, stacks: { lbm: 0.5 } }).members.map((m) => m.stack));
  t.notDeepEqual(mixed.members.map((m) => m.stack), fleet({ devices: 40, seed: 10, stacks: { lbm: 0.5 } }).members.map((m) => m.stack));
});

test('shares above 1 in all, or negative, are refused', (t) => {
  for (const stacks of [{ lbm: 0.7, spec: 0.5 }, { lbm: -0.1 }]) {
    const error = t.throws(() => fleet({ devices: 4, stacks }), { instanceOf: ValueError });
    t.is(error?.code, 'FLEET_STACK_SHARES');
  }
});
