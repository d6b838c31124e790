import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { StoredSequences } from '../../src/admission/accepted-sequences.js';
import { admitCampaign, type AdmissionDeps, type AdmissionRequest } from '../../src/admission/admit-campaign.js';
import type { DeviceDirectory } from '../../src/admission/device-directory.js';
import { vendorKeysFromConfig } from '../../src/admission/vendor-keys.js';
import { CampaignEngine } from '../../src/campaign/engine.js';
import type { NetworkServer } from '../../src/campaign/ports.js';
import { buildPackage, type BuildOptions } from '../../src/manifest/build.js';
import { JOJODIFF_LEGACY } from '../../src/manifest/jojodiff-delta.js';
import { publicKeyToPem, verifyingKeyOf, type SigningKey } from '../../src/manifest/keys.js';
import { classIdOf, vendorIdOf } from '../../src/manifest/uuid5.js';
import { MemoryCampaignStore } from '../../src/store/memory-campaign-store.js';

// A campaigns directory, a vendor key, signed packages, and the engine over an in-memory store
// behind admission: what `fuota serve` does with a campaign, without a network server (its
// device list is a set; its downlinks are recorded, and must stay empty on refusal).

export const VENDOR = 'example.com';
export const MODEL = 'sensor-node-v1';
export const VERSION = 0x01010000; // "1.1.0" packed
export const DEV_1 = '70b3d57ed0000001';
export const DEV_2 = '70b3d57ed0000002';
export const OLD_IMAGE = Uint8Array.from({ length: 600 }, (_, i) => (i * 7) & 0xff);
export const NEW_IMAGE = Uint8Array.from({ length: 600 }, (_, i) => (i * 7 + (i % 50 === 0 ? 1 : 0)) & 0xff);

export function signingKey(): SigningKey {
  return { algorithm: 'es256', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
}

export const TRUSTED = signingKey();

export function build(options: Partial<BuildOptions> = {}): Uint8Array {
  return buildPackage({ newImage: NEW_IMAGE, signingKey: TRUSTED, vendorId: vendorIdOf(VENDOR), classId: classIdOf(MODEL), firmwareVersion: VERSION, format: 'compact', ...options }).bytes;
}

export function buildDelta(options: Partial<BuildOptions> = {}): Uint8Array {
  return build({ oldImage: OLD_IMAGE, deltas: [JOJODIFF_LEGACY], ...options });
}

export function spec(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'fw-1-1-0',
    devices: [{ devEui: DEV_1, rootKey: '01'.repeat(16) }, { devEui: DEV_2, rootKey: '02'.repeat(16) }],
    multicast: { mcKey: 'ab'.repeat(16) },
    ...extra,
  };
}

export interface World {
  dir: string;
  configFile: string;
  store: MemoryCampaignStore;
  engine: CampaignEngine;
  /** Every call the engine made on the network server. */
  sent: string[];
  deps: AdmissionDeps;
  /** Admission, then engine.create with what it returned: the intake's and the API's path. */
  submit(request: AdmissionRequest): Promise<string>;
  /** Writes a file into the campaigns directory; returns its name. */
  put(name: string, bytes: Uint8Array | string): string;
}

export function world(t: ExecutionContext, options: { known?: readonly string[]; vendorKeys?: AdmissionDeps['vendorKeys'] } = {}): World {
  const root = mkdtempSync(join(tmpdir(), 'fuota-admission-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'campaigns');
  mkdirSync(dir);
  // The service's own config inside the directory: the worst place an operator could put it.
  const configFile = join(dir, 'fuota.yaml');
  writeFileSync(configFile, 'networkServer:\n  kind: chirpstack\n  api:\n    token: secret-api-token\n');
  const store = new MemoryCampaignStore();
  const sent: string[] = [];
  const record = (what: string) => async () => void sent.push(what);
  const network: NetworkServer = { sendUnicast: record('unicast'), createMulticastGroup: record('create-group'), sendMulticast: record('multicast'), deleteMulticastGroup: record('delete-group') };
  const engine = new CampaignEngine({ store, network, clock: { now: () => Date.UTC(2026, 11, 6), at: () => () => {} } });
  t.teardown(() => engine.close());
  const known = new Set(options.known ?? [DEV_1, DEV_2]);
  const devices: DeviceDirectory = { deviceExists: async (devEui) => known.has(devEui) };
  const deps: AdmissionDeps = {
    vendorKeys: options.vendorKeys ?? vendorKeysFromConfig([{ vendor: VENDOR, publicKey: publicKeyToPem(verifyingKeyOf(TRUSTED)) }]),
    sequences: new StoredSequences(store),
    paths: { directory: dir, protectedFiles: [configFile] },
    devices,
  };
  return {
    dir,
    configFile,
    store,
    engine,
    sent,
    deps,
    async submit(request) {
      const admitted = await admitCampaign(request, deps);
      return engine.create(admitted.spec, admitted.block);
    },
    put(name, bytes) {
      writeFileSync(join(dir, name), bytes);
      return name;
    },
  };
}
