import type { UnicastCommand } from '../../campaign/commands.js';
import type { Clock } from '../../campaign/ports.js';
import { DeviceNotOnNetworkServerError } from '../../campaign/device-not-on-network-server.js';
import { isUplinkNotCommitted } from '../../campaign/uplink-not-committed.js';
import { CallerError, isFuotaError, PeerError } from '../../core/errors.js';
import { EngineFeedback } from '../engine-feedback.js';
import { groupRegistryOf, type GroupRegistry } from '../group-registry.js';
import { MulticastGroups } from '../multicast-groups.js';
import type { MessageVerdict, MqttConnection, ReceivedMessage } from '../mqtt/mqtt-connection.js';
import { MqttRejectLog } from '../mqtt/mqtt-reject-log.js';
import { NetworkServerAdapter } from '../network-server-adapter.js';
import { THE_THINGS_STACK } from '../server-label.js';
import { wallClock } from '../wall-clock.js';
import { TtsDeviceIds } from './tts-device-directory.js';
import { CLASS_A_CONFLICT_SPAN_MS, downlinkFailureOf } from './tts-downlink-failure.js';
import { decodeTtsEvent, type TtsDownlinkFailedEvent, type TtsUplinkEvent } from './tts-events.js';
import { ttsApplicationTopicId } from './tts-ids.js';
import type { TtsNetworkServerOptions } from './tts-network-server-options.js';
import { TTS_MIN_ABSOLUTE_TIME_LEAD_MS, TtsMulticastBackend, type TtsPrepared } from './tts-multicast-backend.js';
import { startupChecks } from './tts-startup.js';
import { TtsTopics } from './tts-topics.js';
import { TtsUnicast } from './tts-unicast.js';

// The campaign engine's NetworkServer port on The Things Stack v3: events over its MQTT server
// (3.1.1, QoS 0 only, no persistent session: ../shared/reference/network-servers.md), class A
// downlinks pushed with our correlation id (tts-unicast.ts), multicast groups as virtual
// multicast end devices over HTTP (tts-multicast-backend.ts) under the shared MulticastGroups.
// No logging inside: everything worth knowing is a callback.

export type { TtsDownlinkRejection, TtsHttpApi, TtsNetworkServerOptions } from './tts-network-server-options.js';

export class TtsNetworkServer extends NetworkServerAdapter {
  private readonly topics: TtsTopics;
  private readonly clock: Clock;
  private readonly registry: GroupRegistry;
  private readonly deviceIds: TtsDeviceIds;
  protected readonly unicast: TtsUnicast;
  protected readonly multicast: MulticastGroups<TtsPrepared>;
  protected readonly mqtt: MqttConnection;
  protected readonly rejects: MqttRejectLog;
  private readonly feedback: EngineFeedback;
  /** devEui → gateways of its last uplink (duty-cycle refusals, gateway cover). */
  private readonly heardBy = new Map<string, string[]>();
  /** deviceId → devEui, learned from uplinks (down/invalidated names only the device id). */
  private readonly devEuiOf = new Map<string, string>();
  /** Multicast device id → timed frames refused in a row (tts-downlink-failure.ts). */
  private readonly timedFailures = new Map<string, number>();
  /** Gateway → when a class A downlink of ours last went via it (down/sent; tts-downlink-failure.ts). */
  private readonly classASentAtMs = new Map<string, number>();
  /** Uplinks handed over from the Storage Integration, not handed over again when MQTT brings them too. */
  private readonly fromStorage = new Set<string>();

