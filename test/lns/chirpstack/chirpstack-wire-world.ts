import { randomUUID } from 'node:crypto';
import type { Uplink } from '../../../src/campaign/ports.js';
import { MemoryGroupRegistry } from '../../../src/lns/group-registry.js';
import type { GatewayRejection } from '../../../src/lns/chirpstack/chirpstack-log-events.js';
import { ChirpstackNetworkServer, type ChirpstackNetworkServerOptions, type DutyCycleOverflow } from '../../../src/lns/chirpstack/chirpstack-network-server.js';
import { ChirpstackGrpcClient } from '../../../src/lns/chirpstack/grpc-client.js';
import type { PayloadEncoding } from '../../../src/lns/chirpstack/payload-encoding.js';
import { MqttConnection } from '../../../src/lns/mqtt/mqtt-connection.js';
import { Random } from '../../../src/sim/random.js';
import { RealTimeDriver } from '../../../src/sim/real-time-driver.js';
import { SimChirpstackGrpc, type SimChirpstackGrpcOptions } from '../../../src/sim/chirpstack/sim-chirpstack-grpc.js';
import { SimChirpstackMqtt } from '../../../src/sim/chirpstack/sim-chirpstack-mqtt.js';
import { SimClock } from '../../../src/sim/sim-clock.js';
import type { ImageVerifier, SimDeviceConfig } from '../../../src/sim/sim-device-config.js';
import type { CampaignSpecInput } from '../../../src/campaign/spec.js';
import { SimDevice } from '../../../src/sim/sim-device.js';
import { SimNetworkServer } from '../../../src/sim/sim-network-server.js';
import type { Broker } from '../mqtt/mosquitto.js';

// The whole ChirpStack path over real sockets, in real time: a real mosquitto (TLS + password,
// from test/lns/mqtt/mosquitto.ts), the simulated ChirpStack (gRPC + MQTT) on a SimNetworkServer
// driven by a RealTimeDriver, simulated devices with uplinks every second or two, and our
// ChirpstackNetworkServer talking to both. Each world has its own application id, so worlds can
// share a broker.

export const API_TOKEN = 'wire-test-token';
export const GATEWAY = '0016c001ff10b001';
/** ChirpStack's multicast_class_c_margin, shortened (ChirpStack's default is 5 s). */
export const CLASS_C_MARGIN_MS = 300;

/** A device that also records the multicast frames addressed to it (heard in a session or not). */
export class WireDevice extends SimDevice {
  readonly heard: Array<{ mcAddr: number; fPort: number; payload: Uint8Array; atMs: number }> = [];

  override receiveMulticastFrame(bytes: Uint8Array, sent: { mcAddr: number; fPort: number; payload: Uint8Array }): void {
    this.heard.push({ ...sent, atMs: this.trueNowMs() });
    super.receiveMulticastFrame(bytes, sent);
  }
}

export function wireDeviceConfig(devEui: string, overrides: Partial<SimDeviceConfig> = {}): SimDeviceConfig {
  return {
    devEui,
    stack: 'spec',
    rootKey: new Uint8Array(16).fill(7),
    lorawanVersion: '1.0',
    packageVersions: { ts003: 1, ts004: 1, ts005: 1 },
    v2Seed: 'N',
    reedSolomon: false,
    uplinkIntervalMs: 1_500,
    clockOffsetMs: 0,
    clockDriftPpm: 0,
    maxNbFrag: 1000,
    firmwareVersion: 1,
    hwVersion: 1,
    image: new Uint8Array(0),
    absent: false,
    downlinkLoss: { kind: 'iid', lossRate: 0 },
    uplinkLossRate: 0,
    verifyImage: () => ({ status: 'corrupt', reason: 'not used' }),
    payloadMode: 'full',
    ...overrides,
  };
}

export interface WireWorld {
  applicationId: string;
  clock: SimClock;
  driver: RealTimeDriver;
  network: SimNetworkServer;
  devices: WireDevice[];
  grpcServer: SimChirpstackGrpc;
  simMqtt: SimChirpstackMqtt;
  grpc: ChirpstackGrpcClient;
  registry: MemoryGroupRegistry;
  server: ChirpstackNetworkServer;
  uplinks: Uplink[];
  failures: Array<{ devEui: string; reason: string }>;
  rejections: GatewayRejection[];
  overflows: DutyCycleOverflow[];
  errors: Array<{ error: unknown; context: string }>;
  deleted: string[];
  close(): Promise<void>;
}

let clientSeq = 0;

export function mqttConnection(broker: Broker, role: string): MqttConnection {
  clientSeq += 1;
  return new MqttConnection({
    url: broker.tlsUrl, clientId: `wire-${role}-${process.pid}-${clientSeq}`, username: broker.username, password: broker.password,
    tls: { ca: broker.pki.caPem }, connectTimeoutMs: 30_000, reconnect: { initialMs: 50, maxMs: 500 },
  });
}

