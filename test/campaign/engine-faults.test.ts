import test from 'ava';
import { createSimulatedWorld } from '../../src/app/simulated-world.js';
import type { CampaignCommand } from '../../src/campaign/commands.js';
import { InternalError } from '../../src/core/errors.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';

// A store that fails once during a timed wake-up: the engine reports it, wakes again shortly,
// and the campaign still completes (nothing was committed by the failed transition).
test('a failed wake-up is reported and retried; the campaign completes', async (t) => {
  const errors: unknown[] = [];
  const w = await createSimulatedWorld({ scenario: { ...DEFAULT_SCENARIO, devices: 8, seed: 401, absentShare: 0 }, storePath: 'memory', firmwareBytes: 16 * 1024, spec: { rollout: { canaryFraction: 0 } }, engine: { onError: (_id, error) => errors.push(error) } });
  await w.engine.create(w.spec, w.block);
  let failures = 0;
  const commit = w.store.commit.bind(w.store);
  w.store.commit = async (id, result) => {
    // Fail the first tick that ends the setup stage.
    if (failures === 0 && result.campaign.wave?.stage === 'session' && !result.devices.length) {
      failures++;
      throw new InternalError('TEST_STORE_DOWN', 'store down for a moment');
    }
    return commit(id, result);
  };
  await w.clock.run({ untilMs: w.startMs + 7 * 86_400_000, done: () => w.engine.view('demo')!.campaign.phase !== 'running', settle: () => w.engine.idle() });
  t.is(failures, 1);
  t.is(errors.length, 1);
  t.is(w.engine.view('demo')!.campaign.phase, 'completed');
  t.true([...w.engine.view('demo')!.devices.values()].every((d) => d.outcome === 'confirmed'));
});

/** One network server call, as it names its command (a multicast carries the command's id). */
function commandKey(command: CampaignCommand): string {
  switch (command.type) {
    case 'unicast':
      return `unicast ${command.id} ${command.devEui} ${command.fPort} ${command.payloadHex}`;
    case 'create-multicast-group':
      return `create-multicast-group ${command.groupName} ${command.devEuis.join(',')}`;
    case 'delete-multicast-group':
      return `delete-multicast-group ${command.groupName}`;
    case 'multicast':
      return `multicast ${command.id} ${command.groupName} ${command.fPort} ${command.atMs}`;
    case 'multicast-fragment':
      return `multicast ${command.id} ${command.groupName} 201 ${command.atMs}`;
  }
}

// The engine commits each transition's state and commands (its outbox) before carrying the
// commands out, and marks them done only after the network server took them
// (src/campaign/engine.ts, flushOutbox). A network server call that fails once must leave the
// command in the outbox, in memory and in the store, until a retry carries it out: in the end
// the network server has received exactly the commands the transitions decided, each once and
// in the order decided. Failing each kind of call in turn: unicast, group creation, multicast
// (fragments) and group deletion (the last command of a wave, decided as the wave ends).
for (const failing of ['unicast', 'create-multicast-group', 'multicast', 'delete-multicast-group'] as const) {
  test(`a ${failing} call that fails once stays in the outbox and is carried out by a retry: every decided command reaches the network server once`, async (t) => {
    const decided: string[] = [];
    const carried: string[] = [];
    const reported: string[] = [];
    const w = await createSimulatedWorld({
      scenario: { ...DEFAULT_SCENARIO, devices: 8, seed: 402, absentShare: 0 },
      storePath: 'memory',
      firmwareBytes: 16 * 1024,
      spec: { rollout: { canaryFraction: 0 } },
      engine: {
        onTransition: (_id, result) => decided.push(...result.commands.map(commandKey)),
        onCommandError: (_id, command) => reported.push(commandKey(command)),
      },
    });
    let failedKey: string | undefined;
    /** At the retry of the failed call: did the store still hold its command (what a restart would carry out)? */
    let storedAtRetry: boolean | undefined;
    const network = w.fleet.network;
    // Every call goes through here: the first call of the failing kind throws (the network server
    // did not take it); the others reach the simulated network server and are recorded.
    const through = async (key: string, call: () => Promise<void>): Promise<void> => {
      if (failedKey === undefined && key.startsWith(`${failing} `)) {
        failedKey = key;
        throw new InternalError('TEST_NETWORK_DOWN', 'network server unreachable for a moment');
      }
      if (key === failedKey && storedAtRetry === undefined) storedAtRetry = (await w.store.load('demo'))!.outbox.some((item) => commandKey(item.command) === key);
      await call();
      carried.push(key);
    };
    const { sendUnicast, createMulticastGroup, sendMulticast, deleteMulticastGroup } = network;
    network.sendUnicast = (c) => through(commandKey(c), () => sendUnicast.call(network, c));
    network.createMulticastGroup = (c) => through(commandKey(c), () => createMulticastGroup.call(network, c));
    network.sendMulticast = (m) => through(`multicast ${m.id} ${m.groupName} ${m.fPort} ${m.atMs}`, () => sendMulticast.call(network, m));
    network.deleteMulticastGroup = (g) => through(`delete-multicast-group ${g}`, () => deleteMulticastGroup.call(network, g));

    await w.engine.create(w.spec, w.block);
    await w.clock.run({ untilMs: w.startMs + 7 * 86_400_000, done: () => w.engine.view('demo')!.campaign.phase !== 'running', settle: () => w.engine.idle() });
    // The retry of a call that failed as the campaign ended comes COMMAND_RETRY_MS (30 s) later.
    await w.clock.run({ untilMs: w.clock.now() + 10 * 60_000, settle: () => w.engine.idle() });

    t.truthy(failedKey, `no ${failing} call was made`);
    t.deepEqual(carried, decided, 'the network server got exactly the decided commands, each once, in order');
    t.deepEqual(reported, [failedKey], 'the failure is reported once, with its command');
    t.true(storedAtRetry, 'the failed command was still in the stored outbox when it was retried');
    t.true(decided.includes(failedKey!));
    t.deepEqual((await w.store.load('demo'))!.outbox, [], 'every command marked done');
    t.is(w.engine.view('demo')!.campaign.phase, 'completed');
    t.true([...w.engine.view('demo')!.devices.values()].every((d) => d.outcome === 'confirmed'));
    await w.close();
  });
}
