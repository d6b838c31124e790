import type { LogCodeMap, LogLevelMap } from '@chirpstack/chirpstack-api/integration/integration_pb.js';

// What happened, as the simulated ChirpStack's MQTT integration is told of it (by the simulated
// network, or by a test that plays ChirpStack): the facts of one integration event, before the
// integration fills in the rest of the message ChirpStack would publish
// (sim-chirpstack-integration.ts). Names are integration.proto's (chirpstack-api 4.19); this
// model is the simulator's own, independent of the adapter's (src/lns/chirpstack/event-types.ts),
// so that a bug in either shows when they meet.

/** `[integration.mqtt] json`: true (ChirpStack's default) → JSON, false → Protobuf (chirpstack/src/integration/mqtt.rs). */
export type SimChirpstackEncoding = 'json' | 'protobuf';

/** integration.LogLevel and integration.LogCode names (chirpstack-api 4.19 integration_pb.d.ts). */
export type SimLogLevel = keyof LogLevelMap;
export type SimLogCode = keyof LogCodeMap;

interface SimDeviceRef {
  /** deviceInfo.applicationId (a UUID). */
  applicationId: string;
  /** deviceInfo.devEui: 16 lowercase hex digits, as ChirpStack prints an EUI64. */
  devEui: string;
}

/** `up`: an uplink (UplinkEvent). */
export interface SimUpEvent extends SimDeviceRef {
  kind: 'up';
  deduplicationId: string;
  timeMs: number;
  fCnt: number;
  /** 0 for a frame without FPort or with MAC commands only. */
  fPort: number;
  data: Uint8Array;
  dr: number;
  confirmed: boolean;
  /** The gateways that heard it (rxInfo[].gatewayId). */
  gatewayIds: readonly string[];
  /** The device profile codec's output (UplinkEvent.object, a google.protobuf.Struct): only a JSON object fits. */
  object?: unknown;
}

/** `txack`: the gateway accepted a downlink (TxAckEvent). */
export interface SimTxAckEvent extends SimDeviceRef {
  kind: 'txack';
  queueItemId: string;
  downlinkId: number;
  fCntDown: number;
  gatewayId?: string;
  /** Default: the network's now. ChirpStack always sets `time`. */
  timeMs?: number;
}

/** `ack`: a confirmed downlink was acknowledged, or timed out (AckEvent). */
export interface SimAckEvent extends SimDeviceRef {
  kind: 'ack';
  queueItemId: string;
  acknowledged: boolean;
  fCntDown: number;
  timeMs?: number;
}

/** `log`: what ChirpStack reports only as a log (LogEvent), e.g. a gateway's DUTY_CYCLE_OVERFLOW. */
export interface SimLogEvent extends SimDeviceRef {
  kind: 'log';
  level: SimLogLevel;
  code: SimLogCode;
  description: string;
  context: Record<string, string>;
  timeMs?: number;
}

/** `kind` is also the `{{event}}` of the event topic (mqtt.rs: get_event_topic(…, "up" | "txack" | "ack" | "log")). */
export type SimChirpstackEvent = SimUpEvent | SimTxAckEvent | SimAckEvent | SimLogEvent;

