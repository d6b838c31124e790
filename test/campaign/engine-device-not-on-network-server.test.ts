import test from 'ava';
import { createSimulatedWorld } from '../../src/app/simulated-world.js';
import type { CampaignCommand } from '../../src/campaign/commands.js';
import { DeviceNotOnNetworkServerError } from '../../src/campaign/device-not-on-network-server.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';

// Issue #14: a device the network server does not know used to keep its unicast in the outbox,
// retried every 30 s, until the wave gave it up as `absent`. The adapter now says so
// (DeviceNotOnNetworkServerError, from sendUnicast): the engine drops the command and fails that
// device with the cause; the campaign goes on for the others.
test('a device unknown to the network server fails at once with the cause; not retried; the others complete', async (t) => {
  const commandErrors: CampaignCommand[] = [];
  const w = await createSimulatedWorld({
    scenario: { ...DEFAULT_SCENARIO, devices: 6, seed: 403, absentShare: 0 },
    storePath: 'memory',
    firmwareBytes: 16 * 1024,
    spec: { rollout: { canaryFraction: 0 } },
    engine: { onCommandError: (_id, command) => commandErrors.push(command) },
  });
  await w.engine.create(w.spec, w.block);
  const unknown = [...w.engine.view('demo')!.devices.keys()][2]!;
  const network = w.fleet.network;
  const sendUnicast = network.sendUnicast.bind(network);
  let unknownCalls = 0;
  network.sendUnicast = async (command) => {
    if (command.devEui === unknown) {
      unknownCalls++;
      throw new DeviceNotOnNetworkServerError(unknown, 'ChirpStack', 'NOT_FOUND from DeviceService.Get');
    }
    return sendUnicast(command);
  };
  await w.clock.run({ untilMs: w.startMs + 7 * 86_400_000, done: () => w.engine.view('demo')!.campaign.phase !== 'running', settle: () => w.engine.idle() });
  await w.clock.run({ untilMs: w.clock.now() + 10 * 60_000, settle: () => w.engine.idle() });

  const view = w.engine.view('demo')!;
  t.is(view.campaign.phase, 'completed');
  const device = view.devices.get(unknown)!;
  t.is(device.outcome, 'failed');
  t.is(device.error, `device ${unknown}: expected it registered on ChirpStack, got NOT_FOUND from DeviceService.Get (a downlink cannot reach it: failed, not retried)`);
  t.is(unknownCalls, 1, 'asked once, not every 30 s');
  t.deepEqual(commandErrors, [], 'not reported as a command kept for a retry');
  t.deepEqual((await w.store.load('demo'))!.outbox, [], 'the command is not left in the outbox');
  for (const [devEui, other] of view.devices) if (devEui !== unknown) t.is(other.outcome, 'confirmed', devEui);
  await w.close();
});
