import type { LogCode, LogEvent } from './event-types.js';

// What a ChirpStack `log` event means for our downlinks. ChirpStack reports command and
// gateway errors only as log events (network-servers.md):
//   - DOWNLINK_GATEWAY: the gateway refused the frame; the description is its TxAckStatus name
//     (chirpstack/src/downlink/tx_ack.rs: TOO_LATE, DUTY_CYCLE_OVERFLOW, …); ChirpStack enforces
//     no duty cycle itself, so DUTY_CYCLE_OVERFLOW only ever shows up here. It is a rejection,
//     not a failure: ChirpStack keeps the unicast item queued and sends it after the device's
//     next uplink, whose txack settles it (failing it would make the engine ask twice);
//   - EXPIRED, DOWNLINK_PAYLOAD_SIZE, F_CNT_DOWN, DOWNLINK_CODEC: the queue item was dropped
//     (chirpstack/src/downlink/data.rs puts its id in context `queue_item_id`).

const DOWNLINK_FAILURE_CODES: ReadonlySet<LogCode> = new Set(['EXPIRED', 'DOWNLINK_PAYLOAD_SIZE', 'F_CNT_DOWN', 'DOWNLINK_CODEC']);

/** gw.TxAckStatus names other than OK and IGNORED (chirpstack-api 4.19 gw.proto). */
const GATEWAY_REJECTIONS: ReadonlySet<string> = new Set([
  'TOO_LATE', 'TOO_EARLY', 'COLLISION_PACKET', 'COLLISION_BEACON', 'TX_FREQ', 'TX_POWER', 'GPS_UNLOCKED', 'QUEUE_FULL', 'INTERNAL_ERROR', 'DUTY_CYCLE_OVERFLOW',
]);

export interface DownlinkFailure {
  /** The queue item (our command id) when ChirpStack names it. */
  queueItemId?: string;
  reason: string;
}

/** A gateway refused a downlink (for the duty-cycle ledger: DUTY_CYCLE_OVERFLOW). */
export interface GatewayRejection {
  devEui: string;
  /** The gateway's TxAckStatus name as ChirpStack logged it, e.g. DUTY_CYCLE_OVERFLOW. */
  status: string;
  code: LogCode;
  /**
   * The gateways that heard the device's last uplink, empty if unknown. The log names no
   * gateway; ChirpStack sends a class A downlink through the one of these that heard it best.
   */
  gatewayIds: string[];
  queueItemId?: string;
  atMs?: number;
}

function queueItemIdOf(event: LogEvent): string | undefined {
  const id = event.context.queue_item_id ?? event.context.queueItemId;
  return id ? id.toLowerCase() : undefined;
}

function describe(event: LogEvent): string {
  return `ChirpStack log ${event.level} ${event.code}: ${event.description}`;
}

/** The downlink failure a log event reports, if it reports one. */
export function downlinkFailureOf(event: LogEvent): DownlinkFailure | undefined {
  const queueItemId = queueItemIdOf(event);
  if (event.code === 'DOWNLINK_GATEWAY' || GATEWAY_REJECTIONS.has(event.description.trim())) return undefined; // still queued: see above
  const failure = DOWNLINK_FAILURE_CODES.has(event.code) || (event.level === 'ERROR' && queueItemId !== undefined);
  if (!failure) return undefined;
  return queueItemId === undefined ? { reason: describe(event) } : { queueItemId, reason: describe(event) };
}

/** The gateway rejection a log event reports, if it reports one; `heardBy`: the gateways of the device's last uplink. */
export function gatewayRejectionOf(event: LogEvent, heardBy: readonly string[]): GatewayRejection | undefined {
  const status = event.description.trim();
  if (!GATEWAY_REJECTIONS.has(status) && event.code !== 'DOWNLINK_GATEWAY') return undefined;
  const queueItemId = queueItemIdOf(event);
  return {
    devEui: event.devEui,
    status,
    code: event.code,
    gatewayIds: [...heardBy],
    ...(queueItemId === undefined ? {} : { queueItemId }),
    ...(event.timeMs === undefined ? {} : { atMs: event.timeMs }),
  };
}