  constructor(private readonly options: TtsNetworkServerOptions) {
    super(THE_THINGS_STACK, 'TtsNetworkServer');
    this.mqtt = options.mqtt;
    this.feedback = new EngineFeedback(options, () => this.started);
    this.topics = new TtsTopics(ttsApplicationTopicId(options.applicationId, options.tenantId));
    this.clock = options.clock ?? wallClock;
    this.rejects = new MqttRejectLog({
      clock: this.clock,
      ...(options.rejectLogIntervalMs === undefined ? {} : { intervalMs: positive(options.rejectLogIntervalMs, 'rejectLogIntervalMs') }),
      ...(options.onRejected ? { onSummary: options.onRejected } : {}),
    });
    this.registry = groupRegistryOf(options.registry, THE_THINGS_STACK);
    this.deviceIds = new TtsDeviceIds(options.http, options.applicationId, { nowMs: () => this.clock.now() });
    const report = (error: unknown, context: string): void => this.report(error, context);
    this.unicast = new TtsUnicast({
      clock: this.clock,
      timeoutMs: positive(options.txAckTimeoutMs ?? 30 * 60_000, 'txAckTimeoutMs'),
      priority: options.priority ?? 'NORMAL',
      via: options.downlinkVia ?? 'mqtt',
      applicationId: options.applicationId,
      topics: this.topics,
      mqtt: options.mqtt,
      http: options.http,
      deviceIdOf: (devEui) => this.deviceIds.deviceIdOf(devEui),
      onFailed: (devEui, reason) => {
        this.deviceIds.forget(devEui); // the engine's next ask looks the device up again (deleted meanwhile?)
        this.feedback.downlinkFailed(devEui, reason);
      },
      onQueuedCopy: (devEui, commandId) => this.feedback.unicastQueuedCopy(devEui, commandId),
      onError: report,
    });
    const absoluteTime = options.multicastAbsoluteTime ?? true;
    const backend = new TtsMulticastBackend({
      http: options.http,
      clock: this.clock,
      applicationId: options.applicationId,
      frequencyPlanId: options.frequencyPlanId,
      lorawanVersion: options.lorawanVersion ?? 'MAC_V1_0_3',
      lorawanPhyVersion: options.lorawanPhyVersion ?? 'PHY_V1_0_3_REV_A',
      gatewayIds: options.gatewayIds ?? [],
      gatewaysHeard: (devEui) => this.heardBy.get(devEui) ?? [],
      priority: options.priority ?? 'NORMAL',
      pushLeadMs: absoluteTime ? pushLead(options.multicastPushLeadMs ?? 10_000) : 0,
      absoluteTime,
    });
    this.multicast = new MulticastGroups(backend, {
      clock: this.clock,
      registry: this.registry,
      queuePollMs: positive(options.queuePollMs ?? 5_000, 'queuePollMs'),
      enqueueRetryMs: positive(options.enqueueRetryMs ?? 2_000, 'enqueueRetryMs'),
      enqueueMaxLateMs: options.enqueueMaxLateMs ?? 60_000,
      drainAfterMs: positive(options.multicastExpiresAfterMs ?? 5 * 60_000, 'multicastExpiresAfterMs'),
      queueCapacity: positive(options.queueCapacity ?? 10_000, 'queueCapacity'),
      onError: report,
      onGroupDeleted: (groupName) => options.onGroupDeleted?.(groupName),
    });
  }

  /**
   * Connects, subscribes, resumes unfinished group deletions, warns about alcsync-v1 (in the
   * background) and, when configured, hands over the uplinks the Storage Integration kept.
   */
  async start(): Promise<void> {
    this.beginStart();
    const { mqtt } = this.options;
    mqtt.onMessage((message) => this.handle(message));
    await mqtt.connect();
    // down/invalidated too: a new session drops the device's queue, our pending pushes with it.
    const invalidated = `v3/${this.topics.applicationTopicId}/devices/+/down/invalidated`;
    for (const filter of new Set([...this.topics.subscriptions(), invalidated])) await mqtt.subscribe(filter, 0);
    this.multicast.resume();
    // After subscribing: an uplink arriving meanwhile comes over MQTT, and is skipped if stored too.
    await startupChecks({
      http: this.options.http,
      applicationId: this.options.applicationId,
      ...(this.options.missedUplinksSinceMs === undefined ? {} : { missedUplinksSinceMs: this.options.missedUplinksSinceMs }),
      onStoredUplink: (uplink) => {
        this.fromStorage.add(uplinkKey(uplink));
        return this.uplink(uplink).then(() => undefined);
      },
      onWarning: (message) => this.options.onWarning?.(message),
      onError: (error, context) => this.report(error, context),
    });
  }

  async sendUnicast(downlink: UnicastCommand): Promise<void> {
    this.requireStarted('sendUnicast');
    this.unicast.check(downlink); // a bad command is refused before any lookup
    await this.requireOnServer(downlink.devEui);
    this.unicast.send(downlink);
  }

  /**
   * The Application Server answers a push for a device it does not know with device_not_found
   * and publishes nothing (applicationserver.go downlinkQueueOp; over MQTT the error is only
   * logged, so the push would time out and be asked again until the device ends `absent`). A
   * DevEUI the application's device list does not have (TTS_DEVICE_UNKNOWN; the list is learned
   * from uplinks and `GET /applications/{id}/devices`, whose miss is also what a deleted
   * device's HTTP push gets: 404 end_device_not_found) is DeviceNotOnNetworkServerError, which
   * the engine does not retry. A failed lookup lets the push go (not knowing is not "unknown").
   */
  private async requireOnServer(devEui: string): Promise<void> {
    try {
      await this.deviceIds.deviceIdOf(devEui);
    } catch (error) {
      if (isFuotaError(error) && error.code === 'TTS_DEVICE_UNKNOWN') {
        throw new DeviceNotOnNetworkServerError(devEui, 'The Things Stack', `no such DevEUI in application ${this.options.applicationId}`);
      }
    }
  }

