import test from 'ava';
import { createSimulatedWorld } from '../../src/app/simulated-world.js';
import { CallerError } from '../../src/core/errors.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';

// Operator actions through the engine, on a simulated fleet: pause stops the campaign's
// downlinks (devices keep talking), resume carries on to the end, cancel ends every device.

async function world(seed: number) {
  const w = await createSimulatedWorld({ scenario: { ...DEFAULT_SCENARIO, devices: 12, seed, absentShare: 0 }, storePath: 'memory', firmwareBytes: 16 * 1024, spec: { rollout: { canaryFraction: 0 } } });
  await w.engine.create(w.spec, w.block);
  const runUntil = (untilMs: number, done?: () => boolean) => w.clock.run({ untilMs, settle: () => w.engine.idle(), ...(done ? { done } : {}) });
  return { ...w, runUntil, view: () => w.engine.view('demo')! };
}

test('pause holds every campaign downlink; resume carries the campaign to the end', async (t) => {
  const w = await world(301);
  await w.runUntil(w.startMs + 2 * 3_600_000);
  t.is(w.view().campaign.wave?.stage, 'setup');
  await w.engine.pause('demo');
  t.is(w.view().campaign.phase, 'paused');
  const pausedAt = w.clock.now();
  const uplinksBefore = [...w.view().devices.values()].reduce((n, d) => n + d.counters.uplinks, 0);
  await w.runUntil(w.startMs + 6 * 3_600_000);
  const resumedAt = w.clock.now();
  const uplinksDuring = [...w.view().devices.values()].reduce((n, d) => n + d.counters.uplinks, 0) - uplinksBefore;
  t.true(uplinksDuring > 0, 'devices keep sending');
  // Answers to requests sent before the pause may still come and are recorded; the only thing
  // sent meanwhile is AppTimeAns (clock answers are never held back).
  for (const devEui of w.view().devices.keys()) {
    const sent = (await w.store.deviceLog('demo', devEui, 500)).filter((e) => e.direction === 'down' && e.atMs > pausedAt && e.atMs < resumedAt);
    t.deepEqual(sent.filter((e) => !e.text.startsWith('AppTimeAns')), [], devEui);
  }
  await w.engine.resumePaused('demo');
  t.is(w.view().campaign.phase, 'running');
  await w.runUntil(w.startMs + 7 * 86_400_000, () => w.view().campaign.phase !== 'running');
  t.is(w.view().campaign.phase, 'completed');
  t.true([...w.view().devices.values()].every((d) => d.outcome === 'confirmed'));
});

test('cancel ends every device cancelled, deletes the group and stops the campaign', async (t) => {
  const w = await world(302);
  await w.runUntil(w.startMs + 3 * 3_600_000);
  await w.engine.cancel('demo');
  const view = w.view();
  t.is(view.campaign.phase, 'cancelled');
  t.true([...view.devices.values()].every((d) => d.outcome === 'cancelled'));
  t.false(w.fleet.network.hasGroup('demo-w0'));
  const queued = w.fleet.network.stats.unicastQueued;
  await w.runUntil(w.startMs + 10 * 3_600_000);
  t.is(w.fleet.network.stats.unicastQueued, queued, 'nothing more is sent');
});

test('operator actions on an unknown campaign are refused with a clear error', async (t) => {
  const w = await world(303);
  await t.throwsAsync(w.engine.pause('nope'), { instanceOf: CallerError, message: 'campaign nope: not loaded' });
  await t.throwsAsync(w.engine.create(w.spec, w.block), { code: 'CAMPAIGN_EXISTS' });
});
