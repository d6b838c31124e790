import type { Uplink } from '../../campaign/ports.js';
import type { MqttConnection, ReceivedMessage } from '../../lns/mqtt/mqtt-connection.js';
import { loraTimeOnAirUs } from '../../radio/time-on-air.js';
import type { RealTimeDriver } from '../real-time-driver.js';
import type { SimNetworkServer } from '../sim-network-server.js';
import { readDownlinks } from './sim-tts-downlink.js';
import type { SimTtsDownlinks } from './sim-tts-downlinks.js';
import { SimTtsError } from './sim-tts-errors.js';
import type { SimTtsDownlinkEvent, SimTtsStats } from './sim-tts-events.js';
import type { SimTtsGateways } from './sim-tts-gateways.js';
import { applicationTopic, downlinkMessage, upMessage, type TtsDeviceIds } from './sim-tts-messages.js';
import type { SimTtsRegistry } from './sim-tts-registry.js';
import type { SimTtsTraffic } from './sim-tts-traffic.js';
import { uplinkChannel } from './sim-tts-uplink-channel.js';

// The Application Server's MQTT frontend (pkg/applicationserver/io/mqtt), played as a client of
// a real broker: every fleet uplink of a registered device → `up` (QoS 0: TTS's MQTT server has
// QoS 0 only and no persistent sessions, so a message published while the subscriber is away is
// lost — ../shared/reference/network-servers.md), downlink events → down/queued, down/sent,
// down/failed; `down/push` and `down/replace` ({"downlinks": [...]}) go through the AS/NS path
// (sim-tts-downlinks.ts). A push that is no JSON of ApplicationDownlinks, or for a device the
// AS does not know, is only logged by TTS (the frontend's handler returns the error to no one):
// here it reaches onError and nothing is published.

export interface SimTtsMqttOptions {
  network: SimNetworkServer;
  mqtt: MqttConnection;
  registry: SimTtsRegistry;
  gateways: SimTtsGateways;
  downlinks: SimTtsDownlinks;
  stats: SimTtsStats;
  traffic: SimTtsTraffic;
  applicationId: string;
  tenantId?: string;
  driver?: RealTimeDriver;
  /** The uplink as published, for the storage integration. */
  onUp: (message: Record<string, unknown>, deviceId: string, receivedAtMs: number) => void;
  onError?: (error: unknown, context: string) => void;
}

/** The Application Server's processing time between the gateways' reception and `up`. */
const AS_LATENCY_MS = 20;

export class SimTtsMqtt {
  private readonly prefix: string;
  private stopped = false;

  private constructor(private readonly options: SimTtsMqttOptions) {
    this.prefix = applicationTopic(options.applicationId, options.tenantId);
  }

  static async start(options: SimTtsMqttOptions): Promise<SimTtsMqtt> {
    const sim = new SimTtsMqtt(options);
    options.mqtt.onMessage((message) => sim.onPush(message));
    await options.mqtt.connect();
    await options.mqtt.subscribe(`${sim.prefix}/devices/+/down/push`, 0);
    await options.mqtt.subscribe(`${sim.prefix}/devices/+/down/replace`, 0);
    options.network.onUplink = (uplink) => sim.publishUp(uplink);
    return sim;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.options.network.onUplink = () => {};
    await this.options.mqtt.close();
  }

  /** The ids TTS puts in end_device_ids of the device's messages. */
  deviceIds(deviceId: string): TtsDeviceIds {
    const { registry, applicationId } = this.options;
    const ns = registry.ns.get(deviceId);
    const devEui = ns?.fleetDevEui ?? eui(registry.is.get(deviceId)?.device);
    return { applicationId, deviceId, ...(devEui ? { devEui } : {}), ...(ns?.profile.devAddrHex ? { devAddr: ns.profile.devAddrHex } : {}) };
  }

  publishEvent(event: SimTtsDownlinkEvent): void {
    const kind = event.kind === 'queued' ? 'down/queued' : event.kind === 'sent' ? 'down/sent' : 'down/failed';
    const message = downlinkMessage(this.deviceIds(event.deviceId), event.kind, event.downlink, this.options.network.now(), event.kind === 'failed' ? event.error : undefined);
    this.options.traffic.add(kind, `${event.deviceId} f_port ${event.downlink.fPort} ${event.downlink.frmPayload.length} B${event.kind === 'failed' ? ` ${event.error.definition.name}` : ''}${event.kind === 'sent' ? ` via ${event.gatewayIds.join('+')}` : ''}`);
    this.publish(`${this.prefix}/devices/${event.deviceId}/${kind}`, message);
  }

  private publish(topic: string, message: unknown): void {
    if (this.stopped) return;
    this.options.mqtt.publish(topic, JSON.stringify(message), { qos: 0 }).catch((error: unknown) => this.options.onError?.(error, `publish ${topic}`));
  }

  private publishUp(uplink: Uplink): void {
    const { registry, network, gateways, downlinks, stats, traffic } = this.options;
    const deviceId = registry.idOfDevEui.get(uplink.devEui);
    if (deviceId === undefined || !registry.ns.has(deviceId)) return;
    const fCnt = downlinks.fCntUp.get(uplink.devEui) ?? 0;
    downlinks.fCntUp.set(uplink.devEui, fCnt + 1);
    const channel = uplinkChannel(fCnt);
    const heardBy = (network.lastUplinkGateways(uplink.devEui) ?? []).flatMap((g) => gateways.ttsIdOf(g) ?? []);
    const message = upMessage({
      ids: this.deviceIds(deviceId), fPort: uplink.fPort, fCnt, frmPayload: uplink.payload,
      rxMetadata: heardBy.map((gatewayId, i) => ({ gatewayId, rssi: -60 - 5 * i, snr: 9.5, ...(gateways.hasGps(gatewayId) ? { gpsTimeMs: uplink.atMs } : {}) })),
      ...channel, receivedAtMs: uplink.atMs, asReceivedAtMs: uplink.atMs + AS_LATENCY_MS,
      sessionKeyId: Buffer.from(deviceId).toString('base64'),
      consumedAirtimeMs: loraTimeOnAirUs({ ...channel, phyPayloadBytes: uplink.payload.length + 13, crc: true }) / 1000,
    });
    stats.uplinksPublished++;
    traffic.add('up', `${deviceId} f_port ${uplink.fPort} f_cnt ${fCnt} ${uplink.payload.length} B`);
    this.options.onUp(message, deviceId, uplink.atMs + AS_LATENCY_MS);
    this.publish(`${this.prefix}/devices/${deviceId}/up`, message);
  }

  private onPush(message: ReceivedMessage): void {
    const escaped = this.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`^${escaped}/devices/([^/]+)/down/(push|replace)$`).exec(message.topic);
    if (!m) return;
    const [, deviceId, mode] = m as unknown as [string, string, 'push' | 'replace'];
    this.options.traffic.add('down/push', `${deviceId} ${mode} ${Buffer.from(message.payload).length} B`);
    try {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.from(message.payload).toString('utf8'));
      } catch (error) {
        throw new SimTtsError('unmarshal', { reason: (error as Error).message });
      }
      const downlinks = readDownlinks(body);
      this.options.driver?.catchUp();
      this.options.downlinks.enqueue(deviceId, downlinks, mode);
    } catch (error) {
      this.options.onError?.(error, `${mode} on ${message.topic}`);
    }
  }
}

function eui(device: Record<string, unknown> | undefined): string | undefined {
  const ids = device?.['ids'] as Record<string, unknown> | undefined;
  const devEui = ids?.['dev_eui'];
  return typeof devEui === 'string' ? devEui.toLowerCase() : undefined;
}
