import test from 'ava';
import { createSimulatedWorld } from '../../src/app/simulated-world.js';
import { parseCampaignSpec } from '../../src/campaign/spec.js';
import { airtimeComparison } from '../../src/demo/demo-report.js';
import { expectedOutcomes } from '../../src/demo/expectations.js';
import { DEFAULT_SCENARIO, type FleetScenario } from '../../src/sim/sim-fleet.js';
import { runCli } from '../helpers/run-cli.js';

// Whole campaigns on simulated fleets, with seeds: every device must end as the scenario says.

async function run(scenario: Partial<FleetScenario>, options: { badSignature?: boolean; canary?: number } = {}) {
  const world = await createSimulatedWorld({
    scenario: { ...DEFAULT_SCENARIO, devices: 30, ...scenario },
    storePath: 'memory',
    firmwareBytes: 24 * 1024,
    badSignature: options.badSignature ?? false,
    spec: { rollout: { canaryFraction: options.canary ?? 0.2 } },
  });
  const { engine, clock, startMs } = world;
  await engine.create(world.spec, world.block);
  await clock.run({ untilMs: startMs + 7 * 86_400_000, done: () => engine.view('demo')!.campaign.phase !== 'running', settle: () => engine.idle() });
  const view = engine.view('demo')!;
  const expected = expectedOutcomes(world.fleet.members, parseCampaignSpec(world.spec), options.badSignature ?? false);
  const outcomes = new Map([...view.devices.values()].map((d) => [d.devEui, d.outcome]));
  return { view, expected, outcomes, airtime: airtimeComparison(view.campaign, view.devices, world.fleet.members), world };
}

test('all devices present: every device confirms the new version', async (t) => {
  const { view, outcomes } = await run({ seed: 101, absentShare: 0 });
  t.is(view.campaign.phase, 'completed');
  t.true([...outcomes.values()].every((o) => o === 'confirmed'), JSON.stringify([...outcomes]));
  for (const device of view.devices.values()) t.is(device.firmwareAfter, 0x01010000);
});

test('some devices absent: they end absent, the others confirmed', async (t) => {
  const { outcomes, expected } = await run({ seed: 102, absentShare: 0.2 });
  t.deepEqual(outcomes, expected);
  t.is([...outcomes.values()].filter((o) => o === 'absent').length, 6);
});

test('a v1 + v2 mix: two fragmentation sessions, one per matrix, and all confirm', async (t) => {
  const { view, outcomes, expected, airtime } = await run({ seed: 103, absentShare: 0, v2Share: 0.5 });
  t.deepEqual(outcomes, expected);
  // In each wave, v1 and v2 devices have their own fragmentation session (FragIndex).
  for (const wave of [0, 1]) {
    const pairs = new Set([...view.devices.values()].filter((d) => d.wave === wave).map((d) => `${d.fecScheme}/${d.fragIndex}`));
    t.is(pairs.size, 2, [...pairs].join(' '));
    t.deepEqual([...pairs].map((p) => p.split('/')[0]).sort(), ['v1', 'v2']);
    t.is(new Set([...pairs].map((p) => p.split('/')[1])).size, 2);
  }
  // Adaptive redundancy spends little beyond what the realised losses required.
  t.true(airtime.ratio >= 1 && airtime.ratio < 1.6, `ratio ${airtime.ratio}`);
});

test('a package the devices must reject: the canary rejects it and the campaign halts', async (t) => {
  const { view, outcomes, expected } = await run({ seed: 104, absentShare: 0 }, { badSignature: true });
  t.is(view.campaign.phase, 'halted');
  t.deepEqual(outcomes, expected);
  t.is([...outcomes.values()].filter((o) => o === 'rejected').length, 6);
  t.is([...outcomes.values()].filter((o) => o === 'halted').length, 24);
  t.regex(view.campaign.haltReason ?? '', /wave 0: 6 of 6 devices failed/);
});

test('devices too small for the block fail with NotEnoughMemory', async (t) => {
  const { view, outcomes, expected } = await run({ seed: 105, absentShare: 0, smallShare: 0.1 }, { canary: 0 });
  t.deepEqual(outcomes, expected);
  const small = [...view.devices.values()].filter((d) => d.outcome === 'failed');
  t.is(small.length, 3);
  for (const device of small) t.is(device.error, 'FragSessionSetupAns: NotEnoughMemory');
});

test('fuota demo runs a campaign and exits 0 when the outcome is what the scenario expects', async (t) => {
  t.timeout(120_000);
  const result = await runCli(['demo', '--devices', '40', '--seed', '3']);
  t.is(result.code, 0, result.stderr + result.stdout.slice(-800));
  t.regex(result.stdout, /campaign demo: completed/);
  t.regex(result.stdout, /outcome as the scenario expects/);
  t.regex(result.stdout, /airtime: \d+ fragments sent .* required at least \d+ \(ratio \d+\.\d\d\)/);
  t.regex(result.stderr, /100%/);
});

test('fuota demo refuses bad arguments with one line', async (t) => {
  const result = await runCli(['demo', '--loss', '2']);
  t.is(result.code, 1);
  t.regex(result.stderr, /^fuota: --loss: expected a share in 0\.\.1, got "2"\n$/);
});
