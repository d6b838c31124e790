import test from 'ava';
import { createSimulatedWorld } from '../../src/app/simulated-world.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';
import { SqliteCampaignStore } from '../../src/store/sqlite-campaign-store.js';
import { tempDir } from './temp-dir.js';

// The stores under the real engine and a simulated fleet: whatever the engine holds in memory
// after its transitions, the store gives back, mid-campaign and at the end, and (SQLite) from
// a fresh connection to the file.

const HOUR_MS = 3_600_000;

for (const kind of ['sqlite', 'memory'] as const) {
  test(`${kind} store under the engine: load equals the engine's view, mid-campaign and at the end`, async (t) => {
    t.timeout(60_000);
    const tmp = tempDir();
    const file = tmp.file('campaigns.db');
    try {
      const world = await createSimulatedWorld({
        scenario: { ...DEFAULT_SCENARIO, devices: 20, seed: 7, absentShare: 0.1 },
        storePath: kind === 'sqlite' ? file : 'memory',
        firmwareBytes: 16 * 1024,
        spec: { rollout: { canaryFraction: 0.2 } },
      });
      const { engine, clock, store, startMs } = world;
      let clockSteps = 0;
      const check = async (label: string): Promise<void> => {
        await engine.idle();
        const view = engine.view('demo')!;
        const loaded = (await store.load('demo'))!;
        const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
        t.deepEqual(loaded.campaign, plain(view.campaign), `${label}: campaign`);
        t.deepEqual(loaded.devices, plain([...view.devices.values()]), `${label}: devices`);
        t.deepEqual(loaded.block, world.block, `${label}: block`);
        t.deepEqual((await store.list()).map((c) => c.phase), [view.campaign.phase], `${label}: list`);
      };
      await engine.create(world.spec, world.block);
      const running = (): boolean => engine.view('demo')!.campaign.phase === 'running';
      await clock.run({ untilMs: startMs + 2 * HOUR_MS, done: () => !running(), settle: () => engine.idle(), onStep: () => (clockSteps += 1) });
      t.true(running(), 'still running after 2 h: a mid-campaign check');
      await check('after 2 h');
      await clock.run({ untilMs: startMs + 7 * 24 * HOUR_MS, done: () => !running(), settle: () => engine.idle() });
      await check('at the end');
      t.true(clockSteps > 50, `only ${clockSteps} clock steps before the mid-campaign check`);
      t.not(engine.view('demo')!.campaign.phase, 'running');
      if (kind === 'sqlite') {
        const fresh = SqliteCampaignStore.open(file);
        t.deepEqual(await fresh.load('demo'), await store.load('demo'), 'a second connection sees the same');
        await fresh.close();
      }
      await engine.close();
      await store.close();
    } finally {
      await tmp.remove();
    }
  });
}
