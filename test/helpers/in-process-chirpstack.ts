import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildPackage } from '../../src/manifest/build.js';
import { publicKeyToPem, verifyingKeyOf } from '../../src/manifest/keys.js';
import { classIdOf, vendorIdOf } from '../../src/manifest/uuid5.js';
import { startSimChirpstack, type SimChirpstack } from '../../src/sim/chirpstack/sim-chirpstack.js';
import { Random } from '../../src/sim/random.js';
import { RealTimeDriver } from '../../src/sim/real-time-driver.js';
import { SimClock } from '../../src/sim/sim-clock.js';
import type { ImageVerifier } from '../../src/sim/sim-device-config.js';
import { SimNetworkServer } from '../../src/sim/sim-network-server.js';
import { API_TOKEN, CLASS_C_MARGIN_MS, GATEWAY, mqttConnection, WireDevice, wireDeviceConfig, WIRE_BLOCK, WIRE_TARGET_VERSION } from '../lns/chirpstack/chirpstack-wire-world.js';
import type { Broker } from '../lns/mqtt/mosquitto.js';

// The simulated ChirpStack of chirpstack-wire-world.ts (src/sim/chirpstack/sim-chirpstack.ts) in
// this process, in real time, without our side: for the tests that run `fuota serve` as a child
// against it (test/cli/serve.test.ts, test/app/two-instance-takeover.test.ts). The devices take
// WIRE_BLOCK as the image of a compact package signed with SIGNING_KEY (admission refuses
// unsigned packages); writeVendorKey puts its public key where a config's vendorKeys names it.

const SIGNING_KEY = { algorithm: 'es256' as const, privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };

/** The campaign's package: WIRE_BLOCK signed for example.com's wire-node class. */
export const SIGNED_PACKAGE = buildPackage({ newImage: WIRE_BLOCK, signingKey: SIGNING_KEY, vendorId: vendorIdOf('example.com'), classId: classIdOf('wire-node'), firmwareVersion: WIRE_TARGET_VERSION, format: 'compact' }).bytes;

/** The devices' bootloader: the reassembled block (padding aside) must be that package. */
const verifyPackage: ImageVerifier = (block) =>
  block !== null && Buffer.from(block.subarray(0, SIGNED_PACKAGE.length)).equals(Buffer.from(SIGNED_PACKAGE))
    ? { status: 'valid', version: WIRE_TARGET_VERSION, image: block.slice(0, SIGNED_PACKAGE.length) }
    : { status: 'corrupt', reason: 'not the campaign package' };

/** Writes the signing key's public half as `dir/update-pub.pem` (vendorKeys: example.com → ./update-pub.pem). */
export function writeVendorKey(dir: string): void {
  fs.writeFileSync(path.join(dir, 'update-pub.pem'), publicKeyToPem(verifyingKeyOf(SIGNING_KEY)));
}

/** The config lines that trust it (under `campaigns:`). */
export const VENDOR_KEY_LINES = ['  vendorKeys:', '    - vendor: example.com', '      publicKey: ./update-pub.pem'];

/** A config's `networkServer:` block for it: its application and gRPC API, the broker as given. */
export function networkServerLines(sim: { applicationId: string; grpcAddress: string }, mqtt: { url: string; clientId: string; username: string; password: string; caFile?: string }): string[] {
  return [
    'networkServer:',
    '  kind: chirpstack',
    `  applicationId: ${sim.applicationId}`,
    `  gateways: ["${GATEWAY}"]`,
    '  txAckTimeoutMs: 8000',
    '  multicastQueuePollMs: 250',
    // The simulated ChirpStack's multicast_class_c_margin (shortened, as in the wire world).
    `  multicastClassCMarginMs: ${CLASS_C_MARGIN_MS}`,
    '  mqtt:',
    `    url: ${mqtt.url}`,
    `    clientId: ${mqtt.clientId}`,
    `    username: ${mqtt.username}`,
    `    password: ${JSON.stringify(mqtt.password)}`,
    ...(mqtt.caFile === undefined ? [] : ['    tls:', `      caFile: ${mqtt.caFile}`]),
    '  api:',
    `    address: ${sim.grpcAddress}`,
    `    token: ${API_TOKEN}`,
  ];
}

export interface InProcessChirpstack {
  applicationId: string;
  grpcAddress: string;
  devices: WireDevice[];
  chirpstack: SimChirpstack;
  close(): Promise<void>;
}

export async function startInProcessChirpstack(broker: Broker, devEuis: readonly string[], seed: number): Promise<InProcessChirpstack> {
  const applicationId = randomUUID();
  const clock = new SimClock(Date.now());
  const driver = new RealTimeDriver(clock, { tickMs: 5 });
  const random = new Random(seed);
  const network = new SimNetworkServer(clock, random.fork('network'));
  const devices = devEuis.map((devEui) => new WireDevice(wireDeviceConfig(devEui, { uplinkIntervalMs: 2_000, verifyImage: verifyPackage }), network, random.fork(devEui)));
  for (const device of devices) network.addDevice(device, [GATEWAY]);
  driver.start();
  // ChirpStack keeps a 1.0.x device's AppKey in nwk_key; TS005 roots at its GenAppKey (the devices' 07…07).
  const deviceKeys = new Map(devEuis.map((devEui) => [devEui, { nwkKeyHex: '5a'.repeat(16), genAppKeyHex: '07'.repeat(16) }]));
  const chirpstack = await startSimChirpstack({ network, clock, driver, mqtt: mqttConnection(broker, 'sim'), applicationId, apiToken: API_TOKEN, gateways: [GATEWAY], encoding: 'json', deviceKeys, multicastClassCMarginMs: CLASS_C_MARGIN_MS });
  for (const device of devices) device.boot();
  return {
    applicationId,
    grpcAddress: chirpstack.grpcAddress,
    devices,
    chirpstack,
    close: async () => {
      await chirpstack.stop();
      await driver.stop();
    },
  };
}
