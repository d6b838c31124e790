// The composition root: the only place that wires concrete adapters to the campaign engine.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { DEFAULT_CAMPAIGN_STATUS_TOPIC, DEFAULT_DEVICE_STATUS_TOPIC, mqttProtocolLevel } from './config/config-schema.js';
import type { FuotaConfig } from './config/load-config.js';
import { CallerError } from './core/errors.js';
import { MemoryGroupRegistry, type GroupRegistry } from './lns/chirpstack/chirpstack-group-registry.js';
import { ChirpstackNetworkServer } from './lns/chirpstack/chirpstack-network-server.js';
import { wallClock } from './lns/chirpstack/chirpstack-wall-clock.js';
import { ChirpstackGrpcClient } from './lns/chirpstack/grpc-client.js';
import { chirpstackRegionOf } from './lns/chirpstack/chirpstack-region.js';
import { MqttConnection } from './lns/mqtt/mqtt-connection.js';
import { StatusPublisher } from './status/status-publisher.js';
import { EmbeddedBroker } from './lns/mqtt/embedded-broker.js';
import type { PayloadEncoding } from './lns/chirpstack/payload-encoding.js';
import { SimChirpstackGrpc } from './lns/sim/sim-chirpstack-grpc.js';
import { SimChirpstackMqtt, type SimChirpstackMqttStats } from './lns/sim/sim-chirpstack-mqtt.js';
import { WireTraffic, type WireTrafficStats } from './lns/sim/wire-traffic.js';
import { CampaignIntake } from './intake/campaign-directory-intake.js';
import { CampaignEventHub } from './api/campaign-event-hub.js';
import { startOperatorApi, type OperatorApi } from './api/operator-api.js';
import { ChirpstackRootKeySource } from './lns/chirpstack/chirpstack-root-keys.js';
import { storeTokenVerifiers } from './api/sqlite-token-verifier.js';
import { createAdmission, type Admission } from './admission/create-admission.js';
import { bytesToHex } from './core/hex.js';
import { CampaignEngine, type EngineOptions } from './campaign/engine.js';
import type { CampaignStore } from './campaign/ports.js';
import type { CampaignSpecInput } from './campaign/spec.js';
import { reedSolomonReady } from './fec/rs-engine.js';
import { buildDemoPackage, DEMO_DEVICE_CLASS, DEMO_TARGET_VERSION } from './demo/demo-package.js';
import { simCampaign, type SimCampaign } from './demo/sim-campaign.js';
import type { SigningKey } from './manifest/keys.js';
import { formatFirmwareVersion } from './manifest/firmware-version.js';
import { sha256 } from './manifest/digest.js';
import { RealTimeDriver } from './lns/sim/real-time-driver.js';
import { startSimChirpstack } from './lns/sim/sim-chirpstack.js';
import { Random } from './lns/sim/random.js';
import { SimClock } from './lns/sim/sim-clock.js';
import { buildSimFleet, DEFAULT_SCENARIO, type FleetScenario, type SimFleet } from './lns/sim/sim-fleet.js';
import { MemoryCampaignStore } from './store/memory-campaign-store.js';
import { SqliteCampaignStore } from './store/sqlite-campaign-store.js';

export interface SimulatedWorld {
  clock: SimClock;
  fleet: SimFleet;
  engine: CampaignEngine;
  store: CampaignStore;
  spec: CampaignSpecInput;
  block: Uint8Array;
  startMs: number;
  /** Sizes of what goes on air. */
  sizes: { oldImageBytes: number; newImageBytes: number; packageBytes: number };
  /** How the engine reaches the simulated network: directly, or over MQTT + gRPC as with ChirpStack. */
  transport: SimulatedTransport;
  /** For SimClock.run: resolves once the engine and the wire are quiet, so that time may move on. */
  settle(): Promise<void>;
  /** What went over the wire (transport 'wire' only). */
  wire?: WireSummary;
  /** The simulated ChirpStack's MQTT side (transport 'wire' only): tests publish log events through it. */
  chirpstack?: SimChirpstackMqtt;
  /** The simulated ChirpStack's gRPC side (transport 'wire' only): its groups, queue and gateways. */
  chirpstackApi?: SimChirpstackGrpc;
  /** Our ChirpStack adapter and its group registry (transport 'wire' only): for fault injection. */
  adapter?: { network: ChirpstackNetworkServer; registry: GroupRegistry };
  /** Stops the engine and everything the world started (broker, servers, connections, store). */
  close(): Promise<void>;
}

