import { readFile } from 'node:fs/promises';
import { createSimulatedWorld, type SimulatedWorld } from '../../src/app/simulated-world.js';
import { CampaignEventHub } from '../../src/api/campaign-event-hub.js';
import { CampaignService, passThroughAdmit } from '../../src/api/campaign-service.js';
import { createMetrics } from '../../src/api/metrics/fuota-metrics.js';
import { startRestApi, type RunningApi } from '../../src/api/rest/rest-server.js';
import { SqliteTokenVerifier } from '../../src/api/sqlite-token-verifier.js';
import { anyOf, DigestTokenVerifier, sha256Hex } from '../../src/api/token-verifier.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';
import { SqliteTokenStore } from '../../src/store/sqlite-token-store.js';
import { tempDir } from '../store/temp-dir.js';

// The campaign API over a simulated demo world (in-process transport), on a free loopback port,
// for `fuota campaign` tests: the demo campaign is created and run in simulated time until its
// devices have logs, then time stands still (the campaign stays running) while the CLI asks.
// Tokens: one from the config (admin) and one from the token store (read), as `fuota serve`
// would check them.

export interface CampaignApiWorld {
  url: string;
  world: SimulatedWorld;
  service: CampaignService;
  events: CampaignEventHub;
  adminToken: string;
  readToken: string;
  close(): Promise<void>;
}

export const CAMPAIGN_ID = 'cli-demo';

export async function startCampaignApiWorld(): Promise<CampaignApiWorld> {
  const events = new CampaignEventHub();
  const world = await createSimulatedWorld({
    scenario: { ...DEFAULT_SCENARIO, devices: 6, seed: 12, loss: 0, absentShare: 0 },
    campaignId: CAMPAIGN_ID,
    storePath: 'memory',
    firmwareBytes: 16 * 1024,
    spec: { rollout: { canaryFraction: 0 } },
    engine: { onTransition: events.onTransition },
  });
  const temp = tempDir();
  const tokens = SqliteTokenStore.open(temp.file('fuota.sqlite'));
  let api: RunningApi | undefined;
  try {
    const service = new CampaignService({ engine: world.engine, store: world.store, events, admit: passThroughAdmit(async (p) => new Uint8Array(await readFile(p))), clock: world.clock });
    await world.engine.create(world.spec, world.block);
    // Until every device has answered something, so that logs and last answers exist.
    await world.clock.run({
      untilMs: world.startMs + 48 * 3_600_000,
      settle: () => world.settle(),
      done: () => [...world.engine.view(CAMPAIGN_ID)!.devices.values()].every((d) => d.counters.uplinks > 0),
    });
    const adminToken = 'config-admin-token';
    const { token: readToken } = tokens.create('dashboard', 'read');
    const verifier = anyOf([new DigestTokenVerifier([{ name: 'ops', scope: 'admin', tokenSha256: sha256Hex(adminToken) }]), new SqliteTokenVerifier(tokens)]);
    api = await startRestApi({ service, verifier, metrics: createMetrics(service), ready: () => ({ store: true }), bodyLimitBytes: 1 << 20, listen: '127.0.0.1:0' });
    const running = api;
    return {
      url: running.url,
      world,
      service,
      events,
      adminToken,
      readToken,
      close: async () => {
        await running.close();
        await world.close();
        tokens.close();
        await temp.remove();
      },
    };
  } catch (error) {
    await api?.close();
    await world.close();
    tokens.close();
    await temp.remove();
    throw error;
  }
}
