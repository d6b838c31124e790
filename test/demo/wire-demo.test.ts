import test from 'ava';
import { createSimulatedWorld, type SimulationOptions } from '../../src/app/simulated-world.js';
import { parseCampaignSpec } from '../../src/campaign/spec.js';
import { expectedOutcomes } from '../../src/demo/expectations.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';
import { runCli } from '../helpers/run-cli.js';

// The demo's default path: embedded MQTT broker (aedes) + simulated ChirpStack (MQTT integration
// and gRPC API) + our ChirpStack adapter, all on one simulated clock.

async function runWire(options: Partial<SimulationOptions> & { seed: number; devices: number; absentShare?: number }) {
  const world = await createSimulatedWorld({
    scenario: { ...DEFAULT_SCENARIO, devices: options.devices, seed: options.seed, absentShare: options.absentShare ?? 0 },
    storePath: 'memory',
    firmwareBytes: 16 * 1024,
    spec: { rollout: { canaryFraction: 0.25 } },
    transport: 'wire',
    ...options,
  });
  try {
    const { engine, clock, startMs } = world;
    await engine.create(world.spec, world.block);
    await clock.run({ untilMs: startMs + 7 * 86_400_000, done: () => engine.view('demo')!.campaign.phase !== 'running', settle: () => world.settle() });
    await world.settle();
    const view = engine.view('demo')!;
    const expected = expectedOutcomes(world.fleet.members, parseCampaignSpec(world.spec), options.badSignature ?? false);
    const outcomes = new Map([...view.devices.values()].map((d) => [d.devEui, d.outcome]));
    return { world, view, expected, outcomes, wire: world.wire! };
  } finally {
    await world.close();
  }
}

test('JSON events: the campaign goes over MQTT and gRPC and every device ends as the scenario says', async (t) => {
  t.timeout(120_000);
  const { view, expected, outcomes, wire, world } = await runWire({ seed: 211, devices: 16, absentShare: 0.125 });
  t.is(view.campaign.phase, 'completed');
  t.deepEqual(outcomes, expected);
  t.is([...outcomes.values()].filter((o) => o === 'confirmed').length, 14);
  t.is(wire.encoding, 'json');
  // Every class A downlink the engine sent arrived at ChirpStack as a command/down, unless our copy of it was still
  // in the device's queue (not enqueued twice: queued-unicasts.ts), and every uplink the network heard reached ChirpStack's integration.
  t.is(wire.chirpstack.commandsReceived + world.adapter!.network.unicastsLeftToQueuedCopy, view.campaign.airtime.unicastSent);
  t.is(wire.chirpstack.commandsIgnored, 0);
  t.is(wire.chirpstack.upPublished, world.fleet.network.stats.uplinks - world.fleet.network.stats.uplinksLost);
  t.true(wire.chirpstack.txAcksPublished > 0 && wire.chirpstack.txAcksPublished <= wire.chirpstack.commandsReceived);
  // Multicast went through the gRPC API: the fragments reached the simulated network.
  t.true(wire.traffic.grpcCalls > 0);
  t.true(world.fleet.network.stats.multicastSent >= view.campaign.airtime.fragmentsSent, `${world.fleet.network.stats.multicastSent} < ${view.campaign.airtime.fragmentsSent}`);
  t.is(wire.traffic.mqttPublished, wire.traffic.mqttHandled, 'each message handled once (nothing left in flight)');
  t.true(wire.statusEvents.received > 16);
});

test('Protobuf events, a package the devices must reject: the canary halts the campaign over the wire too', async (t) => {
  t.timeout(120_000);
  const { view, expected, outcomes, wire } = await runWire({ seed: 212, devices: 12, encoding: 'protobuf', badSignature: true });
  t.is(wire.encoding, 'protobuf');
  t.is(view.campaign.phase, 'halted');
  t.deepEqual(outcomes, expected);
  t.is([...outcomes.values()].filter((o) => o === 'rejected').length, 3);
});

test('the wire and the in-process transport reach the same outcomes for the same seed', async (t) => {
  t.timeout(120_000);
  const wire = await runWire({ seed: 213, devices: 10, absentShare: 0.1 });
  const world = await createSimulatedWorld({ scenario: { ...DEFAULT_SCENARIO, devices: 10, seed: 213, absentShare: 0.1 }, storePath: 'memory', firmwareBytes: 16 * 1024, spec: { rollout: { canaryFraction: 0.25 } } });
  await world.engine.create(world.spec, world.block);
  await world.clock.run({ untilMs: world.startMs + 7 * 86_400_000, done: () => world.engine.view('demo')!.campaign.phase !== 'running', settle: () => world.settle() });
  const inProcess = new Map([...world.engine.view('demo')!.devices.values()].map((d) => [d.devEui, d.outcome]));
  await world.close();
  t.is(world.transport, 'in-process');
  t.deepEqual(wire.outcomes, inProcess);
});