export type SimulatedTransport = 'in-process' | 'wire';

export interface WireSummary {
  brokerUrl: string;
  grpcAddress: string;
  encoding: PayloadEncoding;
  traffic: WireTrafficStats;
  chirpstack: SimChirpstackMqttStats;
  /** Status events received by a subscriber to fuota/campaigns/#. */
  statusEvents: { received: number };
}

export interface SimulationOptions {
  scenario: FleetScenario;
  campaignId?: string;
  /** SQLite file, ':memory:' (default) or 'memory' for the in-process store. */
  storePath?: string;
  firmwareBytes?: number;
  /** Sign with a key the devices do not trust (every device must reject the package). */
  badSignature?: boolean;
  spec?: Partial<CampaignSpecInput>;
  engine?: Partial<Pick<EngineOptions, 'onTransition' | 'onCommandError' | 'onError'>>;
  /** Simulated start time (default: 2026-11-21T08:00Z, so that runs are reproducible). */
  startMs?: number;
  /** Default 'in-process'. 'wire': an embedded MQTT broker, the simulated ChirpStack (MQTT + gRPC) and our ChirpStack adapter. */
  transport?: SimulatedTransport;
  /** ChirpStack's integration encoding on the wire; default json. */
  encoding?: PayloadEncoding;
}

export function openStore(path: string): CampaignStore {
  return path === 'memory' ? new MemoryCampaignStore() : SqliteCampaignStore.open(path);
}

/**
 * A whole FUOTA set-up in simulated time: a signed delta package for a synthetic firmware pair,
 * a fleet of simulated devices behind a simulated network server, and the campaign engine with
 * a store, ready for `engine.create(spec, block)` and `clock.run(...)`.
 */
export async function createSimulatedWorld(options: SimulationOptions): Promise<SimulatedWorld> {
  const startMs = options.startMs ?? Date.UTC(2026, 10, 21, 8, 0, 0);
  const clock = new SimClock(startMs);
  const scenario = options.scenario;
  const demoPackage = buildDemoPackage({ firmwareBytes: options.firmwareBytes ?? 64 * 1024, seed: scenario.seed, badSignature: Boolean(options.badSignature) });
  const { oldImage, newImage, verifyImage: verify, rejectImage } = demoPackage;
  const rsEngine = scenario.payloadMode === 'full' ? await reedSolomonReady() : undefined;
  const fleet = buildSimFleet({
    scenario: { ...scenario, firmwareVersion: scenario.firmwareVersion },
    clock,
    image: oldImage,
    verifyImage: verify,
    rejectImage,
    maxNbFrag: 2000,
    smallMaxNbFrag: 4,
    ...(rsEngine ? { rsEngine } : {}),
    // ChirpStack names gateways by EUI-64.
    ...(options.transport === 'wire' ? { gatewayId: (i: number) => (0x0016c001ff100000 + i + 1).toString(16).padStart(16, '0') } : {}),
  });
  const store = openStore(options.storePath ?? ':memory:');
  const mcKey = bytesToHex(scenario.seed === undefined ? randomBytes(16) : new Random(scenario.seed).fork('mc-key').bytes(16));
  const spec: CampaignSpecInput = {
    id: options.campaignId ?? 'demo',
    name: 'simulated fleet update',
    firmware: { version: DEMO_TARGET_VERSION },
    devices: fleet.targets,
    // On the wire, the simulated ChirpStack spaces class C items as ChirpStack does: plan with it.
    multicast: { mcKey, gateways: fleet.gateways, ...(options.transport === 'wire' ? { classCMarginMs: DEMO_CLASS_C_MARGIN_MS } : {}) },
    ...options.spec,
  };
  const base = { clock, fleet, store, spec, block: demoPackage.bytes, startMs, sizes: { oldImageBytes: oldImage.length, newImageBytes: newImage.length, packageBytes: demoPackage.bytes.length } };
  if (options.transport === 'wire') {
    const wired = await wireSimulatedFleet({ clock, fleet, store, encoding: options.encoding ?? 'json', uplinkIntervalMs: scenario.uplinkIntervalMs, engine: options.engine ?? {} });
    for (const member of fleet.members) member.device.boot();
    return { ...base, ...wired, transport: 'wire' };
  }
  const engine = new CampaignEngine({ store, network: fleet.network, clock, ...options.engine });
  fleet.network.onUplink = (uplink) => void engine.handleUplink(uplink);
  for (const member of fleet.members) member.device.boot();
  return {
    ...base,
    engine,
    transport: 'in-process',
    settle: () => engine.idle(),
    close: async () => {
      await engine.close();
      await store.close();
    },
  };
}

