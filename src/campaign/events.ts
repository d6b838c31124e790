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

/** As CampaignEvent's entry: a request asked again went to the copy the network server still held. */
export interface UnicastQueuedCopyEvent {
  type: 'unicast-queued-copy';
  atMs: number;
  devEui: string;
  /** The id of the unicast command (UnicastCommand.id) that was not handed on. */
  commandId: string;
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
  /**
   * The network server adapter did not hand the unicast `commandId` (a request asked again) to
   * the network server, because the server still held our copy of the same request from an
   * earlier ask (src/lns/queued-unicasts.ts): nothing new went out (device-progress.ts,
   * answeredByQueuedCopy).
   */
  | UnicastQueuedCopyEvent
  /** A gateway's duty cycle was full (network server feedback). */
  | GatewayOverflowEvent
  | { type: 'pause'; atMs: number }
  | { type: 'resume'; atMs: number }
  | { type: 'cancel'; atMs: number };
