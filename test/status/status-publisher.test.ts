import test from 'ava';
import { createSimulatedWorld } from '../../src/app/simulated-world.js';
import type { TransitionResult } from '../../src/campaign/draft.js';
import { campaignReport } from '../../src/campaign/report.js';
import type { DeviceState } from '../../src/campaign/state.js';
import { DEFAULT_CAMPAIGN_STATUS_TOPIC, DEFAULT_DEVICE_STATUS_TOPIC } from '../../src/config/config-schema.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';
import { campaignStatusFromReport, deviceStatus, type StatusFormat } from '../../src/status/status-events.js';
import { StatusPublisher, type LiveCampaign } from '../../src/status/status-publisher.js';
import { campaignState, deviceState, devices as fixtureDevices } from '../store/fixtures.js';
import { decode, onWire, types } from './wire.js';

interface Sent {
  topic: string;
  payload: Uint8Array;
}

function publisher(format: StatusFormat, options: { fail?: (topic: string) => boolean } = {}) {
  const sent: Sent[] = [];
  const errors: Array<{ error: unknown; topic: string }> = [];
  const status = new StatusPublisher({
    deviceTopic: DEFAULT_DEVICE_STATUS_TOPIC,
    campaignTopic: DEFAULT_CAMPAIGN_STATUS_TOPIC,
    format,
    publish: async (topic, payload) => {
      if (options.fail?.(topic)) throw new Error(`broker refused ${topic}`);
      sent.push({ topic, payload });
    },
    onError: (error, topic) => errors.push({ error, topic }),
  });
  return { status, sent, errors };
}

function live(all: DeviceState[], result: TransitionResult): LiveCampaign {
  const map = new Map(all.map((d) => [d.devEui, d]));
  for (const d of result.devices) map.set(d.devEui, d);
  return { campaign: result.campaign, devices: map };
}

/** A transition on devices the publisher already announced (a first call publishes the whole campaign). */
async function announced(status: StatusPublisher, id: string, all: DeviceState[]): Promise<void> {
  const first: TransitionResult = { campaign: campaignState(id, 0), devices: [], commands: [], log: [] };
  await status.onTransition(id, first, live(all, first));
}

for (const format of ['json', 'protobuf'] as const) {
  test(`${format}: the first transition publishes every device, then the campaign`, async (t) => {
    const { status, sent, errors } = publisher(format);
    const all = fixtureDevices(5);
    const changed = [{ ...deviceState(1, 3), outcome: 'confirmed' as const, phase: 'done' as const }];
    const result: TransitionResult = { campaign: campaignState('c1', 3), devices: changed, commands: [], log: [] };
    await status.onTransition('c1', result, live(all, result));
    t.deepEqual(errors, []);
    t.deepEqual(sent.map((s) => s.topic), [...all.map((d) => `fuota/campaigns/c1/devices/${d.devEui}/status`), 'fuota/campaigns/c1/status']);
    t.deepEqual(decode('device', format, sent[1]!.payload), onWire(types.device, deviceStatus('c1', changed[0]!, result.campaign.updatedAtMs)));
    t.like(decode('device', format, sent[3]!.payload), { devEui: all[3]!.devEui, phase: 'RECEIVING' });
    t.like(decode('campaign', format, sent[5]!.payload), { id: 'c1', phase: 'RUNNING', stage: 'FRAGMENTS', devices: 5, outcomes: { open: 4, confirmed: 1 } });
  });

  test(`${format}: later, one message per device whose status changed, then the campaign if it changed`, async (t) => {
    const { status, sent, errors } = publisher(format);
    const all = fixtureDevices(5);
    await announced(status, 'c1', all);
    sent.length = 0;
    const changed = [{ ...deviceState(1, 3), outcome: 'confirmed' as const, phase: 'done' as const }, deviceState(3, 3)];
    const result: TransitionResult = { campaign: campaignState('c1', 0), devices: changed, commands: [], log: [] };
    await status.onTransition('c1', result, live(all, result));
    t.deepEqual(errors, []);
    t.deepEqual(sent.map((s) => s.topic), [
      `fuota/campaigns/c1/devices/${changed[0]!.devEui}/status`,
      `fuota/campaigns/c1/devices/${changed[1]!.devEui}/status`,
      'fuota/campaigns/c1/status',
    ]);
    t.like(decode('device', format, sent[1]!.payload), { devEui: changed[1]!.devEui, phase: 'RECEIVING', fragmentsReceived: 3 });
    t.like(decode('campaign', format, sent[2]!.payload), { devices: 5, outcomes: { open: 4, confirmed: 1 } });
  });
}

