import type { UnicastCommand } from '../../campaign/commands.js';
import type { Clock, Uplink } from '../../campaign/ports.js';
import { DeviceNotOnNetworkServerError } from '../../campaign/device-not-on-network-server.js';
import { isUplinkNotCommitted } from '../../campaign/uplink-not-committed.js';
import { CallerError, isFuotaError } from '../../core/errors.js';
import { parseEui64 } from '../../core/eui.js';
import { hexToBytes } from '../../core/hex.js';
import { NAMESPACE_URL, uuidToString, uuidV5 } from '../../manifest/uuid5.js';
import type { MessageVerdict, MqttConnection, ReceivedMessage } from '../mqtt/mqtt-connection.js';
import { MqttRejectLog, type MqttRejectSummary } from '../mqtt/mqtt-reject-log.js';
import type { DutyCycleOverflow } from '../duty-cycle-overflow.js';
import { EngineFeedback } from '../engine-feedback.js';
import { NetworkServerAdapter } from '../network-server-adapter.js';
import { groupRegistryOf, type GroupRegistry } from '../group-registry.js';
import { CHIRPSTACK } from '../server-label.js';
import { QueuedUnicasts } from '../queued-unicasts.js';
import { UnicastTracker } from '../unicast-tracker.js';
import { wallClock } from '../wall-clock.js';
import { downlinkFailureOf, gatewayRejectionOf, type GatewayRejection } from './chirpstack-log-events.js';
import { ChirpstackMulticast, type MulticastGrpc } from './chirpstack-multicast.js';
import { classBPingSlotField, parseChirpstackVersion, supportsUnicastExpiry, type ChirpstackVersion, type ClassBPingSlotField } from './chirpstack-version.js';
import { toUplink, type LogEvent } from './events.js';
import type { ChirpstackRegion, ClassCSchedulingType } from './grpc-multicast-group.js';
import { decodeEventMessage, downlinkMessage } from './messages.js';
import type { PayloadEncoding } from './payload-encoding.js';
import { ChirpstackTopics, type TopicTemplates } from './topics.js';

// The campaign engine's NetworkServer port on ChirpStack v4: class A downlinks and the
// application's events over the MQTT integration, multicast over the gRPC API
// (chirpstack-multicast.ts). No logging inside: everything worth knowing is a callback.

export interface ChirpstackNetworkServerOptions {
  /** Not yet connected: start() connects it (register-before-connect, for the persistent session). */
  mqtt: MqttConnection;
  /** The caller owns it (close() does not close it). getVersion, when there, detects the server's version. */
  grpc: MulticastGrpc & { getVersion?: () => Promise<string>; getDevice?: (devEui: string) => Promise<unknown> };
  /**
   * The ChirpStack version (e.g. "4.16.1"). Without it, InternalService.GetVersion is asked once
   * started; class B is refused while the version is unknown (its field changed meaning at v4.8
   * and v4.13), and unicast expiry defaults on only for a known v4.14+.
   */
  version?: string;
  /** The ChirpStack application (UUID) of the devices and of the multicast groups. */
  applicationId: string;
  /** `[integration.mqtt] json`: true → 'json' (ChirpStack's default), false → 'protobuf'. */
  encoding: PayloadEncoding;
  topics?: TopicTemplates;
  /** Region of the multicast groups; default EU868. */
  region?: ChirpstackRegion;
  /** Gateways (EUI-64) added to every group; default: the command's gateways. */
  gatewayIds?: readonly string[];
  /** Default DELAY (ChirpStack's default). GPS_TIME is refused: no ChirpStack release sends such a frame in time (chirpstack-version.ts). */
  classCSchedulingType?: ClassCSchedulingType;
  /** expires_at of a multicast item = its planned time + this (ChirpStack v4.10+ drops it unsent then). Default 5 min. */
  multicastExpiresAfterMs?: number;
  /** A class A downlink waits for the device's next uplink: must exceed the uplink interval. Default 30 min. */
  txAckTimeoutMs?: number;
  /** ListQueue period while waiting to delete a group. Default 5 s. */
  queuePollMs?: number;
  /** Default 2 s. */
  enqueueRetryMs?: number;
  /** Default 60 s. */
  enqueueMaxLateMs?: number;
  /** ChirpStack v4.14+ drops a unicast not sent by then (log EXPIRED → onDownlinkFailed). Default: txAckTimeoutMs on a known v4.14+, else none. */
  unicastExpiresAfterMs?: number;
  /** groupName → ChirpStack id; a file path for a JSON file, or a registry. Default: in memory (lost on restart). */
  registry?: GroupRegistry | string;
  /** Default: the wall clock. */
  clock?: Clock;

