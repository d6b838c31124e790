import type { UnicastCommand } from '../../campaign/commands.js';
import type { Clock } from '../../campaign/ports.js';
import { parseEui64 } from '../../core/eui.js';
import { hexToBytes } from '../../core/hex.js';
import type { MqttConnection } from '../mqtt/mqtt-connection.js';
import { UnicastTracker } from '../unicast-tracker.js';
import { correlationIdOf, isOurs } from './tts-correlation.js';
import { encodeDownlinkPush, type TtsDownlink, type TtsPriority } from './tts-downlink-push.js';
import type { TtsHttpClient } from './tts-http-client.js';
import type { TtsTopics } from './tts-topics.js';

// Class A downlinks on The Things Stack: pushed to the device's queue (MQTT `…/down/push`, QoS 0,
// or HTTP AS down/push) with our correlation id, tracked until a down/sent (or down/ack) carrying
// it, failed by down/failed, down/nack or silence (txAckTimeoutMs: MQTT QoS 0 may lose the push,
// and a class A downlink waits for the device's next uplink). Pushes of one device go in order.

export interface TtsUnicastOptions {
  clock: Clock;
  timeoutMs: number;
  priority: TtsPriority;
  via: 'mqtt' | 'http';
  applicationId: string;
  topics: TtsTopics;
  mqtt: Pick<MqttConnection, 'publish'>;
  http: Pick<TtsHttpClient, 'pushDownlinks'>;
  /** DevEUI → TTS device id (learned from uplinks, else the application's device list). */
  deviceIdOf: (devEui: string) => Promise<string>;
  onFailed: (devEui: string, reason: string) => void;
  onError: (error: unknown, context: string) => void;
}

export class TtsUnicast {
  private readonly tracker: UnicastTracker;
  /** The last push of each device, so that the next one waits for it. */
  private readonly lastPush = new Map<string, Promise<void>>();

  constructor(private readonly options: TtsUnicastOptions) {
    this.tracker = new UnicastTracker(options.clock, options.timeoutMs, (devEui, reason) => options.onFailed(devEui, reason), {
      what: 'no down/sent from The Things Stack',
      why: 'the device sent no uplink, or the MQTT push (QoS 0) was lost',
    });
  }

  get size(): number {
    return this.tracker.size;
  }

  /** Checks the command, tracks it, and pushes in the background (the engine sends from inside onUplink). */
  send(command: UnicastCommand): void {
    const { devEui, correlationId, downlink, body } = this.prepare(command);
    this.tracker.track(correlationId, devEui);
    const previous = this.lastPush.get(devEui) ?? Promise.resolve();
    const push = previous.then(() => this.push(devEui, correlationId, downlink, body));
    this.lastPush.set(devEui, push);
    void push.then(() => {
      if (this.lastPush.get(devEui) === push) this.lastPush.delete(devEui);
    });
  }

  /** Refuses a bad command (DevEUI, fPort, payload) as send() would, without sending it. */
  check(command: UnicastCommand): void {
    this.prepare(command);
  }

  private prepare(command: UnicastCommand): { devEui: string; correlationId: string; downlink: TtsDownlink; body: string } {
    const devEui = parseEui64(command.devEui, 'devEui');
    const correlationId = correlationIdOf(command.id);
    const downlink: TtsDownlink = { fPort: command.fPort, payload: hexToBytes(command.payloadHex, 'payloadHex'), priority: this.options.priority, correlationIds: [correlationId] };
    const body = encodeDownlinkPush([downlink]); // refuses a bad fPort or payload before anything is tracked
    return { devEui, correlationId, downlink, body };
  }

  /** down/sent or down/ack: returns whether it was one of ours. */
  settle(correlationIds: readonly string[]): boolean {
    const id = this.pendingOf(correlationIds);
    return id !== undefined && this.tracker.settle(id);
  }

  /** down/failed or down/nack: returns whether it was one of ours (then onFailed was called). */
  fail(correlationIds: readonly string[], reason: string): boolean {
    const id = this.pendingOf(correlationIds);
    return id !== undefined && this.tracker.fail(id, reason);
  }

  /** The event's correlation id that is a downlink of ours still pending (an event may carry several). */
  private pendingOf(correlationIds: readonly string[]): string | undefined {
    return correlationIds.find((id) => isOurs(id) && this.tracker.has(id));
  }

  /** down/invalidated (a new session drops the queue): every downlink of the device is gone. */
  failDevice(devEui: string, reason: string): void {
    for (let id = this.tracker.oldestOf(devEui); id !== undefined; id = this.tracker.oldestOf(devEui)) this.tracker.fail(id, reason);
  }

  close(): void {
    this.tracker.close();
  }

  private async push(devEui: string, correlationId: string, downlink: TtsDownlink, body: string): Promise<void> {
    const { via, mqtt, http, topics, applicationId } = this.options;
    try {
      const deviceId = await this.options.deviceIdOf(devEui);
      if (via === 'mqtt') await mqtt.publish(topics.pushTopic(deviceId), body, { qos: 0 });
      else await http.pushDownlinks(applicationId, deviceId, [downlink]);
    } catch (error) {
      if (!this.tracker.has(correlationId)) return; // closed meanwhile
      this.options.onError(error, `${via === 'mqtt' ? 'MQTT' : 'HTTP'} down/push ${correlationId} for ${devEui}`);
      this.tracker.fail(correlationId, `The Things Stack down/push failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
