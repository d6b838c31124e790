// The simulated world on the wire to a simulated ChirpStack: our real ChirpStack adapter over an
// embedded broker and the simulated gRPC API, in simulated time.
import { DEFAULT_CAMPAIGN_STATUS_TOPIC, DEFAULT_DEVICE_STATUS_TOPIC } from '../config/config-schema.js';
import { InternalError } from '../core/errors.js';
import { MemoryGroupRegistry } from '../lns/group-registry.js';
import { ChirpstackNetworkServer } from '../lns/chirpstack/chirpstack-network-server.js';
import { ChirpstackGrpcClient } from '../lns/chirpstack/grpc-client.js';
import { MqttConnection } from '../lns/mqtt/mqtt-connection.js';
import type { SimulatedWorld, WireSummary } from './simulated-world.js';
import { StatusPublisher } from '../status/status-publisher.js';
import type { PayloadEncoding } from '../lns/chirpstack/payload-encoding.js';
import { SimChirpstackGrpc } from '../sim/chirpstack/sim-chirpstack-grpc.js';
import { SimChirpstackMqtt } from '../sim/chirpstack/sim-chirpstack-mqtt.js';
import { SimChirpstackWorker } from '../sim/chirpstack/sim-chirpstack-worker.js';
import { WireTraffic } from '../sim/wire-traffic.js';
import { wireSettle } from './wire-settle.js';
import { CampaignEngine, type EngineOptions } from '../campaign/engine.js';
import type { CampaignStore } from '../campaign/ports.js';
import { SimClock } from '../sim/sim-clock.js';
import { type SimFleet } from '../sim/sim-fleet.js';

const DEMO_APPLICATION_ID = '00000000-0000-4000-8000-00000000f0a7';
const DEMO_API_TOKEN = 'demo-api-token';
/** ChirpStack's default multicast_class_c_margin (config.rs 236). */
export const DEMO_CLASS_C_MARGIN_MS = 5_000;

/**
 * The ChirpStack path of `fuota serve`, in simulated time: an embedded MQTT broker (aedes), the
 * simulated ChirpStack (MQTT integration + gRPC API) over the simulated fleet, and the engine on
 * our ChirpStack adapter. Everything shares the SimClock; `settle` lets time move on only when no
 * message or call is in flight (WireTraffic) and the engine has nothing queued. The broker and
 * the simulated ChirpStack's MQTT link (event encoding, its MQTT client) run in a worker thread,
 * on the second core (sim-chirpstack-worker.ts); the simulation itself stays in this thread.
 */