  /** Every `up` event with a payload, any fPort (the engine ignores ports that are not FUOTA's). Awaited before the MQTT ack. */
  onUplink: (uplink: Uplink) => void | Promise<unknown>;
  /** No txack in time, or ChirpStack logged an error for the downlink: the engine asks again. */
  onDownlinkFailed: (devEui: string, reason: string) => void | Promise<void>;
  /** A unicast asked again went to our item still in the device's queue (not enqueued again): CampaignEngine.unicastQueuedCopy. A rejected promise goes to onError. */
  onUnicastQueuedCopy?: (devEui: string, commandId: string) => void | Promise<void>;
  /**
   * A gateway refused a frame (DUTY_CYCLE_OVERFLOW, TOO_LATE, …), with the gateways that heard
   * the device's last uplink (the log names none). ChirpStack logs this for unicast only; for
   * multicast it logs nothing. A rejected promise goes to onError.
   */
  onGatewayRejection?: (rejection: GatewayRejection) => void | Promise<void>;
  /** A DUTY_CYCLE_OVERFLOW rejection, for the duty-cycle ledger (CampaignEngine.gatewayDutyCycleOverflow). A rejected promise goes to onError. */
  onDutyCycleOverflow?: (overflow: DutyCycleOverflow) => void | Promise<void>;
  /** Failed background gRPC calls, callbacks that threw (malformed events go to onRejected). */
  onError?: (error: unknown, context: string) => void;
  /** Event messages dropped as malformed: one summary per reason and rejectLogIntervalMs at most (mqtt-reject-log.ts). */
  onRejected?: (summary: MqttRejectSummary) => void;
  /** Default 60 s. */
  rejectLogIntervalMs?: number;
  onGroupDeleted?: (groupName: string) => void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Namespace of the queue item ids we derive from the engine's command ids. */
const QUEUE_ITEM_NAMESPACE = uuidV5(NAMESPACE_URL, 'urn:lorawan-fuota:chirpstack-queue-item');

/**
 * ChirpStack wants a UUID as command id (it becomes the queue item id and comes back in txack,
 * ack and log events); the engine's ids are `<campaign>-<seq>`. UUIDv5 keeps the mapping
 * deterministic, so a command replayed from the outbox after a crash carries the same id.
 */
export function queueItemIdOf(commandId: string): string {
  return UUID.test(commandId) ? commandId.toLowerCase() : uuidToString(uuidV5(QUEUE_ITEM_NAMESPACE, commandId));
}


export type { DutyCycleOverflow } from '../duty-cycle-overflow.js';

export class ChirpstackNetworkServer extends NetworkServerAdapter {
  private readonly topics: ChirpstackTopics;
  private readonly clock: Clock;
  protected readonly unicast: UnicastTracker;
  /** Our class A items ChirpStack holds: pending a txack, not failed, not expired (queued-unicasts.ts). */
  private readonly copies = new QueuedUnicasts();
  /** Asks answered by a copy still queued (not enqueued again): with the items enqueued, every ask the engine made. */
  unicastsLeftToQueuedCopy = 0;
  protected readonly multicast: ChirpstackMulticast;
  protected readonly mqtt: MqttConnection;
  protected readonly rejects: MqttRejectLog;
  /**
   * devEui → gateways of its last `up` event (one entry per device), for gateway rejections. Not
   * updated by uplinks without payload (their event is not decoded), so it may be one uplink old.
   */
  private readonly heardBy = new Map<string, string[]>();
  private version: ChirpstackVersion | undefined;
  private versionDetection: Promise<ChirpstackVersion | undefined> | undefined;
  private readonly txAckTimeoutMs: number;
  private readonly feedback: EngineFeedback;
  /** Devices DeviceService.Get found, asked once each; forgotten when a downlink to them fails. */
  private readonly onServer = new Set<string>();

