import { InternalError, ValueError } from '../core/errors.js';
import type { DeltaCodec } from './delta-codec.js';
import type { DeviceKey } from './devices-csv.js';
import { sha256 } from './digest.js';
import { wrapKey } from './key-wrap.js';
import type { SigningKey } from './keys.js';
import { encodeSignedManifest } from './manifest-codec.js';
import { encodePackage, type FuotaPackage } from './package-format.js';
import { aes128Ctr } from './payload-cipher.js';
import { encodeSigningToolTrailer, signImageForTrailer } from './signing-tool-trailer.js';
import { sameBytes } from './digest.js';
import { AES128_KEY_BYTES, CTR_IV_BYTES, type DeltaFormat, type Manifest, type ManifestFormat } from './types.js';

export interface BuildOptions {
  newImage: Uint8Array;
  /** With an old image the payload is a delta patch from it (needs `deltas`). */
  oldImage?: Uint8Array;
  /**
   * The delta formats the devices accept: a patch is built in each and the smallest is sent (the
   * first given wins a tie). Detools' heatshrink 8/7 costs ~700 bytes on a near-identical pair
   * where JojoDiff needs 11, and is 0.5-0.7x JojoDiff on code changes: neither always wins.
   */
  deltas?: readonly DeltaCodec[];
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

/** One delta built: its format, how it was built and its size before any encryption. */
export interface DeltaCandidate {
  format: DeltaFormat;
  description: string;
  sizeBytes: number;
}

export interface BuiltPackage {
  pkg: FuotaPackage;
  bytes: Uint8Array;
  /** The full manifest model (what compact and suit sign; the trailer carries part of it). */
  manifest: Manifest;
  /** A delta package: every patch built, in the order of `deltas`; the manifest names the one chosen. */
  deltaCandidates?: DeltaCandidate[];
}

export function buildPackage(options: BuildOptions): BuiltPackage {
  const { newImage, oldImage, format } = options;
  let payload = newImage;
  let deltaFormat: DeltaFormat | undefined;
  let deltaCandidates: DeltaCandidate[] | undefined;
  if (oldImage) {
    const codecs = options.deltas ?? [];
    if (codecs.length === 0) throw new ValueError('delta codec', 'a patch engine for a delta package', 'none', 'DELTA_UNAVAILABLE');
    if (format === 'signing-tool') checkSigningToolDelta(codecs);
    const patches = codecs.map((codec) => ({ codec, patch: codec.createPatch(oldImage, newImage) }));
    const chosen = patches.reduce((best, next) => (next.patch.length < best.patch.length ? next : best));
    // Signed below is the new image's digest: a patch that does not rebuild it would be refused by
    // every device after the whole campaign's airtime. Cheap next to building it.
    if (!sameBytes(chosen.codec.applyPatch(oldImage, chosen.patch), newImage)) {
      throw new InternalError('DELTA_ROUND_TRIP', `${chosen.codec.description} patch: expected it to rebuild the new image, got other bytes`);
    }
    payload = chosen.patch;
    deltaFormat = chosen.codec.format;
    deltaCandidates = patches.map(({ codec, patch }) => ({ format: codec.format, description: codec.description, sizeBytes: patch.length }));
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
  if (deltaFormat) manifest.deltaFormat = deltaFormat;
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
  return { pkg, bytes: encodePackage(pkg), manifest, ...(deltaCandidates ? { deltaCandidates } : {}) };
}

/**
 * The signing-tool trailer's diff info is one is_diff byte: a JojoDiff patch, which its clients
 * (mbed-lorawan-update-client, pinning janpatch 84a5786 of Sep 2020) apply only with ESC MOD
 * before every run. No other format can be said, so none is built.
 */
function checkSigningToolDelta(codecs: readonly DeltaCodec[]): void {
  const other = codecs.find((c) => c.format !== 'jojodiff');
  if (other) {
    throw new ValueError(
      '--delta (with --format signing-tool)',
      "jojodiff with --janpatch legacy: the trailer's diff info says only is_diff, a JojoDiff patch every janpatch build applies (lorawan-fota-signing-tool clients pin an old janpatch); use --format compact or suit for other formats",
      other.description,
      'UNSUPPORTED_COMBINATION',
    );
  }
}

function checkedRandom(randomBytes: (count: number) => Uint8Array, count: number): Uint8Array {
  const bytes = randomBytes(count);
  if (!(bytes instanceof Uint8Array) || bytes.length !== count) throw new ValueError('random source', `${count} bytes`, bytes?.length);
  return bytes;
}
