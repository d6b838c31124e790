import { readErrorDetails, mentionsDutyCycle } from './tts-wire-error-details.js';
import { parseTtsJson, type TtsJsonErrorCode, type TtsJsonFields } from './tts-wire-json.js';
import type { TtsEventName, TtsTopics } from './tts-topics.js';

// Events of The Things Stack's Application Server as JSON ApplicationUp messages (lorawan-stack
// api/messages.proto ApplicationUp; ../shared/reference/network-servers.md TTS section):
// `end_device_ids`, `correlation_ids`, `received_at` and one of `uplink_message`,
// `join_accept`, `downlink_queued|sent|ack|nack` (an ApplicationDownlink),
// `downlink_failed` (`{"downlink": ApplicationDownlink, "error": ErrorDetails}`),
// `downlink_queue_invalidated`, `location_solved`, `service_data`. Zero values are left out.

export interface TtsGatewayReception {
  gatewayId: string;
  /** rx_metadata[].gps_time (only from gateways with GPS), Unix ms. */
  gpsTimeMs?: number;
  rssi?: number;
  snr?: number;
}

export interface TtsUplinkEvent {
  kind: 'up';
  deviceId: string;
  /** Lower-case hex. */
  devEui?: string;
  /** Absent on uplinks without FRMPayload (f_port 0 is written as nothing). */
  fPort?: number;
  fCnt?: number;
  /** Empty when the uplink had no frm_payload. */
  payload: Uint8Array;
  receivedAtMs: number;
  gateways: TtsGatewayReception[];
  correlationIds: string[];
}

export interface TtsDownlinkEvent {
  kind: 'down-queued' | 'down-sent' | 'down-ack' | 'down-nack';
  deviceId: string;
  devEui?: string;
  /** The downlink's own correlation ids (the ones we pushed come back here), then the message's. */
  correlationIds: string[];
  fPort?: number;
}

export interface TtsDownlinkFailedEvent {
  kind: 'down-failed';
  deviceId: string;
  devEui?: string;
  correlationIds: string[];
  error: { namespace: string; name: string; message: string; code?: number };
  /** The error, or anything nested in it, names the Gateway Server's duty-cycle refusal. */
  dutyCycle: boolean;
  /** class_b_c.gateways of the failed downlink. */
  gatewayIds: string[];
}

export interface TtsOtherEvent {
  kind: 'other';
  deviceId: string;
  event: TtsEventName;
}

export type TtsEvent = TtsUplinkEvent | TtsDownlinkEvent | TtsDownlinkFailedEvent | TtsOtherEvent;

const DOWNLINK_FIELD = {
  'down/queued': ['downlink_queued', 'down-queued'],
  'down/sent': ['downlink_sent', 'down-sent'],
  'down/ack': ['downlink_ack', 'down-ack'],
  'down/nack': ['downlink_nack', 'down-nack'],
} as const;

interface DeviceRef {
  deviceId: string;
  devEui?: string;
}

/** end_device_ids of a message; checks it is the device (and application) the topic names. */
function deviceRef(root: TtsJsonFields, expected?: { deviceId: string; applicationId: string }): DeviceRef {
  const ids = root.requireObject('end_device_ids');
  const deviceId = ids.requireString('device_id', 'a device id');
  if (expected !== undefined && deviceId !== expected.deviceId) throw ids.invalid('device_id', `${JSON.stringify(expected.deviceId)} (the device of the topic)`, deviceId);
  const applicationIds = ids.object('application_ids');
  const applicationId = applicationIds?.string('application_id');
  if (expected !== undefined && applicationIds !== undefined && applicationId !== undefined && applicationId !== expected.applicationId) {
    throw applicationIds.invalid('application_id', `${JSON.stringify(expected.applicationId)} (the application of the topic)`, applicationId);
  }
  const devEui = ids.hex('dev_eui', 8);
  return { deviceId, ...(devEui !== undefined ? { devEui } : {}) };
}

function joinIds(first: readonly string[], second: readonly string[]): string[] {
  return [...new Set([...first, ...second])];
}

