import type { TransitionResult } from '../campaign/draft.js';
import type { CampaignState, DeviceOutcome, DeviceState } from '../campaign/state.js';
import { campaignStatus, deviceStatus, encodeCampaignStatus, encodeDeviceStatus, type OutcomeCounts, type StatusFormat } from './status-events.js';
import { statusTopic } from './status-topic.js';

// Turns each committed transition into status messages: one per device it changed, then one for
// the campaign. Meant for EngineOptions.onTransition; the MQTT side is a plain publish function
// (the ChirpStack adapter's connection, with the configured QoS and retain), so this stays pure.
//
// Outcome counts are kept as a running tally (devEui → outcome) instead of a campaignReport per
// transition: a report walks every device, and at 100 000 devices every answer would cost that.

export type PublishFn = (topic: string, payload: Uint8Array) => void | Promise<void>;

export interface StatusPublisherOptions {
  publish: PublishFn;
  deviceTopic: string;
  campaignTopic: string;
  format: StatusFormat;
  /** A message that could not be built or published (the engine must not stop for a status message). */
  onError: (error: unknown, topic: string) => void;
}

export interface LiveCampaign {
  campaign: CampaignState;
  devices: ReadonlyMap<string, DeviceState>;
}

type Tally = { byDevice: Map<string, DeviceOutcome | 'open'>; outcomes: OutcomeCounts };

const TERMINAL: ReadonlySet<CampaignState['phase']> = new Set(['completed', 'halted', 'cancelled']);

export class StatusPublisher {
  private readonly tallies = new Map<string, Tally>();

  constructor(private readonly options: StatusPublisherOptions) {}

  /** The engine's onTransition hook (bound). Resolves when every publish settled. */
  readonly onTransition = (campaignId: string, result: TransitionResult, live: LiveCampaign): Promise<void> => {
    // Topics and payloads are built inside send(): nothing here may throw into the engine.
    const messages: Array<{ topic: () => string; payload: () => Uint8Array }> = [];
    const { deviceTopic, campaignTopic, format } = this.options;
    const atMs = result.campaign.updatedAtMs;
    for (const device of result.devices) {
      messages.push({ topic: () => statusTopic(deviceTopic, { campaignId, devEui: device.devEui }), payload: () => encodeDeviceStatus(deviceStatus(campaignId, device, atMs), format) });
    }
    const tally = this.tally(campaignId, result.devices, live.devices);
    const counts = { devices: tally.byDevice.size, outcomes: { ...tally.outcomes } };
    messages.push({ topic: () => statusTopic(campaignTopic, { campaignId }), payload: () => encodeCampaignStatus(campaignStatus(result.campaign, counts), format) });
    // A finished campaign's tally is dropped; should it change again, it is rebuilt from `live`.
    if (TERMINAL.has(result.campaign.phase)) this.tallies.delete(campaignId);
    return Promise.all(messages.map((m) => this.send(m.topic, m.payload))).then(() => undefined);
  };

  private async send(topic: () => string, payload: () => Uint8Array): Promise<void> {
    let name = '(topic not rendered)';
    try {
      name = topic();
      await this.options.publish(name, payload());
    } catch (error) {
      this.options.onError(error, name);
    }
  }

  /** Updates (or first builds, from the post-transition devices) the campaign's outcome counts. */
  private tally(campaignId: string, changed: readonly DeviceState[], all: ReadonlyMap<string, DeviceState>): Tally {
    let tally = this.tallies.get(campaignId);
    if (!tally) {
      tally = { byDevice: new Map(), outcomes: {} };
      for (const device of all.values()) count(tally, device);
      for (const device of changed) if (!all.has(device.devEui)) count(tally, device);
      this.tallies.set(campaignId, tally);
      return tally;
    }
    for (const device of changed) count(tally, device);
    return tally;
  }
}

function count(tally: Tally, device: DeviceState): void {
  const before = tally.byDevice.get(device.devEui);
  const after = device.outcome ?? 'open';
  if (before === after) return;
  if (before !== undefined) tally.outcomes[before] = (tally.outcomes[before] ?? 1) - 1;
  tally.outcomes[after] = (tally.outcomes[after] ?? 0) + 1;
  tally.byDevice.set(device.devEui, after);
}
