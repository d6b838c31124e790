import { createSimulatedWorld, type SimulatedWorld } from '../../src/app/simulated-world.js';
import { CallerError } from '../../src/core/errors.js';
import { CampaignEventHub } from '../../src/api/campaign-event-hub.js';
import { CampaignService, passThroughAdmit } from '../../src/api/campaign-service.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';

// A campaign service over a small simulated fleet (in-process transport, memory store), for
// the API tests. Simulated time moves only when a test runs the clock.

export interface ServiceWorld extends SimulatedWorld {
  service: CampaignService;
  hub: CampaignEventHub;
  /** Runs simulated time until `done` or the limit (default: a week). */
  runUntil(done: () => boolean, limitMs?: number): Promise<void>;
  phase(id?: string): string | undefined;
}

export async function serviceWorld(options: { devices?: number; seed?: number; absentShare?: number } = {}): Promise<ServiceWorld> {
  const hub = new CampaignEventHub();
  const world = await createSimulatedWorld({
    scenario: { ...DEFAULT_SCENARIO, devices: options.devices ?? 8, seed: options.seed ?? 7, absentShare: options.absentShare ?? 0 },
    storePath: 'memory',
    firmwareBytes: 8 * 1024,
    spec: { rollout: { canaryFraction: 0 } },
    engine: { onTransition: hub.onTransition },
  });
  const service = new CampaignService({
    engine: world.engine,
    store: world.store,
    events: hub,
    clock: world.clock,
    admit: passThroughAdmit(async (path) => {
      throw new CallerError('PACKAGE_PATH_REFUSED', `packagePath: expected no package file in these tests, got ${JSON.stringify(path)}`);
    }),
  });
  return {
    ...world,
    service,
    hub,
    phase: (id = 'demo') => world.engine.view(id)?.campaign.phase,
    runUntil: (done, limitMs = 7 * 86_400_000) => world.clock.run({ untilMs: world.clock.now() + limitMs, settle: () => world.settle(), done }),
  };
}
