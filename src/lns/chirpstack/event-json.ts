import type { Eui64 } from '../../core/eui.js';
import type { DecodedEvent, DecodedEventName, LogCode, UpWithoutPayloadEvent } from './event-types.js';
import { LOG_CODES, LOG_LEVELS, type ChirpstackEvent } from './event-types.js';
import { checkDevEui, checkFPort, checkNonEmpty, checkUuid, noPayloadReason } from './payload-checks.js';
import { parseJsonObject, type JsonFields } from './pbjson-fields.js';
import { formatRfc3339 } from '../../core/rfc3339.js';

// ChirpStack's JSON events (`[integration.mqtt] json = true`), written by pbjson: see
// pbjson-fields.ts for the mapping rules, network-servers.md for an `up` example.

function deviceRef(root: JsonFields): { applicationId: string; devEui: Eui64 } {
  const info = root.requireObject('deviceInfo');
  const applicationId = checkNonEmpty(root.context, 'deviceInfo.applicationId', info.string('applicationId'), 'an application id');
  const devEui = checkDevEui(root.context, 'deviceInfo.devEui', info.string('devEui'));
  return { applicationId, devEui };
}

function requireTime(root: JsonFields): number {
  const timeMs = root.timestampMs('time');
  if (timeMs === undefined) throw root.missing('time', 'an RFC 3339 date-time');
  return timeMs;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function logCode(root: JsonFields): LogCode {
  // A code newer than chirpstack-api 4.19 reads as UNKNOWN rather than losing the log.
  const raw = root.raw('code');
  if (typeof raw === 'string' && /^[A-Z][A-Z0-9_]*$/.test(raw) && !(LOG_CODES as readonly string[]).includes(raw)) return 'UNKNOWN';
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= LOG_CODES.length) return 'UNKNOWN';
  return root.enumName('code', LOG_CODES);
}

export function decodeJsonEvent(event: DecodedEventName, payload: Uint8Array): ChirpstackEvent {
  const root = parseJsonObject(payload, `ChirpStack ${event} event (JSON)`);
  const ref = deviceRef(root);
  switch (event) {
    case 'up': {
      const timeMs = requireTime(root);
      const fPort = checkFPort(root.context, 'fPort', root.u32('fPort'));
      const data = root.bytes('data');
      const fCnt = root.u32('fCnt');
      const deduplicationId = root.string('deduplicationId');
      if (fPort === 0) return { kind: 'up-without-payload', ...ref, deduplicationId, timeMs, fCnt, reason: noPayloadReason(data) };
      const gatewayIds = root.objects('rxInfo').map((rx) => rx.string('gatewayId')).filter((id) => id !== '');
      const object = root.raw('object');
      return { kind: 'up', ...ref, deduplicationId, timeMs, fCnt, fPort, data, dr: root.u32('dr'), confirmed: root.bool('confirmed'), gatewayIds, ...optional('object', object) };
    }
    case 'txack': {
      const gatewayId = root.string('gatewayId');
      return {
        kind: 'txack',
        ...ref,
        queueItemId: checkUuid(root.context, 'queueItemId', root.string('queueItemId')),
        downlinkId: root.u32('downlinkId'),
        fCntDown: root.u32('fCntDown'),
        ...optional('gatewayId', gatewayId === '' ? undefined : gatewayId),
        ...optional('timeMs', root.timestampMs('time')),
      };
    }
    case 'ack':
      return {
        kind: 'ack',
        ...ref,
        queueItemId: checkUuid(root.context, 'queueItemId', root.string('queueItemId')),
        acknowledged: root.bool('acknowledged'),
        fCntDown: root.u32('fCntDown'),
        ...optional('timeMs', root.timestampMs('time')),
      };
    case 'log':
      return {
        kind: 'log',
        ...ref,
        level: root.enumName('level', LOG_LEVELS),
        code: logCode(root),
        description: root.string('description'),
        context: root.stringMap('context'),
        ...optional('timeMs', root.timestampMs('time')),
      };
  }
}

/** Drops fields at their proto3 default, as pbjson does. */
function pbjson(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const isDefault = value === undefined || value === 0 || value === false || value === '' ||
      (Array.isArray(value) && value.length === 0) ||
      (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0 && key !== 'deviceInfo');
    if (!isDefault) out[key] = value;
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function encodeJsonEvent(event: DecodedEvent | UpWithoutPayloadEvent): Uint8Array {
  const deviceInfo = pbjson({ applicationId: event.applicationId, devEui: event.devEui });
  const time = event.timeMs === undefined ? undefined : formatRfc3339(event.timeMs);
  let body: Record<string, unknown>;
  switch (event.kind) {
    case 'up':
      body = {
        deduplicationId: event.deduplicationId, time, deviceInfo, dr: event.dr, fCnt: event.fCnt, fPort: event.fPort,
        confirmed: event.confirmed, data: base64(event.data), rxInfo: event.gatewayIds.map((gatewayId) => ({ gatewayId })),
        ...optional('object', event.object),
      };
      break;
    case 'up-without-payload':
      body = { deduplicationId: event.deduplicationId, time, deviceInfo, fCnt: event.fCnt };
      break;
    case 'txack':
      body = { downlinkId: event.downlinkId, time, deviceInfo, queueItemId: event.queueItemId, fCntDown: event.fCntDown, gatewayId: event.gatewayId };
      break;
    case 'ack':
      body = { time, deviceInfo, queueItemId: event.queueItemId, acknowledged: event.acknowledged, fCntDown: event.fCntDown };
      break;
    case 'log':
      body = { time, deviceInfo, level: event.level, code: event.code, description: event.description, context: event.context };
      break;
  }
  // pbjson writes enums at value 0 (INFO, UNKNOWN) by omission too.
  const compact = pbjson(body);
  if (compact.level === 'INFO') delete compact.level;
  if (compact.code === 'UNKNOWN') delete compact.code;
  return new TextEncoder().encode(JSON.stringify(compact));
}
