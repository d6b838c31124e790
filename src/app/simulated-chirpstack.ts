// `fuota sim chirpstack`: a simulated ChirpStack (MQTT integration + gRPC API) and fleet in real
// time, configured from the same file as `fuota serve`, so that the service can be tried alone.
import { mqttProtocolLevel } from '../config/config-schema.js';
import type { FuotaConfig } from '../config/load-config.js';
import { CallerError } from '../core/errors.js';
import { embeddedBrokerUrl } from './embedded-broker-url.js';
import { MqttConnection } from '../lns/mqtt/mqtt-connection.js';
import { bytesToHex } from '../core/hex.js';
import type { SimCampaign } from '../demo/sim-campaign.js';
import type { SigningKey } from '../manifest/keys.js';
import { startSimChirpstack } from '../sim/chirpstack/sim-chirpstack.js';
import { Random } from '../sim/random.js';
import type { SimFleet } from '../sim/sim-fleet.js';
import { startRealTimeFleet } from './real-time-fleet.js';


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
  if (ns.kind !== 'chirpstack') throw new CallerError('SIM_CONFIG_UNSUPPORTED', `networkServer.kind: expected chirpstack for fuota sim chirpstack (fuota sim tts simulates kind tts), got ${ns.kind}`);
  const mqttConfig = ns.mqtt;
  if (ns.api.tls) throw new CallerError('SIM_CONFIG_UNSUPPORTED', 'networkServer.api.tls: expected unset (the simulated ChirpStack serves plaintext gRPC), got a TLS section');
  const brokerUrl = options.embeddedBroker ? embeddedBrokerUrl(mqttConfig) : new URL(mqttConfig.url);
  const gateways = ns.gateways.length > 0 ? [...ns.gateways] : [SIM_GATEWAY];
  const world = await startRealTimeFleet(options, gateways, options.embeddedBroker ? Number(brokerUrl.port) : undefined);
  const { clock, driver, fleet } = world;
  // ChirpStack keeps a LoRaWAN 1.0.x device's AppKey in nwk_key and its GenAppKey (our root) apart.
  const keyRandom = new Random(options.seed).fork('nwk-keys');
  const deviceKeys = new Map(fleet.targets.map((t) => [t.devEui, { nwkKeyHex: bytesToHex(keyRandom.bytes(16)), genAppKeyHex: t.rootKey }]));
  try {
    const mqtt = new MqttConnection({
      url: world.brokerUrl ?? mqttConfig.url,
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
    world.cleanups.push(() => sim.stop());
    for (const member of fleet.members) member.device.boot();
    const endpoints = [
      world.brokerUrl ? `MQTT broker: ${world.brokerUrl} (embedded aedes, MQTT 3.1.1 only)` : `MQTT broker: ${mqttConfig.url} (the config's; MQTT ${mqttConfig.protocolVersion})`,
      `ChirpStack MQTT integration: application ${ns.applicationId}, ${mqttConfig.format} events on ${mqttConfig.eventTopic}, commands on ${mqttConfig.commandTopic}`,
      `ChirpStack gRPC API: ${sim.grpcAddress} (plaintext; bearer token networkServer.api.token)`,
      world.fleetLine(gateways),
    ];
    // Root keys stay out of the file: the simulated ChirpStack answers DeviceService.GetKeys.
    return { endpoints, fleet, failure: () => driver.failure, campaign: (id) => world.campaign(id, false), stop: world.stop };
  } catch (error) {
    await world.stop();
    throw error;
  }
}
