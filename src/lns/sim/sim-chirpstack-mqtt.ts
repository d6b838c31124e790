import { randomUUID } from 'node:crypto';
import type { UnicastCommand } from '../../campaign/commands.js';
import type { Uplink } from '../../campaign/ports.js';
import { isEui64 } from '../../core/eui.js';
import { bytesToHex } from '../../core/hex.js';
import { encodeEvent, eventName, type DecodedEvent } from '../chirpstack/events.js';
import { decodeDownlinkMessage } from '../chirpstack/messages.js';
import type { PayloadEncoding } from '../chirpstack/payload-encoding.js';
import { ChirpstackTopics, type TopicTemplates } from '../chirpstack/topics.js';
import type { MqttConnection, ReceivedMessage } from '../mqtt/mqtt-connection.js';
import type { RealTimeDriver } from './real-time-driver.js';
import type { SimNetworkServer } from './sim-network-server.js';

// The MQTT side of a simulated ChirpStack v4 (chirpstack/src/integration/mqtt.rs), over a
// SimNetworkServer run in real time: a client of a real broker that
//   - publishes `event/up` for every simulated uplink (JSON or Protobuf, as `[integration.mqtt] json`);
//   - takes `command/down` (subscribed with "+" in every variable, as ChirpStack does) onto the
//     device's class A queue with the command's id as queue item id (empty id: ChirpStack picks one);
//   - publishes `event/txack` with that id when the downlink goes on air (SimNetworkServer's
//     onUnicastSent hook);
//   - like ChirpStack, answers a command for an unknown device or another application with
//     nothing at all (only counted here), and emits no event for multicast.
// Log events (gateway rejections, expiry) are not produced by the network: tests publish them
// with publishEvent.

export interface SimChirpstackMqttOptions {
  network: SimNetworkServer;
  /** Not yet connected: start() connects it. */
  mqtt: MqttConnection;
  /** The one application every simulated device belongs to. */
  applicationId: string;
  encoding: PayloadEncoding;
  topics?: TopicTemplates;
  /** The network clock's driver: caught up before a command is queued, so that it lands at wall time. */
  driver?: RealTimeDriver;
  /** Gateway named in rxInfo and txack (EUI-64); default none. */
  gatewayId?: string;
  onError?: (error: unknown, context: string) => void;
}

export interface SimChirpstackMqttStats {
  upPublished: number;
  /** Commands of our application (others are not counted). */
  commandsReceived: number;
  /** Of our application: unknown device, undecodable. ChirpStack only logs these. */
  commandsIgnored: number;
  txAcksPublished: number;
  txAcksMuted: number;
}

export class SimChirpstackMqtt {
  readonly stats: SimChirpstackMqttStats = { upPublished: 0, commandsReceived: 0, commandsIgnored: 0, txAcksPublished: 0, txAcksMuted: 0 };
  /** Devices whose txacks are never published (a gateway that never acks): for timeout tests. */
  readonly muteTxAck = new Set<string>();
  private readonly topics: ChirpstackTopics;
  private readonly fCntUp = new Map<string, number>();
  private readonly fCntDown = new Map<string, number>();
  private stopped = false;

  private constructor(private readonly options: SimChirpstackMqttOptions) {
    this.topics = new ChirpstackTopics(options.topics);
  }

  static async start(options: SimChirpstackMqttOptions): Promise<SimChirpstackMqtt> {
    const sim = new SimChirpstackMqtt(options);
    options.mqtt.onMessage((message) => sim.onCommand(message));
    await options.mqtt.connect();
    await options.mqtt.subscribe(sim.topics.commandSubscription(), 1);
    options.network.onUplink = (uplink) => sim.publishUp(uplink);
    options.network.onUnicastSent = (downlink) => sim.publishTxAck(downlink);
    return sim;
  }

  /** Publishes any event as ChirpStack would (e.g. a log event with DUTY_CYCLE_OVERFLOW). */
  async publishEvent(event: DecodedEvent): Promise<void> {
    await this.options.mqtt.publish(this.topics.eventTopic(event.applicationId, event.devEui, eventName(event)), encodeEvent(event, this.options.encoding), { qos: 1 });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.options.network.onUplink = () => {};
    this.options.network.onUnicastSent = () => {};
    await this.options.mqtt.close();
  }

  private publishUp(uplink: Uplink): void {
    if (this.stopped || !isEui64(uplink.devEui)) return;
    const fCnt = this.fCntUp.get(uplink.devEui) ?? 0;
    this.fCntUp.set(uplink.devEui, fCnt + 1);
    const gatewayIds = this.options.gatewayId === undefined ? [] : [this.options.gatewayId];
    const event: DecodedEvent = {
      kind: 'up', applicationId: this.options.applicationId, devEui: uplink.devEui, deduplicationId: randomUUID(), timeMs: uplink.atMs,
      fCnt, fPort: uplink.fPort, data: uplink.payload, dr: 5, confirmed: false, gatewayIds,
    };
    this.stats.upPublished++;
    this.publishEvent(event).catch((error: unknown) => this.options.onError?.(error, `event/up of ${uplink.devEui}`));
  }

  private publishTxAck(downlink: UnicastCommand): void {
    if (this.stopped || !isEui64(downlink.devEui)) return;
    if (this.muteTxAck.has(downlink.devEui)) {
      this.stats.txAcksMuted++;
      return;
    }
    const fCntDown = this.fCntDown.get(downlink.devEui) ?? 0;
    this.fCntDown.set(downlink.devEui, fCntDown + 1);
    const event: DecodedEvent = {
      kind: 'txack', applicationId: this.options.applicationId, devEui: downlink.devEui, queueItemId: downlink.id,
      downlinkId: Math.floor(Math.random() * 2 ** 32), fCntDown, timeMs: this.options.network.now(),
      ...(this.options.gatewayId === undefined ? {} : { gatewayId: this.options.gatewayId }),
    };
    this.stats.txAcksPublished++;
    this.publishEvent(event).catch((error: unknown) => this.options.onError?.(error, `event/txack of ${downlink.devEui}`));
  }

  private onCommand(message: ReceivedMessage): void {
    let decoded;
    try {
      // Subscribed to every application's commands (as ChirpStack): other simulated ChirpStacks
      // on the same broker have theirs, possibly in the other encoding.
      if (this.topics.parseCommandTopic(message.topic).applicationId !== this.options.applicationId) return;
      this.stats.commandsReceived++;
      decoded = decodeDownlinkMessage(this.topics, message, this.options.encoding);
    } catch (error) {
      this.stats.commandsIgnored++;
      this.options.onError?.(error, `command on ${message.topic}`);
      return;
    }
    const { command } = decoded;
    // ChirpStack: an unknown device is only logged server-side.
    if (!this.options.network.device(command.devEui)) {
      this.stats.commandsIgnored++;
      return;
    }
    this.options.driver?.catchUp();
    void this.options.network.sendUnicast({ type: 'unicast', id: command.id === '' ? randomUUID() : command.id, devEui: command.devEui, fPort: command.fPort, payloadHex: bytesToHex(command.data) });
  }
}