  constructor(private readonly options: ChirpstackNetworkServerOptions) {
    super(CHIRPSTACK, 'ChirpstackNetworkServer');
    this.mqtt = options.mqtt;
    this.feedback = new EngineFeedback(options, () => this.started);
    this.topics = new ChirpstackTopics(options.topics);
    // Checks the application id now rather than at the first publish.
    this.topics.eventSubscription(options.applicationId);
    this.clock = options.clock ?? wallClock;
    this.rejects = new MqttRejectLog({
      clock: this.clock,
      ...(options.rejectLogIntervalMs === undefined ? {} : { intervalMs: positive(options.rejectLogIntervalMs, 'rejectLogIntervalMs') }),
      ...(options.onRejected ? { onSummary: options.onRejected } : {}),
    });
    if (options.version !== undefined) this.version = parseChirpstackVersion(options.version);
    if (options.classCSchedulingType === 'GPS_TIME') {
      throw new CallerError(
        'CHIRPSTACK_GPS_TIME_UNSUPPORTED',
        'ChirpstackNetworkServer classCSchedulingType: expected DELAY, got GPS_TIME (ChirpStack schedules a GPS_TIME row at its own emit time, so every gateway answers TOO_LATE and the frame is dropped unreported)',
      );
    }
    this.txAckTimeoutMs = positive(options.txAckTimeoutMs ?? 30 * 60_000, 'txAckTimeoutMs');
    const registry = groupRegistryOf(options.registry, CHIRPSTACK);
    this.unicast = new UnicastTracker(this.clock, this.txAckTimeoutMs, (devEui, reason, id) => {
      // Failed, or silent past txAckTimeoutMs (= its expires_at on v4.14+: ChirpStack drops it): the next ask enqueues it.
      this.copies.remove(id);
      this.onServer.delete(devEui); // the engine's next ask checks the device again (deleted meanwhile?)
      this.feedback.downlinkFailed(devEui, reason);
    }, {
      what: 'no txack from ChirpStack',
      why: 'ChirpStack only logs an unknown device or application; or the device sent no uplink',
    });
    this.multicast = new ChirpstackMulticast({
      grpc: options.grpc,
      clock: this.clock,
      registry,
      applicationId: options.applicationId,
      region: options.region ?? 'EU868',
      gatewayIds: options.gatewayIds ?? [],
      gatewaysHeard: (devEui) => this.heardBy.get(devEui) ?? [],
      classBPingSlotField: () => this.classBPingSlotField(),
      expiresAfterMs: positive(options.multicastExpiresAfterMs ?? 5 * 60_000, 'multicastExpiresAfterMs'),
      classCSchedulingType: options.classCSchedulingType ?? 'DELAY',
      queuePollMs: positive(options.queuePollMs ?? 5_000, 'queuePollMs'),
      enqueueRetryMs: positive(options.enqueueRetryMs ?? 2_000, 'enqueueRetryMs'),
      enqueueMaxLateMs: options.enqueueMaxLateMs ?? 60_000,
      onError: (error, context) => this.report(error, context),
      onGroupDeleted: (groupName) => options.onGroupDeleted?.(groupName),
    });
  }

