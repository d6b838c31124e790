import { randomUUID } from 'node:crypto';
import type { UnicastCommand } from '../../campaign/commands.js';
import type { Uplink } from '../../campaign/ports.js';
import { isEui64 } from '../../core/eui.js';
import type { MqttConnection } from '../../lns/mqtt/mqtt-connection.js';
import type { RealTimeDriver } from '../real-time-driver.js';
import { queueItemOf, SimCommandError, type SimQueueItem } from './sim-chirpstack-command.js';
import { SimChirpstackDeviceQueue, type SimQueueLog, type SimTxAckRefusal } from './sim-chirpstack-device-queue.js';
import type { SimChirpstackEncoding, SimChirpstackEvent, SimLogEvent, SimTxAckEvent, SimUpEvent } from './sim-chirpstack-events.js';
import { DEFAULT_TENANCY, type SimChirpstackTenancy } from './sim-chirpstack-integration.js';
import { MqttSimChirpstackLink, type SimChirpstackLink, type SimLinkCommand } from './sim-chirpstack-link.js';
import { SimChirpstackTopics, type SimTopicTemplates } from './sim-chirpstack-topics.js';
import { DEFAULT_SIM_CHIRPSTACK_VERSION, parseSimChirpstackVersion, type SimChirpstackVersion } from './sim-chirpstack-version.js';
import type { SimNetworkServer } from '../sim-network-server.js';

// The MQTT side of a simulated ChirpStack v4 (chirpstack/src/integration/mqtt.rs), over a
// SimNetworkServer run in real time: a client of a real broker that
//   - publishes `event/up` for every simulated uplink (JSON or Protobuf, as `[integration.mqtt] json`);
//   - takes `command/down` (subscribed with "+" in every variable, as ChirpStack does) onto the
//     device's class A queue with the command's id as queue item id (empty id: ChirpStack picks
//     one), under ChirpStack's queue rules (sim-chirpstack-device-queue.ts: a duplicate id is
//     dropped, a gateway refusal (rejectNextDownlink, a test's hand) and, v4.14+, an expired
//     item each publish a `log` event);
//   - publishes `event/txack` with that id when the downlink goes on air (SimNetworkServer's
//     onUnicastSent hook);
//   - like ChirpStack, answers a command for an unknown device or another application with
//     nothing at all (only counted here), and emits no event for multicast.
// Other log events are not produced by the network: tests publish them with publishEvent.
// It builds its messages and reads commands on its own (sim-chirpstack-integration.ts, -json.ts,
// -protobuf.ts, -topics.ts, -command.ts), never with the adapter's codec (src/lns/chirpstack/):
// the two implementations meet on the wire, so a bug on either side shows. The writing and
// reading happen in its link (sim-chirpstack-link.ts): in this thread over `mqtt`, or `link`
// (the demo's, in a worker thread beside the broker: sim-chirpstack-worker.ts).

export interface SimChirpstackMqttOptions {
  network: SimNetworkServer;
  /** Not yet connected: start() connects it. Unused when `link` is given. */
  mqtt?: MqttConnection;
  /** Where events go and commands come from, instead of `mqtt` in this thread. */
  link?: SimChirpstackLink;
  /** The one application every simulated device belongs to. */
  applicationId: string;
  encoding: SimChirpstackEncoding;
  topics?: SimTopicTemplates;
  /** deviceInfo's tenant, application name and device profile; default DEFAULT_TENANCY. */
  tenancy?: Partial<SimChirpstackTenancy>;
  /** The network clock's driver: caught up before a command is queued, so that it lands at wall time. */
  driver?: RealTimeDriver;
  /** Gateway named in rxInfo and txack (EUI-64); default none. */
  gatewayId?: string;
  /** The ChirpStack release played, "4.minor.patch" (unicast expiry from 4.14); default 4.19.0. */
  version?: string;
  onError?: (error: unknown, context: string) => void;
}

export interface SimChirpstackMqttStats {
  upPublished: number;
  /** Commands of our application (others are not counted). */
  commandsReceived: number;
  /** Of our application: unknown device, undecodable, refused. ChirpStack only logs these. */
  commandsIgnored: number;
  txAcksPublished: number;
  txAcksMuted: number;
  /** Class A downlinks a gateway refused (rejectNextDownlink). */
  downlinksRefused: number;
  /** Items dropped as expired at an uplink (v4.14+). */
  itemsExpired: number;
}

export type { SimTxAckRefusal } from './sim-chirpstack-device-queue.js';

export class SimChirpstackMqtt {
  readonly stats: SimChirpstackMqttStats = { upPublished: 0, commandsReceived: 0, commandsIgnored: 0, txAcksPublished: 0, txAcksMuted: 0, downlinksRefused: 0, itemsExpired: 0 };
  /** Devices whose txacks are never published (a gateway that never acks): for timeout tests. */
  readonly muteTxAck = new Set<string>();
  readonly version: SimChirpstackVersion;
  private readonly topics: SimChirpstackTopics;
  private readonly tenancy: SimChirpstackTenancy;
  private readonly queue: SimChirpstackDeviceQueue;
  private readonly link: SimChirpstackLink;
  private readonly fCntUp = new Map<string, number>();
  private readonly fCntDown = new Map<string, number>();
  private stopped = false;

