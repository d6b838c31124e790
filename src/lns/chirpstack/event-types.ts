import type { Eui64 } from '../../core/eui.js';

// ChirpStack v4 integration events (api/proto/integration/integration.proto), reduced to what the
// FUOTA service uses. Field semantics: network-servers.md and chirpstack/src/downlink/tx_ack.rs.

/** integration.LogLevel, index = proto number. */
export const LOG_LEVELS = ['INFO', 'WARNING', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** integration.LogCode, index = proto number (chirpstack-api 4.19). A newer code reads as UNKNOWN. */
export const LOG_CODES = [
  'UNKNOWN', 'DOWNLINK_PAYLOAD_SIZE', 'UPLINK_CODEC', 'DOWNLINK_CODEC', 'OTAA', 'UPLINK_F_CNT_RESET', 'UPLINK_MIC',
  'UPLINK_F_CNT_RETRANSMISSION', 'DOWNLINK_GATEWAY', 'RELAY_NEW_END_DEVICE', 'F_CNT_DOWN', 'EXPIRED',
] as const;
export type LogCode = (typeof LOG_CODES)[number];

/** Events we decode; the others are ignored with a reason. */
export const DECODED_EVENTS = ['up', 'txack', 'ack', 'log'] as const;
export type DecodedEventName = (typeof DECODED_EVENTS)[number];

interface DeviceRef {
  /** deviceInfo.applicationId (a UUID). */
  applicationId: string;
  devEui: Eui64;
}

/** An uplink with an application payload (fPort 1..255). */
export interface UpEvent extends DeviceRef {
  kind: 'up';
  deduplicationId: string;
  timeMs: number;
  fCnt: number;
  fPort: number;
  data: Uint8Array;
  /** Proto3 cannot tell DR0 from absent: 0 is both. */
  dr: number;
  confirmed: boolean;
  /** rxInfo[].gatewayId, in ChirpStack's order. */
  gatewayIds: string[];
  /** `object`: the payload as the device profile's codec decoded it (a JSON value), when there is one. */
  object?: unknown;
}

/** An uplink without fPort (MAC commands only, or an empty frame): nothing for the application. */
export interface UpWithoutPayloadEvent extends DeviceRef {
  kind: 'up-without-payload';
  deduplicationId: string;
  timeMs: number;
  fCnt: number;
  reason: string;
}

/** The gateway accepted a unicast downlink for transmission (not proof of reception). */
export interface TxAckEvent extends DeviceRef {
  kind: 'txack';
  /** The `id` of our DownlinkCommand. */
  queueItemId: string;
  downlinkId: number;
  fCntDown: number;
  gatewayId?: string;
  timeMs?: number;
}

/** The device acknowledged (or not, after the timeout) a confirmed downlink. */
export interface AckEvent extends DeviceRef {
  kind: 'ack';
  queueItemId: string;
  acknowledged: boolean;
  fCntDown: number;
  timeMs?: number;
}

/** A ChirpStack log: gateway rejections (code DOWNLINK_GATEWAY, description e.g. TOO_LATE), expiry, size. */
export interface LogEvent extends DeviceRef {
  kind: 'log';
  level: LogLevel;
  code: LogCode;
  description: string;
  context: Record<string, string>;
  timeMs?: number;
}

/** join, status, location, integration and unknown events: not needed for FUOTA. */
export interface IgnoredEvent {
  kind: 'ignored';
  event: string;
  reason: string;
}

export type DecodedEvent = UpEvent | TxAckEvent | AckEvent | LogEvent;
export type ChirpstackEvent = DecodedEvent | UpWithoutPayloadEvent | IgnoredEvent;
