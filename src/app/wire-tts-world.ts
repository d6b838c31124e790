// The simulated world on the wire to a simulated The Things Stack: our real TTS adapter over an
// MQTT broker (embedded aedes, or the caller's) and the simulated TTS's HTTP API, in simulated
// time. What `fuota serve` does with `networkServer.kind: tts`, in one process.
import type { CampaignEngine, EngineOptions } from '../campaign/engine.js';
import { CampaignEngine as Engine } from '../campaign/engine.js';
import type { CampaignStore } from '../campaign/ports.js';
import { MemoryGroupRegistry } from '../lns/group-registry.js';
import { EmbeddedBroker } from '../lns/mqtt/embedded-broker.js';
import { MqttConnection } from '../lns/mqtt/mqtt-connection.js';
import { TtsHttpClient } from '../lns/tts/tts-http-client.js';
import { TtsNetworkServer, type TtsNetworkServerOptions } from '../lns/tts/tts-network-server.js';
import type { SimClock } from '../sim/sim-clock.js';
import type { SimFleet } from '../sim/sim-fleet.js';
import { startSimTts, type SimTts } from '../sim/tts/sim-tts.js';
import { WireTraffic, type WireTrafficStats } from '../sim/wire-traffic.js';
import { wireSettle } from './wire-settle.js';

export const DEMO_TTS_APPLICATION_ID = 'fuota-demo';
export const DEMO_TTS_TENANT_ID = 'ttn';
const DEMO_TTS_API_KEY = 'NNSXS.DEMO-SIMULATED-API-KEY';
/** TTS's default mac_settings.class_b_c_downlink_interval (1 s): class C frames of one multicast device are at least this far apart. */
export const DEMO_TTS_CLASS_C_MARGIN_MS = 1_000;

/** TTS gateway ids of the simulated fleet's gateways (TTS names gateways by id, not EUI). */
export function demoTtsGatewayId(index: number): string {
  return `sim-gateway-${index + 1}`;
}

export interface TtsWireSummary {
  brokerUrl: string;
  httpUrl: string;
  applicationId: string;
  tenantId: string;
  traffic: WireTrafficStats;
}

export interface TtsWireWorld {
  engine: CampaignEngine;
  settle(): Promise<void>;
  ttsWire: TtsWireSummary;
  /** The simulated TTS (its stats, traffic log, multicast devices, gateways). */
  tts: SimTts;
  /** Our adapter (for fault injection in tests). */
  ttsAdapter: TtsNetworkServer;
  /** What is in flight (tests that restart the broker write lost QoS 0 messages off). */
  traffic: WireTraffic;
  /** Whether the simulated TTS's and our MQTT connections are both connected. */
  mqttConnected(): boolean;
  close(): Promise<void>;
}

export interface WireTtsOptions {
  clock: SimClock;
  fleet: SimFleet;
  store: CampaignStore;
  uplinkIntervalMs: number;
  engine: Partial<Pick<EngineOptions, 'onTransition' | 'onCommandError' | 'onError'>>;
  /** A broker to use (e.g. a private mosquitto); default: an embedded aedes on a free port. */
  brokerUrl?: string;
  /** That broker's credentials, for every connection (default: TTS's, app@tenant and the API key). */
  brokerAuth?: { username: string; password: string };
  /** Adapter options to override (tests). */
  adapter?: Partial<Omit<TtsNetworkServerOptions, 'mqtt' | 'http' | 'onUplink' | 'onDownlinkFailed'>>;
}

export async function wireTtsFleet(options: WireTtsOptions): Promise<TtsWireWorld> {
  const { clock, fleet, store } = options;
  const traffic = new WireTraffic();
  const cleanups: Array<() => Promise<void> | void> = [() => store.close()];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const broker = options.brokerUrl === undefined ? await EmbeddedBroker.start() : undefined;
    if (broker) cleanups.push(() => broker.close());
    const brokerUrl = options.brokerUrl ?? broker!.url;
    // TTS's MQTT server speaks 3.1.1 with QoS 0 and keeps no session (network-servers.md).
    const connection = (name: string, username?: string, password?: string) =>
      new MqttConnection({
        url: brokerUrl,
        clientId: `fuota-demo-${name}-${process.pid}-${Math.floor(clock.now() % 1e6)}`,
        protocolVersion: 4,
        clean: true,
        observer: traffic.observer(name),
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
      });
    const auth = options.brokerAuth;
    const ttsMqtt = connection('tts', auth?.username, auth?.password);
    const tts = await startSimTts({
      network: fleet.network,
      clock,
      mqtt: ttsMqtt,
      applicationId: DEMO_TTS_APPLICATION_ID,
      tenantId: DEMO_TTS_TENANT_ID,
      apiKey: DEMO_TTS_API_KEY,
      gateways: fleet.gateways,
    });
    cleanups.push(() => tts.stop());
    const http = traffic.trackCalls(new TtsHttpClient({ baseUrl: tts.httpUrl, apiKey: DEMO_TTS_API_KEY }));
    let engine: CampaignEngine | undefined;
    const fuotaMqtt = connection('fuota', auth?.username ?? `${DEMO_TTS_APPLICATION_ID}@${DEMO_TTS_TENANT_ID}`, auth?.password ?? DEMO_TTS_API_KEY);
    const network = new TtsNetworkServer({
      mqtt: fuotaMqtt,
      http,
      applicationId: DEMO_TTS_APPLICATION_ID,
      tenantId: DEMO_TTS_TENANT_ID,
      frequencyPlanId: 'EU_863_870_TTN',
      gatewayIds: fleet.gateways,
      registry: new MemoryGroupRegistry(),
      clock,
      // A class A downlink waits for the next uplink: give it three uplink intervals.
      txAckTimeoutMs: 3 * options.uplinkIntervalMs,
      ...options.adapter,
      onUplink: (uplink) => engine?.handleUplink(uplink),
      onDownlinkFailed: (devEui, reason) => engine?.downlinkFailed(devEui, reason),
      onUnicastQueuedCopy: (devEui, commandId) => engine?.unicastQueuedCopy(devEui, commandId),
      onDutyCycleOverflow: (overflow) => engine?.gatewayDutyCycleOverflow(overflow),
    });
    engine = new Engine({ store, network, clock, ...options.engine });
    const theEngine = engine;
    cleanups.push(() => network.close());
    cleanups.push(() => theEngine.close());
    await network.start();
    return {
      engine: theEngine,
      settle: wireSettle(theEngine, traffic),
      ttsWire: { brokerUrl, httpUrl: tts.httpUrl, applicationId: DEMO_TTS_APPLICATION_ID, tenantId: DEMO_TTS_TENANT_ID, traffic: traffic.stats },
      tts,
      ttsAdapter: network,
      traffic,
      mqttConnected: () => ttsMqtt.state === 'connected' && fuotaMqtt.state === 'connected',
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
