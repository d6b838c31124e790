// `fuota sim tts`: a simulated The Things Stack v3 (MQTT server + HTTP API) and fleet in real
// time, configured from the same file as `fuota serve` (networkServer.kind: tts), so that the
// service can be tried without a TTS.
import type { FuotaConfig } from '../config/load-config.js';
import { CallerError } from '../core/errors.js';
import { bytesToHex } from '../core/hex.js';
import { buildDemoPackage, DEMO_DEVICE_CLASS } from '../demo/demo-package.js';
import { simCampaign } from '../demo/sim-campaign.js';
import { reedSolomonReady } from '../fec/rs-engine.js';
import { EmbeddedBroker } from '../lns/mqtt/embedded-broker.js';
import { MqttConnection } from '../lns/mqtt/mqtt-connection.js';
import { sha256 } from '../manifest/digest.js';
import { formatFirmwareVersion } from '../manifest/firmware-version.js';
import { RealTimeDriver } from '../sim/real-time-driver.js';
import { SimClock } from '../sim/sim-clock.js';
import { buildSimFleet, DEFAULT_SCENARIO, type FleetScenario } from '../sim/sim-fleet.js';
import { startSimTts } from '../sim/tts/sim-tts.js';
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
  const demoPackage = buildDemoPackage({ firmwareBytes: 4 * 1024, seed: options.seed, signingKey: options.signingKey });
  const clock = new SimClock(Date.now());
  const scenario: FleetScenario = { ...DEFAULT_SCENARIO, devices: options.devices, seed: options.seed, uplinkIntervalMs: options.uplinkIntervalMs, loss: options.loss, gateways: gateways.length };
  const fleet = buildSimFleet({
    scenario, clock, image: demoPackage.oldImage, verifyImage: demoPackage.verifyImage, rejectImage: demoPackage.rejectImage,
    maxNbFrag: 2000, smallMaxNbFrag: 4, rsEngine: await reedSolomonReady(), gatewayId: (i) => gateways[i]!,
  });
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
    // The simulated TTS publishes as TTS's MQTT server would: our client's credentials suit it on a shared broker.
    const mqtt = new MqttConnection({
      url: broker?.url ?? mqttConfig.url,
      clientId: `tts-sim-${process.pid}`,
      clean: true,
      protocolVersion: 4,
      keepaliveS: mqttConfig.keepaliveS,
      username: mqttConfig.username,
      password: mqttConfig.password,
      ...(mqttConfig.tls ? { tls: mqttConfig.tls } : {}),
    });
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
    cleanups.push(() => sim.stop());
    for (const member of fleet.members) member.device.boot();
    const first = fleet.targets[0]!.devEui;
    const last = fleet.targets[fleet.targets.length - 1]!.devEui;
    const topicApp = ns.tenantId === undefined ? ns.applicationId : `${ns.applicationId}@${ns.tenantId}`;
    const endpoints = [
      broker ? `MQTT broker: ${broker.url} (embedded aedes, MQTT 3.1.1 only)` : `MQTT broker: ${mqttConfig.url} (the config's)`,
      `TTS MQTT: application ${topicApp}, uplinks on v3/${topicApp}/devices/+/up, QoS 0 (lost while fuota is away, as with TTS)`,
      `TTS HTTP API: ${sim.httpUrl}/api/v3 (Bearer networkServer.apiKey)`,
      `fleet: ${fleet.targets.length} devices ${first}..${last} at firmware ${formatFirmwareVersion(fleet.targets[0]!.firmwareVersion)}, an uplink every ${options.uplinkIntervalMs} ms, gateways ${gateways.join(', ')}`,
    ];
    return {
      endpoints,
      fleet,
      failure: () => driver.failure,
      campaign: (id) =>
        simCampaign({
          id, fleet, targetVersion: demoPackage.targetVersion, deviceClass: DEMO_DEVICE_CLASS, runningImageSha256: bytesToHex(sha256(demoPackage.oldImage)),
          packageBytes: demoPackage.bytes, uplinkIntervalMs: options.uplinkIntervalMs,
          // TTS keeps no GenAppKey of a 1.0.x device: the file gives the root keys.
          withRootKeys: true,
        }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