  private async handle(message: ReceivedMessage): Promise<MessageVerdict> {
    let event;
    try {
      event = decodeTtsEvent(message.topic, message.payload, this.topics);
    } catch (error) {
      // Anyone who may publish on the topic can send these: counted, not logged one by one.
      this.rejects.reject(message.topic, message.payload, error);
      return;
    }
    switch (event.kind) {
      case 'up':
        if (event.devEui === undefined) {
          this.rejects.reject(message.topic, message.payload, withoutDevEui(event.deviceId));
          return;
        }
        if (this.fromStorage.delete(uplinkKey(event))) return;
        return this.uplink(event);
      case 'down-sent':
      case 'down-ack':
        this.timedFailures.delete(event.deviceId); // a multicast device's frame went: the streak ends
        if (event.kind === 'down-sent') this.classASent(event.devEui ?? this.devEuiOf.get(event.deviceId));
        this.unicast.settle(event.correlationIds);
        return;
      case 'down-nack':
        this.unicast.fail(event.correlationIds, 'The Things Stack down/nack: the device did not acknowledge the downlink');
        return;
      case 'down-failed':
        return this.downlinkFailedEvent(event);
      case 'other':
        if (event.event === 'down/invalidated') {
          const devEui = this.devEuiOf.get(event.deviceId);
          if (devEui !== undefined) this.unicast.failDevice(devEui, 'The Things Stack down/invalidated: the device\'s downlink queue was dropped (new session)');
        }
        return;
      default:
        return; // down/queued: nothing to do until down/sent
    }
  }

  private async uplink(event: TtsUplinkEvent): Promise<MessageVerdict> {
    if (event.devEui === undefined) return this.report(withoutDevEui(event.deviceId), 'uplink dropped');
    this.deviceIds.learn(event.deviceId, event.devEui);
    this.devEuiOf.set(event.deviceId, event.devEui);
    this.heardBy.set(event.devEui, event.gateways.map((gateway) => gateway.gatewayId));
    if (event.fPort === undefined) return; // no FRMPayload: nothing for FUOTA
    try {
      await this.options.onUplink({ devEui: event.devEui, fPort: event.fPort, payload: event.payload, atMs: event.receivedAtMs });
    } catch (error) {
      // Not committed (the store refused the transaction): no PUBACK, the broker sends it again.
      if (isUplinkNotCommitted(error)) return 'redeliver';
      this.report(error, `onUplink for ${event.devEui} fCnt ${event.fCnt}`);
    }
  }

  private downlinkFailedEvent(event: TtsDownlinkFailedEvent): void {
    const failure = downlinkFailureOf(event, {
      registry: this.registry,
      devEuiOf: (deviceId) => this.devEuiOf.get(deviceId),
      heardBy: (devEui) => this.heardBy.get(devEui) ?? [],
      timedFailureStreak: () => {
        const streak = (this.timedFailures.get(event.deviceId) ?? 0) + 1;
        this.timedFailures.set(event.deviceId, streak);
        return streak;
      },
      classABusy: (gatewayIds) => gatewayIds.some((id) => this.clock.now() - (this.classASentAtMs.get(id) ?? -Infinity) <= CLASS_A_CONFLICT_SPAN_MS),
    });
    if (failure.groupName === undefined) this.unicast.fail(event.correlationIds, failure.reason);
    else if (failure.multicastError) this.report(failure.multicastError, `multicast to ${failure.groupName}: frame lost`);
    const { devEui, gatewayIds } = failure;
    if (devEui === undefined) return;
    const { onGatewayRejection } = this.options;
    const rejection = { devEui, deviceId: event.deviceId, error: event.error, gatewayIds };
    if (onGatewayRejection) this.feedback.callBack(() => onGatewayRejection(rejection), `onGatewayRejection for ${devEui}`);
    if (failure.dutyCycle) this.feedback.dutyCycleOverflow({ devEui, gatewayIds });
  }

  /** A class A device's downlink went: TTS sends it through the gateways that heard its last uplink. */
  private classASent(devEui: string | undefined): void {
    if (devEui === undefined) return; // a multicast device (never heard) or unknown
    for (const gatewayId of this.heardBy.get(devEui) ?? []) this.classASentAtMs.set(gatewayId, this.clock.now());
  }

  private report(error: unknown, context: string): void {
    this.feedback.report(error, context);
  }

}

function withoutDevEui(deviceId: string): PeerError {
  return new PeerError('TTS_UPLINK_WITHOUT_DEV_EUI', `uplink of device ${deviceId}: end_device_ids.dev_eui: expected the DevEUI, got none`);
}

function uplinkKey(event: TtsUplinkEvent): string {
  return `${event.deviceId}:${event.fCnt ?? ''}:${event.receivedAtMs}`;
}

function positive(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new CallerError('TTS_OPTION_INVALID', `TtsNetworkServer ${field}: expected a positive number, got ${value}`);
  return value;
}

/** A lead shorter than TTS accepts for absolute_time would send every frame without it. */
function pushLead(valueMs: number): number {
  if (!Number.isFinite(valueMs) || valueMs < TTS_MIN_ABSOLUTE_TIME_LEAD_MS) {
    throw new CallerError(
      'TTS_OPTION_INVALID',
      `TtsNetworkServer multicastPushLeadMs: expected at least ${TTS_MIN_ABSOLUTE_TIME_LEAD_MS} ms (The Things Stack refuses an absolute_time less than about 2.5 s ahead: downlink_expired), got ${valueMs}; or set multicastAbsoluteTime false`,
    );
  }
  return valueMs;
}