/** The uplink of an ApplicationUp (MQTT `up` or a Storage Integration result). */
export function readUplink(root: TtsJsonFields, ref: DeviceRef): TtsUplinkEvent {
  const up = root.requireObject('uplink_message');
  const receivedAtMs = root.timestampMs('received_at') ?? up.timestampMs('received_at');
  if (receivedAtMs === undefined) throw root.invalid('received_at', 'an RFC 3339 date-time', undefined);
  const fPort = up.uint('f_port', 255);
  const fCnt = up.uint('f_cnt', 0xffffffff);
  const gateways = up.objects('rx_metadata').map((rx) => {
    const gatewayId = rx.requireObject('gateway_ids').requireString('gateway_id', 'a gateway id');
    const gpsTimeMs = rx.timestampMs('gps_time');
    const rssi = rx.number('rssi');
    const snr = rx.number('snr');
    return { gatewayId, ...(gpsTimeMs !== undefined ? { gpsTimeMs } : {}), ...(rssi !== undefined ? { rssi } : {}), ...(snr !== undefined ? { snr } : {}) };
  });
  return {
    kind: 'up',
    ...ref,
    ...(fPort !== undefined && fPort !== 0 ? { fPort } : {}),
    ...(fCnt !== undefined ? { fCnt } : {}),
    payload: up.bytes('frm_payload'),
    receivedAtMs,
    gateways,
    correlationIds: root.strings('correlation_ids'),
  };
}

/** Decodes an ApplicationUp object that must carry an uplink (Storage Integration). */
export function decodeStoredUplink(result: TtsJsonFields): TtsUplinkEvent {
  return readUplink(result, deviceRef(result));
}

/**
 * One MQTT message of the application: the topic names device and event, the payload is the
 * JSON ApplicationUp. Wrong shapes throw PeerError TTS_EVENT_INVALID naming the field; a topic
 * of another application or an unknown event throws TTS_TOPIC_UNEXPECTED (TtsTopics.parse).
 */
export function decodeTtsEvent(topic: string, payload: Uint8Array | string, topics: TtsTopics): TtsEvent {
  const { deviceId, event } = topics.parse(topic);
  const code: TtsJsonErrorCode = 'TTS_EVENT_INVALID';
  const root = parseTtsJson(payload, `TTS ${event} event of ${deviceId}`, code);
  const ref = deviceRef(root, { deviceId, applicationId: topics.applicationId });
  const messageIds = root.strings('correlation_ids');
  switch (event) {
    case 'up':
      return readUplink(root, ref);
    case 'down/queued':
    case 'down/sent':
    case 'down/ack':
    case 'down/nack': {
      const [field, kind] = DOWNLINK_FIELD[event];
      const downlink = root.requireObject(field);
      const fPort = downlink.uint('f_port', 255);
      return { kind, ...ref, correlationIds: joinIds(downlink.strings('correlation_ids'), messageIds), ...(fPort ? { fPort } : {}) };
    }
    case 'down/failed': {
      const failed = root.requireObject('downlink_failed');
      const errorFields = failed.requireObject('error');
      const details = readErrorDetails(errorFields);
      if (details.name === '') throw errorFields.invalid('name', 'an error name', errorFields.raw('name'));
      // `downlink` since v3.x; read the fields beside `error` too, for a flatter writer.
      const downlink = failed.object('downlink') ?? failed;
      const gatewayIds = (downlink.object('class_b_c')?.objects('gateways') ?? []).map((gateway) => gateway.requireObject('gateway_ids').requireString('gateway_id', 'a gateway id'));
      return {
        kind: 'down-failed',
        ...ref,
        correlationIds: joinIds(downlink.strings('correlation_ids'), messageIds),
        error: { namespace: details.namespace, name: details.name, message: details.message, ...(details.code !== undefined ? { code: details.code } : {}) },
        dutyCycle: mentionsDutyCycle(errorFields.value),
        gatewayIds,
      };
    }
    default:
      return { kind: 'other', deviceId, event };
  }
}
