// The composition root: the only place that wires concrete adapters to the campaign engine.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
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
