import test from 'ava';
import { createSimulatedWorld } from '../../src/app/simulated-world.js';
import { parseCampaignSpec } from '../../src/campaign/spec.js';
import { InternalError } from '../../src/core/errors.js';
import { expectedOutcomes } from '../../src/demo/expectations.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';

// A crash in the middle of create-multicast-group, replayed against a ChirpStack that answers as
// the real one does. ChirpStack did everything (group created, devices and gateways added), but
// the process died before the registry file and the outbox recorded it: the engine's outbox
// carries the command out again. The replay must find the group by its name
// (MulticastGroupService.List) and take ChirpStack's INTERNAL for every member already in (a
// duplicate key: storage/multicast.rs 317-325, 387-395; api/error.rs 46) as done, after List
// shows the member; and the campaign must complete as if nothing happened.

test('create-multicast-group replayed after a crash: no second group, INTERNAL duplicates checked, the campaign completes', async (t) => {
  t.timeout(120_000);
  const commandErrors: string[] = [];
  const world = await createSimulatedWorld({
    scenario: { ...DEFAULT_SCENARIO, devices: 10, seed: 216, absentShare: 0 },
    storePath: 'memory',
    firmwareBytes: 16 * 1024,
    spec: { rollout: { canaryFraction: 0.2 } },
    transport: 'wire',
    engine: { onCommandError: (_id, command, error) => void commandErrors.push(`${command.type}: ${(error as Error).message}`) },
  });
  try {
    const { adapter, chirpstackApi } = world;
    if (!adapter || !chirpstackApi) throw new Error('wire world without adapter');
    // Every group ChirpStack ever created, by name.
    const created: string[] = [];
    const create = chirpstackApi.multicast.create.bind(chirpstackApi.multicast);
    chirpstackApi.multicast.create = (spec) => {
      created.push(spec.name);
      return create(spec);
    };
    const crashed = new Set<string>();
    const original = adapter.network.createMulticastGroup.bind(adapter.network);
    adapter.network.createMulticastGroup = async (command) => {
      await original(command);
      if (crashed.has(command.groupName)) return;
      crashed.add(command.groupName);
      // The crash came before the registry write: the new process knows nothing of the group.
      adapter.registry.delete(command.groupName);
      throw new InternalError('TEST_CRASH', `process died after ChirpStack set up ${command.groupName}`);
    };
    // Every INTERNAL ChirpStack answered a repeated Add with.
    let duplicateAnswers = 0;
    for (const method of ['addDevice', 'addGateway'] as const) {
      const add = chirpstackApi.multicast[method].bind(chirpstackApi.multicast);
      chirpstackApi.multicast[method] = (id: string, eui: string) => {
        try {
          add(id, eui);
        } catch (error) {
          if (/duplicate key value violates unique constraint/.test((error as Error).message)) duplicateAnswers++;
          throw error;
        }
      };
    }

    await world.engine.create(world.spec, world.block);
    await world.clock.run({ untilMs: world.startMs + 7 * 86_400_000, done: () => world.engine.view('demo')!.campaign.phase !== 'running', settle: () => world.settle() });
    await world.settle();

    const view = world.engine.view('demo')!;
    t.is(view.campaign.phase, 'completed');
    const outcomes = new Map([...view.devices.values()].map((d) => [d.devEui, d.outcome]));
    t.log(`crashed in ${[...crashed].join(', ')}; ${duplicateAnswers} INTERNAL answers; ${[...outcomes.values()].filter((o) => o === 'confirmed').length} confirmed`);
    t.deepEqual(outcomes, expectedOutcomes(world.fleet.members, parseCampaignSpec(world.spec), false));
    t.true(crashed.size >= 2, `groups crashed in: ${[...crashed].join(', ')}`);
    t.deepEqual(commandErrors.filter((e) => e.startsWith('create-multicast-group')).length, crashed.size, 'each crash reported once');
    t.deepEqual(created, [...crashed], 'one ChirpStack group per group name: the replay found it by name');
    t.true(duplicateAnswers > 0, 'ChirpStack answered the replayed AddDevice/AddGateway with INTERNAL (duplicate key)');
    t.false([...chirpstackApi.multicast.list({ limit: 1000, offset: 0 }).groups].some((g) => crashed.has(g.name)), 'every group deleted at the end');
  } finally {
    await world.close();
  }
});
