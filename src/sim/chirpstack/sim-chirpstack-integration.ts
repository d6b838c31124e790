import { randomUUID } from 'node:crypto';
import type { DeviceClassMap } from '@chirpstack/chirpstack-api/common/common_pb.js';
import type { CodeRateMap } from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import type { SimAckEvent, SimChirpstackEvent, SimLogEvent, SimTxAckEvent, SimUpEvent } from './sim-chirpstack-events.js';

// The whole integration message ChirpStack publishes for an event: integration.proto's
// UplinkEvent, TxAckEvent, AckEvent and LogEvent (chirpstack-api 4.19), field for field, with
// what a real ChirpStack adds from its database (deviceInfo) and the gateway (rxInfo, txInfo).
// sim-chirpstack-json.ts and sim-chirpstack-protobuf.ts serialise these; neither adds a field.

/** Who owns the device in ChirpStack: integration.DeviceInfo beyond applicationId and devEui. */
export interface SimChirpstackTenancy {
  tenantId: string;
  /** ChirpStack creates its first tenant as "ChirpStack" (docs, events.md examples). */
  tenantName: string;
  applicationName: string;
  deviceProfileId: string;
  deviceProfileName: string;
}

export const DEFAULT_TENANCY: SimChirpstackTenancy = {
  tenantId: '52f14cd4-c6f1-4fbd-8f87-4025e1d49242',
  tenantName: 'ChirpStack',
  applicationName: 'fuota',
  deviceProfileId: '0e7d3b7a-9c55-4f0e-a1f4-5c1b2d3e4f50',
  deviceProfileName: 'fuota class A+C',
};

export type DeviceClassName = keyof DeviceClassMap;
export type CodeRateName = keyof CodeRateMap;

export interface DeviceInfoMessage extends SimChirpstackTenancy {
  applicationId: string;
  deviceName: string;
  devEui: string;
  deviceClassEnabled: DeviceClassName;
  tags: Record<string, string>;
}

export interface LoraModulationMessage {
  bandwidth: number;
  spreadingFactor: number;
  codeRate: CodeRateName;
  /** true on downlinks (LoRaWAN inverts the IQ of downlinks), false (left out) on uplinks. */
  polarizationInversion: boolean;
}

export interface UplinkRxInfoMessage { gatewayId: string; uplinkId: number; rssi: number; snr: number }
export interface UplinkTxInfoMessage { frequency: number; lora?: LoraModulationMessage }
/** gw.DownlinkTxInfo with timing.delay (class A: RX1 after the uplink). */
export interface DownlinkTxInfoMessage { frequency: number; power: number; lora?: LoraModulationMessage; delayMs: number }

export interface UplinkEventMessage {
  type: 'up';
  deduplicationId: string; timeMs: number; deviceInfo: DeviceInfoMessage; devAddr: string; adr: boolean; dr: number;
  fCnt: number; fPort: number; confirmed: boolean; data: Uint8Array; object?: Record<string, unknown>;
  rxInfo: UplinkRxInfoMessage[]; txInfo: UplinkTxInfoMessage; regionConfigId: string;
}
export interface TxAckEventMessage {
  type: 'txack';
  downlinkId: number; timeMs: number; deviceInfo: DeviceInfoMessage; queueItemId: string; fCntDown: number; gatewayId: string;
  txInfo: DownlinkTxInfoMessage;
}
export interface AckEventMessage {
  type: 'ack';
  deduplicationId: string; timeMs: number; deviceInfo: DeviceInfoMessage; queueItemId: string; acknowledged: boolean; fCntDown: number;
}
export interface LogEventMessage {
  type: 'log';
  timeMs: number; deviceInfo: DeviceInfoMessage; level: SimLogEvent['level']; code: SimLogEvent['code']; description: string;
  context: Record<string, string>;
}
export type IntegrationMessage = UplinkEventMessage | TxAckEventMessage | AckEventMessage | LogEventMessage;

// The radio the simulation reports: it models no channels or signal levels, so every frame is
// on EU868's first default channel (868.1 MHz, RP002-1.0.4 §2.4.2) with fixed levels. The
// downlink power and RX1 delay are those of the events.md txack example (14 dBm, "1s"), the
// delay also SimNetworkServer's RX1 delay.
export const SIM_RADIO = { regionConfigId: 'eu868', frequency: 868_100_000, rssi: -60, snr: 7.5, downlinkPower: 14, rx1DelayMs: 1_000 };

