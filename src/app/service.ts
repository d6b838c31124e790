// `fuota serve`: the long-running service, wired from a loaded configuration.
import type { Logger } from 'pino';
import { mqttProtocolLevel } from '../config/config-schema.js';
import type { FuotaConfig } from '../config/load-config.js';
import { CallerError } from '../core/errors.js';
import { openStore } from './open-store.js';
import { MemoryGroupRegistry } from '../lns/group-registry.js';
import { ChirpstackNetworkServer } from '../lns/chirpstack/chirpstack-network-server.js';
import { wallClock } from '../lns/wall-clock.js';
import { ChirpstackGrpcClient } from '../lns/chirpstack/grpc-client.js';
import { chirpstackRegionOf } from '../lns/chirpstack/chirpstack-region.js';
import { MqttConnection } from '../lns/mqtt/mqtt-connection.js';
import { StatusPublisher } from '../status/status-publisher.js';
import { CampaignIntake } from '../intake/campaign-directory-intake.js';
import { CampaignEventHub } from '../api/campaign-event-hub.js';
import { startOperatorApi, type OperatorApi } from '../api/operator-api.js';
import { ChirpstackRootKeySource } from '../lns/chirpstack/chirpstack-root-keys.js';
import { storeTokenVerifiers } from '../api/sqlite-token-verifier.js';
import { createAdmission, type Admission } from '../admission/create-admission.js';
import { CampaignEngine } from '../campaign/engine.js';


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
