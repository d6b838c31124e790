// `fuota serve`: the long-running service, wired from a loaded configuration.
import type { Logger } from 'pino';
import type { FuotaConfig } from '../config/load-config.js';
import { CallerError } from '../core/errors.js';
import { openServiceStore } from './open-store.js';
import { wallClock } from '../lns/wall-clock.js';
import { StatusPublisher } from '../status/status-publisher.js';
import { CampaignIntake } from '../intake/campaign-directory-intake.js';
import { CampaignEventHub } from '../api/campaign-event-hub.js';
import { startOperatorApi, type OperatorApi } from '../api/operator-api.js';
import { createAdmission, type Admission } from '../admission/create-admission.js';
import { CampaignEngine } from '../campaign/engine.js';
import type { MqttConnection } from '../lns/mqtt/mqtt-connection.js';
import { wireChirpstack } from './chirpstack-wiring.js';
import { logMqtt } from './network-server-wiring.js';
import { wireTts } from './tts-wiring.js';
import { checkStartup } from './startup-checks.js';
import { RepeatedFaultLog } from './repeated-fault-log.js';
import { CampaignOwnership } from './campaign-ownership.js';
import { highAvailabilityParts, instanceIdOf, lateStoreOwnership, withInstanceClientId } from './high-availability-wiring.js';
import { PostgresGroupRegistry } from '../store/postgres-group-registry.js';

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
/** Status events of a campaign gathered this long: short next to how often a dashboard looks, long next to a burst of uplinks. */
const STATUS_COALESCE_MS = 250;