export async function wireSimulatedFleet(options: {
  clock: SimClock;
  fleet: SimFleet;
  store: CampaignStore;
  encoding: PayloadEncoding;
  uplinkIntervalMs: number;
  engine: Partial<Pick<EngineOptions, 'onTransition' | 'onCommandError' | 'onError'>>;
}): Promise<Pick<SimulatedWorld, 'engine' | 'settle' | 'wire' | 'chirpstack' | 'chirpstackApi' | 'adapter' | 'close'>> {
  const { clock, fleet, store, encoding } = options;
  const traffic = new WireTraffic();
  const cleanups: Array<() => Promise<void> | void> = [() => store.close()];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    cleanups.length = 0;
  };
  // aedes speaks MQTT 3.1.1 only; clean sessions: the demo broker keeps nothing across runs anyway.
  // coalesceWrites: a settle window's PUBACKs and publishes reach the broker's thread in one write.
  const connection = (name: string) => new MqttConnection({ url: brokerUrl, clientId: `fuota-demo-${name}-${process.pid}`, protocolVersion: 4, clean: true, coalesceWrites: true, observer: traffic.observer(name) });
  // An event the simulated ChirpStack could not publish was counted as on its way: write the
  // wire off so that the clock's settle returns, and fail the run there (not after a timeout).
  let failure: unknown;
  // (Refused commands are reported too, as ChirpStack logs them: those are no failure of the run.)
  const simulationFailed = (error: unknown, context: string): void => {
    if (!context.startsWith('event/')) return;
    failure ??= new InternalError('SIM_CHIRPSTACK_FAILED', `simulated ChirpStack, ${context}: ${(error as Error).message}`, { cause: error });
    traffic.forgetMessages();
  };
  const { worker, brokerUrl } = await SimChirpstackWorker.start({ applicationId: DEMO_APPLICATION_ID, encoding, observer: traffic.observer('chirpstack') });
  cleanups.push(() => worker.close());
  try {
    const grpcServer = await SimChirpstackGrpc.start({ network: fleet.network, clock, apiToken: DEMO_API_TOKEN, gateways: fleet.gateways, applicationIds: [DEMO_APPLICATION_ID], multicastClassCMarginMs: DEMO_CLASS_C_MARGIN_MS });
    cleanups.push(() => grpcServer.stop());
    const chirpstack = await SimChirpstackMqtt.start({ network: fleet.network, link: worker.link, applicationId: DEMO_APPLICATION_ID, encoding, onError: simulationFailed, ...(fleet.gateways[0] ? { gatewayId: fleet.gateways[0] } : {}) });
    cleanups.push(() => chirpstack.stop());
    const grpcClient = new ChirpstackGrpcClient({ address: grpcServer.address, apiToken: DEMO_API_TOKEN, transport: { kind: 'insecure' } });
    cleanups.push(() => grpcClient.close());
    let engine: CampaignEngine | undefined;
    const fuotaMqtt = connection('fuota');
    const registry = new MemoryGroupRegistry();
    const network = new ChirpstackNetworkServer({
      mqtt: fuotaMqtt,
      grpc: traffic.trackCalls(grpcClient),
      applicationId: DEMO_APPLICATION_ID,
      encoding,
      gatewayIds: fleet.gateways,
      registry,
      clock,
      // A class A downlink waits for the next uplink: give it three uplink intervals.
      txAckTimeoutMs: 3 * options.uplinkIntervalMs,
      onUplink: (uplink) => engine?.handleUplink(uplink),
      onDownlinkFailed: (devEui, reason) => engine?.downlinkFailed(devEui, reason),
      onUnicastQueuedCopy: (devEui, commandId) => engine?.unicastQueuedCopy(devEui, commandId),
      onDutyCycleOverflow: (overflow) => engine?.gatewayDutyCycleOverflow(overflow),
    });
    const statusEvents = { received: 0 };
    // A subscriber that counts the status events, in the worker beside the broker (its PUBACKs off this thread).
    await worker.watch('fuota/campaigns/#', traffic.observer('status-watcher'), (count) => void (statusEvents.received += count));
    const status = new StatusPublisher({
      // Not awaited: a transition may run inside an MQTT message handler (see MqttConnection.publish).
      publish: (topic, payload) => void fuotaMqtt.publish(topic, payload, { qos: 1 }).catch(() => undefined),
      deviceTopic: DEFAULT_DEVICE_STATUS_TOPIC,
      campaignTopic: DEFAULT_CAMPAIGN_STATUS_TOPIC,
      format: encoding,
      onError: () => {},
    });
    const onTransition = options.engine.onTransition;
    engine = new CampaignEngine({
      store,
      network,
      clock,
      ...options.engine,
      onTransition: (campaignId, result, live) => {
        void status.onTransition(campaignId, result, live);
        onTransition?.(campaignId, result, live);
      },
    });
    const theEngine = engine;
    cleanups.push(() => network.close());
    cleanups.push(() => theEngine.close());
    await network.start();
    const settleWire = wireSettle(theEngine, traffic);
    const settle = async (): Promise<void> => {
      await settleWire();
      if (failure !== undefined) throw failure;
    };
    const wire: WireSummary = {
      brokerUrl,
      grpcAddress: grpcServer.address,
      encoding,
      traffic: traffic.stats,
      chirpstack: chirpstack.stats,
      statusEvents,
    };
    return { engine, settle, wire, chirpstack, chirpstackApi: grpcServer, adapter: { network, registry }, close };
  } catch (error) {
    await close();
    throw error;
  }
}
