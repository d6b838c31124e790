// `fuota serve` on ChirpStack v4: the MQTT integration, the gRPC API client and our adapter.
import type { Logger } from 'pino';
import { mqttProtocolLevel } from '../config/config-schema.js';
import type { ChirpstackConfig, FuotaConfig } from '../config/load-config.js';
import { MemoryGroupRegistry, type GroupRegistry } from '../lns/group-registry.js';
import { ChirpstackNetworkServer } from '../lns/chirpstack/chirpstack-network-server.js';
import { ChirpstackDeviceDirectory } from '../lns/chirpstack/chirpstack-device-directory.js';
import { chirpstackRegionOf } from '../lns/chirpstack/chirpstack-region.js';
import { ChirpstackRootKeySource } from '../lns/chirpstack/chirpstack-root-keys.js';
import { wallClock } from '../lns/wall-clock.js';
import { RepeatedFaultLog } from './repeated-fault-log.js';
import { ChirpstackGrpcClient } from '../lns/chirpstack/grpc-client.js';
import { MqttConnection } from '../lns/mqtt/mqtt-connection.js';
import { groupRegistryPath, logMqttRejects, type EngineRef, type WiredNetworkServer, uplinkInto } from './network-server-wiring.js';

export function wireChirpstack(config: FuotaConfig, ns: ChirpstackConfig, engine: EngineRef, log: Logger, registry?: GroupRegistry | string): WiredNetworkServer {
  // A store or API fault hit by every uplink is one line per interval, not one stack each.
  const faults = new RepeatedFaultLog(log);
  const { mqtt: mqttConfig, api } = ns;
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
  const grpc = new ChirpstackGrpcClient({
    address: api.address,
    apiToken: api.token,
    transport: api.tls ? { kind: 'tls', ...(api.tls.ca === undefined ? {} : { caPem: api.tls.ca }) } : { kind: 'insecure' },
  });
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
    // The store's registry (openServiceStore: the PostgreSQL table, or the JSON file beside SQLite).
    registry: registry ?? groupRegistryPath(config.store.path) ?? new MemoryGroupRegistry(),
    clock: wallClock,
    onUplink: uplinkInto(engine),
    onDownlinkFailed: (devEui, reason) => {
      log.debug({ devEui, reason }, 'downlink failed');
      return engine()?.downlinkFailed(devEui, reason);
    },
    onUnicastQueuedCopy: (devEui, commandId) => engine()?.unicastQueuedCopy(devEui, commandId),
    onGatewayRejection: (rejection) => log.warn({ rejection }, 'gateway rejected a frame'),
    // The ledger learns that the gateways serving this device are out of duty-cycle budget.
    onDutyCycleOverflow: (overflow) => engine()?.gatewayDutyCycleOverflow(overflow),
    onError: (error, context) => faults.error(error, 'network server error', { context }),
    onRejected: logMqttRejects(log, 'chirpstack'),
    onGroupDeleted: (groupName) => log.info({ groupName }, 'multicast group deleted'),
  });
  return {
    network,
    server: 'chirpstack',
    mqtt,
    lookups: { devices: new ChirpstackDeviceDirectory(grpc, ns.applicationId), rootKeys: new ChirpstackRootKeySource(grpc) },
    api: { connection: 'grpc', reachable: () => grpc.reachable() },
    closeApi: () => grpc.close(),
  };
}
