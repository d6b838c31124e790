import { generateKeyPairSync } from 'node:crypto';
import type { ImageVerifier } from '../sim/sim-device-config.js';
import { buildPackage } from '../manifest/build.js';
import type { DeltaCapability } from '../manifest/delta-capability.js';
import type { DeltaFormat } from '../manifest/types.js';
import { deltaCodecsFor, type DeltaBuildChoice } from '../manifest/delta-codecs.js';
import { verifyingKeyOf, type SigningKey, type VerifyingKey } from '../manifest/keys.js';
import { NAMESPACE_URL, uuidV5 } from '../manifest/uuid5.js';
import { demoFirmwarePair } from './demo-firmware.js';
import { packageVerifier } from './device-verifier.js';

// The package every simulated campaign sends (`fuota demo`, `fuota sim chirpstack`): a signed
// compact delta for a synthetic firmware pair, and the bootloader checks of the devices that
// trust its key and of those that do not.

/** The firmware version the demo package carries (1.1.0 as major.minor.patch.build bytes). */
export const DEMO_TARGET_VERSION = 0x01010000;
/** The vendor and device class names the manifest's ids derive from (UUIDv5 of the URL namespace). */
export const DEMO_VENDOR = 'example.com';
export const DEMO_DEVICE_CLASS = 'sensor-node-v1';

export interface DemoPackage {
  oldImage: Uint8Array;
  newImage: Uint8Array;
  /** The signed package (what the campaign sends). */
  bytes: Uint8Array;
  /** The delta format chosen (the smaller of those the devices apply). */
  deltaFormat: DeltaFormat;
  targetVersion: number;
  /** The vendor's public key the devices trust. */
  verifyingKey: VerifyingKey;
  /** The bootloader of a device that trusts the vendor key. */
  verifyImage: ImageVerifier;
  /** The bootloader of a device that trusts another key: rejects this package. */
  rejectImage: ImageVerifier;
}

const DEFAULT_DEMO_DELTA: DeltaBuildChoice = { formats: ['jojodiff'], janpatch: 'legacy', compression: 'heatshrink', heatshrink: { windowSz2: 8, lookaheadSz2: 7 } };

/** The devices' build: the families, janpatch dialect, and a detools build with just the compression chosen. */
function capabilityOf(choice: DeltaBuildChoice): DeltaCapability {
  return { formats: choice.formats, janpatch: choice.janpatch, detools: { compressions: [choice.compression], heatshrink: choice.heatshrink } };
}

export function generateSigningKey(): SigningKey {
  return { algorithm: 'es256', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
}

export function buildDemoPackage(options: {
  firmwareBytes: number;
  seed: number;
  /** The vendor key the devices trust and the package is signed with; default: a new P-256 key. */
  signingKey?: SigningKey;
  /** Sign with another key than the trusted one (every device must reject the package). */
  badSignature?: boolean;
  /**
   * The delta formats the simulated devices' firmware applies: the package is the smaller of
   * those (as `fuota package build --delta` builds it), and the devices verify with exactly those
   * patchers. Default: JojoDiff for every janpatch build.
   */
  delta?: DeltaBuildChoice;
}): DemoPackage {
  const { oldImage, newImage } = demoFirmwarePair(options.firmwareBytes, options.seed);
  const vendorId = uuidV5(NAMESPACE_URL, DEMO_VENDOR);
  const classId = uuidV5(NAMESPACE_URL, DEMO_DEVICE_CLASS);
  const trustedKey = options.signingKey ?? generateSigningKey();
  const signingKey = options.badSignature ? generateSigningKey() : trustedKey;
  const choice = options.delta ?? DEFAULT_DEMO_DELTA;
  const built = buildPackage({ newImage, oldImage, deltas: deltaCodecsFor(choice), signingKey, vendorId, classId, firmwareVersion: DEMO_TARGET_VERSION, format: 'compact' });
  const verifyingKey = verifyingKeyOf(trustedKey);
  const delta = capabilityOf(choice);
  const verifyImage = packageVerifier({ verifyingKey, vendorId, classId, rankOnlyVersion: DEMO_TARGET_VERSION, delta });
  const otherVendor = packageVerifier({ verifyingKey: verifyingKeyOf(generateSigningKey()), vendorId, classId, rankOnlyVersion: DEMO_TARGET_VERSION, delta });
  const rejectImage: ImageVerifier = (block, current) =>
    block === null ? { status: 'corrupt', reason: 'simulated rejection' } : otherVendor(block, current);
  return { oldImage, newImage, bytes: built.bytes, deltaFormat: built.manifest.deltaFormat!, targetVersion: DEMO_TARGET_VERSION, verifyingKey, verifyImage, rejectImage };
}