const DEMO_APPLICATION_ID = '00000000-0000-4000-8000-00000000f0a7';
const DEMO_API_TOKEN = 'demo-api-token';
/** ChirpStack's default multicast_class_c_margin (config.rs 236). */
const DEMO_CLASS_C_MARGIN_MS = 5_000;
/** Real time allowed for one simulated instant's messages to cross the wire. */
const WIRE_SETTLE_TIMEOUT_MS = 30_000;

/**
 * The ChirpStack path of `fuota serve`, in simulated time: an embedded MQTT broker (aedes), the
 * simulated ChirpStack (MQTT integration + gRPC API) over the simulated fleet, and the engine on
 * our ChirpStack adapter. Everything shares the SimClock; `settle` lets time move on only when no
 * message or call is in flight (WireTraffic) and the engine has nothing queued.
 */
async function wireSimulatedFleet(options: {
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
  const connection = (name: string) => new MqttConnection({ url: broker.url, clientId: `fuota-demo-${name}-${process.pid}`, protocolVersion: 4, clean: true, observer: traffic.observer(name) });
  const broker = await EmbeddedBroker.start();
  cleanups.push(() => broker.close());
  try {
    const grpcServer = await SimChirpstackGrpc.start({ network: fleet.network, clock, apiToken: DEMO_API_TOKEN, gateways: fleet.gateways, applicationIds: [DEMO_APPLICATION_ID], multicastClassCMarginMs: DEMO_CLASS_C_MARGIN_MS });
    cleanups.push(() => grpcServer.stop());
    const chirpstack = await SimChirpstackMqtt.start({ network: fleet.network, mqtt: connection('chirpstack'), applicationId: DEMO_APPLICATION_ID, encoding, ...(fleet.gateways[0] ? { gatewayId: fleet.gateways[0] } : {}) });
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
      onDutyCycleOverflow: (overflow) => engine?.gatewayDutyCycleOverflow(overflow),
    });
    const statusEvents = { received: 0 };
    const watcher = connection('status-watcher');
    watcher.onMessage(() => void statusEvents.received++);
    await watcher.connect();
    cleanups.push(() => watcher.close());
    await watcher.subscribe('fuota/campaigns/#', 1);
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
    const settle = async (): Promise<void> => {
      for (;;) {
        if (theEngine.busy) await theEngine.idle();
        else if (traffic.pending > 0) await traffic.drained(WIRE_SETTLE_TIMEOUT_MS);
        else {
          // One turn of the event loop: continuations one promise away start their work now.
          await new Promise((resolve) => setImmediate(resolve));
          if (!theEngine.busy && traffic.pending === 0) return;
        }
      }
    };
    const wire: WireSummary = {
      brokerUrl: broker.url,
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

// ---------------------------------------------------------------------------------------------
// `fuota serve`: the long-running service on ChirpStack v4, wired from a loaded configuration.

export interface ServiceOptions {
  logger: Logger;
  /** How often campaigns.directory is scanned; default 3 s. */
  intakeIntervalMs?: number;
}

export interface Service {
  readonly engine: CampaignEngine;
  /** The operator API's base URL (http(s)://host:port) once started; undefined without api.listen. */
  apiUrl(): string | undefined;
  /** Admission (src/admission/): what the campaign API calls before it creates a campaign. */
  readonly admit: Admission;
  /** Connects, subscribes, resumes stored campaigns, starts the campaign intake. */
  start(): Promise<void>;
  /** Graceful: stops the intake, lets the engine finish queued work, then closes network, MQTT and store. */
  stop(): Promise<void>;
}

const DEFAULT_INTAKE_INTERVAL_MS = 3_000;

export function createService(config: FuotaConfig, options: ServiceOptions): Service {
  const log = options.logger;
  const ns = config.networkServer;
  const { mqtt: mqttConfig, api } = ns;
  const store = openStore(config.store.path);
  // The operator API (config api.listen): live events from every transition, started with the service.
  const campaignEvents = new CampaignEventHub();
  let operatorApi: OperatorApi | undefined;
  let closeStoreTokens = (): void => {};
  let networkStarted = false;
  let storeOpen = true;
  const mqtt = new MqttConnection({
    url: mqttConfig.url,
    clientId: mqttConfig.clientId,
    clean: mqttConfig.cleanSession,
    protocolVersion: mqttProtocolLevel(mqttConfig.protocolVersion),
    sessionExpiryS: mqttConfig.sessionExpiryS,
    keepaliveS: mqttConfig.keepaliveS,
    ...(mqttConfig.username === undefined ? {} : { username: mqttConfig.username }),
    ...(mqttConfig.password === undefined ? {} : { password: mqttConfig.password }),
    ...(mqttConfig.tls ? { tls: mqttConfig.tls } : {}),
  });
  mqtt.onState((change) => {
    operatorApi?.metrics.connection('mqtt', change.state === 'connected');
    if (change.state === 'reconnecting') log.warn({ err: change.error, retryInMs: change.retryInMs }, 'MQTT connection lost, reconnecting');
    else if (change.state === 'connected') log.info({ sessionPresent: change.sessionPresent }, 'MQTT connected');
  });
  mqtt.onHandlerError((error, message) => log.error({ err: error, topic: message.topic }, 'MQTT message handler failed'));
  const grpc = new ChirpstackGrpcClient({
    address: api.address,
    apiToken: api.token,
    transport: api.tls ? { kind: 'tls', ...(api.tls.ca === undefined ? {} : { caPem: api.tls.ca }) } : { kind: 'insecure' },
  });
  let engine: CampaignEngine | undefined;
  const network = new ChirpstackNetworkServer({
    mqtt,
    grpc,
    applicationId: ns.applicationId,
    encoding: mqttConfig.format,
    topics: { event: mqttConfig.eventTopic, command: mqttConfig.commandTopic },
    region: chirpstackRegionOf(config.campaigns.defaults.region),
    ...(ns.gateways.length > 0 ? { gatewayIds: ns.gateways } : {}),
    txAckTimeoutMs: ns.txAckTimeoutMs,
    queuePollMs: ns.multicastQueuePollMs,
    multicastExpiresAfterMs: ns.multicastExpiresAfterMs,
    ...(ns.version === undefined ? {} : { version: ns.version }),
    // Beside the store, so that a restart finds the groups it must still delete.
    registry: config.store.path === ':memory:' ? new MemoryGroupRegistry() : `${config.store.path}.groups.json`,
    clock: wallClock,
    onUplink: (uplink) => engine?.handleUplink(uplink),
    onDownlinkFailed: (devEui, reason) => {
      log.debug({ devEui, reason }, 'downlink failed');
      return engine?.downlinkFailed(devEui, reason);
    },
    onGatewayRejection: (rejection) => log.warn({ rejection }, 'gateway rejected a frame'),
    // The ledger learns that the gateways serving this device are out of duty-cycle budget.
    onDutyCycleOverflow: (overflow) => engine?.gatewayDutyCycleOverflow(overflow),
    onError: (error, context) => log.error({ err: error, context }, 'network server error'),
    onGroupDeleted: (groupName) => log.info({ groupName }, 'multicast group deleted'),
  });
  const status = statusPublisher(config, mqtt, log);
  const phases = new Map<string, string>();
  engine = new CampaignEngine({
    store,
    network,
    clock: wallClock,
    maxUplinkSkewMs: ns.maxUplinkSkewMs,
    onTransition: (campaignId, result, live) => {
      // Never awaited: the transition may run inside an MQTT message handler (awaiting a publish there deadlocks).
      if (status) void status.onTransition(campaignId, result, live);
      campaignEvents.onTransition(campaignId, result, live);
      const c = result.campaign;
      const phase = `${c.phase}/${c.waveIndex}/${c.wave?.stage ?? ''}`;
      if (phases.get(campaignId) !== phase) {
        phases.set(campaignId, phase);
        log.info({ campaignId, phase: c.phase, wave: c.waveIndex, waveCount: c.waveCount, stage: c.wave?.stage, haltReason: c.haltReason }, 'campaign progress');
      }
    },
    onCommandError: (campaignId, command, error) => {
      operatorApi?.metrics.commandFailed(command.type);
      log.error({ err: error, campaignId, command: command.type }, 'campaign command failed (kept in the outbox, retried)');
    },
  });
  // One admission for every way in (campaign files, REST, gRPC): docs/package-format.md "Admission".
  const admit = createAdmission(config, grpc, store);
  const intake = config.campaigns.directory === undefined ? undefined : new CampaignIntake(config.campaigns.directory, admit, engine, log, options.intakeIntervalMs ?? DEFAULT_INTAKE_INTERVAL_MS);
  const theEngine = engine;
  let started = false;
  let stopped: Promise<void> | undefined;
  return {
    engine: theEngine,
    admit,
    apiUrl: () => operatorApi?.url,
    async start() {
      if (started) throw new CallerError('SERVICE_ALREADY_STARTED', 'service.start: expected a service not yet started, got a started one');
      started = true;
      await network.start();
      networkStarted = true;
      const resumed = await theEngine.resumeAll();
      log.info({ resumed, applicationId: ns.applicationId, campaignsDirectory: config.campaigns.directory }, 'fuota service started');
      intake?.start();
      if (config.api.listen !== undefined) {
        // Tokens of `fuota token create` (store.path) beside the config's api.tokens.
        const storeTokens = storeTokenVerifiers(config.store.path);
        closeStoreTokens = storeTokens.close;
        operatorApi = await startOperatorApi({
          config: { ...config.api, listen: config.api.listen },
          engine: theEngine,
          store,
          events: campaignEvents,
          admit,
          clock: wallClock,
          ready: () => ({ store: storeOpen, networkServer: networkStarted }),
          verifiers: storeTokens.verifiers,
          logger: log,
          // gRPC chirpstack-fuota-server compatibility: mc_root_key checked against ChirpStack's keys.
          rootKeys: new ChirpstackRootKeySource(grpc),
          applicationId: ns.applicationId,
        });
        operatorApi.metrics.connection('mqtt', mqtt.state === 'connected');
        operatorApi.metrics.probeConnection('grpc', () => grpc.reachable());
      }
    },
    stop() {
      stopped ??= (async () => {
        await operatorApi?.close();
        closeStoreTokens();
        await intake?.stop();
        await theEngine.close();
        await network.close();
        grpc.close();
        storeOpen = false;
        await store.close();
        log.info('fuota service stopped');
      })();
      return stopped;
    },
  };
}

function statusPublisher(config: FuotaConfig, mqtt: MqttConnection, log: Logger): StatusPublisher | undefined {
  const events = config.statusEvents;
  if (!events.enabled) return undefined;
  const publishOptions = { qos: config.networkServer.mqtt.qos, retain: events.retain };
  return new StatusPublisher({
    // Fire and forget (QoS 1 publishes made while offline go out on reconnect): the engine must not wait for the broker.
    publish: (topic, payload) => {
      mqtt.publish(topic, payload, publishOptions).catch((error: unknown) => log.warn({ err: error, topic }, 'status event not published'));
    },
    deviceTopic: events.deviceTopic,
    campaignTopic: events.campaignTopic,
    format: events.format,
    onError: (error, topic) => log.warn({ err: error, topic }, 'status event not built'),
  });
}

// ---------------------------------------------------------------------------------------------
// `fuota sim chirpstack`: a simulated ChirpStack (MQTT integration + gRPC API) and fleet in real
// time, configured from the same file as `fuota serve`, so that the service can be tried alone.

export interface SimulatedChirpstackOptions {
  devices: number;
  seed: number;
  uplinkIntervalMs: number;
  /** Mean downlink loss per device (0..1). */
  loss: number;
  /** Run an aedes broker on the config's MQTT URL (127.0.0.1, its port) instead of using a broker there. */
  embeddedBroker: boolean;
  /** The vendor key the package is signed with and the simulated devices trust. */
  signingKey: SigningKey;
  onError?: (error: unknown, context: string) => void;
}

export interface SimulatedChirpstack {
  /** What it serves, one line each. */
  endpoints: string[];
  fleet: SimFleet;
  /** The campaign file content for the fleet, with the signed package. */
  campaign(id: string): SimCampaign;
  /** What a simulated event threw, when one did: the clock has stopped (the simulation is dead). */
  failure(): unknown;
  /** Stops the MQTT client, the gRPC server, the broker (when embedded) and the clock. */
  stop(): Promise<void>;
}

/** The simulated devices' gateway when the config names none. */
const SIM_GATEWAY = '0016c001ff10b001';

export async function startSimulatedChirpstack(config: FuotaConfig, options: SimulatedChirpstackOptions): Promise<SimulatedChirpstack> {
  const ns = config.networkServer;
  const mqttConfig = ns.mqtt;
  if (ns.api.tls) throw new CallerError('SIM_CONFIG_UNSUPPORTED', 'networkServer.api.tls: expected unset (the simulated ChirpStack serves plaintext gRPC), got a TLS section');
  const brokerUrl = new URL(mqttConfig.url);
  if (options.embeddedBroker) {
    if (mqttConfig.protocolVersion !== '3.1.1') throw new CallerError('SIM_CONFIG_UNSUPPORTED', `networkServer.mqtt.protocolVersion: expected "3.1.1" with --embedded-broker (aedes speaks MQTT 3.1.1 only), got ${mqttConfig.protocolVersion}`);
    if (brokerUrl.protocol !== 'mqtt:' || mqttConfig.tls) throw new CallerError('SIM_CONFIG_UNSUPPORTED', `networkServer.mqtt.url: expected mqtt:// without tls with --embedded-broker (plain TCP), got ${brokerUrl.protocol}//`);
    if (!['localhost', '127.0.0.1'].includes(brokerUrl.hostname) || brokerUrl.port === '') throw new CallerError('SIM_CONFIG_UNSUPPORTED', `networkServer.mqtt.url: expected mqtt://127.0.0.1:PORT or mqtt://localhost:PORT with --embedded-broker, got ${mqttConfig.url}`);
  }
  const gateways = ns.gateways.length > 0 ? [...ns.gateways] : [SIM_GATEWAY];
  const demoPackage = buildDemoPackage({ firmwareBytes: 4 * 1024, seed: options.seed, signingKey: options.signingKey });
  const clock = new SimClock(Date.now());
  const scenario: FleetScenario = { ...DEFAULT_SCENARIO, devices: options.devices, seed: options.seed, uplinkIntervalMs: options.uplinkIntervalMs, loss: options.loss, gateways: gateways.length };
  const fleet = buildSimFleet({
    scenario, clock, image: demoPackage.oldImage, verifyImage: demoPackage.verifyImage, rejectImage: demoPackage.rejectImage,
    maxNbFrag: 2000, smallMaxNbFrag: 4, rsEngine: await reedSolomonReady(), gatewayId: (i) => gateways[i]!,
  });
  // ChirpStack keeps a LoRaWAN 1.0.x device's AppKey in nwk_key and its GenAppKey (our root) apart.
  const keyRandom = new Random(options.seed).fork('nwk-keys');
  const deviceKeys = new Map(fleet.targets.map((t) => [t.devEui, { nwkKeyHex: bytesToHex(keyRandom.bytes(16)), genAppKeyHex: t.rootKey }]));
  const cleanups: Array<() => Promise<void> | void> = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const broker = options.embeddedBroker ? await EmbeddedBroker.start({ port: Number(brokerUrl.port) }) : undefined;
    if (broker) cleanups.push(() => broker.close());
    const driver = new RealTimeDriver(clock, { tickMs: 10 });
    driver.start();
    cleanups.push(() => driver.stop());
    const mqtt = new MqttConnection({
      url: broker?.url ?? mqttConfig.url,
      clientId: `chirpstack-sim-${process.pid}`,
      clean: true,
      protocolVersion: mqttProtocolLevel(mqttConfig.protocolVersion),
      keepaliveS: mqttConfig.keepaliveS,
      ...(mqttConfig.username === undefined ? {} : { username: mqttConfig.username }),
      ...(mqttConfig.password === undefined ? {} : { password: mqttConfig.password }),
      ...(mqttConfig.tls ? { tls: mqttConfig.tls } : {}),
    });
    const sim = await startSimChirpstack({
      network: fleet.network, clock, driver, mqtt, applicationId: ns.applicationId, apiToken: ns.api.token, gateways,
      encoding: mqttConfig.format, topics: { event: mqttConfig.eventTopic, command: mqttConfig.commandTopic },
      grpcBindAddress: ns.api.address, deviceKeys, multicastClassCMarginMs: ns.multicastClassCMarginMs,
      ...(options.onError ? { onError: options.onError } : {}),
    });
    cleanups.push(() => sim.stop());
    for (const member of fleet.members) member.device.boot();
    const first = fleet.targets[0]!.devEui;
    const last = fleet.targets[fleet.targets.length - 1]!.devEui;
    const endpoints = [
      broker ? `MQTT broker: ${broker.url} (embedded aedes, MQTT 3.1.1 only)` : `MQTT broker: ${mqttConfig.url} (the config's; MQTT ${mqttConfig.protocolVersion})`,
      `ChirpStack MQTT integration: application ${ns.applicationId}, ${mqttConfig.format} events on ${mqttConfig.eventTopic}, commands on ${mqttConfig.commandTopic}`,
      `ChirpStack gRPC API: ${sim.grpcAddress} (plaintext; bearer token networkServer.api.token)`,
      `fleet: ${fleet.targets.length} devices ${first}..${last} at firmware ${formatFirmwareVersion(fleet.targets[0]!.firmwareVersion)}, an uplink every ${options.uplinkIntervalMs} ms, gateways ${gateways.join(', ')}`,
    ];
    return {
      endpoints,
      fleet,
      failure: () => driver.failure,
      campaign: (id) => simCampaign({ id, fleet, targetVersion: demoPackage.targetVersion, deviceClass: DEMO_DEVICE_CLASS, runningImageSha256: bytesToHex(sha256(demoPackage.oldImage)), packageBytes: demoPackage.bytes, uplinkIntervalMs: options.uplinkIntervalMs }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