  /** Connects to the broker, subscribes to the application's events, resumes unfinished group deletions. */
  async start(): Promise<void> {
    this.beginStart();
    // Before connect: a persistent session delivers what waited for us right after CONNACK.
    this.options.mqtt.onMessage((message) => this.handle(message));
    await this.options.mqtt.connect();
    await this.options.mqtt.subscribe(this.topics.eventSubscription(this.options.applicationId), 1);
    this.multicast.resume();
    // In the background: known before most campaigns need it (unicast expiry, class B).
    if (this.version === undefined) void this.detectVersion();
  }

  /** The server's version, configured or detected; undefined while unknown. */
  get serverVersion(): string | undefined {
    return this.version?.text;
  }

  private detectVersion(): Promise<ChirpstackVersion | undefined> {
    const { getVersion } = this.options.grpc;
    if (getVersion === undefined) return Promise.resolve(undefined);
    this.versionDetection ??= getVersion
      .call(this.options.grpc)
      .then((text) => (this.version = parseChirpstackVersion(text, 'InternalService.GetVersion')))
      .catch((error: unknown) => {
        this.versionDetection = undefined; // asked again next time
        this.report(error, 'ChirpStack version detection (InternalService.GetVersion) failed: class B refused until networkServer.version is set');
        return undefined;
      });
    return this.versionDetection;
  }

  private async classBPingSlotField(): Promise<ClassBPingSlotField> {
    const version = this.version ?? (await this.detectVersion());
    if (version === undefined) {
      throw new CallerError(
        'CHIRPSTACK_CLASS_B_UNSUPPORTED',
        'class B multicast: networkServer.version: expected the ChirpStack version (its class B field changed meaning at v4.8 and v4.13), got none configured and none detected (InternalService.GetVersion)',
      );
    }
    return classBPingSlotField(version);
  }

