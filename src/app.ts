// The composition root: the only place that wires concrete adapters to the campaign engine.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { mqttProtocolLevel } from './config/config-schema.js';
import type { FuotaConfig } from './config/load-config.js';
import { CallerError } from './core/errors.js';
import { MemoryGroupRegistry } from './lns/chirpstack/chirpstack-group-registry.js';
import { ChirpstackNetworkServer } from './lns/chirpstack/chirpstack-network-server.js';
import { wallClock } from './lns/chirpstack/chirpstack-wall-clock.js';
import { ChirpstackGrpcClient } from './lns/chirpstack/grpc-client.js';
import type { ChirpstackRegion } from './lns/chirpstack/grpc-multicast-group.js';
import { MqttConnection } from './lns/mqtt/mqtt-connection.js';
import { StatusPublisher } from './status/status-publisher.js';
import { CampaignIntake } from './intake/campaign-directory-intake.js';
import { bytesToHex } from './core/hex.js';
import { CampaignEngine, type EngineOptions } from './campaign/engine.js';
import type { CampaignStore } from './campaign/ports.js';
import type { CampaignSpecInput } from './campaign/spec.js';
import { demoFirmwarePair } from './demo/demo-firmware.js';
import { packageVerifier } from './demo/device-verifier.js';
import { reedSolomonReady } from './fec/rs-engine.js';
import { Random } from './lns/sim/random.js';
import { SimClock } from './lns/sim/sim-clock.js';
import { buildSimFleet, type FleetScenario, type SimFleet } from './lns/sim/sim-fleet.js';
import { buildPackage } from './manifest/build.js';
import { JOJO_DELTA } from './manifest/jojo-delta.js';
import { verifyingKeyOf, type SigningKey } from './manifest/keys.js';
import { NAMESPACE_URL, uuidV5 } from './manifest/uuid5.js';
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
}

const TARGET_VERSION = 0x01010000;

function generateSigningKey(): SigningKey {
  return { algorithm: 'es256', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
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
  const { oldImage, newImage } = demoFirmwarePair(options.firmwareBytes ?? 64 * 1024, scenario.seed);
  const vendorId = uuidV5(NAMESPACE_URL, 'example.com');
  const classId = uuidV5(NAMESPACE_URL, 'sensor-node-v1');
  const trustedKey = generateSigningKey();
  const signingKey = options.badSignature ? generateSigningKey() : trustedKey;
  const built = buildPackage({ newImage, oldImage, delta: JOJO_DELTA, signingKey, vendorId, classId, firmwareVersion: TARGET_VERSION, format: 'compact' });
  const verify = packageVerifier({ verifyingKey: verifyingKeyOf(trustedKey), vendorId, classId, rankOnlyVersion: TARGET_VERSION });
  const otherVendor = packageVerifier({ verifyingKey: verifyingKeyOf(generateSigningKey()), vendorId, classId, rankOnlyVersion: TARGET_VERSION });
  const rejectImage = (block: Uint8Array | null, current: { image: Uint8Array; firmwareVersion: number }) =>
    block === null ? ({ status: 'corrupt', reason: 'simulated rejection' } as const) : otherVendor(block, current);
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
  });
  const store = openStore(options.storePath ?? ':memory:');
  const engine = new CampaignEngine({ store, network: fleet.network, clock, ...options.engine });
  fleet.network.onUplink = (uplink) => void engine.handleUplink(uplink);
  for (const member of fleet.members) member.device.boot();
  const mcKey = bytesToHex(scenario.seed === undefined ? randomBytes(16) : new Random(scenario.seed).fork('mc-key').bytes(16));
  const spec: CampaignSpecInput = {
    id: options.campaignId ?? 'demo',
    name: 'simulated fleet update',
    firmware: { version: TARGET_VERSION },
    devices: fleet.targets,
    multicast: { mcKey, gateways: fleet.gateways },
    ...options.spec,
  };
  return { clock, fleet, engine, store, spec, block: built.bytes, startMs, sizes: { oldImageBytes: oldImage.length, newImageBytes: newImage.length, packageBytes: built.bytes.length } };
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
  /** Connects, subscribes, resumes stored campaigns, starts the campaign intake. */
  start(): Promise<void>;
  /** Graceful: stops the intake, lets the engine finish queued work, then closes network, MQTT and store. */
  stop(): Promise<void>;
}

