import { formatRfc3339, parseRfc3339Ms } from '../../core/rfc3339.js';
import { SimTtsError } from './sim-tts-errors.js';

// ttnpb.ApplicationDownlink (api/messages.proto) as the simulated Application Server reads it from
// a push (MQTT `down/push`, HTTP `…/down/push`: {"downlinks": [...]}) and writes it back in
// down/queued, down/sent, down/failed and the queue listing. JSON is proto3 JSON as TTS marshals
// it: bytes base64, enums by name (numbers accepted on input), zero values omitted, uint64 as
// strings, Timestamps RFC 3339.

/** ttnpb.TxSchedulePriority, in its enum order (LOWEST = 0, the proto default). */
export const TTS_PRIORITIES = ['LOWEST', 'LOW', 'BELOW_NORMAL', 'NORMAL', 'ABOVE_NORMAL', 'HIGH', 'HIGHEST'] as const;
export type TtsPriority = (typeof TTS_PRIORITIES)[number];

export interface TtsFixedPath {
  gatewayId: string;
  antennaIndex: number;
  groupIndex: number;
}

export interface TtsDownlink {
  fPort: number;
  frmPayload: Uint8Array;
  confirmed: boolean;
  priority: TtsPriority;
  correlationIds: string[];
  classBC?: { gateways: TtsFixedPath[]; absoluteTimeMs?: number };
  /** Set by the Application Server when it encrypts (the session's next AFCntDown). */
  fCnt?: number;
  sessionKeyId?: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(field: string, reason: string): SimTtsError {
  return new SimTtsError('validation', { field, reason });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function readBase64(value: unknown, field: string): Uint8Array {
  if (value === undefined || value === null) return new Uint8Array(0);
  if (typeof value !== 'string' || value.length % 4 === 1 || !BASE64.test(value.replace(/-/g, '+').replace(/_/g, '/'))) throw invalid(field, `expected base64 bytes, got ${JSON.stringify(value)}`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}

/** A uint32 field: a JSON number or a decimal string (proto3 JSON accepts both). */
export function readUint(value: unknown, field: string, max = 0xffffffff): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) throw invalid(field, `expected an integer in [0, ${max}], got ${JSON.stringify(value)}`);
  return n;
}

export function readPriority(value: unknown, field: string): TtsPriority {
  if (value === undefined || value === null) return 'LOWEST';
  if (typeof value === 'number' && TTS_PRIORITIES[value] !== undefined) return TTS_PRIORITIES[value]!;
  if (typeof value === 'string' && (TTS_PRIORITIES as readonly string[]).includes(value)) return value as TtsPriority;
  throw invalid(field, `expected one of ${TTS_PRIORITIES.join(', ')}, got ${JSON.stringify(value)}`);
}

function readFixedPath(value: unknown, field: string): TtsFixedPath {
  if (!isObject(value)) throw invalid(field, 'expected an object');
  const ids = value['gateway_ids'];
  const gatewayId = isObject(ids) ? ids['gateway_id'] : undefined;
  // GatewayIdentifiers.gateway_id: lowercase letters, digits, dashes, 2-36 characters.
  if (typeof gatewayId !== 'string' || !/^[a-z0-9](?:[-]?[a-z0-9]){1,35}$/.test(gatewayId)) throw invalid(`${field}.gateway_ids.gateway_id`, `expected a gateway ID, got ${JSON.stringify(gatewayId)}`);
  return {
    gatewayId,
    antennaIndex: value['antenna_index'] === undefined ? 0 : readUint(value['antenna_index'], `${field}.antenna_index`),
    groupIndex: value['group_index'] === undefined ? 0 : readUint(value['group_index'], `${field}.group_index`),
  };
}

/** One ApplicationDownlink of a push; f_port 1..223 (LoRaWAN application ports; TTS validates f_port ≥ 1). */
export function readDownlink(value: unknown, field: string): TtsDownlink {
  if (!isObject(value)) throw invalid(field, 'expected an object');
  const fPort = readUint(value['f_port'] ?? 0, `${field}.f_port`, 255);
  if (fPort < 1 || fPort > 223) throw invalid(`${field}.f_port`, `expected 1..223, got ${fPort}`);
  const confirmed = value['confirmed'] ?? false;
  if (typeof confirmed !== 'boolean') throw invalid(`${field}.confirmed`, `expected a boolean, got ${JSON.stringify(confirmed)}`);
  const correlationIds = value['correlation_ids'] ?? [];
  if (!Array.isArray(correlationIds) || !correlationIds.every((c) => typeof c === 'string')) throw invalid(`${field}.correlation_ids`, 'expected an array of strings');
  const downlink: TtsDownlink = {
    fPort, frmPayload: readBase64(value['frm_payload'], `${field}.frm_payload`), confirmed,
    priority: readPriority(value['priority'], `${field}.priority`), correlationIds: [...(correlationIds as string[])],
  };
  const classBC = value['class_b_c'];
  if (classBC !== undefined && classBC !== null) {
    if (!isObject(classBC)) throw invalid(`${field}.class_b_c`, 'expected an object');
    const gateways = classBC['gateways'] ?? [];
    if (!Array.isArray(gateways)) throw invalid(`${field}.class_b_c.gateways`, 'expected an array');
    const absolute = classBC['absolute_time'];
    let absoluteTimeMs: number | undefined;
    if (absolute !== undefined && absolute !== null) {
      absoluteTimeMs = typeof absolute === 'string' ? parseRfc3339Ms(absolute) : undefined;
      if (absoluteTimeMs === undefined) throw invalid(`${field}.class_b_c.absolute_time`, `expected an RFC 3339 time, got ${JSON.stringify(absolute)}`);
    }
    downlink.classBC = { gateways: gateways.map((g, i) => readFixedPath(g, `${field}.class_b_c.gateways[${i}]`)), ...(absoluteTimeMs === undefined ? {} : { absoluteTimeMs }) };
  }
  return downlink;
}

/** The body of a push or replace: {"downlinks": [...]} (ttnpb.ApplicationDownlinks). */
export function readDownlinks(body: unknown): TtsDownlink[] {
  if (!isObject(body)) throw invalid('downlinks', 'expected an object with a "downlinks" array');
  const list = body['downlinks'] ?? [];
  if (!Array.isArray(list)) throw invalid('downlinks', 'expected an array');
  return list.map((d, i) => readDownlink(d, `downlinks[${i}]`));
}

/** ApplicationDownlink as JSON (zero values omitted). */
export function downlinkJson(d: TtsDownlink): Json {
  const classBC = d.classBC
    ? {
        class_b_c: {
          ...(d.classBC.gateways.length > 0
            ? { gateways: d.classBC.gateways.map((g) => ({ gateway_ids: { gateway_id: g.gatewayId }, ...(g.antennaIndex ? { antenna_index: g.antennaIndex } : {}), ...(g.groupIndex ? { group_index: g.groupIndex } : {}) })) }
            : {}),
          ...(d.classBC.absoluteTimeMs === undefined ? {} : { absolute_time: formatRfc3339(d.classBC.absoluteTimeMs) }),
        },
      }
    : {};
  return {
    ...(d.sessionKeyId ? { session_key_id: d.sessionKeyId } : {}),
    f_port: d.fPort,
    ...(d.fCnt ? { f_cnt: d.fCnt } : {}),
    ...(d.frmPayload.length > 0 ? { frm_payload: Buffer.from(d.frmPayload).toString('base64') } : {}),
    ...(d.confirmed ? { confirmed: true } : {}),
    ...(d.priority !== 'LOWEST' ? { priority: d.priority } : {}),
    ...(d.correlationIds.length > 0 ? { correlation_ids: [...d.correlationIds] } : {}),
    ...classBC,
  };
}