export interface WireWorldOptions {
  broker: Broker;
  encoding: PayloadEncoding;
  /** One device per config; all near GATEWAY. */
  devices: SimDeviceConfig[];
  server?: Partial<ChirpstackNetworkServerOptions>;
  /** Simulated ChirpStack gRPC options (more gateways, offline ones, another version). */
  grpc?: Partial<SimChirpstackGrpcOptions>;
  seed?: number;
}

export async function startWireWorld(options: WireWorldOptions): Promise<WireWorld> {
  const applicationId = randomUUID();
  const clock = new SimClock(Date.now());
  const driver = new RealTimeDriver(clock, { tickMs: 5 });
  const random = new Random(options.seed ?? 11);
  const network = new SimNetworkServer(clock, random.fork('network'));
  const devices = options.devices.map((config) => new WireDevice(config, network, random.fork(config.devEui)));
  for (const device of devices) network.addDevice(device, [GATEWAY]);
  const cleanups: Array<() => Promise<void> | void> = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    driver.start();
    cleanups.push(() => driver.stop());
    const grpcServer = await SimChirpstackGrpc.start({ network, clock, driver, apiToken: API_TOKEN, gateways: [GATEWAY], applicationIds: [applicationId], multicastClassCMarginMs: CLASS_C_MARGIN_MS, ...options.grpc });
    cleanups.push(() => grpcServer.stop());
    const errors: WireWorld['errors'] = [];
    const simMqtt = await SimChirpstackMqtt.start({
      network, mqtt: mqttConnection(options.broker, 'sim'), applicationId, encoding: options.encoding, driver, gatewayId: GATEWAY,
      onError: (error, context) => errors.push({ error, context: `sim: ${context}` }),
    });
    cleanups.push(() => simMqtt.stop());
    const grpc = new ChirpstackGrpcClient({ address: grpcServer.address, apiToken: API_TOKEN, transport: { kind: 'insecure' }, deadlineMs: 30_000 });
    cleanups.push(() => grpc.close());
    const uplinks: Uplink[] = [];
    const failures: WireWorld['failures'] = [];
    const rejections: GatewayRejection[] = [];
    const overflows: DutyCycleOverflow[] = [];
    const deleted: string[] = [];
    const registry = new MemoryGroupRegistry();
    const server = new ChirpstackNetworkServer({
      mqtt: mqttConnection(options.broker, 'fuota'),
      grpc,
      applicationId,
      encoding: options.encoding,
      gatewayIds: [GATEWAY],
      registry,
      txAckTimeoutMs: 6_000,
      queuePollMs: 100,
      onUplink: (uplink) => void uplinks.push(uplink),
      onDownlinkFailed: (devEui, reason) => void failures.push({ devEui, reason }),
      onGatewayRejection: (rejection) => void rejections.push(rejection),
      onDutyCycleOverflow: (overflow) => void overflows.push(overflow),
      onError: (error, context) => void errors.push({ error, context }),
      onGroupDeleted: (groupName) => void deleted.push(groupName),
      ...options.server,
    });
    cleanups.push(() => server.close());
    await server.start();
    for (const device of devices) device.boot();
    return { applicationId, clock, driver, network, devices, grpcServer, simMqtt, grpc, registry, server, uplinks, failures, rejections, overflows, errors, deleted, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---- The campaign every over-the-wire test runs ---------------------------------------------

export const WIRE_TARGET_VERSION = 0x01010000;
export const WIRE_BLOCK = new Random(5).bytes(300);

/** The devices' bootloader: the reassembled block (padding aside) must be the campaign's. */
export const wireVerifyImage: ImageVerifier = (block) =>
  block !== null && Buffer.from(block.subarray(0, WIRE_BLOCK.length)).equals(Buffer.from(WIRE_BLOCK))
    ? { status: 'valid', version: WIRE_TARGET_VERSION, image: block.slice(0, WIRE_BLOCK.length) }
    : { status: 'corrupt', reason: 'not the campaign block' };

/**
 * The spec of that campaign, with timings shortened for devices that uplink every 2 s (what
 * remains is set by the engine's own constants: the 30 s reboot grace, the status wait).
 * Region, DR and budget share are left to the defaults (or campaigns.defaults under serve).
 */
export function wireCampaignSpec(id: string, devEuis: readonly string[]): CampaignSpecInput {
  return {
    id,
    firmware: { version: WIRE_TARGET_VERSION },
    devices: devEuis.map((devEui) => ({ devEui, rootKey: '07'.repeat(16), packageVersions: { ts003: 1, ts004: 1, ts005: 1 }, firmwareVersion: 1 })),
    rollout: { canaryFraction: 0 },
    multicast: { mcKey: 'ab'.repeat(16), gateways: [GATEWAY] },
    fragmentation: { fragmentSizeBytes: 40 },
    timing: { answerTimeoutMs: 10_000, setupDeadlineMs: 60_000, sessionLeadMs: 15_000, rebootDelayMs: 2_000, confirmTimeoutMs: 60_000 },
  };
}
