import test from 'ava';
import type { TransitionResult } from '../../src/campaign/draft.js';
import type { DeviceState } from '../../src/campaign/state.js';
import { DEFAULT_CAMPAIGN_STATUS_TOPIC, DEFAULT_DEVICE_STATUS_TOPIC } from '../../src/config/config-schema.js';
import { StatusPublisher } from '../../src/status/status-publisher.js';
import { campaignState, deviceState, devices as fixtureDevices } from '../store/fixtures.js';
import { decode } from './wire.js';

// Status events coalesced (issue #17): with a window, the transitions of a campaign within it are
// published once when it closes, each changed device once, saying where it stands then.

test('a burst of changes to one device within the window is one message for it, with its last status; the campaign once', async (t) => {
  const sent: Array<{ topic: string; payload: Uint8Array }> = [];
  const status = new StatusPublisher({
    deviceTopic: DEFAULT_DEVICE_STATUS_TOPIC,
    campaignTopic: DEFAULT_CAMPAIGN_STATUS_TOPIC,
    format: 'json',
    publish: (topic, payload) => void sent.push({ topic, payload }),
    onError: (error) => t.fail(String(error)),
    coalesceMs: 200,
  });
  const all = fixtureDevices(3);
  const live = { campaign: campaignState('c1', 0), devices: new Map(all.map((d) => [d.devEui, d])) };
  // The first transition announces every device (once the window closes).
  const first = status.onTransition('c1', { campaign: campaignState('c1', 0), devices: [], commands: [], log: [] }, live);
  await first;
  t.is(sent.length, 4, 'three devices and the campaign');
  sent.length = 0;
  const phases: Array<DeviceState['phase']> = ['setup', 'receiving', 'upgrading', 'done'];
  const settled: Array<Promise<void>> = [];
  phases.forEach((phase, step) => {
    const device: DeviceState = { ...deviceState(1, step + 1), phase, ...(phase === 'done' ? { outcome: 'confirmed' as const } : {}) };
    const result: TransitionResult = { campaign: campaignState('c1', step + 1), devices: [device], commands: [], log: [] };
    live.devices.set(device.devEui, device);
    settled.push(status.onTransition('c1', result, live));
  });
  t.deepEqual(sent, [], 'nothing before the window closes');
  await Promise.all(settled);
  const deviceMessages = sent.filter((m) => m.topic.includes('/devices/'));
  t.is(deviceMessages.length, 1, 'one message for the device, not one per change');
  t.like(decode('device', 'json', deviceMessages[0]!.payload), { devEui: all[1]!.devEui, phase: 'DONE', outcome: 'CONFIRMED' });
  const campaignMessages = sent.filter((m) => !m.topic.includes('/devices/'));
  t.is(campaignMessages.length, 1);
  t.like(decode('campaign', 'json', campaignMessages[0]!.payload), { outcomes: { open: 2, confirmed: 1 } });
});
