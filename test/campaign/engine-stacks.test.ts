// Whole campaigns (engine, store, simulated fleet) over the device stacks as they really answer
// (src/sim/stacks): what the operator sees per stack, and what the devices hear.

import test from 'ava';
import { createSimulatedWorld } from '../../src/app/simulated-world.js';
import { parseCampaignSpec } from '../../src/campaign/spec.js';
import { expectedOutcomes } from '../../src/demo/expectations.js';
import { DEFAULT_SCENARIO, type FleetScenario } from '../../src/sim/sim-fleet.js';

async function run(scenario: Partial<FleetScenario>) {
  const world = await createSimulatedWorld({ scenario: { ...DEFAULT_SCENARIO, devices: 20, ...scenario }, storePath: 'memory', firmwareBytes: 24 * 1024, spec: { rollout: { canaryFraction: 0 } } });
  const { engine, clock, startMs } = world;
  await engine.create(world.spec, world.block);
  await clock.run({ untilMs: startMs + 7 * 86_400_000, done: () => engine.view('demo')!.campaign.phase !== 'running', settle: () => engine.idle() });
  const view = engine.view('demo')!;
  const expected = expectedOutcomes(world.fleet.members, parseCampaignSpec(world.spec), false);
  return { world, view, expected };
}

test('no stray multicast data: LoRaMac-node devices whose FragSessionSetupReq failed delete their group before the session and hear no fragment', async (t) => {
  const { world, view, expected } = await run({ seed: 7, stacks: { 'loramac-node': 1 }, smallShare: 0.3 });
  const small = world.fleet.members.filter((m) => m.kind === 'small');
  t.true(small.length >= 5);
  const sessionStart = Math.min(...world.fleet.members.map((m) => view.devices.get(m.device.devEui)!.timestamps.setupDoneAtMs ?? Infinity));
  for (const member of small) {
    const device = view.devices.get(member.device.devEui)!;
    t.is(device.outcome, 'failed');
    t.regex(device.error!, /NotEnoughMemory/);
    const log = await world.store.deviceLog('demo', device.devEui, 200);
    const deleteReq = log.find((e) => e.direction === 'down' && e.text === 'McGroupDeleteReq');
    t.truthy(deleteReq, `${device.devEui} got McGroupDeleteReq`);
    t.is(member.device.multicastHeard, 0, `${device.devEui} heard no multicast frame`);
    t.is(member.device.crashes, 0);
  }
  t.true(Number.isFinite(sessionStart));
  // The others heard the session and hold the block.
  for (const member of world.fleet.members.filter((m) => m.kind === 'normal')) {
    t.true(member.device.multicastHeard > 0);
    t.is(view.devices.get(member.device.devEui)!.outcome, expected.get(member.device.devEui));
  }
});

test('a mixed fleet: LoRaMac-node delivered, LBM (v1 and v2) and spec confirmed, no device ever crashed', async (t) => {
  const { world, view, expected } = await run({ seed: 21, devices: 30, stacks: { 'loramac-node': 0.5, lbm: 0.5 }, v2Share: 0.5, absentShare: 0 });
  for (const member of world.fleet.members) {
    const device = view.devices.get(member.device.devEui)!;
    t.is(device.outcome, member.stack === 'loramac-node' ? 'delivered' : 'confirmed', `${device.devEui} (${member.stack}): ${device.error ?? ''}`);
    t.is(device.outcome, expected.get(device.devEui));
    t.is(member.device.crashes, 0, `${device.devEui} (${member.stack}) crashed`);
  }
  const v2Lbm = world.fleet.members.filter((m) => m.stack === 'lbm' && m.device.config.packageVersions.ts004 === 2);
  t.true(v2Lbm.length > 0);
  for (const m of v2Lbm) t.is(view.devices.get(m.device.devEui)!.fecScheme, 'v2-lbm');
  // LoRaMac-node devices hold the right block: their application checked it (valid) at OnDone.
  for (const m of world.fleet.members.filter((x) => x.stack === 'loramac-node')) t.is(m.device.upgrade.status, 'valid');
});

test('v2 devices of unknown stack that are really LBM: MICError, a follow-up wave with the N − M seed, then confirmed', async (t) => {
  const world = await createSimulatedWorld({ scenario: { ...DEFAULT_SCENARIO, devices: 6, seed: 5, stacks: { lbm: 1 }, v2Share: 1, absentShare: 0, loss: 0.2 }, storePath: 'memory', firmwareBytes: 64 * 1024, spec: { rollout: { canaryFraction: 0 } } });
  // The operator does not say the stack: every device is 'spec' to the campaign.
  const spec = { ...world.spec, devices: (world.spec.devices as Array<Record<string, unknown>>).map(({ stack: _stack, ...rest }) => rest) };
  const { engine, clock, startMs } = world;
  await engine.create(spec, world.block);
  await clock.run({ untilMs: startMs + 7 * 86_400_000, done: () => engine.view('demo')!.campaign.phase !== 'running', settle: () => engine.idle() });
  const view = engine.view('demo')!;
  t.is(view.campaign.phase, 'completed');
  t.deepEqual(view.campaign.followUpWaves, [1]);
  let learnt = 0;
  for (const device of view.devices.values()) {
    t.is(device.outcome, 'confirmed', device.error);
    // A device that lost no data fragment needs no coded one: any seed rebuilds its block.
    if (device.wave === 0) continue;
    learnt++;
    t.like(device, { v2Seed: 'N-M', fecScheme: 'v2-lbm', wave: 1 });
    const log = await world.store.deviceLog('demo', device.devEui, 500);
    t.true(log.some((e) => e.text.includes('MICError with the absolute-N seed')));
  }
  t.true(learnt >= 3, `${learnt} devices learnt the seed`);
  for (const m of world.fleet.members) t.is(m.device.firmwareVersion, 0x01010000);
});