test('over the wire, the same seed gives the same run: sockets do not reorder simulated time', async (t) => {
  t.timeout(120_000);
  const summary = async () => {
    const { view, world, wire } = await runWire({ seed: 215, devices: 8, absentShare: 0.125 });
    return { endMs: world.clock.now(), airtime: view.campaign.airtime, commands: wire.chirpstack.commandsReceived, ups: wire.chirpstack.upPublished, devices: [...view.devices.values()].map((d) => [d.devEui, d.outcome, d.counters, d.timestamps]) };
  };
  const first = await summary();
  const second = await summary();
  t.deepEqual(second, first);
});

test('a DUTY_CYCLE_OVERFLOW log event from ChirpStack reaches the ledger: the campaign waits for the gateway, then completes', async (t) => {
  t.timeout(120_000);
  const scenario = { ...DEFAULT_SCENARIO, devices: 6, seed: 214, absentShare: 0, loss: 0.05 };
  const run = async (overflow: boolean) => {
    const world = await createSimulatedWorld({ scenario, storePath: 'memory', firmwareBytes: 16 * 1024, spec: { rollout: { canaryFraction: 0 } }, transport: 'wire' });
    try {
      await world.engine.create(world.spec, world.block);
      let injected = false;
      await world.clock.run({
        untilMs: world.startMs + 7 * 86_400_000,
        done: () => world.engine.view('demo')!.campaign.phase !== 'running',
        settle: () => world.settle(),
        onStep: (nowMs) => {
          const campaign = world.engine.view('demo')!.campaign;
          if (!overflow || injected || campaign.wave?.stage !== 'fragments' || campaign.airtime.fragmentsSent === 0) return;
          injected = true;
          // As ChirpStack logs a gateway's refusal of a class A downlink (tx_ack.rs): no gateway id, no queue item.
          void world.chirpstack!.publishEvent({ kind: 'log', applicationId: '00000000-0000-4000-8000-00000000f0a7', devEui: world.fleet.members[0]!.device.devEui as never, level: 'ERROR', code: 'DOWNLINK_GATEWAY', description: 'DUTY_CYCLE_OVERFLOW', context: {}, timeMs: nowMs });
        },
      });
      const view = world.engine.view('demo')!;
      return { endMs: world.clock.now(), campaign: view.campaign, confirmed: [...view.devices.values()].filter((d) => d.outcome === 'confirmed').length };
    } finally {
      await world.close();
    }
  };
  const plain = await run(false);
  const overflowed = await run(true);
  t.is(plain.campaign.airtime.gatewayOverflows ?? 0, 0);
  t.is(overflowed.campaign.airtime.gatewayOverflows, 1);
  t.is(overflowed.campaign.phase, 'completed');
  t.is(overflowed.confirmed, 6);
  t.log(`campaign ended ${((overflowed.endMs - plain.endMs) / 60_000).toFixed(1)} min later with the overflow`);
  // The gateway's hour was full: the remaining fragments waited for it to free.
  t.true(overflowed.endMs - plain.endMs > 30 * 60_000, `${((overflowed.endMs - plain.endMs) / 60_000).toFixed(1)} min later`);
});

test('fuota demo goes over the wire by default and says so; --transport in-process does not', async (t) => {
  t.timeout(120_000);
  const wire = await runCli(['demo', '--devices', '12', '--seed', '5', '--encoding', 'protobuf']);
  t.is(wire.code, 0, wire.stderr + wire.stdout.slice(-800));
  t.regex(wire.stdout, /outcome as the scenario expects/);
  t.regex(wire.stdout, /^wire: embedded MQTT broker mqtt:\/\/127\.0\.0\.1:\d+ \(MQTT 3\.1\.1\), simulated ChirpStack gRPC API 127\.0\.0\.1:\d+, protobuf events$/m);
  t.regex(wire.stdout, /^ {2}[1-9]\d* event\/up, [1-9]\d* command\/down, [1-9]\d* event\/txack, [1-9]\d* gRPC calls, [1-9]\d* status events on fuota\/campaigns\/#$/m);
  const inProcess = await runCli(['demo', '--devices', '12', '--seed', '5', '--transport', 'in-process', '--json']);
  t.is(inProcess.code, 0, inProcess.stderr);
  const json = JSON.parse(inProcess.stdout) as { transport: string; wire?: unknown };
  t.is(json.transport, 'in-process');
  t.is(json.wire, undefined);
});

test('fuota demo refuses an unknown transport with one line', async (t) => {
  const result = await runCli(['demo', '--transport', 'carrier-pigeon']);
  t.is(result.code, 1);
  t.regex(result.stderr, /argument 'carrier-pigeon' is invalid\. Allowed choices are wire, in-process/);
});
