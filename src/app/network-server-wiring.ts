// What the service needs of a network server, whichever kind the config names: the adapter
// (the engine's NetworkServer port, started and closed by the service), the MQTT connection it
// runs on (for status events and the connection metric), admission's lookups, and a probe of
// the server's API for /metrics. chirpstack-wiring.ts and tts-wiring.ts build one each.
import type { Logger } from 'pino';
import type { NetworkServerLookups } from '../admission/create-admission.js';
import type { CampaignEngine } from '../campaign/engine.js';
import type { NetworkServer, Uplink } from '../campaign/ports.js';
import type { MqttConnection } from '../lns/mqtt/mqtt-connection.js';
import type { MqttRejectSummary } from '../lns/mqtt/mqtt-reject-log.js';

export interface WiredNetworkServer {
  network: NetworkServer & { start(): Promise<void>; close(): Promise<void>; rejectedMessages(): Array<{ reason: string; count: number }> };
  /** The server as fuota_mqtt_messages_rejected_total{server} names it. */
  server: 'chirpstack' | 'tts';
  mqtt: MqttConnection;
  lookups: NetworkServerLookups;
  /** The server's API as /metrics names it (fuota_connection_up{connection=…}), with a reachability probe read at each scrape. */
  api: { connection: 'grpc' | 'http'; reachable(): boolean };
  /** Closes the API client (after network.close()). */
  closeApi(): void;
}

/**
 * Where the adapter's reports go: the engine, or with several instances the ownership in front
 * of it (uplinks through the shared inbox to the campaign's owner; src/app/campaign-ownership.ts).
 */
export type EngineInlet = Pick<CampaignEngine, 'handleUplink' | 'downlinkFailed' | 'unicastQueuedCopy' | 'gatewayDutyCycleOverflow'> & Partial<Pick<CampaignEngine, 'acceptUplink'>>;

/**
 * An uplink from the MQTT integration into the inlet: the engine's acceptUplink when it has one
 * (settles once committed, with the other uplinks of its group commit; the broker's PUBACK waits
 * for that and for nothing else, issue #17), else handleUplink (the shared inbox of several instances).
 */
export function uplinkInto(engine: EngineRef): (uplink: Uplink) => Promise<unknown> | undefined {
  return (uplink) => {
    const inlet = engine();
    return inlet?.acceptUplink ? inlet.acceptUplink(uplink) : inlet?.handleUplink(uplink);
  };
}

/** The engine (or its inlet), once built: the adapter's callbacks reach it through this. */
export type EngineRef = () => EngineInlet | undefined;

/** The group registry beside the store, so that a restart finds the groups it must still delete. */
export function groupRegistryPath(storePath: string | undefined): string | undefined {
  return storePath === undefined || storePath === ':memory:' ? undefined : `${storePath}.groups.json`;
}

/** Logs MQTT connection changes and handler failures (the same for every kind). */
export function logMqtt(mqtt: MqttConnection, log: Logger, onConnection: (up: boolean) => void): void {
  mqtt.onState((change) => {
    onConnection(change.state === 'connected');
    if (change.state === 'reconnecting') log.warn({ err: change.error, retryInMs: change.retryInMs }, 'MQTT connection lost, reconnecting');
    else if (change.state === 'connected') log.info({ sessionPresent: change.sessionPresent }, 'MQTT connected');
  });
  mqtt.onHandlerError((error, message) => log.error({ err: error, topic: message.topic }, 'MQTT message handler failed'));
}

/**
 * A synchronous probe over an asynchronous check (a scrape must not wait on the server): answers
 * the last result, and starts a fresh check when the last one is older than `refreshMs`.
 */
export function cachedProbe(check: () => Promise<boolean>, nowMs: () => number, refreshMs = 30_000): () => boolean {
  let up = false;
  let checkedAtMs = -Infinity;
  return () => {
    if (nowMs() - checkedAtMs >= refreshMs) {
      checkedAtMs = nowMs();
      check().then(
        (result) => void (up = result),
        () => void (up = false),
      );
    }
    return up;
  };
}

/**
 * Dropped MQTT event messages, as the adapter summarises them (at most one line per reason and
 * interval): a warning with the count and one sample, never a stack (issue #14).
 */
export function logMqttRejects(log: Logger, server: string): (summary: MqttRejectSummary) => void {
  return ({ reason, count, total, sinceMs, sample }) =>
    log.warn({ server, reason, rejected: count, total, sinceMs, sample }, `MQTT event messages rejected (${reason}): ${count} since the last line; sample on ${sample.topic}: ${sample.error}`);
}
