import type { UnicastCommand } from '../../campaign/commands.js';
import type { Clock } from '../../campaign/ports.js';
import { parseEui64 } from '../../core/eui.js';
import { hexToBytes } from '../../core/hex.js';
import type { MqttConnection } from '../mqtt/mqtt-connection.js';
import { QueuedUnicasts } from '../queued-unicasts.js';
import { UnicastTracker } from '../unicast-tracker.js';
import { correlationIdOf, isOurs } from './tts-correlation.js';
import { encodeDownlinkPush, type TtsDownlink, type TtsPriority } from './tts-downlink-push.js';
import type { TtsHttpClient } from './tts-http-client.js';
import type { TtsTopics } from './tts-topics.js';

// Class A downlinks on The Things Stack: pushed to the device's queue (MQTT `…/down/push`, QoS 0,
// or HTTP AS down/push) with our correlation id, tracked until a down/sent (or down/ack) carrying
// it, failed by down/failed, down/nack or silence (txAckTimeoutMs: MQTT QoS 0 may lose the push,
// and a class A downlink waits for the device's next uplink). Pushes of one device go in order.
// A request asked again while our copy of it is still in the device's queue is not pushed again:
// TTS cannot take one item out of a queue (queued-unicasts.ts), and a second copy would go out at
// a later uplink of its own, costing the gateway's duty cycle again (class A: the device gets a
// queued item in the RX window of its next uplink, LoRaWAN 1.0.4 §3.3; the queued copy is the
// retry), and the copy's down/sent settles the ask. Whether the copy is still there is asked of
// TTS (AS DownlinkQueueList, `GET …/down`, our correlation id in it): its down/sent or down/failed
// may have been lost (MQTT QoS 0), and a class A window the gateway refuses (duty cycle) is only
// the NS event ns.down.data.schedule.fail (pkg/networkserver/observability.go), no application
// message: the item silently waits for the next uplink (src/sim/tts/sim-tts-downlinks.ts). A
// listing that fails lets the push go (a duplicate costs airtime; a lost request costs the device).
// An ask left to the copy is reported (onQueuedCopy): it put nothing new on air, so the engine
// does not count it as an attempt when the device was heard since (device-progress.ts
// answeredByQueuedCopy).

export interface TtsUnicastOptions {
  clock: Clock;
  timeoutMs: number;
  priority: TtsPriority;
  via: 'mqtt' | 'http';
  applicationId: string;
  topics: TtsTopics;
  mqtt: Pick<MqttConnection, 'publish'>;
  http: Pick<TtsHttpClient, 'pushDownlinks' | 'listDownlinkQueue'>;
  /** DevEUI → TTS device id (learned from uplinks, else the application's device list). */
  deviceIdOf: (devEui: string) => Promise<string>;
  onFailed: (devEui: string, reason: string) => void;
  /** A request asked again went to our copy TTS still holds (not pushed): the engine counts no attempt for it (device-progress.ts answeredByQueuedCopy). */
  onQueuedCopy?: (devEui: string, commandId: string) => void;
  onError: (error: unknown, context: string) => void;
}

export class TtsUnicast {
  private readonly tracker: UnicastTracker;
  /** Our items in the devices' queues in TTS (pushed, not yet sent, failed or dropped). */
  private readonly copies = new QueuedUnicasts();
  /** The last push of each device, so that the next one waits for it. */
  private readonly lastPush = new Map<string, Promise<void>>();

  constructor(private readonly options: TtsUnicastOptions) {
    // Silence does not forget the copy: TTS may still hold it (the next ask lists the queue).
    this.tracker = new UnicastTracker(options.clock, options.timeoutMs, (devEui, reason) => options.onFailed(devEui, reason), {
      what: 'no down/sent from The Things Stack',
      why: 'the device sent no uplink, or the MQTT push (QoS 0) was lost',
    });
  }

  get size(): number {
    return this.tracker.size;
  }