test('an uplink that changes only the uplink count and time, a tick of the clock: nothing is published', async (t) => {
  const { status, sent } = publisher('json');
  const all = fixtureDevices(3);
  await announced(status, 'c4', all);
  sent.length = 0;
  const heard = { ...all[1]!, counters: { ...all[1]!.counters, uplinks: all[1]!.counters.uplinks + 1 }, timestamps: { ...all[1]!.timestamps, lastUplinkAtMs: 1_763_800_000_000 } };
  const later = { ...campaignState('c4', 0), updatedAtMs: 1_763_800_000_000 };
  const result: TransitionResult = { campaign: later, devices: [heard], commands: [], log: [] };
  await status.onTransition('c4', result, live(all, result));
  t.deepEqual(sent, []);
  // The next real change carries the current count and time.
  const answered = { ...heard, fragments: { ...heard.fragments, received: 900 } };
  const next: TransitionResult = { campaign: later, devices: [answered, all[2]!], commands: [], log: [] };
  await status.onTransition('c4', next, live(all, next));
  t.deepEqual(sent.map((s) => s.topic), [`fuota/campaigns/c4/devices/${heard.devEui}/status`]);
  t.like(decode('device', 'json', sent[0]!.payload), { fragmentsReceived: 900, uplinks: heard.counters.uplinks, timestamps: { lastUplinkAtMs: 1_763_800_000_000 } });
});

test('the campaign topic on change only: airtime moved, then nothing new', async (t) => {
  const { status, sent } = publisher('json');
  await announced(status, 'c5', fixtureDevices(2));
  sent.length = 0;
  const moved: TransitionResult = { campaign: campaignState('c5', 4), devices: [], commands: [], log: [] };
  await status.onTransition('c5', moved, live([], moved));
  t.deepEqual(sent.map((s) => s.topic), ['fuota/campaigns/c5/status']);
  t.like(decode('campaign', 'json', sent[0]!.payload), { airtime: { fragmentsSent: 4 } });
  await status.onTransition('c5', moved, live([], moved));
  t.is(sent.length, 1);
});

test('announce (a campaign resumed after a restart): every device once, then nothing until a change', async (t) => {
  const { status, sent } = publisher('protobuf');
  const all = fixtureDevices(3);
  const view: LiveCampaign = { campaign: campaignState('c6', 1), devices: new Map(all.map((d) => [d.devEui, d])) };
  await status.announce('c6', view);
  t.deepEqual(sent.map((s) => s.topic), [...all.map((d) => `fuota/campaigns/c6/devices/${d.devEui}/status`), 'fuota/campaigns/c6/status']);
  await status.announce('c6', view);
  const same: TransitionResult = { campaign: campaignState('c6', 1), devices: [all[0]!], commands: [], log: [] };
  await status.onTransition('c6', same, view);
  t.is(sent.length, 4);
  // A campaign a transition already published in full is not announced again.
  const other = publisher('json');
  await announced(other.status, 'c7', all);
  await other.status.announce('c7', { campaign: campaignState('c7', 0), devices: new Map(all.map((d) => [d.devEui, d])) });
  t.is(other.sent.length, 4);
});

test('a campaign that ended is forgotten: a late transition publishes only what it changed', async (t) => {
  const { status, sent } = publisher('json');
  const all = fixtureDevices(3);
  await announced(status, 'c8', all);
  const ended: TransitionResult = { campaign: { ...campaignState('c8', 0), phase: 'completed' }, devices: [], commands: [], log: [] };
  await status.onTransition('c8', ended, live(all, ended));
  t.like(decode('campaign', 'json', sent.at(-1)!.payload), { phase: 'COMPLETED' });
  sent.length = 0;
  const late: TransitionResult = { campaign: { ...campaignState('c8', 0), phase: 'completed' }, devices: [{ ...all[2]!, phase: 'done' }], commands: [], log: [] };
  await status.onTransition('c8', late, live(all, late));
  t.deepEqual(sent.map((s) => s.topic), [`fuota/campaigns/c8/devices/${all[2]!.devEui}/status`, 'fuota/campaigns/c8/status']);
});

