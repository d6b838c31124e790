// `fuota serve` on The Things Stack v3: TTS's MQTT server (QoS 0, no session), its HTTP API
// and our adapter. Missed uplinks may be read back from the Storage Integration at start.
import type { Logger } from 'pino';
import type { FuotaConfig, TtsConfig } from '../config/load-config.js';
import { MemoryGroupRegistry, type GroupRegistry } from '../lns/group-registry.js';
import { TtsDeviceDirectory } from '../lns/tts/tts-device-directory.js';
import { TtsHttpClient } from '../lns/tts/tts-http-client.js';
import { TtsNetworkServer } from '../lns/tts/tts-network-server.js';
import { TtsRootKeySource } from '../lns/tts/tts-root-keys.js';
import { wallClock } from '../lns/wall-clock.js';
import { RepeatedFaultLog } from './repeated-fault-log.js';
import { ttsMqttConnection } from './tts-mqtt-connection.js';
import { cachedProbe, groupRegistryPath, logMqttRejects, type EngineRef, type WiredNetworkServer, uplinkInto } from './network-server-wiring.js';

/** How far back the Storage Integration is read at start when networkServer.readMissedUplinks is on. */
const MISSED_UPLINKS_LOOKBACK_MS = 60 * 60_000;

export function wireTts(config: FuotaConfig, ns: TtsConfig, engine: EngineRef, log: Logger, registry?: GroupRegistry | string): WiredNetworkServer {
  // A store or API fault hit by every uplink is one line per interval, not one stack each.
  const faults = new RepeatedFaultLog(log);
  const { mqtt: mqttConfig } = ns;
  const mqtt = ttsMqttConnection(mqttConfig, mqttConfig.clientId);
  const http = new TtsHttpClient({ baseUrl: ns.url, apiKey: ns.apiKey });
  const network = new TtsNetworkServer({
    mqtt,
    http,
    applicationId: ns.applicationId,
    ...(ns.tenantId === undefined ? {} : { tenantId: ns.tenantId }),
    frequencyPlanId: ns.frequencyPlanId,
    ...(ns.gateways.length > 0 ? { gatewayIds: ns.gateways } : {}),
    priority: ns.downlinkPriority,
    downlinkVia: ns.downlinkVia,
    multicastPushLeadMs: ns.multicastPushLeadMs,
    multicastAbsoluteTime: ns.multicastAbsoluteTime,
    txAckTimeoutMs: ns.txAckTimeoutMs,
    queuePollMs: ns.multicastQueuePollMs,
    multicastExpiresAfterMs: ns.multicastExpiresAfterMs,
    // The store's registry (openServiceStore: the PostgreSQL table, or the JSON file beside SQLite).
    registry: registry ?? groupRegistryPath(config.store.path) ?? new MemoryGroupRegistry(),
    clock: wallClock,
    ...(ns.readMissedUplinks ? { missedUplinksSinceMs: wallClock.now() - MISSED_UPLINKS_LOOKBACK_MS } : {}),
    onUplink: uplinkInto(engine),
    onDownlinkFailed: (devEui, reason) => {
      log.debug({ devEui, reason }, 'downlink failed');
      return engine()?.downlinkFailed(devEui, reason);
    },
    onUnicastQueuedCopy: (devEui, commandId) => engine()?.unicastQueuedCopy(devEui, commandId),
    // The ledger learns that these gateways are out of duty-cycle budget (TTS's gateway server refused).
    onDutyCycleOverflow: (overflow) => engine()?.gatewayDutyCycleOverflow(overflow),
    onWarning: (message) => log.warn(message),
    onError: (error, context) => faults.error(error, 'network server error', { context }),
    onRejected: logMqttRejects(log, 'tts'),
    onGroupDeleted: (groupName) => log.info({ groupName }, 'multicast group deleted'),
  });
  return {
    network,
    server: 'tts',
    mqtt,
    lookups: { devices: new TtsDeviceDirectory(http, ns.applicationId), rootKeys: new TtsRootKeySource(http, ns.applicationId) },
    api: { connection: 'http', reachable: cachedProbe(() => http.reachable(), () => wallClock.now()) },
    closeApi: () => {},
  };
}