export function createService(configured: FuotaConfig, options: ServiceOptions): Service {
  const log = options.logger;
  // Several instances (docs/high-availability.md): each its own MQTT client id, leases fencing the store's commits.
  const ha = configured.highAvailability.enabled;
  const instanceId = instanceIdOf(configured);
  const config = ha ? withInstanceClientId(configured, instanceId) : configured;
  const ns = config.networkServer;
  const storeOwnership = ha ? lateStoreOwnership() : undefined;
  // SQLite file or PostgreSQL (store.path / store.url): the store, the tokens and the group registry.
  const backend = openServiceStore(config.store, log, storeOwnership?.hooks);
  const store = backend.store;
  const haParts = storeOwnership && backend.pool && config.store.url !== undefined ? highAvailabilityParts(config, backend.pool, { url: config.store.url, schema: config.store.schema }) : undefined;
  if (haParts) storeOwnership?.bind(haParts);
  let ownership: CampaignOwnership | undefined;
  // The operator API (config api.listen): live events from every transition, started with the service.
  const campaignEvents = new CampaignEventHub();
  let operatorApi: OperatorApi | undefined;
  let closeStoreTokens = (): void => {};
  let networkStarted = false;
  let storeOpen = true;
  let engine: CampaignEngine | undefined;
  // With several instances uplinks go through the shared inbox to their campaign's owner.
  const inlet = () => ownership?.inlet ?? engine;
  const wired = ns.kind === 'chirpstack' ? wireChirpstack(config, ns, inlet, log, backend.groupRegistry) : wireTts(config, ns, inlet, log, backend.groupRegistry);
  const { network, mqtt } = wired;
  logMqtt(mqtt, log, (up) => operatorApi?.metrics.connection('mqtt', up));
  const status = statusPublisher(config, mqtt, log);
  const phases = new Map<string, string>();
  const faults = new RepeatedFaultLog(log);
  engine = new CampaignEngine({
    store,
    network,
    clock: wallClock,
    maxUplinkSkewMs: ns.maxUplinkSkewMs,
    ...(haParts ? { mayAct: (campaignId: string) => ownership?.mayAct(campaignId) ?? false } : {}),
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
    onCommandError: (campaignId, command, error, streak) => {
      operatorApi?.metrics.commandFailed(command.type);
      // One line per failure streak (issue #17): the retries come on a back-off, and say nothing until one succeeds.
      if (streak.attempts === 1) faults.error(error, 'campaign command failed (kept in the outbox, retried on a back-off)', { campaignId, command: command.type, retryInMs: streak.retryInMs });
    },
    onCommandRecovered: (campaignId, command, attempts) => log.info({ campaignId, command: command.type, attempts }, 'campaign command carried out after failing'),
  });
  // One admission for every way in (campaign files, REST, gRPC): docs/package-format.md "Admission".
  const admit = createAdmission(config, wired.lookups, store);
  const intake = config.campaigns.directory === undefined ? undefined : new CampaignIntake(config.campaigns.directory, admit, engine, store, log, options.intakeIntervalMs ?? DEFAULT_INTAKE_INTERVAL_MS);
  const theEngine = engine;
  if (haParts) {
    const registry = backend.groupRegistry instanceof PostgresGroupRegistry ? backend.groupRegistry : undefined;
    ownership = new CampaignOwnership({
      engine: () => theEngine,
      leases: haParts.leases,
      inbox: haParts.inbox,
      ...(registry ? { registry } : {}),
      inboxPollMs: config.highAvailability.inboxPollMs,
      log,
      // Every device's status once when this instance starts driving the campaign (as after a restart).
      onTakenOver: (id) => {
        const view = theEngine.view(id);
        if (status && view) void status.announce(id, view);
      },
    });
  }
  let started = false;
  let stopped: Promise<void> | undefined;
  return {
    engine: theEngine,
    admit,
    apiUrl: () => operatorApi?.url,
    async start() {
      if (started) throw new CallerError('SERVICE_ALREADY_STARTED', 'service.start: expected a service not yet started, got a started one');
      started = true;
      // What the config names must be there before anything starts (one line each, exit 1).
      await checkStartup(config);
      await backend.ready();
      await network.start();
      networkStarted = true;
      // One instance resumes every stored campaign; several take the ones whose lease is free.
      const resumed = ownership ? await ownership.start() : await theEngine.resumeAll();
      // Every device's status once per restart (StatusPublisher.announce says why); later only changes.
      for (const id of resumed) {
        const view = theEngine.view(id);
        if (status && view) void status.announce(id, view);
      }
      log.info({ resumed, applicationId: ns.applicationId, campaignsDirectory: config.campaigns.directory, ...(ha ? { instanceId } : {}) }, 'fuota service started');
      intake?.start();
      if (config.api.listen !== undefined) {
        // Tokens of `fuota token create` (in the store) beside the config's api.tokens.
        const storeTokens = await backend.tokenVerifiers();
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
          // gRPC chirpstack-fuota-server compatibility: mc_root_key checked against the server's keys.
          rootKeys: wired.lookups.rootKeys,
          applicationId: ns.applicationId,
          // Pause, resume and cancel of a campaign another instance drives name that instance.
          ...(haParts ? { ownerOf: async (id: string) => {
            const owner = (await haParts.leases.owners([id])).get(id);
            return owner === instanceId ? undefined : owner;
          } } : {}),
        });
        operatorApi.metrics.connection('mqtt', mqtt.state === 'connected');
        // Counted by the adapter since its start (before the API was up, too).
        operatorApi.metrics.rejectedMessages(wired.server, () => network.rejectedMessages());
        operatorApi.metrics.probeConnection(wired.api.connection, () => wired.api.reachable());
      }
    },
    stop() {
      stopped ??= (async () => {
        await operatorApi?.close();
        closeStoreTokens();
        await intake?.stop();
        await ownership?.stop();
        await theEngine.close();
        // What the last window gathered goes out before the connection closes.
        await status?.flush();
        await ownership?.handBack();
        await network.close();
        wired.closeApi();
        storeOpen = false;
        await backend.close();
        log.info('fuota service stopped');
      })();
      return stopped;
    },
  };
}

function statusPublisher(config: FuotaConfig, mqtt: MqttConnection, log: Logger): StatusPublisher | undefined {
  const events = config.statusEvents;
  if (!events.enabled) return undefined;
  const ns = config.networkServer;
  // TTS's MQTT server takes no status topics (load-config refuses enabling them there).
  if (ns.kind !== 'chirpstack') return undefined;
  const publishOptions = { qos: ns.mqtt.qos, retain: events.retain };
  return new StatusPublisher({
    // Fire and forget (QoS 1 publishes made while offline go out on reconnect): the engine must not wait for the broker.
    publish: (topic, payload) => {
      mqtt.publish(topic, payload, publishOptions).catch((error: unknown) => log.warn({ err: error, topic }, 'status event not published'));
    },
    deviceTopic: events.deviceTopic,
    campaignTopic: events.campaignTopic,
    format: events.format,
    onError: (error, topic) => log.warn({ err: error, topic }, 'status event not built'),
    // A burst of uplinks of one device is one message per device per window, not one per change (issue #17).
    coalesceMs: STATUS_COALESCE_MS,
  });
}
