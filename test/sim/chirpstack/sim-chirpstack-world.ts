import { ChirpstackGrpcClient } from '../../../src/lns/chirpstack/grpc-client.js';
import type { MulticastGroupSpec } from '../../../src/lns/chirpstack/grpc-multicast-group.js';
import { Random } from '../../../src/sim/random.js';
import { RealTimeDriver } from '../../../src/sim/real-time-driver.js';
import { SimChirpstackGateways, type SimGatewaysOptions } from '../../../src/sim/chirpstack/sim-chirpstack-gateways.js';
import { SimChirpstackGrpc, type SimChirpstackGrpcOptions } from '../../../src/sim/chirpstack/sim-chirpstack-grpc.js';
import { SimChirpstackMulticast, type NewMulticastGroup } from '../../../src/sim/chirpstack/sim-chirpstack-multicast.js';
import { parseSimChirpstackVersion } from '../../../src/sim/chirpstack/sim-chirpstack-version.js';
import { SimClock } from '../../../src/sim/sim-clock.js';
import type { SimDeviceConfig } from '../../../src/sim/sim-device-config.js';
import { SimDevice } from '../../../src/sim/sim-device.js';
import { SimNetworkServer } from '../../../src/sim/sim-network-server.js';

// A simulated ChirpStack gRPC server on a loopback port, its network in real time, and devices
// that record every multicast frame they hear. Tests call `close` in teardown.

export const API_TOKEN = 'test-api-token';
export const APPLICATION_ID = '7b3c8f4e-1d2a-4c5b-9e6f-0a1b2c3d4e5f';
export const GATEWAY_1 = '0016c001ff10a235';
export const GATEWAY_2 = '0016c001ff10a236';
/** A gateway the devices are not in range of. */
export const FAR_GATEWAY = '0016c001ff10a299';
/** Wide enough that ListQueue sees the queue drain even on a loaded machine. */
export const CLASS_C_MARGIN_MS = 400;
export const DEV_EUIS = ['70b3d57ed0000001', '70b3d57ed0000002', '70b3d57ed0000003'];

export interface HeardFrame {
  mcAddr: number;
  fPort: number;
  payload: Uint8Array;
  atMs: number;
}

/** A device that records multicast frames instead of running the app-layer packages. */
export class RecordingDevice extends SimDevice {
  readonly heard: HeardFrame[] = [];
  readonly unicasts: Array<{ fPort: number; payload: Uint8Array }> = [];

  /** Records what the network server sent to it (it runs no stack and holds no keys). */
  override receiveMulticastFrame(_bytes: Uint8Array, sent: { mcAddr: number; fPort: number; payload: Uint8Array }): void {
    this.heard.push({ ...sent, atMs: this.trueNowMs() });
  }

  override receiveUnicast(fPort: number, payload: Uint8Array): void {
    this.unicasts.push({ fPort, payload });
  }
}

function deviceConfig(devEui: string): SimDeviceConfig {
  return {
    devEui,
    stack: 'spec',
    rootKey: new Uint8Array(16),
    lorawanVersion: '1.0',
    packageVersions: { ts003: 1, ts004: 1, ts005: 1 },
    v2Seed: 'N',
    reedSolomon: false,
    uplinkIntervalMs: 60_000,
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
    payloadMode: 'rank-only',
  };
}

/** The network with the three recording devices: two near gateway 1, the third near gateway 2. */
export function simNetwork(clock: SimClock): { network: SimNetworkServer; devices: RecordingDevice[] } {
  const random = new Random(7);
  const network = new SimNetworkServer(clock, random.fork('network'));
  const devices = DEV_EUIS.map((devEui) => new RecordingDevice(deviceConfig(devEui), network, random.fork(devEui)));
  network.addDevice(devices[0]!, [GATEWAY_1]);
  network.addDevice(devices[1]!, [GATEWAY_1]);
  network.addDevice(devices[2]!, [GATEWAY_2]);
  return { network, devices };
}

