import test from 'ava';
import { createSimulatedWorld } from '../../src/app.js';
import { InternalError } from '../../src/core/errors.js';
import { DEFAULT_SCENARIO } from '../../src/lns/sim/sim-fleet.js';

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
