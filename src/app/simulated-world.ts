// The simulated world's wiring: a FUOTA set-up in simulated time (the demo, the tests, the
// benchmarks), in process or over the wire to a simulated network server.
import { randomBytes } from 'node:crypto';
import { type GroupRegistry } from '../lns/group-registry.js';
import type { ChirpstackNetworkServer } from '../lns/chirpstack/chirpstack-network-server.js';
import type { PayloadEncoding } from '../lns/chirpstack/payload-encoding.js';
import type { SimChirpstackGrpc } from '../sim/chirpstack/sim-chirpstack-grpc.js';
import type { SimChirpstackMqtt, SimChirpstackMqttStats } from '../sim/chirpstack/sim-chirpstack-mqtt.js';
import type { WireTraffic, WireTrafficStats } from '../sim/wire-traffic.js';
import { bytesToHex } from '../core/hex.js';
import { openStore } from './open-local-store.js';
import type { TtsWireSummary, WireTtsOptions } from './wire-tts-world.js';
import type { TtsNetworkServer } from '../lns/tts/tts-network-server.js';
import type { SimTts } from '../sim/tts/sim-tts.js';
import { CallerError } from '../core/errors.js';
import { CampaignEngine, type EngineOptions } from '../campaign/engine.js';
import type { CampaignStore } from '../campaign/ports.js';
import type { CampaignSpecInput } from '../campaign/spec.js';
import { reedSolomonReady } from '../fec/rs-engine.js';
import { buildDemoPackage, DEMO_TARGET_VERSION } from '../demo/demo-package.js';
import { Random } from '../sim/random.js';
import { SimClock } from '../sim/sim-clock.js';
import { buildSimFleet, type FleetScenario, type SimFleet } from '../sim/sim-fleet.js';


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
  /** How the engine reaches the simulated network: directly, or over MQTT + gRPC as with ChirpStack. */
  transport: SimulatedTransport;
  /** For SimClock.run: resolves once the engine and the wire are quiet, so that time may move on. */
  settle(): Promise<void>;
  /** What went over the wire (transport 'wire' only). */
  wire?: WireSummary;
  /** The simulated ChirpStack's MQTT side (transport 'wire' only): tests publish log events through it. */
  chirpstack?: SimChirpstackMqtt;
  /** The simulated ChirpStack's gRPC side (transport 'wire' only): its groups, queue and gateways. */
  chirpstackApi?: SimChirpstackGrpc;
  /** Our ChirpStack adapter and its group registry (transport 'wire' only): for fault injection. */
  adapter?: { network: ChirpstackNetworkServer; registry: GroupRegistry };
  /** What went over the wire to the simulated TTS (network tts only). */
  ttsWire?: TtsWireSummary;
  /** The simulated TTS (network tts only). */
  tts?: SimTts;
  /** Our TTS adapter (network tts only): for fault injection. */
  ttsAdapter?: TtsNetworkServer;
  /** What is in flight on the TTS wire (network tts only): a broker restart writes lost messages off. */
  traffic?: WireTraffic;
  /** Whether the TTS wire's MQTT connections are up (network tts only). */
  mqttConnected?: () => boolean;
  /** Stops the engine and everything the world started (broker, servers, connections, store). */
  close(): Promise<void>;
}

export type SimulatedTransport = 'in-process' | 'wire';

export interface WireSummary {
  brokerUrl: string;
  grpcAddress: string;
  encoding: PayloadEncoding;
  traffic: WireTrafficStats;
  chirpstack: SimChirpstackMqttStats;
  /** Status events received by a subscriber to fuota/campaigns/#. */
  statusEvents: { received: number };
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
  /** Default 'in-process'. 'wire': an embedded MQTT broker, the simulated ChirpStack (MQTT + gRPC) and our ChirpStack adapter. */
  transport?: SimulatedTransport;
  /** Which simulated network server the wire goes to; default chirpstack. */
  network?: 'chirpstack' | 'tts';
  /** TTS wire options (network tts): a broker of the caller's, adapter overrides. */
  tts?: Pick<WireTtsOptions, 'brokerUrl' | 'brokerAuth' | 'adapter'>;
  /** ChirpStack's integration encoding on the wire; default json. */
  encoding?: PayloadEncoding;
}