const DEFAULT_INTAKE_INTERVAL_MS = 3_000;

/** ChirpStack's Region enum names for our region names (AS923-1 is ChirpStack's AS923). */
function chirpstackRegion(region: string): ChirpstackRegion {
  return (region === 'AS923-1' ? 'AS923' : region.replace(/-/g, '_')) as ChirpstackRegion;
}

export function createService(config: FuotaConfig, options: ServiceOptions): Service {
  const log = options.logger;
  const ns = config.networkServer;
  const { mqtt: mqttConfig, api } = ns;
  const store = openStore(config.store.path);
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
    region: chirpstackRegion(config.campaigns.defaults.region),
    ...(ns.gateways.length > 0 ? { gatewayIds: ns.gateways } : {}),
    txAckTimeoutMs: ns.txAckTimeoutMs,
    queuePollMs: ns.multicastQueuePollMs,
    // Beside the store, so that a restart finds the groups it must still delete.
    registry: config.store.path === ':memory:' ? new MemoryGroupRegistry() : `${config.store.path}.groups.json`,
    clock: wallClock,
    onUplink: (uplink) => engine?.handleUplink(uplink),
    onDownlinkFailed: (devEui, reason) => {
      log.debug({ devEui, reason }, 'downlink failed');
      return engine?.downlinkFailed(devEui, reason);
    },
    onGatewayRejection: (rejection) => log.warn({ rejection }, 'gateway rejected a frame'),
    onError: (error, context) => log.error({ err: error, context }, 'network server error'),
    onGroupDeleted: (groupName) => log.info({ groupName }, 'multicast group deleted'),
  });
  const status = statusPublisher(config, mqtt, log);
  const phases = new Map<string, string>();
  engine = new CampaignEngine({
    store,
    network,
    clock: wallClock,
    onTransition: (campaignId, result, live) => {
      // Never awaited: the transition may run inside an MQTT message handler (awaiting a publish there deadlocks).
      if (status) void status.onTransition(campaignId, result, live);
      const c = result.campaign;
      const phase = `${c.phase}/${c.waveIndex}/${c.wave?.stage ?? ''}`;
      if (phases.get(campaignId) !== phase) {
        phases.set(campaignId, phase);
        log.info({ campaignId, phase: c.phase, wave: c.waveIndex, waveCount: c.waveCount, stage: c.wave?.stage, haltReason: c.haltReason }, 'campaign progress');
      }
    },
    onCommandError: (campaignId, command, error) => log.error({ err: error, campaignId, command: command.type }, 'campaign command failed (kept in the outbox, retried)'),
  });
  const intake = config.campaigns.directory === undefined ? undefined : new CampaignIntake(config.campaigns.directory, config.campaigns.defaults, engine, log, options.intakeIntervalMs ?? DEFAULT_INTAKE_INTERVAL_MS);
  const theEngine = engine;
  let started = false;
  let stopped: Promise<void> | undefined;
  return {
    engine: theEngine,
    async start() {
      if (started) throw new CallerError('SERVICE_ALREADY_STARTED', 'service.start: expected a service not yet started, got a started one');
      started = true;
      await network.start();
      const resumed = await theEngine.resumeAll();
      log.info({ resumed, applicationId: ns.applicationId, campaignsDirectory: config.campaigns.directory }, 'fuota service started');
      intake?.start();
    },
    stop() {
      stopped ??= (async () => {
        await intake?.stop();
        await theEngine.close();
        await network.close();
        grpc.close();
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
