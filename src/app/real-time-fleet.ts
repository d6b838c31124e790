// What `fuota sim chirpstack` and `fuota sim tts` share: a signed demo package, a simulated fleet
// on a clock a RealTimeDriver runs, and, with --embedded-broker, an aedes broker on the config's
// MQTT port. Each simulated server then adds its own MQTT client and API on top, pushing its
// cleanups onto the same list, and boots the devices.
import { bytesToHex } from '../core/hex.js';
import { buildDemoPackage, DEMO_DEVICE_CLASS, type DemoPackage } from '../demo/demo-package.js';
import { simCampaign, type SimCampaign } from '../demo/sim-campaign.js';
import { reedSolomonReady } from '../fec/rs-engine.js';
import { EmbeddedBroker } from '../lns/mqtt/embedded-broker.js';
import { sha256 } from '../manifest/digest.js';
import { formatFirmwareVersion } from '../manifest/firmware-version.js';
import { RealTimeDriver } from '../sim/real-time-driver.js';
import { SimClock } from '../sim/sim-clock.js';
import { buildSimFleet, DEFAULT_SCENARIO, type FleetScenario, type SimFleet } from '../sim/sim-fleet.js';
import type { SimulatedChirpstackOptions as SimulatedServerOptions } from './simulated-chirpstack.js';

export interface RealTimeFleet {
  clock: SimClock;
  driver: RealTimeDriver;
  fleet: SimFleet;
  demoPackage: DemoPackage;
  /** The embedded broker's URL (--embedded-broker), else undefined: the config's broker is used. */
  brokerUrl: string | undefined;
  /** Run in reverse order by stop(). */
  cleanups: Array<() => Promise<void> | void>;
  /** The "fleet: …" line of the endpoints. */
  fleetLine(gateways: readonly string[]): string;
  /** The campaign file for the fleet; withRootKeys for a server that cannot hand them out. */
  campaign(id: string, withRootKeys: boolean): SimCampaign;
  stop(): Promise<void>;
}

export async function startRealTimeFleet(options: SimulatedServerOptions, gateways: readonly string[], brokerPort: number | undefined): Promise<RealTimeFleet> {
  const demoPackage = buildDemoPackage({ firmwareBytes: 4 * 1024, seed: options.seed, signingKey: options.signingKey });
  const clock = new SimClock(Date.now());
  const scenario: FleetScenario = { ...DEFAULT_SCENARIO, devices: options.devices, seed: options.seed, uplinkIntervalMs: options.uplinkIntervalMs, loss: options.loss, gateways: gateways.length };
  const fleet = buildSimFleet({
    scenario, clock, image: demoPackage.oldImage, verifyImage: demoPackage.verifyImage, rejectImage: demoPackage.rejectImage,
    maxNbFrag: 2000, smallMaxNbFrag: 4, rsEngine: await reedSolomonReady(), gatewayId: (i) => gateways[i]!,
  });
  const cleanups: RealTimeFleet['cleanups'] = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const broker = options.embeddedBroker ? await EmbeddedBroker.start(brokerPort === undefined ? {} : { port: brokerPort }) : undefined;
    if (broker) cleanups.push(() => broker.close());
    const driver = new RealTimeDriver(clock, { tickMs: 10 });
    driver.start();
    cleanups.push(() => driver.stop());
    const first = fleet.targets[0]!;
    const last = fleet.targets[fleet.targets.length - 1]!;
    return {
      clock, driver, fleet, demoPackage, cleanups, stop,
      brokerUrl: broker?.url,
      fleetLine: (ids) => `fleet: ${fleet.targets.length} devices ${first.devEui}..${last.devEui} at firmware ${formatFirmwareVersion(first.firmwareVersion)}, an uplink every ${options.uplinkIntervalMs} ms, gateways ${ids.join(', ')}`,
      campaign: (id, withRootKeys) =>
        simCampaign({
          id, fleet, targetVersion: demoPackage.targetVersion, deviceClass: DEMO_DEVICE_CLASS, runningImageSha256: bytesToHex(sha256(demoPackage.oldImage)),
          packageBytes: demoPackage.bytes, uplinkIntervalMs: options.uplinkIntervalMs, withRootKeys,
        }),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