/**
 * A whole FUOTA set-up in simulated time: a signed delta package for a synthetic firmware pair,
 * a fleet of simulated devices behind a simulated network server, and the campaign engine with
 * a store, ready for `engine.create(spec, block)` and `clock.run(...)`.
 */
export async function createSimulatedWorld(options: SimulationOptions): Promise<SimulatedWorld> {
  const startMs = options.startMs ?? Date.UTC(2026, 10, 21, 8, 0, 0);
  const tts = options.network === 'tts';
  if (tts && options.transport !== 'wire') throw new CallerError('SIM_OPTIONS_INVALID', 'simulated world network: expected transport wire with network tts (the TTS path is our adapter over MQTT and HTTP), got transport in-process');
  // The wire's modules (MQTT, the broker, gRPC, the simulated servers) only for the wire: an
  // in-process demo does not load them (issue #17: commands load what they use).
  const chirpstackWire = options.transport === 'wire' && !tts ? await import('./wire-chirpstack-world.js') : undefined;
  const ttsWire = tts ? await import('./wire-tts-world.js') : undefined;
  const ttsPush = tts ? await import('../lns/tts/tts-downlink-push.js') : undefined;
  const clock = new SimClock(startMs);
  const scenario = options.scenario;
  const demoPackage = buildDemoPackage({ firmwareBytes: options.firmwareBytes ?? 64 * 1024, seed: scenario.seed, badSignature: Boolean(options.badSignature) });
  const { oldImage, newImage, verifyImage: verify, rejectImage } = demoPackage;
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
    // ChirpStack names gateways by EUI-64, TTS by id.
    ...(options.transport !== 'wire' ? {} : ttsWire ? { gatewayId: ttsWire.demoTtsGatewayId } : { gatewayId: (i: number) => (0x0016c001ff100000 + i + 1).toString(16).padStart(16, '0') }),
  });
  const store = openStore(options.storePath ?? ':memory:');
  const mcKey = bytesToHex(scenario.seed === undefined ? randomBytes(16) : new Random(scenario.seed).fork('mc-key').bytes(16));
  const spec: CampaignSpecInput = {
    id: options.campaignId ?? 'demo',
    name: 'simulated fleet update',
    firmware: { version: DEMO_TARGET_VERSION },
    devices: fleet.targets,
    // On the wire, the simulated server spaces class C items as the real one does: plan with it.
    multicast: { mcKey, gateways: fleet.gateways, ...(ttsWire ? { classCMarginMs: ttsWire.DEMO_TTS_CLASS_C_MARGIN_MS } : chirpstackWire ? { classCMarginMs: chirpstackWire.DEMO_CLASS_C_MARGIN_MS } : {}) },
    // TTS's gateway server grants NORMAL priority 70 % of each sub-band's duty cycle: plan within it.
    ...(ttsPush ? { budgetShare: ttsPush.applicationDownlinkDutyCycleShare('NORMAL') } : {}),
    ...options.spec,
  };
  const base = { clock, fleet, store, spec, block: demoPackage.bytes, startMs, sizes: { oldImageBytes: oldImage.length, newImageBytes: newImage.length, packageBytes: demoPackage.bytes.length } };
  if (ttsWire) {
    const wired = await ttsWire.wireTtsFleet({ clock, fleet, store, uplinkIntervalMs: scenario.uplinkIntervalMs, engine: options.engine ?? {}, ...(options.tts ?? {}) });
    for (const member of fleet.members) member.device.boot();
    return { ...base, ...wired, transport: 'wire' };
  }
  if (chirpstackWire) {
    const wired = await chirpstackWire.wireSimulatedFleet({ clock, fleet, store, encoding: options.encoding ?? 'json', uplinkIntervalMs: scenario.uplinkIntervalMs, engine: options.engine ?? {} });
    for (const member of fleet.members) member.device.boot();
    return { ...base, ...wired, transport: 'wire' };
  }
  const engine = new CampaignEngine({ store, network: fleet.network, clock, ...options.engine });
  fleet.network.onUplink = (uplink) => void engine.handleUplink(uplink);
  for (const member of fleet.members) member.device.boot();
  return {
    ...base,
    engine,
    transport: 'in-process',
    settle: () => engine.idle(),
    close: async () => {
      await engine.close();
      await store.close();
    },
  };
}