  /**
   * Checks the command, tracks it, and pushes in the background (the engine sends from inside
   * onUplink), unless TTS still holds our copy of it: then that copy is tracked for this ask.
   */
  send(command: UnicastCommand): void {
    const { devEui, correlationId, downlink, body } = this.prepare(command);
    const copy = this.copies.copyOf(devEui, command.fPort, command.payloadHex);
    if (copy === undefined) this.copies.add(correlationId, devEui, command.fPort, command.payloadHex);
    this.tracker.track(correlationId, devEui);
    const previous = this.lastPush.get(devEui) ?? Promise.resolve();
    const push = previous.then(async () => {
      if (copy !== undefined && (await this.stillQueued(devEui, copy))) {
        this.tracker.settle(correlationId);
        this.tracker.track(copy, devEui);
        // The same command carried out again (the outbox retries at least once) is its own copy: it did go out anew.
        if (copy !== correlationId) this.options.onQueuedCopy?.(devEui, command.id);
        return;
      }
      if (copy !== undefined) {
        this.copies.remove(copy);
        this.copies.add(correlationId, devEui, command.fPort, command.payloadHex);
      }
      await this.push(devEui, correlationId, downlink, body);
    });
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
    this.leftQueue(correlationIds);
    const id = this.pendingOf(correlationIds);
    return id !== undefined && this.tracker.settle(id);
  }

  /** down/failed or down/nack: returns whether it was one of ours (then onFailed was called). */
  fail(correlationIds: readonly string[], reason: string): boolean {
    this.leftQueue(correlationIds);
    const id = this.pendingOf(correlationIds);
    return id !== undefined && this.tracker.fail(id, reason);
  }

  private leftQueue(correlationIds: readonly string[]): void {
    for (const id of correlationIds) if (isOurs(id)) this.copies.remove(id);
  }

  /** The event's correlation id that is a downlink of ours still pending (an event may carry several). */
  private pendingOf(correlationIds: readonly string[]): string | undefined {
    return correlationIds.find((id) => isOurs(id) && this.tracker.has(id));
  }

  /** down/invalidated (a new session drops the queue): every downlink of the device is gone. */
  failDevice(devEui: string, reason: string): void {
    this.copies.removeDevice(devEui);
    for (let id = this.tracker.oldestOf(devEui); id !== undefined; id = this.tracker.oldestOf(devEui)) this.tracker.fail(id, reason);
  }

  close(): void {
    this.tracker.close();
    this.copies.clear();
  }

  /** Whether TTS still holds our copy (sent or failed meanwhile: no; the listing fails: no). */
  private async stillQueued(devEui: string, copy: string): Promise<boolean> {
    try {
      const deviceId = await this.options.deviceIdOf(devEui);
      const queue = await this.options.http.listDownlinkQueue(this.options.applicationId, deviceId);
      return this.copies.has(copy) && queue.some((item) => item.correlationIds.includes(copy));
    } catch (error) {
      this.options.onError(error, `GET down (the queue) of ${devEui}, to know whether ${copy} is still queued: pushing again`);
      return false;
    }
  }

  private async push(devEui: string, correlationId: string, downlink: TtsDownlink, body: string): Promise<void> {
    const { via, mqtt, http, topics, applicationId } = this.options;
    try {
      const deviceId = await this.options.deviceIdOf(devEui);
      if (via === 'mqtt') await mqtt.publish(topics.pushTopic(deviceId), body, { qos: 0 });
      else await http.pushDownlinks(applicationId, deviceId, [downlink]);
    } catch (error) {
      this.copies.remove(correlationId); // not in the queue: the next ask pushes it
      if (!this.tracker.has(correlationId)) return; // closed meanwhile
      this.options.onError(error, `${via === 'mqtt' ? 'MQTT' : 'HTTP'} down/push ${correlationId} for ${devEui}`);
      this.tracker.fail(correlationId, `The Things Stack down/push failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
