// What happens to a campaign. Events are not stored: their effect is (the next state).

export interface UplinkEvent {
  type: 'uplink';
  atMs: number;
  devEui: string;
  fPort: number;
  payload: Uint8Array;
  /** The network server's decoded payload, when it has one (Uplink.object). */
  object?: unknown;
}

/** A gateway refused a downlink to devEui for its duty cycle (ChirpStack: DUTY_CYCLE_OVERFLOW) at atMs. */
export interface GatewayOverflowEvent {
  type: 'gateway-overflow';
  atMs: number;
  /** The gateways that may have refused it (those that heard devEui's last uplink); empty when unknown. */
  gatewayIds: readonly string[];
  devEui: string;
}

export type CampaignEvent =
  | { type: 'start'; atMs: number }
  | { type: 'tick'; atMs: number }
  | UplinkEvent
  /** The network server has no more queued multicast downlinks for the wave's group. */
  | { type: 'multicast-queue-empty'; atMs: number }
  /**
   * A unicast downlink was rejected or expired (network server feedback): asked again; or, when
   * `permanent` (the network server does not know the device), the device fails with `reason`.
   */
  | { type: 'downlink-failed'; atMs: number; devEui: string; reason: string; permanent?: boolean }
  /** A gateway's duty cycle was full (network server feedback). */
  | GatewayOverflowEvent
  | { type: 'pause'; atMs: number }
  | { type: 'resume'; atMs: number }
  | { type: 'cancel'; atMs: number };
