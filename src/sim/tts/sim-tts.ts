import type { MqttConnection } from '../../lns/mqtt/mqtt-connection.js';
import { formatRfc3339 } from '../../core/rfc3339.js';
import type { RealTimeDriver } from '../real-time-driver.js';
import type { SimClock } from '../sim-clock.js';
import type { SimNetworkServer } from '../sim-network-server.js';
import { downlinkJson } from './sim-tts-downlink.js';
import { SimTtsDownlinks } from './sim-tts-downlinks.js';
import { emptyStats, type SimTtsDownlinkEvent, type SimTtsStats } from './sim-tts-events.js';
import { SimTtsGateways } from './sim-tts-gateways.js';
import { SimTtsDeviceRoutes } from './sim-tts-http-devices.js';
import { SimTtsHttp } from './sim-tts-http.js';
import { applicationTopic } from './sim-tts-messages.js';
import { SimTtsMqtt } from './sim-tts-mqtt.js';
import { SimTtsMulticast } from './sim-tts-multicast.js';
import { registerFleet } from './sim-tts-fleet.js';
import { SimTtsRegistry } from './sim-tts-registry.js';
import { SimTtsStorage } from './sim-tts-storage.js';
import { SimTtsTraffic, type SimTtsTrafficEntry } from './sim-tts-traffic.js';

// A whole simulated The Things Stack v3 over one SimNetworkServer: the HTTP API (IS, NS, AS, JS
// registries, downlink queue, packages, storage integration), the AS's MQTT frontend as a client
// of a real broker, the NS's class A / class B/C scheduling and the Gateway Server's duty cycle.
// Simulated time: without a driver the caller runs the clock (tests, the demo); with one
// (`fuota sim tts`) it runs in real time and is caught up before each request and push.
// Independent of the adapter (src/lns/tts): both implement the facts of
// ../shared/reference/network-servers.md, so tests of one against the other mean something.

export interface SimTtsOptions {
  network: SimNetworkServer;
  clock: SimClock;
  driver?: RealTimeDriver;
  /** To the broker, not yet connected (start connects it). */
  mqtt: MqttConnection;
  applicationId: string;
  /** Topics v3/{app}@{tenant}/…; absent: v3/{app}/… (open-source deployments). */
  tenantId?: string;
  /** Bearer key of the HTTP API (and the MQTT password; the broker does not check it). */
  apiKey: string;
  /** TTS gateway ids of the fleet's gateways (fleet gateway i ↔ gateways[i]). */
  gateways: readonly string[];
  /** The fleet's gateway ids in the same order; default: the TTS ids themselves. */
  fleetGateways?: readonly string[];
  /** Gateways with GPS (absolute_time needs one); default all. */
  gatewaysWithGps?: readonly string[];
  httpBindAddress?: string;
  /** Default `eui-<dev eui lowercase hex>` (the TTS Console default). */
  deviceIdOf?: (devEui: string) => string;
  /** Join Server root keys by DevEUI. */
  deviceKeys?: ReadonlyMap<string, { appKeyHex?: string; nwkKeyHex?: string; lorawanVersion: string }>;
  /** Gateway Server enforce_duty_cycle; default true. */
  dutyCycle?: { enforce: boolean };
  /** Default false: storage endpoints answer not found. */
  storageIntegration?: boolean;
  /** Default false; true lists an alcsync-v1 default association on FPort 202. */
  alcsync?: boolean;
  onError?: (error: unknown, context: string) => void;
}

export interface SimTtsMulticastDevice {
  deviceId: string;
  devAddr: string;
  deviceClass: 'B' | 'C';
  queued: number;
  sent: number;
}

export interface SimTts {
  httpUrl: string;
  apiKey: string;
  stats: SimTtsStats;
  /** Bounded log of the traffic, oldest first. */
  traffic: SimTtsTrafficEntry[];
  gateways: SimTtsGateways;
  registry: SimTtsRegistry;
  multicastDevices(): SimTtsMulticastDevice[];
  /** The device's NS queue as TTS lists it (ApplicationDownlink JSON). */
  queue(deviceId: string): Array<Record<string, unknown>>;
  setGatewayOnline(gatewayId: string, online: boolean): void;
  stop(): Promise<void>;
}