test('outcome counts follow later transitions without rescanning the fleet', async (t) => {
  const { status, sent } = publisher('json');
  const all = fixtureDevices(4);
  const first: TransitionResult = { campaign: campaignState('c2', 1), devices: [], commands: [], log: [] };
  await status.onTransition('c2', first, live(all, first));
  t.like(decode('campaign', 'json', sent.at(-1)!.payload), { devices: 4, outcomes: { open: 4 } });
  t.is(sent.length, 4 + 1);
  // Later calls see only the changed devices (an empty map proves nothing else is read).
  const failed = { ...deviceState(0), outcome: 'failed' as const, error: 'FragSessionSetupAns: NotEnoughMemory' };
  const second: TransitionResult = { campaign: campaignState('c2', 2), devices: [failed, { ...deviceState(1), outcome: 'confirmed' }], commands: [], log: [] };
  await status.onTransition('c2', second, { campaign: second.campaign, devices: new Map() });
  t.like(decode('campaign', 'json', sent.at(-1)!.payload), { devices: 4, outcomes: { open: 2, failed: 1, confirmed: 1 } });
  const again: TransitionResult = { campaign: campaignState('c2', 3), devices: [{ ...failed, phase: 'done' }], commands: [], log: [] };
  await status.onTransition('c2', again, { campaign: again.campaign, devices: new Map() });
  t.like(decode('campaign', 'json', sent.at(-1)!.payload), { outcomes: { open: 2, failed: 1, confirmed: 1 } });
  t.is(sent.length, 5 + 3 + 2);
});

test('a failed publish goes to onError, the rest are still sent, and the next transition retries it', async (t) => {
  const refuse = { devices: true };
  const { status, sent, errors } = publisher('protobuf', { fail: (topic) => refuse.devices && topic.includes('/devices/') });
  const result: TransitionResult = { campaign: campaignState('c3'), devices: [deviceState(0)], commands: [], log: [] };
  await t.notThrowsAsync(status.onTransition('c3', result, live([], result)));
  t.is(errors.length, 1);
  t.regex(String(errors[0]!.error), /broker refused fuota\/campaigns\/c3\/devices\//);
  t.deepEqual(sent.map((s) => s.topic), ['fuota/campaigns/c3/status']);
  refuse.devices = false;
  await status.onTransition('c3', result, live([], result));
  t.deepEqual(sent.map((s) => s.topic), ['fuota/campaigns/c3/status', `fuota/campaigns/c3/devices/${deviceState(0).devEui}/status`]);
});

test('under the real engine: the last messages equal the final states and report', async (t) => {
  t.timeout(60_000);
  const { status, sent, errors } = publisher('protobuf');
  const pending: Promise<void>[] = [];
  const world = await createSimulatedWorld({
    scenario: { ...DEFAULT_SCENARIO, devices: 20, seed: 7, absentShare: 0.1 },
    storePath: 'memory',
    firmwareBytes: 16 * 1024,
    spec: { rollout: { canaryFraction: 0.2 } },
    engine: { onTransition: (id, result, view) => void pending.push(status.onTransition(id, result, view)) },
  });
  const { engine, clock, store, startMs } = world;
  await engine.create(world.spec, world.block);
  const running = () => engine.view('demo')!.campaign.phase === 'running';
  await clock.run({ untilMs: startMs + 7 * 24 * 3_600_000, done: () => !running(), settle: () => engine.idle() });
  await engine.idle();
  await Promise.all(pending);
  t.deepEqual(errors, []);
  const view = engine.view('demo')!;
  t.not(view.campaign.phase, 'running');
  const last = new Map<string, Uint8Array>();
  for (const message of sent) last.set(message.topic, message.payload);
  const campaignMessage = decode('campaign', 'protobuf', last.get('fuota/campaigns/demo/status')!);
  const report = campaignReport(view.campaign, view.devices.values());
  t.true((report.outcomes.confirmed ?? 0) >= 10, `${JSON.stringify(report.outcomes)} ${view.campaign.haltReason ?? ''}`);
  const expected = campaignStatusFromReport(view.campaign, report);
  t.deepEqual(campaignMessage, onWire(types.campaign, expected));
  for (const device of view.devices.values()) {
    const message = last.get(`fuota/campaigns/demo/devices/${device.devEui}/status`);
    t.truthy(message, device.devEui);
    // Uplink count and time go out with a device's changes only (status-publisher.ts).
    const { updatedAtMs: _at, uplinks: _uplinks, timestamps: { lastUplinkAtMs: _last, ...moments }, ...state } = deviceStatus('demo', device, 0);
    const { uplinks: _u, timestamps: { lastUplinkAtMs: _l, ...sentMoments }, ...sentState } = decode('device', 'protobuf', message!) as { uplinks: number; timestamps: Record<string, number> };
    t.like(sentState, onWire(types.device, state), device.devEui);
    t.deepEqual(sentMoments, moments, device.devEui);
  }
  await engine.close();
  await store.close();
});
