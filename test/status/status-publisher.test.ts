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

for (const format of ['json', 'protobuf'] as const) {
  test(`${format}: one message per changed device, then one for the campaign`, async (t) => {
    const { status, sent, errors } = publisher(format);
    const all = fixtureDevices(5);
    const changed = [{ ...deviceState(1, 3), outcome: 'confirmed' as const, phase: 'done' as const }, deviceState(3, 3)];
    const result: TransitionResult = { campaign: campaignState('c1', 3), devices: changed, commands: [], log: [] };
    await status.onTransition('c1', result, live(all, result));
    t.deepEqual(errors, []);
    t.deepEqual(sent.map((s) => s.topic), [
      `fuota/campaigns/c1/devices/${changed[0]!.devEui}/status`,
      `fuota/campaigns/c1/devices/${changed[1]!.devEui}/status`,
      'fuota/campaigns/c1/status',
    ]);
    t.deepEqual(decode('device', format, sent[0]!.payload), onWire(types.device, deviceStatus('c1', changed[0]!, result.campaign.updatedAtMs)));
    t.like(decode('device', format, sent[1]!.payload), { devEui: changed[1]!.devEui, phase: 'RECEIVING' });
    t.like(decode('campaign', format, sent[2]!.payload), { id: 'c1', phase: 'RUNNING', stage: 'FRAGMENTS', devices: 5, outcomes: { open: 4, confirmed: 1 } });
  });
}

test('outcome counts follow later transitions without rescanning the fleet', async (t) => {
  const { status, sent } = publisher('json');
  const all = fixtureDevices(4);
  const first: TransitionResult = { campaign: campaignState('c2', 1), devices: [], commands: [], log: [] };
  await status.onTransition('c2', first, live(all, first));
  t.like(decode('campaign', 'json', sent.at(-1)!.payload), { devices: 4, outcomes: { open: 4 } });
  // Later calls see only the changed devices (an empty map proves nothing else is read).
  const failed = { ...deviceState(0), outcome: 'failed' as const, error: 'FragSessionSetupAns: NotEnoughMemory' };
  const second: TransitionResult = { campaign: campaignState('c2', 2), devices: [failed, { ...deviceState(1), outcome: 'confirmed' }], commands: [], log: [] };
  await status.onTransition('c2', second, { campaign: second.campaign, devices: new Map() });
  t.like(decode('campaign', 'json', sent.at(-1)!.payload), { devices: 4, outcomes: { open: 2, failed: 1, confirmed: 1 } });
  const again: TransitionResult = { campaign: campaignState('c2', 3), devices: [{ ...failed, phase: 'done' }], commands: [], log: [] };
  await status.onTransition('c2', again, { campaign: again.campaign, devices: new Map() });
  t.like(decode('campaign', 'json', sent.at(-1)!.payload), { outcomes: { open: 2, failed: 1, confirmed: 1 } });
  t.is(sent.length, 3 + 1 + 2);
});

test('a failed publish goes to onError and the rest are still sent', async (t) => {
  const { status, sent, errors } = publisher('protobuf', { fail: (topic) => topic.includes('/devices/') });
  const result: TransitionResult = { campaign: campaignState('c3'), devices: [deviceState(0)], commands: [], log: [] };
  await t.notThrowsAsync(status.onTransition('c3', result, live([], result)));
  t.is(errors.length, 1);
  t.regex(String(errors[0]!.error), /broker refused fuota\/campaigns\/c3\/devices\//);
  t.deepEqual(sent.map((s) => s.topic), ['fuota/campaigns/c3/status']);
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
    const { updatedAtMs: _at, ...state } = onWire(types.device, deviceStatus('demo', device, 0));
    t.like(decode('device', 'protobuf', message!), state, device.devEui);
  }
  await engine.close();
  await store.close();
});