export interface World {
  clock: SimClock;
  network: SimNetworkServer;
  driver: RealTimeDriver;
  server: SimChirpstackGrpc;
  client: ChirpstackGrpcClient;
  devices: RecordingDevice[];
  close(): Promise<void>;
}

export async function startWorld(options: Partial<SimChirpstackGrpcOptions> & { deadlineMs?: number } = {}): Promise<World> {
  const clock = new SimClock(Date.now());
  const { network, devices } = simNetwork(clock);
  const driver = new RealTimeDriver(clock, { tickMs: 5 });
  driver.start();
  const server = await SimChirpstackGrpc.start({
    network,
    clock,
    driver,
    apiToken: API_TOKEN,
    gateways: [GATEWAY_1, GATEWAY_2, FAR_GATEWAY],
    applicationIds: [APPLICATION_ID],
    multicastClassCMarginMs: CLASS_C_MARGIN_MS,
    ...options,
  });
  const client = new ChirpstackGrpcClient({ address: server.address, apiToken: API_TOKEN, transport: { kind: 'insecure' }, deadlineMs: options.deadlineMs ?? 30_000 });
  return {
    clock,
    network,
    driver,
    server,
    client,
    devices,
    async close() {
      client.close();
      await server.stop();
      await driver.stop();
    },
  };
}

export function classCGroup(overrides: Partial<MulticastGroupSpec> = {}): MulticastGroupSpec {
  return {
    name: 'fuota-wave-1',
    applicationId: APPLICATION_ID,
    region: 'EU868',
    mcAddrHex: '01abcdef',
    mcNwkSKeyHex: '0102030405060708090a0b0c0d0e0f10',
    mcAppSKeyHex: '1112131415161718191a1b1c1d1e1f20',
    fCnt: 10,
    groupType: 'CLASS_C',
    dr: 5,
    frequencyHz: 869_525_000,
    classCSchedulingType: 'DELAY',
    classBPingSlotPeriodicity: 0,
    ...overrides,
  };
}

/** Polls `check` until it holds or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 60_000, stepMs = 10): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return check();
}

// The simulated ChirpStack's multicast store and scheduler in simulated time (no sockets), for
// the multicast tests: two gateways online in eu868 unless told otherwise.

export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
export const MARGIN_MS = 1_000;
/** ChirpStack's default scheduler interval: a picked row's run-after moves 2 of them on. */
export const INTERVAL_MS = 1_000;

export interface MulticastSetupOptions extends Partial<Omit<SimGatewaysOptions, 'clock'>> {
  version?: string;
}

export function setupMulticast(options: MulticastSetupOptions = {}) {
  const clock = new SimClock(T0);
  const { network, devices } = simNetwork(clock);
  const gateways = new SimChirpstackGateways({ ids: [GATEWAY_1, GATEWAY_2], ...options, clock });
  const multicast = new SimChirpstackMulticast({
    network, clock, gateways, classCMarginMs: MARGIN_MS, classBMarginMs: 5_000, schedulerIntervalMs: INTERVAL_MS,
    version: parseSimChirpstackVersion(options.version ?? '4.19.0'),
  });
  /** Runs the clock to exactly `untilMs` (SimClock.run alone stops at its last event). */
  const run = (untilMs: number) => {
    clock.at(untilMs, () => {});
    return clock.run({ untilMs });
  };
  return { clock, network, devices, multicast, gateways, run };
}

export function simGroup(overrides: Partial<NewMulticastGroup> = {}): NewMulticastGroup {
  return {
    name: 'g', applicationId: APPLICATION_ID, region: 0, mcAddr: 0x01abcdef, mcNwkSKeyHex: '00'.repeat(16), mcAppSKeyHex: '11'.repeat(16),
    fCnt: 0, groupType: 'C', dr: 5, frequencyHz: 869_525_000, classCSchedulingType: 'DELAY', classBPingSlotPeriodicity: 0, ...overrides,
  };
}

export const simItem = (byte: number, bytes = 1) => ({ fPort: 201, data: new Uint8Array(bytes).fill(byte) });