  private constructor(private readonly options: SimChirpstackMqttOptions) {
    this.topics = new SimChirpstackTopics(options.topics);
    this.tenancy = { ...DEFAULT_TENANCY, ...options.tenancy };
    this.version = parseSimChirpstackVersion(options.version ?? DEFAULT_SIM_CHIRPSTACK_VERSION);
    this.queue = new SimChirpstackDeviceQueue(options.network, this.version, (downlink, kind, log) => {
      if (kind === 'refused') this.stats.downlinksRefused++;
      else this.stats.itemsExpired++;
      this.publishLog(downlink, log);
    });
    const settings = { applicationId: options.applicationId, encoding: options.encoding, tenancy: this.tenancy };
    if (options.link) this.link = options.link;
    else if (options.mqtt) this.link = new MqttSimChirpstackLink(options.mqtt, this.topics, settings);
    else throw new SimCommandError('expected an MQTT connection or a link, got neither');
  }

  static async start(options: SimChirpstackMqttOptions): Promise<SimChirpstackMqtt> {
    const sim = new SimChirpstackMqtt(options);
    await sim.link.start((command) => sim.onCommand(command));
    options.network.onUplink = (uplink) => sim.publishUp(uplink);
    options.network.onUnicastSent = (downlink) => sim.publishTxAck(downlink);
    sim.queue.attach();
    return sim;
  }

  /** The gateway refuses the device's next class A downlink with `status` (once per call): log DOWNLINK_GATEWAY, the item stays queued. */
  rejectNextDownlink(devEui: string, status: SimTxAckRefusal): void {
    this.queue.rejectNextDownlink(devEui, status);
  }

  /** Publishes any event as ChirpStack would (e.g. a log event with DUTY_CYCLE_OVERFLOW). */
  async publishEvent(event: SimChirpstackEvent): Promise<void> {
    await this.link.publish(event, this.options.network.now());
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.options.network.onUplink = () => {};
    this.options.network.onUnicastSent = () => {};
    this.queue.detach();
    await this.link.stop();
  }

  private publishUp(uplink: Uplink): void {
    if (this.stopped || !isEui64(uplink.devEui)) return;
    const fCnt = this.fCntUp.get(uplink.devEui) ?? 0;
    this.fCntUp.set(uplink.devEui, fCnt + 1);
    const gatewayIds = this.options.gatewayId === undefined ? [] : [this.options.gatewayId];
    const event: SimUpEvent = {
      kind: 'up', applicationId: this.options.applicationId, devEui: uplink.devEui, deduplicationId: randomUUID(), timeMs: uplink.atMs,
      fCnt, fPort: uplink.fPort, data: uplink.payload, dr: 5, confirmed: false, gatewayIds,
      // The seam for a simulated device profile codec: its output, when the uplink has one.
      ...(uplink.object === undefined ? {} : { object: uplink.object }),
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
    const event: SimTxAckEvent = {
      kind: 'txack', applicationId: this.options.applicationId, devEui: downlink.devEui, queueItemId: downlink.id,
      downlinkId: Math.floor(Math.random() * 2 ** 32), fCntDown, timeMs: this.options.network.now(),
      ...(this.options.gatewayId === undefined ? {} : { gatewayId: this.options.gatewayId }),
    };
    this.stats.txAcksPublished++;
    this.publishEvent(event).catch((error: unknown) => this.options.onError?.(error, `event/txack of ${downlink.devEui}`));
  }

  private publishLog(downlink: UnicastCommand, log: SimQueueLog): void {
    if (this.stopped || !isEui64(downlink.devEui)) return;
    const event: SimLogEvent = { kind: 'log', applicationId: this.options.applicationId, devEui: downlink.devEui, timeMs: this.options.network.now(), ...log };
    this.publishEvent(event).catch((error: unknown) => this.options.onError?.(error, `event/log of ${downlink.devEui}`));
  }

  private onCommand(read: SimLinkCommand): void {
    if (read.kind === 'other') return;
    let item: SimQueueItem;
    try {
      if (read.kind === 'command' || read.counted) this.stats.commandsReceived++;
      if (read.kind === 'refused') throw read.error;
      item = queueItemOf(read.devEui, read.command);
    } catch (error) {
      this.stats.commandsIgnored++;
      this.options.onError?.(error, `command on ${read.topic}`);
      return;
    }
    // ChirpStack: an unknown device is only logged server-side.
    if (!this.options.network.device(item.devEui)) {
      this.stats.commandsIgnored++;
      return;
    }
    this.options.driver?.catchUp();
    if (!this.queue.enqueue(item)) {
      this.stats.commandsIgnored++;
      this.options.onError?.(new SimCommandError(`id ${item.id}: duplicate key value violates unique constraint "device_queue_item_pkey"`), `command on ${read.topic}`);
    }
  }
}
