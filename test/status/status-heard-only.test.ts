// The status publisher skips the fingerprint of a device a transition only heard, and hashes the
// campaign's status only when it differs from the last one (src/status/status-publisher.ts). Both
// are shortcuts: the messages must be exactly those the same transitions give without the heard
// mark (every device and the campaign fingerprinted each time), with or without a coalescing
// window, and with publishes that fail and are retried.

import test from 'ava';
import fc from 'fast-check';
import type { TransitionResult } from '../../src/campaign/draft.js';
import { hearUplink } from '../../src/campaign/heard-uplink.js';
import type { CampaignState, DeviceState } from '../../src/campaign/state.js';
import { copyCampaign, copyDevice } from '../../src/campaign/state-copy.js';
import { DEFAULT_CAMPAIGN_STATUS_TOPIC, DEFAULT_DEVICE_STATUS_TOPIC } from '../../src/config/config-schema.js';
import { StatusPublisher } from '../../src/status/status-publisher.js';
import { campaignState, devices as fixtureDevices } from '../store/fixtures.js';

type Step =
  | { kind: 'heard'; device: number }
  | { kind: 'changed'; device: number; how: 'fragment' | 'attempt' | 'done' }
  | { kind: 'campaign'; how: 'airtime' | 'wait' | 'no-wait' }
  | { kind: 'refuse'; what: 'none' | 'devices' | 'campaign' }
  | { kind: 'flush' };

const DEVICES = 4;

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('heard' as const), device: fc.nat(DEVICES - 1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('changed' as const), device: fc.nat(DEVICES - 1), how: fc.constantFrom('fragment' as const, 'attempt' as const, 'done' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('campaign' as const), how: fc.constantFrom('airtime' as const, 'wait' as const, 'no-wait' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refuse' as const), what: fc.constantFrom('none' as const, 'devices' as const, 'campaign' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
);

interface Sent {
  topic: string;
  payload: string;
}

function publisher(coalesceMs: number, refuse: { what: 'none' | 'devices' | 'campaign' }) {
  const sent: Sent[] = [];
  const errors: string[] = [];
  const status = new StatusPublisher({
    deviceTopic: DEFAULT_DEVICE_STATUS_TOPIC,
    campaignTopic: DEFAULT_CAMPAIGN_STATUS_TOPIC,
    format: 'json',
    coalesceMs,
    publish: (topic, payload) => {
      if (refuse.what !== 'none' && topic.includes('/devices/') === (refuse.what === 'devices')) throw new Error(`refused ${topic}`);
      sent.push({ topic, payload: Buffer.from(payload).toString() });
    },
    onError: (_error, topic) => errors.push(topic),
  });
  return { status, sent, errors };
}

/** The steps as transitions, each on the state the one before left; `marked`: heard ones carry TransitionResult.heard. */
async function run(steps: readonly Step[], coalesceMs: number, marked: boolean): Promise<{ sent: Sent[]; errors: string[] }> {
  const refuse: { what: 'none' | 'devices' | 'campaign' } = { what: 'none' };
  const { status, sent, errors } = publisher(coalesceMs, refuse);
  const devices = new Map(fixtureDevices(DEVICES).map((d) => [d.devEui, d]));
  let campaign: CampaignState = campaignState('c1', 0);
  const pending: Array<Promise<void>> = [];
  let clock = campaign.updatedAtMs;
  for (const step of steps) {
    if (step.kind === 'refuse') {
      refuse.what = step.what;
      continue;
    }
    if (step.kind === 'flush') {
      await status.flush();
      continue;
    }
    clock += 1_000;
    campaign = { ...campaign, updatedAtMs: clock };
    const changed: DeviceState[] = [];
    let heard: TransitionResult['heard'];
    if (step.kind === 'heard' || step.kind === 'changed') {
      const device = copyDevice([...devices.values()][step.device]!);
      hearUplink(device, clock);
      if (step.kind === 'heard') heard = { devEui: device.devEui, atMs: clock };
      else if (step.how === 'fragment') device.fragments = { ...device.fragments, received: (device.fragments.received ?? 0) + 1 };
      else if (step.how === 'attempt') device.pending = { ...device.pending!, attempts: device.pending!.attempts + 1 };
      else Object.assign(device, { phase: 'done', outcome: 'confirmed' });
      devices.set(device.devEui, device);
      changed.push(device);
    } else {
      campaign = copyCampaign(campaign);
      if (step.how === 'airtime') campaign.airtime.fragmentsSent += 1;
      else if (step.how === 'wait') campaign.scheduleWait = { reason: 'window', untilMs: clock + 60_000 };
      else delete campaign.scheduleWait;
    }
    const result: TransitionResult = { campaign, devices: changed, commands: [], log: [], ...(marked && heard ? { heard } : {}) };
    pending.push(status.onTransition('c1', result, { campaign, devices }));
  }
  await status.flush();
  await Promise.all(pending);
  return { sent, errors };
}

for (const coalesceMs of [0, 60_000]) {
  test(`property (window ${coalesceMs} ms): with the heard mark, exactly the messages and errors as without it`, async (t) => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 40 }), async (steps) => {
        const fast = await run(steps, coalesceMs, true);
        const full = await run(steps, coalesceMs, false);
        return JSON.stringify(fast) === JSON.stringify(full);
      }),
      { numRuns: 200 },
    );
    t.pass();
  });
}

test('a heard-only uplink publishes nothing; a device first seen heard is still published whole', async (t) => {
  const steps: Step[] = [{ kind: 'heard', device: 1 }, { kind: 'heard', device: 2 }, { kind: 'changed', device: 2, how: 'fragment' }];
  const { sent } = await run(steps, 0, true);
  // The first transition publishes every device and the campaign; the second nothing; the third device 2.
  t.deepEqual(sent.map((s) => s.topic.replace(/^fuota\/campaigns\/c1\//, '')), [
    ...fixtureDevices(DEVICES).map((d) => `devices/${d.devEui}/status`),
    'status',
    `devices/${fixtureDevices(DEVICES)[2]!.devEui}/status`,
  ]);
});

test('a campaign message that failed goes out with the next transition, though its status is the same since', async (t) => {
  const steps: Step[] = [
    { kind: 'heard', device: 0 },
    { kind: 'refuse', what: 'campaign' },
    { kind: 'campaign', how: 'airtime' },
    { kind: 'refuse', what: 'none' },
    { kind: 'heard', device: 1 },
    { kind: 'heard', device: 2 },
  ];
  const { sent, errors } = await run(steps, 0, true);
  t.deepEqual(errors, ['fuota/campaigns/c1/status']);
  const campaignMessages = sent.filter((s) => s.topic === 'fuota/campaigns/c1/status').map((s) => JSON.parse(s.payload) as { airtime: { fragmentsSent?: number } });
  t.deepEqual(campaignMessages.map((m) => m.airtime.fragmentsSent ?? 0), [0, 1], 'the first transition, then the retry with the next (heard-only) one; nothing after');
});
