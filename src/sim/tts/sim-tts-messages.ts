import { randomBytes } from 'node:crypto';
import { formatRfc3339 } from '../../core/rfc3339.js';
import { downlinkJson, type TtsDownlink } from './sim-tts-downlink.js';
import type { SimTtsError } from './sim-tts-errors.js';

// ttnpb.ApplicationUp as the Application Server's MQTT frontend publishes it
// (pkg/applicationserver/io/mqtt, topics pkg/applicationserver/io/mqtt/topics/v3.go):
//   v3/{application_id}@{tenant_id}/devices/{device_id}/{up | down/queued | down/sent | down/failed …}
// (`{application_id}` alone on open-source deployments; ../shared/reference/network-servers.md),
// JSON with end_device_ids, correlation_ids, received_at and one of uplink_message,
// downlink_queued, downlink_sent, downlink_failed (zero values omitted).

type Json = Record<string, unknown>;

export interface TtsDeviceIds {
  applicationId: string;
  deviceId: string;
  /** 16 hex digits (lowercase in, uppercase on the wire as TTS writes EUIs). */
  devEui?: string;
  /** 8 hex digits. */
  devAddr?: string;
}

export function endDeviceIdsJson(ids: TtsDeviceIds): Json {
  return {
    device_id: ids.deviceId,
    application_ids: { application_id: ids.applicationId },
    ...(ids.devEui ? { dev_eui: ids.devEui.toUpperCase() } : {}),
    ...(ids.devAddr ? { dev_addr: ids.devAddr.toUpperCase() } : {}),
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID (TTS correlation ids end with one): 10 characters of time, 16 of randomness. */
export function ulid(timeMs: number): string {
  let time = '';
  let t = Math.floor(timeMs);
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const random = [...randomBytes(16)].map((b) => CROCKFORD[b % 32]).join('');
  return time + random;
}

export interface TtsRxMetadata {
  gatewayId: string;
  /** The gateway's GPS time of reception (only gateways with GPS). */
  gpsTimeMs?: number;
  rssi: number;
  snr: number;
}

export interface TtsUplink {
  ids: TtsDeviceIds;
  fPort: number;
  fCnt: number;
  frmPayload: Uint8Array;
  rxMetadata: TtsRxMetadata[];
  spreadingFactor: number;
  bandwidthHz: number;
  frequencyHz: number;
  /** When the gateways received it. */
  receivedAtMs: number;
  /** When the Application Server handled it (the message's own received_at). */
  asReceivedAtMs: number;
  sessionKeyId: string;
  consumedAirtimeMs: number;
}

/** The `up` message (an ApplicationUp with uplink_message). */
export function upMessage(up: TtsUplink): Json {
  const at = formatRfc3339(up.receivedAtMs);
  return {
    end_device_ids: endDeviceIdsJson(up.ids),
    correlation_ids: [`as:up:${ulid(up.asReceivedAtMs)}`, `gs:conn:${ulid(up.receivedAtMs)}`, `gs:uplink:${ulid(up.receivedAtMs)}`, `ns:uplink:${ulid(up.receivedAtMs)}`, `rpc:/ttn.lorawan.v3.GsNs/HandleUplink:${ulid(up.receivedAtMs)}`],
    received_at: formatRfc3339(up.asReceivedAtMs),
    uplink_message: {
      session_key_id: up.sessionKeyId,
      ...(up.fPort ? { f_port: up.fPort } : {}),
      ...(up.fCnt ? { f_cnt: up.fCnt } : {}),
      ...(up.frmPayload.length > 0 ? { frm_payload: Buffer.from(up.frmPayload).toString('base64') } : {}),
      rx_metadata: up.rxMetadata.map((m) => ({
        gateway_ids: { gateway_id: m.gatewayId },
        time: at,
        ...(m.gpsTimeMs === undefined ? {} : { gps_time: formatRfc3339(m.gpsTimeMs) }),
        rssi: m.rssi,
        channel_rssi: m.rssi,
        ...(m.snr ? { snr: m.snr } : {}),
        received_at: at,
      })),
      settings: {
        data_rate: { lora: { bandwidth: up.bandwidthHz, spreading_factor: up.spreadingFactor, coding_rate: '4/5' } },
        frequency: String(up.frequencyHz),
        time: at,
      },
      received_at: at,
      consumed_airtime: `${(up.consumedAirtimeMs / 1000).toFixed(6)}s`,
    },
  };
}

export type TtsDownlinkEvent = 'queued' | 'sent' | 'failed';

/** down/queued, down/sent or down/failed of one downlink (failed: with its error details). */
export function downlinkMessage(ids: TtsDeviceIds, kind: TtsDownlinkEvent, downlink: TtsDownlink, atMs: number, error?: SimTtsError): Json {
  const body =
    kind === 'failed'
      ? { downlink_failed: { downlink: downlinkJson(downlink), error: error?.details() ?? {} } }
      : kind === 'queued'
        ? { downlink_queued: downlinkJson(downlink) }
        : { downlink_sent: downlinkJson(downlink) };
  return {
    end_device_ids: endDeviceIdsJson(ids),
    ...(downlink.correlationIds.length > 0 ? { correlation_ids: [...downlink.correlationIds] } : {}),
    received_at: formatRfc3339(atMs),
    ...body,
  };
}

/** The topic prefix of the application: `v3/{app}@{tenant}` or `v3/{app}`. */
export function applicationTopic(applicationId: string, tenantId: string | undefined): string {
  return `v3/${applicationId}${tenantId ? `@${tenantId}` : ''}`;
}
