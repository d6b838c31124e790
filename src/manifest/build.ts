import { ValueError } from '../core/errors.js';
import type { DeltaCodec } from './delta-codec.js';
import type { DeviceKey } from './devices-csv.js';
import { sha256 } from './digest.js';
import { wrapKey } from './key-wrap.js';
import type { SigningKey } from './keys.js';
import { encodeSignedManifest } from './manifest-codec.js';
import { encodePackage, type FuotaPackage } from './package-format.js';
import { aes128Ctr } from './payload-cipher.js';
import { encodeSigningToolTrailer, signImageForTrailer } from './signing-tool-trailer.js';
import { AES128_KEY_BYTES, CTR_IV_BYTES, type Manifest, type ManifestFormat } from './types.js';

export interface BuildOptions {
  newImage: Uint8Array;
  /** With an old image the payload is a delta patch from it (needs `delta`). */
  oldImage?: Uint8Array;
  delta?: DeltaCodec;
  signingKey: SigningKey;
  vendorId: Uint8Array;
  classId: Uint8Array;
  firmwareVersion: number;
  /** Anti-rollback counter; defaults to the firmware version. */
  sequenceNumber?: number;
  format: ManifestFormat;
  /** Encrypt the payload once and wrap its content key for each of these devices. */
  encryptFor?: readonly DeviceKey[];
  /** Source of the content key and IV (injected so builds are reproducible in tests). */
  randomBytes?: (count: number) => Uint8Array;
}

export interface BuiltPackage {
  pkg: FuotaPackage;
  bytes: Uint8Array;
  /** The full manifest model (what compact and suit sign; the trailer carries part of it). */
  manifest: Manifest;
}

export function buildPackage(options: BuildOptions): BuiltPackage {
  const { newImage, oldImage, format } = options;
  let payload = newImage;
  if (oldImage) {
    if (!options.delta) throw new ValueError('delta codec', 'a patch engine for a delta package', 'none', 'DELTA_UNAVAILABLE');
    payload = options.delta.createPatch(oldImage, newImage);
  }
  const devices = options.encryptFor ?? [];
  let encryption: Manifest['encryption'];
  let contentKey: Uint8Array | undefined;
  if (devices.length > 0) {
    if (format === 'signing-tool') {
      throw new ValueError('--format', "compact or suit for an encrypted package (the signing-tool trailer has no encryption info)", format, 'UNSUPPORTED_COMBINATION');
    }
    if (!options.randomBytes) throw new ValueError('random source', 'a random source for the content key', 'none');
    contentKey = checkedRandom(options.randomBytes, AES128_KEY_BYTES);
    encryption = { algorithm: 'aes-128-ctr', iv: checkedRandom(options.randomBytes, CTR_IV_BYTES) };
    payload = aes128Ctr(contentKey, encryption.iv, payload);
  }
  const manifest: Manifest = {
    manifestVersion: 1,
    sequenceNumber: options.sequenceNumber ?? options.firmwareVersion,
    vendorId: options.vendorId,
    classId: options.classId,
    firmwareVersion: options.firmwareVersion,
    newImage: { sizeBytes: newImage.length, sha256: sha256(newImage) },
    payloadType: oldImage ? 'delta' : 'full',
    payload: { sizeBytes: payload.length, sha256: sha256(payload) },
  };
  if (oldImage) manifest.precursor = { sizeBytes: oldImage.length, sha256: sha256(oldImage) };
  if (encryption) manifest.encryption = encryption;

  const manifestBytes = format === 'signing-tool'
    ? encodeSigningToolTrailer({
        derSignature: signImageForTrailer(options.signingKey, newImage),
        vendorId: manifest.vendorId,
        classId: manifest.classId,
        firmwareVersion: manifest.firmwareVersion,
        isDiff: manifest.payloadType === 'delta',
        oldImageSizeBytes: oldImage?.length ?? 0,
      })
    : encodeSignedManifest(format, manifest, options.signingKey);
  const pkg: FuotaPackage = {
    format,
    manifest: manifestBytes,
    payload,
    wrappedKeys: devices.map((d) => ({ devEui: d.devEui, wrappedKey: wrapKey(d.key, contentKey!) })),
  };
  return { pkg, bytes: encodePackage(pkg), manifest };
}

function checkedRandom(randomBytes: (count: number) => Uint8Array, count: number): Uint8Array {
  const bytes = randomBytes(count);
  if (!(bytes instanceof Uint8Array) || bytes.length !== count) throw new ValueError('random source', `${count} bytes`, bytes?.length);
  return bytes;
}
