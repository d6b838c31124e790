import test from 'ava';
import { createSimulatedWorld } from '../../src/app/simulated-world.js';
import { CampaignEngine } from '../../src/campaign/engine.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';
import type { NetworkServer } from '../../src/campaign/ports.js';
import type { CampaignSpecInput } from '../../src/campaign/spec.js';
import { ValueError } from '../../src/core/errors.js';
import { SimClock } from '../../src/sim/sim-clock.js';
import { DutyCycleLedger } from '../../src/radio/duty-cycle-ledger.js';
import { MemoryCampaignStore } from '../../src/store/memory-campaign-store.js';
import { BLOCK, T0, specInput } from './script.js';

// CampaignEngine.gatewayDutyCycleOverflow routes a gateway's DUTY_CYCLE_OVERFLOW to the running
// campaigns it concerns, and commits the result like every other transition.

const GATEWAY = '0016c001ff10b001';

/** Does nothing: the campaigns stay in their setup stage, which is all these tests need. */
const network: NetworkServer = {
  sendUnicast: async () => undefined,
  createMulticastGroup: async () => undefined,
  sendMulticast: async () => undefined,
  deleteMulticastGroup: async () => undefined,
};

function spec(id: string, devEuis: string[], gateways: string[]): CampaignSpecInput {
  const base = specInput({ devices: devEuis.length, gateways });
  return { ...base, id, devices: base.devices.map((d, i) => ({ ...d, devEui: devEuis[i]! })) };
}

async function world() {
  const store = new MemoryCampaignStore();
  const clock = new SimClock(T0);
  /** Campaigns a transition was committed for since the last `touched()`. */
  let committed: string[] = [];
  const engine = new CampaignEngine({ store, network, clock, onTransition: (id) => void committed.push(id) });
  const touched = () => {
    const out = committed;
    committed = [];
    return out;
  };
  await engine.create(spec('north', ['00000000000000a1', '00000000000000a2'], ['gw-n']), BLOCK);
  await engine.create(spec('south', ['00000000000000b1', '00000000000000b2'], ['gw-s', GATEWAY]), BLOCK);
  // No gateways listed: the network server picks them; the ledger plans on a stand-in.
  await engine.create(spec('anywhere', ['00000000000000c1'], []), BLOCK);
  /** Per campaign: overflows counted, and the gateways whose committed ledger holds other traffic ending at endMs. */
  const charged = async (endMs: number) => {
    const out: Record<string, [number | undefined, string[]]> = {};
    for (const id of ['north', 'south', 'anywhere']) {
      const stored = (await store.load(id))!;
      const ledger = stored.ledger ? DutyCycleLedger.fromJSON(stored.ledger) : undefined;
      const gateways = (ledger?.emissions() ?? []).filter((em) => em.kind === 'other' && em.startUs + em.airtimeUs === endMs * 1000).map((em) => em.gatewayId);
      const counted = stored.campaign.airtime.gatewayOverflows;
      if (counted !== engine.view(id)!.campaign.airtime.gatewayOverflows) throw new Error(`${id}: the store and the engine disagree`);
      out[id] = [counted, gateways];
    }
    return out;
  };
  touched();
  return { engine, clock, store, charged, touched };
}

test('an overflow reaches only the campaigns whose multicast uses one of the gateways', async (t) => {
  const { engine, clock, charged, touched } = await world();
  await engine.gatewayDutyCycleOverflow({ devEui: 'ffffffffffffffff', gatewayIds: [GATEWAY, 'gw-elsewhere'], atMs: clock.now() - 5_000 });
  t.deepEqual(touched(), ['south'], 'the others are not even woken');
  t.deepEqual(await charged(clock.now() - 5_000), { north: [undefined, []], south: [1, [GATEWAY]], anywhere: [undefined, []] });
  await engine.gatewayDutyCycleOverflow({ devEui: 'ffffffffffffffff', gatewayIds: ['gw-elsewhere'] });
  t.deepEqual(touched(), []);
});

