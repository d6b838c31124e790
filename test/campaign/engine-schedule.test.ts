import test from 'ava';
import { createSimulatedWorld } from '../../src/app/simulated-world.js';
import { CampaignEngine } from '../../src/campaign/engine.js';
import { openWindow } from '../../src/campaign/schedule-windows.js';
import type { CampaignSpecInput } from '../../src/campaign/spec.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';

// Scheduling through the engine on a simulated fleet: the engine wakes at the start time and at
// each window, also after a restart (the wait is in the stored campaign), and a windowed
// campaign runs to the end with every multicast frame inside a window.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NIGHT = [{ start: '01:00', end: '05:00' }];

async function world(seed: number, schedule: CampaignSpecInput['schedule']) {
  const w = await createSimulatedWorld({ scenario: { ...DEFAULT_SCENARIO, devices: 8, seed, absentShare: 0 }, storePath: 'memory', firmwareBytes: 16 * 1024, spec: { rollout: { canaryFraction: 0 }, schedule } });
  // The times the engine hands multicast frames to the network server for.
  const multicastAtMs: number[] = [];
  const network = w.fleet.network;
  const send = network.sendMulticast.bind(network);
  network.sendMulticast = (downlink) => {
    multicastAtMs.push(downlink.atMs);
    return send(downlink);
  };
  return { ...w, multicastAtMs };
}

test('a windowed campaign (01:00–05:00 Europe/Paris) on the simulated fleet completes; every multicast frame goes inside a window', async (t) => {
  const w = await world(501, { windows: NIGHT, timeZone: 'Europe/Paris' });
  await w.engine.create(w.spec, w.block);
  await w.clock.run({ untilMs: w.startMs + 7 * DAY, done: () => w.engine.view('demo')!.campaign.phase !== 'running', settle: () => w.engine.idle() });
  const view = w.engine.view('demo')!;
  t.is(view.campaign.phase, 'completed');
  t.true([...view.devices.values()].every((d) => d.outcome === 'confirmed'), JSON.stringify([...view.devices.values()].map((d) => d.outcome)));
  t.true(w.multicastAtMs.length > 0);
  for (const atMs of w.multicastAtMs) t.truthy(openWindow(atMs, NIGHT, 'Europe/Paris'), new Date(atMs).toISOString());
  // The world starts at 08:00 UTC (09:00 in Paris): setup ran in the day, before any window.
  t.true(w.fleet.network.stats.unicastQueued > 0);
  t.true(Math.min(...w.multicastAtMs) > w.startMs + 12 * HOUR);
  await w.close();
});

test('startAt survives a restart: an engine stopped before the start and restarted from the store starts the campaign at startAt, not before', async (t) => {
  const w = await world(502, { startAt: '2026-11-21T14:00:00+01:00' }); // 13:00 UTC; the world starts 08:00 UTC
  const startAtMs = Date.UTC(2026, 10, 21, 13);
  await w.engine.create(w.spec, w.block);
  await w.clock.run({ untilMs: w.startMs + 2 * HOUR, settle: () => w.engine.idle() });
  t.is(w.fleet.network.stats.unicastQueued, 0);
  t.deepEqual((await w.store.load('demo'))!.campaign.scheduleWait, { reason: 'start', untilMs: startAtMs });
  await w.engine.close();

  const engine = new CampaignEngine({ store: w.store, network: w.fleet.network, clock: w.clock });
  w.fleet.network.onUplink = (uplink) => void engine.handleUplink(uplink);
  t.deepEqual(await engine.resumeAll(), ['demo']);
  await w.clock.run({ untilMs: startAtMs - 1, settle: () => engine.idle() });
  t.is(w.fleet.network.stats.unicastQueued, 0, 'nothing before startAt');
  await w.clock.run({ untilMs: startAtMs + HOUR, settle: () => engine.idle() });
  t.true(w.fleet.network.stats.unicastQueued > 0, 'setup began at startAt');
  t.is(engine.view('demo')!.campaign.waveIndex, 0);
  await w.clock.run({ untilMs: w.startMs + 7 * DAY, done: () => engine.view('demo')!.campaign.phase !== 'running', settle: () => engine.idle() });
  t.is(engine.view('demo')!.campaign.phase, 'completed');
  await engine.close();
  await w.store.close();
});