  async sendUnicast(downlink: UnicastCommand): Promise<void> {
    this.requireStarted('sendUnicast');
    const id = queueItemIdOf(downlink.id);
    const expires = this.options.unicastExpiresAfterMs ?? (this.version !== undefined && supportsUnicastExpiry(this.version) ? this.txAckTimeoutMs : undefined);
    const command = {
      id,
      devEui: parseEui64(downlink.devEui, 'devEui'),
      confirmed: false,
      fPort: downlink.fPort,
      data: hexToBytes(downlink.payloadHex, 'payloadHex'),
      ...(expires === undefined ? {} : { expiresAtMs: this.clock.now() + expires }),
    };
    // Encoding checks the command (UUID, EUI, fPort) before anything is tracked or sent.
    const message = downlinkMessage(this.topics, this.options.applicationId, command, this.options.encoding);
    await this.requireOnServer(command.devEui);
    // Asked again while our copy still waits in the device's queue (no txack yet, not expired):
    // enqueuing would append a second copy (device_queue::enqueue_item), sent at a later uplink
    // of its own. The copy is the retry; its expires_at stands, so its tracking is not extended.
    // The engine hears of it: an ask that put nothing new in the queue is no attempt when the
    // device was heard since the copy was asked (its RX windows went unused: a gateway refused
    // them, which ChirpStack keeps the item for; device-progress.ts answeredByQueuedCopy).
    const copy = this.copies.copyOf(command.devEui, command.fPort, downlink.payloadHex);
    if (copy !== undefined) {
      this.unicastsLeftToQueuedCopy++;
      // The same command carried out again (the outbox retries at least once) is its own copy: it did go out anew.
      if (copy !== id) this.feedback.unicastQueuedCopy(command.devEui, downlink.id);
      return;
    }
    this.copies.add(id, command.devEui, command.fPort, downlink.payloadHex);
    this.unicast.track(id, command.devEui);
    // Handed to mqtt.js (its QoS 1 store resends after a reconnect), not awaited until PUBACK:
    // the engine sends from inside onUplink, and MqttConnection lets mqtt.js read the next
    // packet (this PUBACK too) only once that handler settled, so waiting here would deadlock.
    // The txack is the real confirmation; a failed publish fails the downlink the same way.
    this.options.mqtt.publish(message.topic, message.payload, { qos: 1 }).catch((error: unknown) => {
      this.report(error, `command/down ${id} for ${command.devEui}`);
      this.unicast.fail(id, `MQTT publish of command/down failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /**
   * ChirpStack drops a command/down for a DevEUI it does not know and only logs it server-side
   * (integration/mqtt.rs; the simulated ChirpStack does the same), so the downlink would time
   * out and be asked again until the device ends `absent`. DeviceService.Get answers NOT_FOUND
   * for such a DevEUI (storage/device.rs get: Error::NotFound → api/error.rs Status::not_found,
   * "Object does not exist (id: …)"): that is DeviceNotOnNetworkServerError, which the engine
   * does not retry. Any other failure of the lookup lets the downlink go (not knowing is not "unknown").
   */
  private async requireOnServer(devEui: string): Promise<void> {
    const { getDevice } = this.options.grpc;
    if (getDevice === undefined || this.onServer.has(devEui)) return;
    try {
      await getDevice.call(this.options.grpc, devEui);
      this.onServer.add(devEui);
    } catch (error) {
      if (isFuotaError(error) && error.code === 'CHIRPSTACK_NOT_FOUND') throw new DeviceNotOnNetworkServerError(devEui, 'ChirpStack', 'NOT_FOUND from DeviceService.Get');
    }
  }

  private async handle(message: ReceivedMessage): Promise<MessageVerdict> {
    let event;
    try {
      event = decodeEventMessage(this.topics, message, this.options.encoding).event;
    } catch (error) {
      // Anyone who may publish on the topic can send these: counted, not logged one by one.
      this.rejects.reject(message.topic, message.payload, error);
      return;
    }
    switch (event.kind) {
      case 'up':
        this.heardBy.set(event.devEui, event.gatewayIds);
        try {
          await this.options.onUplink(toUplink(event));
        } catch (error) {
          // Not committed (the store refused the transaction): no PUBACK, the broker sends it again.
          if (isUplinkNotCommitted(error)) return 'redeliver';
          this.report(error, `onUplink for ${event.devEui} fCnt ${event.fCnt}`);
        }
        return;
      case 'txack':
        this.copies.remove(event.queueItemId);
        this.unicast.settle(event.queueItemId);
        return;
      case 'ack':
        // Only confirmed downlinks get one; we send unconfirmed, but a nack is still a failure.
        this.copies.remove(event.queueItemId);
        if (event.acknowledged) this.unicast.settle(event.queueItemId);
        else this.unicast.fail(event.queueItemId, 'ChirpStack ack event: the device did not acknowledge the confirmed downlink');
        return;
      case 'log':
        return this.handleLog(event);
      default:
        return; // join, status, location, uplinks without payload: nothing for FUOTA
    }
  }

  private handleLog(event: LogEvent): void {
    const rejection = gatewayRejectionOf(event, this.heardBy.get(event.devEui) ?? []);
    if (rejection) {
      const { onGatewayRejection } = this.options;
      if (onGatewayRejection) this.feedback.callBack(() => onGatewayRejection(rejection), `onGatewayRejection for ${event.devEui}`);
      if (rejection.status === 'DUTY_CYCLE_OVERFLOW') {
        this.feedback.dutyCycleOverflow({ devEui: rejection.devEui, gatewayIds: rejection.gatewayIds, ...(rejection.atMs === undefined ? {} : { atMs: rejection.atMs }) });
      }
    }
    const failure = downlinkFailureOf(event);
    if (!failure) return;
    // Without a queue item id the log is about the device's current downlink: its oldest pending one.
    const id = failure.queueItemId ?? this.unicast.oldestOf(event.devEui);
    if (id !== undefined) this.unicast.fail(id, failure.reason);
  }



  private report(error: unknown, context: string): void {
    this.feedback.report(error, context);
  }

}

function positive(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new CallerError('CHIRPSTACK_OPTION_INVALID', `ChirpstackNetworkServer ${field}: expected a positive number of ms, got ${value}`);
  return value;
}