export async function startSimTts(options: SimTtsOptions): Promise<SimTts> {
  const { network, clock } = options;
  const stats = emptyStats();
  const traffic = new SimTtsTraffic(() => clock.now());
  const registry = new SimTtsRegistry();
  const gateways = new SimTtsGateways(clock, {
    ids: options.gateways, enforceDutyCycle: options.dutyCycle?.enforce ?? true,
    ...(options.fleetGateways ? { fleetIds: options.fleetGateways } : {}), ...(options.gatewaysWithGps ? { withGps: options.gatewaysWithGps } : {}),
  });
  registerFleet(registry, network, clock.now(), {
    applicationId: options.applicationId, deviceIdOf: options.deviceIdOf ?? ((devEui) => `eui-${devEui.toLowerCase()}`), ...(options.deviceKeys ? { deviceKeys: options.deviceKeys } : {}),
  });
  const storage = new SimTtsStorage(options.storageIntegration ?? false, () => clock.now());
  let mqtt: SimTtsMqtt | undefined;
  const emit = (event: SimTtsDownlinkEvent): void => mqtt?.publishEvent(event);
  const multicast = new SimTtsMulticast({ network, clock, registry, gateways, stats, emit });
  const downlinks = new SimTtsDownlinks({ network, clock, registry, gateways, stats, emit, wakeMulticast: (id) => multicast.wake(id) });
  downlinks.attach();
  const http = await SimTtsHttp.start({
    apiKey: options.apiKey, applicationId: options.applicationId, devices: new SimTtsDeviceRoutes(registry, clock, options.applicationId),
    downlinks, storage, alcsync: options.alcsync ?? false, startedAt: formatRfc3339(clock.now()), stats, traffic,
    ...(options.driver ? { driver: options.driver } : {}), ...(options.httpBindAddress ? { bindAddress: options.httpBindAddress } : {}),
  });
  try {
    mqtt = await SimTtsMqtt.start({
      network, mqtt: options.mqtt, registry, gateways, downlinks, stats, traffic, applicationId: options.applicationId,
      onUp: (message, deviceId, atMs) => storage.keep(message, deviceId, atMs),
      ...(options.tenantId ? { tenantId: options.tenantId } : {}), ...(options.driver ? { driver: options.driver } : {}), ...(options.onError ? { onError: options.onError } : {}),
    });
  } catch (error) {
    await http.stop();
    downlinks.detach();
    await options.mqtt.close().catch(() => undefined);
    throw error;
  }
  const started = mqtt;
  return {
    httpUrl: http.url,
    apiKey: options.apiKey,
    stats,
    traffic: traffic.entries,
    gateways,
    registry,
    multicastDevices: () =>
      registry.multicastDevices().map(({ deviceId, record }) => ({
        deviceId, devAddr: record.profile.devAddrHex ?? '', deviceClass: record.profile.deviceClass === 'B' ? 'B' : 'C', queued: record.queue.length, sent: record.downlinksSent,
      })),
    queue: (deviceId) => downlinks.queue(deviceId).map(downlinkJson),
    setGatewayOnline: (gatewayId, online) => gateways.setOnline(gatewayId, online),
    stop: async () => {
      multicast.stop();
      downlinks.detach();
      await started.stop();
      await http.stop();
    },
  };
}

/** What `fuota sim tts` prints about where the simulated TTS listens. */
export function simTtsEndpoints(sim: SimTts, options: Pick<SimTtsOptions, 'applicationId' | 'tenantId' | 'gateways' | 'gatewaysWithGps'>): string[] {
  const prefix = applicationTopic(options.applicationId, options.tenantId);
  const user = options.tenantId ? `${options.applicationId}@${options.tenantId}` : options.applicationId;
  return [
    `HTTP API      ${sim.httpUrl}/api/v3 (Authorization: Bearer <API key>)`,
    `MQTT topics   ${prefix}/devices/{device_id}/up, …/down/push (user ${user}, password = API key; QoS 0)`,
    `Application   ${options.applicationId}${options.tenantId ? ` (tenant ${options.tenantId})` : ''}`,
    `Gateways      ${options.gateways.map((g) => (options.gatewaysWithGps === undefined || options.gatewaysWithGps.includes(g) ? `${g} (GPS)` : g)).join(', ')}`,
  ];
}
