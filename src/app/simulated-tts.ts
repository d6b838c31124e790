// `fuota sim tts`: a simulated The Things Stack v3 (MQTT server + HTTP API) and fleet in real
// time, configured from the same file as `fuota serve` (networkServer.kind: tts), so that the
// service can be tried without a TTS.
import type { FuotaConfig } from '../config/load-config.js';
import { CallerError } from '../core/errors.js';
import { startSimTts } from '../sim/tts/sim-tts.js';
import { startRealTimeFleet } from './real-time-fleet.js';
import { ttsMqttConnection } from './tts-mqtt-connection.js';
import { embeddedBrokerUrl } from './embedded-broker-url.js';
import type { SimulatedChirpstack as SimulatedServer, SimulatedChirpstackOptions as SimulatedServerOptions } from './simulated-chirpstack.js';

/** The simulated devices' gateway when the config names none. */
const SIM_GATEWAY = 'sim-gateway-1';

export async function startSimulatedTts(config: FuotaConfig, options: SimulatedServerOptions): Promise<SimulatedServer> {
  const ns = config.networkServer;
  if (ns.kind !== 'tts') throw new CallerError('SIM_CONFIG_UNSUPPORTED', `networkServer.kind: expected tts for fuota sim tts (fuota sim chirpstack simulates kind chirpstack), got ${ns.kind}`);
  const cluster = new URL(ns.url);
  if (cluster.protocol !== 'http:' || !['localhost', '127.0.0.1'].includes(cluster.hostname) || cluster.port === '') {
    throw new CallerError('SIM_CONFIG_UNSUPPORTED', `networkServer.url: expected http://127.0.0.1:PORT or http://localhost:PORT (the simulated TTS serves plain HTTP there), got ${ns.url}`);
  }
  const mqttConfig = ns.mqtt;
  const brokerUrl = options.embeddedBroker ? embeddedBrokerUrl(mqttConfig) : new URL(mqttConfig.url);
  const gateways = ns.gateways.length > 0 ? [...ns.gateways] : [SIM_GATEWAY];
  const world = await startRealTimeFleet(options, gateways, options.embeddedBroker ? Number(brokerUrl.port) : undefined);
  const { clock, driver, fleet } = world;
  try {
    // The simulated TTS publishes as TTS's MQTT server would: our client's credentials suit it on a shared broker.
    const mqtt = ttsMqttConnection(mqttConfig, `tts-sim-${process.pid}`, world.brokerUrl);
    const sim = await startSimTts({
      network: fleet.network,
      clock,
      driver,
      mqtt,
      applicationId: ns.applicationId,
      ...(ns.tenantId === undefined ? {} : { tenantId: ns.tenantId }),
      apiKey: ns.apiKey,
      gateways,
      httpBindAddress: `${cluster.hostname}:${cluster.port}`,
      ...(options.onError ? { onError: options.onError } : {}),
    });
    world.cleanups.push(() => sim.stop());
    for (const member of fleet.members) member.device.boot();
    const topicApp = ns.tenantId === undefined ? ns.applicationId : `${ns.applicationId}@${ns.tenantId}`;
    const endpoints = [
      world.brokerUrl ? `MQTT broker: ${world.brokerUrl} (embedded aedes, MQTT 3.1.1 only)` : `MQTT broker: ${mqttConfig.url} (the config's)`,
      `TTS MQTT: application ${topicApp}, uplinks on v3/${topicApp}/devices/+/up, QoS 0 (lost while fuota is away, as with TTS)`,
      `TTS HTTP API: ${sim.httpUrl}/api/v3 (Bearer networkServer.apiKey)`,
      world.fleetLine(gateways),
    ];
    // TTS keeps no GenAppKey of a 1.0.x device: the file gives the root keys.
    return { endpoints, fleet, failure: () => driver.failure, campaign: (id) => world.campaign(id, true), stop: world.stop };
  } catch (error) {
    await world.stop();
    throw error;
  }
}