test('no gateway known: the campaign that owns the device, on all its gateways; a spec without gateways: its stand-in', async (t) => {
  const { engine, clock, charged, touched } = await world();
  const atMs = clock.now();
  await engine.gatewayDutyCycleOverflow({ devEui: '00000000000000a2', gatewayIds: [] });
  t.deepEqual(touched(), ['north']);
  t.deepEqual(await charged(atMs), { north: [1, ['gw-n']], south: [undefined, []], anywhere: [undefined, []] });
  await engine.gatewayDutyCycleOverflow({ devEui: '00000000000000c1', gatewayIds: [GATEWAY], atMs });
  t.deepEqual(touched(), ['south', 'anywhere']);
  t.deepEqual(await charged(atMs), { north: [1, ['gw-n']], south: [1, [GATEWAY]], anywhere: [1, ['gw-1']] });
});

test('a refusal time in the future counts as now; a time that is not a number is refused', async (t) => {
  const { engine, clock, charged } = await world();
  await engine.gatewayDutyCycleOverflow({ devEui: '00000000000000a1', gatewayIds: ['gw-n'], atMs: clock.now() + 60_000 });
  t.deepEqual((await charged(clock.now())).north, [1, ['gw-n']]);
  await t.throwsAsync(engine.gatewayDutyCycleOverflow({ devEui: '00000000000000a1', gatewayIds: ['gw-n'], atMs: Number.NaN }), {
    instanceOf: ValueError,
    message: 'gatewayDutyCycleOverflow atMs: expected a finite number of ms, got NaN',
  });
});

test('finished campaigns are left alone', async (t) => {
  const { engine, clock, charged } = await world();
  await engine.cancel('north');
  await engine.gatewayDutyCycleOverflow({ devEui: '00000000000000a1', gatewayIds: ['gw-n'] });
  t.deepEqual((await charged(clock.now())).north, [undefined, []]);
});

test('a campaign resumed from the store (a state written before the counter existed has none) counts from 1', async (t) => {
  const { store, clock } = await world();
  const stored = (await store.load('north'))!;
  t.false('gatewayOverflows' in stored.campaign.airtime);
  const restarted = new CampaignEngine({ store, network, clock });
  await restarted.resume('north');
  await restarted.gatewayDutyCycleOverflow({ devEui: '00000000000000a1', gatewayIds: ['gw-n'] });
  t.is((await store.load('north'))!.campaign.airtime.gatewayOverflows, 1);
});

test('an overflow while a later sub-session waits its turn does not make the engine spin (it wakes for the sub-session that sends)', async (t) => {
  t.timeout(120_000);
  let transitions = 0;
  const world = await createSimulatedWorld({
    scenario: { ...DEFAULT_SCENARIO, devices: 6, seed: 413, absentShare: 0 },
    storePath: 'memory',
    firmwareBytes: 64 * 1024,
    spec: { rollout: { canaryFraction: 0 } },
    engine: { onTransition: () => void transitions++ },
  });
  t.teardown(() => world.close());
  world.spec.multicast = { ...world.spec.multicast!, dr: 0 };
  const { engine, clock, startMs } = world;
  await engine.create(world.spec, world.block);
  let injected = false;
  let sessions = 0;
  await clock.run({
    untilMs: startMs + 7 * 86_400_000,
    done: () => engine.view('demo')!.campaign.phase !== 'running' || transitions > 50_000,
    settle: () => world.settle(),
    onStep: () => {
      const wave = engine.view('demo')!.campaign.wave;
      if (injected || wave?.stage !== 'fragments' || engine.view('demo')!.campaign.airtime.fragmentsSent === 0) return;
      injected = true;
      sessions = wave.subSessions.length;
      void engine.gatewayDutyCycleOverflow({ devEui: world.fleet.targets[0]!.devEui, gatewayIds: world.fleet.gateways });
    },
  });
  t.true(sessions >= 2, `two sub-sessions (${sessions})`);
  t.is(engine.view('demo')!.campaign.airtime.gatewayOverflows, 1);
  t.is(engine.view('demo')!.campaign.phase, 'completed');
  // A wake-up per millisecond while the first sub-session waited out the hour would be millions.
  t.true(transitions < 5_000, `${transitions} transitions`);
});