/** EU868 LoRa data rates (RP002-1.0.4 §2.4.3): DR0..5 = SF12..7 at 125 kHz, DR6 = SF7 at 250 kHz; others are not LoRa. */
function loraOfDr(dr: number, downlink: boolean): LoraModulationMessage | undefined {
  if (!Number.isInteger(dr) || dr < 0 || dr > 6) return undefined;
  return { bandwidth: dr === 6 ? 250_000 : 125_000, spreadingFactor: dr === 6 ? 7 : 12 - dr, codeRate: 'CR_4_5', polarizationInversion: downlink };
}

/** The simulation runs no join: a stable DevAddr of NetID 000000 (type 0, NwkID 0) from the DevEUI's low 25 bits. */
function devAddrOf(devEui: string): string {
  return (Number.parseInt(devEui.slice(-8), 16) & 0x01ff_ffff).toString(16).padStart(8, '0');
}

function randomU32(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

/** The DR of the uplink a class A downlink answers: RX1 at DR offset 0 (the sim's uplinks are DR5). */
const UPLINK_DR = 5;

/** The message ChirpStack would publish for `event`; `nowMs` stands in for a time the event leaves out. */
export function integrationMessage(event: SimChirpstackEvent, tenancy: SimChirpstackTenancy, nowMs: number): IntegrationMessage {
  const deviceInfo: DeviceInfoMessage = {
    ...tenancy, applicationId: event.applicationId, deviceName: event.devEui, devEui: event.devEui, deviceClassEnabled: 'CLASS_A', tags: {},
  };
  switch (event.kind) {
    case 'up': return uplink(event, deviceInfo);
    case 'txack': return txAck(event, deviceInfo, nowMs);
    case 'ack': return ack(event, deviceInfo, nowMs);
    case 'log':
      return { type: 'log', timeMs: event.timeMs ?? nowMs, deviceInfo, level: event.level, code: event.code, description: event.description, context: { ...event.context } };
  }
}

function uplink(event: SimUpEvent, deviceInfo: DeviceInfoMessage): UplinkEventMessage {
  const lora = loraOfDr(event.dr, false);
  const object = event.object;
  return {
    type: 'up', deduplicationId: event.deduplicationId, timeMs: event.timeMs, deviceInfo, devAddr: devAddrOf(event.devEui), adr: false,
    dr: event.dr, fCnt: event.fCnt, fPort: event.fPort, confirmed: event.confirmed, data: event.data,
    // A google.protobuf.Struct holds a JSON object only: a codec returning anything else gives no object.
    ...(object !== null && typeof object === 'object' && !Array.isArray(object) ? { object: object as Record<string, unknown> } : {}),
    rxInfo: event.gatewayIds.map((gatewayId) => ({ gatewayId, uplinkId: randomU32(), rssi: SIM_RADIO.rssi, snr: SIM_RADIO.snr })),
    txInfo: { frequency: SIM_RADIO.frequency, ...(lora ? { lora } : {}) },
    regionConfigId: SIM_RADIO.regionConfigId,
  };
}

function txAck(event: SimTxAckEvent, deviceInfo: DeviceInfoMessage, nowMs: number): TxAckEventMessage {
  const lora = loraOfDr(UPLINK_DR, true);
  return {
    type: 'txack', downlinkId: event.downlinkId, timeMs: event.timeMs ?? nowMs, deviceInfo, queueItemId: event.queueItemId, fCntDown: event.fCntDown,
    gatewayId: event.gatewayId ?? '',
    txInfo: { frequency: SIM_RADIO.frequency, power: SIM_RADIO.downlinkPower, ...(lora ? { lora } : {}), delayMs: SIM_RADIO.rx1DelayMs },
  };
}

function ack(event: SimAckEvent, deviceInfo: DeviceInfoMessage, nowMs: number): AckEventMessage {
  return {
    // deduplicationId: of the uplink that carried the ACK bit (ChirpStack draws one on a timeout too).
    type: 'ack', deduplicationId: randomUUID(), timeMs: event.timeMs ?? nowMs, deviceInfo, queueItemId: event.queueItemId,
    acknowledged: event.acknowledged, fCntDown: event.fCntDown,
  };
}
