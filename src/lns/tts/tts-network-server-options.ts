import type { Clock, Uplink } from '../../campaign/ports.js';
import type { DutyCycleOverflow } from '../duty-cycle-overflow.js';
import type { GroupRegistry } from '../group-registry.js';
import type { MqttConnection } from '../mqtt/mqtt-connection.js';
import type { MqttRejectSummary } from '../mqtt/mqtt-reject-log.js';
import type { TtsPriority } from './tts-downlink-push.js';
import type { TtsDownlinkFailedEvent } from './tts-events.js';
import type { TtsHttpClient } from './tts-http-client.js';

// What the composition root gives TtsNetworkServer (tts-network-server.ts).

export type TtsHttpApi = Pick<
  TtsHttpClient,
  'createEndDevice' | 'getEndDevice' | 'listEndDevices' | 'deleteEndDevice' | 'pushDownlinks' | 'listDownlinkQueue' | 'packageAssociations' | 'storageUplinks'
>;

/** A down/failed of one of our downlinks, whatever the cause (duty cycle, too late, no path…). */
export interface TtsDownlinkRejection {
  devEui: string;
  deviceId: string;
  error: TtsDownlinkFailedEvent['error'];
  /** The multicast group's gateways, or those that heard the device's last uplink. */
  gatewayIds: readonly string[];
}

export interface TtsNetworkServerOptions {
  /** Not yet connected: start() connects and subscribes (QoS 0: TTS's MQTT server has no other). */
  mqtt: MqttConnection;
  /** The caller owns it. */
  http: TtsHttpApi;
  applicationId: string;
  /** The Things Stack Cloud / Enterprise tenant: topics then use `app@tenant`. */
  tenantId?: string;
  /** Frequency plan of the multicast devices, e.g. EU_863_870_TTN. */
  frequencyPlanId: string;
  /** MACVersion of the multicast devices; default MAC_V1_0_3. */
  lorawanVersion?: string;
  /** PHYVersion of the multicast devices; default PHY_V1_0_3_REV_A. */
  lorawanPhyVersion?: string;
  /** TTS gateway ids for class_b_c.gateways; default: the command's, else a cover of the gateways that heard the members. */
  gatewayIds?: readonly string[];
  /** Default NORMAL (70 % of a sub-band's duty cycle: sub_band.go). */
  priority?: TtsPriority;
  /** Unicast push path; default mqtt. Multicast always goes over HTTP (its answer tells whether TTS took the frame). */
  downlinkVia?: 'mqtt' | 'http';
  /** Class C: push this long before atMs with absolute_time = atMs; default 10 s. */
  multicastPushLeadMs?: number;
  /** Class C with absolute_time (default true); false: hold until atMs, push without. Class B never has it. */
  multicastAbsoluteTime?: boolean;
  /** At most this many of our frames in TTS's queue per group (TTS: downlink-queue-capacity 10 000). */
  queueCapacity?: number;
  /** Unicast: no down/sent (or down/failed) in time → onDownlinkFailed. Default 30 min. */
  txAckTimeoutMs?: number;
  /** Queue read period while draining a group or waiting for room. Default 5 s. */
  queuePollMs?: number;
  /** Default 2 s. */
  enqueueRetryMs?: number;
  /** Default 60 s. */
  enqueueMaxLateMs?: number;
  /** Drain deadline after the last frame's atMs (TTS queue items never expire: the rest goes with the device). Default 5 min. */
  multicastExpiresAfterMs?: number;
  /** groupName → multicast device; a file path for a JSON file, or a registry. Default: in memory. */
  registry?: GroupRegistry | string;
  clock?: Clock;
  /** Read the Storage Integration's uplinks after this time at start (uplinks missed while away). */
  missedUplinksSinceMs?: number;

  onUplink: (uplink: Uplink) => void | Promise<unknown>;
  onDownlinkFailed: (devEui: string, reason: string) => void | Promise<void>;
  /** A unicast asked again went to our copy still in the device's queue in TTS (not pushed again): CampaignEngine.unicastQueuedCopy. A rejected promise goes to onError. */
  onUnicastQueuedCopy?: (devEui: string, commandId: string) => void | Promise<void>;
  /** A down/failed naming the Gateway Server's duty cycle, for the ledger. A rejected promise goes to onError. */
  onDutyCycleOverflow?: (overflow: DutyCycleOverflow) => void | Promise<void>;
  /** Every down/failed of our downlinks. A rejected promise goes to onError. */
  onGatewayRejection?: (rejection: TtsDownlinkRejection) => void | Promise<void>;
  /** Things the operator should fix (alcsync-v1 associated: TS003 answered twice). */
  onWarning?: (message: string) => void;
  /** Failed background calls, callbacks that threw (malformed events go to onRejected). */
  onError?: (error: unknown, context: string) => void;
  /** Event messages dropped as malformed: one summary per reason and rejectLogIntervalMs at most (mqtt-reject-log.ts). */
  onRejected?: (summary: MqttRejectSummary) => void;
  /** Default 60 s. */
  rejectLogIntervalMs?: number;
  onGroupDeleted?: (groupName: string) => void;
}
