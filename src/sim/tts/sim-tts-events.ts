import type { TtsDownlink, TtsPriority } from './sim-tts-downlink.js';
import type { SimTtsError } from './sim-tts-errors.js';

// What the simulated Application Server reports about downlinks (the MQTT side publishes them;
// sim-tts-mqtt.ts), and the counters the demo prints.

export type SimTtsDownlinkEvent =
  | { kind: 'queued'; deviceId: string; downlink: TtsDownlink }
  | { kind: 'sent'; deviceId: string; downlink: TtsDownlink; gatewayIds: string[] }
  | { kind: 'failed'; deviceId: string; downlink: TtsDownlink; error: SimTtsError };

export interface SimTtsStats {
  uplinksPublished: number;
  pushes: number;
  queued: number;
  sent: number;
  failed: number;
  dutyCycleRefusals: number;
  httpCalls: number;
}

export function emptyStats(): SimTtsStats {
  return { uplinksPublished: 0, pushes: 0, queued: 0, sent: 0, failed: 0, dutyCycleRefusals: 0, httpCalls: 0 };
}

/** NS downlink priorities: application downlinks are capped at MaxApplicationDownlink (default HIGH). */
export function cappedPriority(priority: TtsPriority): TtsPriority {
  return priority === 'HIGHEST' ? 'HIGH' : priority;
}
