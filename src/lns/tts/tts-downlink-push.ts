import { CallerError } from '../../core/errors.js';
import { formatRfc3339 } from '../../core/rfc3339.js';
import { checkTtsId } from './tts-ids.js';

// The body of a downlink push or replace, the same for MQTT (`…/down/push`, `…/down/replace`)
// and HTTP (`POST /api/v3/as/applications/{app}/devices/{dev}/down/push|replace`): a
// DownlinkQueueRequest without ids, `{"downlinks":[ApplicationDownlink…]}` (lorawan-stack
// api/messages.proto ApplicationDownlink; ../shared/reference/network-servers.md TTS section).
// `{"downlinks":[]}` sent to replace clears the queue.

/** TxSchedulePriority (api/lorawan.proto), lowest to highest. */
export const TTS_PRIORITIES = ['LOWEST', 'LOW', 'BELOW_NORMAL', 'NORMAL', 'ABOVE_NORMAL', 'HIGH', 'HIGHEST'] as const;
export type TtsPriority = (typeof TTS_PRIORITIES)[number];

/**
 * The share of a sub-band's duty-cycle limit that a downlink of each priority may use: the Gateway
 * Server refuses (`duty_cycle`, resource exhausted) once the rolling hour's use with this
 * downlink would exceed limit × share (lorawan-stack pkg/gatewayserver/scheduling/sub_band.go,
 * the default priority ceilings).
 */
export const TTS_PRIORITY_DUTY_CYCLE_SHARE: Readonly<Record<TtsPriority, number>> = {
  LOWEST: 0.4,
  LOW: 0.5,
  BELOW_NORMAL: 0.6,
  NORMAL: 0.7,
  ABOVE_NORMAL: 0.8,
  HIGH: 0.9,
  HIGHEST: 1,
};

/**
 * The share an application downlink of this priority really gets: TTS's NS caps application
 * downlinks at `ns.downlink-priorities.max-application-downlink` (default HIGH, TTS docs
 * "Network Server Options"), so HIGHEST is sent as HIGH.
 */
export function applicationDownlinkDutyCycleShare(priority: TtsPriority): number {
  return TTS_PRIORITY_DUTY_CYCLE_SHARE[priority === 'HIGHEST' ? 'HIGH' : priority];
}

export interface TtsClassBCGateway {
  gatewayId: string;
  /** Gateways of different groups transmit at once (simulcast); 0 or absent = group 0. */
  groupIndex?: number;
}

export interface TtsDownlink {
  /** 1..223 (0 is MAC commands, 224 the LoRaWAN test port, 225..255 reserved). */
  fPort: number;
  payload: Uint8Array;
  priority: TtsPriority;
  /** Multicast downlinks cannot be confirmed (grpc_asns.go `confirmed_multicast_downlink`). */
  confirmed?: false;
  /** Come back in every event of this downlink (queued, sent, failed…); each ≤ 100 characters. */
  correlationIds: string[];
  /** Required for multicast (else `no_downlink_path`): the gateways the Network Server may use. */
  classBC?: { gateways: TtsClassBCGateway[]; absoluteTimeMs?: number };
}

/** The largest FRMPayload of any LoRaWAN region and data rate (RP002 M = 250 less FHDR etc.). */
export const TTS_MAX_PAYLOAD_BYTES = 242;
/** api/messages.proto: correlation_ids items `max_len: 100`. */
export const TTS_MAX_CORRELATION_ID_LENGTH = 100;

function invalid(field: string, expected: string, got: unknown): CallerError {
  const shown = typeof got === 'string' ? JSON.stringify(got) : Array.isArray(got) ? 'an array' : String(got);
  return new CallerError('TTS_DOWNLINK_INVALID', `${field}: expected ${expected}, got ${shown}`);
}

function encodeOne(downlink: TtsDownlink, index: number): Record<string, unknown> {
  const at = (name: string): string => `downlinks[${index}].${name}`;
  const { fPort, payload, priority, confirmed, correlationIds, classBC } = downlink;
  if (!Number.isInteger(fPort) || fPort < 1 || fPort > 223) throw invalid(at('fPort'), 'an integer 1..223', fPort);
  if (!(payload instanceof Uint8Array)) throw invalid(at('payload'), 'bytes (Uint8Array)', typeof payload);
  if (payload.length > TTS_MAX_PAYLOAD_BYTES) throw invalid(at('payload'), `at most ${TTS_MAX_PAYLOAD_BYTES} bytes`, `${payload.length} bytes`);
  if (!(TTS_PRIORITIES as readonly string[]).includes(priority)) throw invalid(at('priority'), `one of ${TTS_PRIORITIES.join(', ')}`, priority);
  if (confirmed !== undefined && confirmed !== false) throw invalid(at('confirmed'), 'false or absent (no confirmed downlinks)', confirmed);
  if (!Array.isArray(correlationIds)) throw invalid(at('correlationIds'), 'an array of strings', correlationIds);
  correlationIds.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0 || id.length > TTS_MAX_CORRELATION_ID_LENGTH) {
      throw invalid(at(`correlationIds[${i}]`), `a string of 1..${TTS_MAX_CORRELATION_ID_LENGTH} characters`, id);
    }
  });

  // Field order as TTS writes it; zero values (f_port 0, false, empty lists) left out.
  const out: Record<string, unknown> = { f_port: fPort };
  if (payload.length > 0) out['frm_payload'] = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
  out['priority'] = priority;
  if (correlationIds.length > 0) out['correlation_ids'] = [...correlationIds];
  if (classBC !== undefined) out['class_b_c'] = encodeClassBC(classBC, at('classBC'));
  return out;
}

function encodeClassBC(classBC: NonNullable<TtsDownlink['classBC']>, field: string): Record<string, unknown> {
  if (!Array.isArray(classBC.gateways)) throw invalid(`${field}.gateways`, 'an array', classBC.gateways);
  const gateways = classBC.gateways.map((gateway, i) => {
    const gatewayId = checkGatewayId(gateway?.gatewayId, `${field}.gateways[${i}].gatewayId`);
    const entry: Record<string, unknown> = { gateway_ids: { gateway_id: gatewayId } };
    const group = gateway.groupIndex;
    if (group !== undefined && (!Number.isInteger(group) || group < 0 || group > 0xffffffff)) {
      throw invalid(`${field}.gateways[${i}].groupIndex`, 'an integer ≥ 0', group);
    }
    if (group !== undefined && group !== 0) entry['group_index'] = group;
    return entry;
  });
  const out: Record<string, unknown> = {};
  if (gateways.length > 0) out['gateways'] = gateways;
  const timeMs = classBC.absoluteTimeMs;
  if (timeMs !== undefined) {
    if (!Number.isInteger(timeMs) || timeMs < 0 || timeMs > 253402300799999) throw invalid(`${field}.absoluteTimeMs`, 'whole milliseconds since 1970 (before year 10000)', timeMs);
    out['absolute_time'] = formatRfc3339(timeMs);
  }
  return out;
}

function checkGatewayId(id: unknown, field: string): string {
  try {
    return checkTtsId(id as string, field);
  } catch {
    throw invalid(field, 'a TTS gateway id (3-36 characters: a-z, 0-9, single "-")', id);
  }
}

/** `{"downlinks":[…]}` as TTS reads it on MQTT down/push|replace and HTTP down/push|replace. */
export function encodeDownlinkPush(downlinks: readonly TtsDownlink[]): string {
  if (!Array.isArray(downlinks)) throw invalid('downlinks', 'an array', downlinks);
  return JSON.stringify({ downlinks: downlinks.map(encodeOne) });
}
