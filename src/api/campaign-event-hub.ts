import type { TransitionResult } from '../campaign/draft.js';
import type { CampaignState, DeviceState } from '../campaign/state.js';
import { campaignStatus, deviceStatus, type OutcomeCounts } from '../status/status-events.js';
import type { CampaignListener, CampaignStreamEvent } from './campaign-service-types.js';

// Fans the engine's committed transitions out to live subscribers (SSE, gRPC watch, metrics).
// `onTransition` goes into EngineOptions.onTransition (src/app/ wires it); it never throws into
// the engine: a listener that throws is dropped from that delivery only.

interface Subscription {
  listener: CampaignListener;
  campaignId?: string;
}

export function outcomeCounts(devices: Iterable<DeviceState>): { devices: number; outcomes: OutcomeCounts } {
  const outcomes: OutcomeCounts = {};
  let count = 0;
  for (const device of devices) {
    count++;
    const key = device.outcome ?? 'open';
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  return { devices: count, outcomes };
}

export class CampaignEventHub {
  private readonly subscriptions = new Set<Subscription>();
  private readonly transitionHooks = new Set<(campaignId: string, result: TransitionResult) => void>();

  /** The engine's onTransition hook (bound). */
  readonly onTransition = (campaignId: string, result: TransitionResult, live: { campaign: CampaignState; devices: ReadonlyMap<string, DeviceState> }): void => {
    for (const hook of this.transitionHooks) {
      try {
        hook(campaignId, result);
      } catch {
        // A metrics hook must not stop the engine.
      }
    }
    const wanted = [...this.subscriptions].filter((s) => s.campaignId === undefined || s.campaignId === campaignId);
    if (wanted.length === 0) return;
    const atMs = result.campaign.updatedAtMs;
    const events: CampaignStreamEvent[] = result.devices.map((device) => ({ type: 'device', campaignId, device: deviceStatus(campaignId, device, atMs) }));
    // Counts walk every device: only paid while someone listens.
    events.push({ type: 'campaign', campaignId, campaign: campaignStatus(result.campaign, outcomeCounts(live.devices.values())) });
    for (const subscription of wanted) {
      for (const event of events) {
        try {
          subscription.listener(event);
        } catch {
          break;
        }
      }
    }
  };

  subscribe(listener: CampaignListener, filter: { campaignId?: string } = {}): () => void {
    const subscription: Subscription = filter.campaignId === undefined ? { listener } : { listener, campaignId: filter.campaignId };
    this.subscriptions.add(subscription);
    return () => void this.subscriptions.delete(subscription);
  }

  /** Raw transitions (metrics counters); returns an unsubscribe function. */
  onCommitted(hook: (campaignId: string, result: TransitionResult) => void): () => void {
    this.transitionHooks.add(hook);
    return () => void this.transitionHooks.delete(hook);
  }

  get listenerCount(): number {
    return this.subscriptions.size;
  }
}
