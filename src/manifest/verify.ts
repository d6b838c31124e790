import { CallerError, DecodeError, isFuotaError } from '../core/errors.js';
import type { DeltaApplier } from './delta-codec.js';
import type { DeviceKey } from './devices-csv.js';
import { sameBytes, sha256 } from './digest.js';
import { unwrapKey } from './key-wrap.js';
import type { VerifyingKey } from './keys.js';
import { decodeSignedManifest } from './manifest-codec.js';
import type { FuotaPackage } from './package-format.js';
import { aes128Ctr } from './payload-cipher.js';
import { UpdateRejectedError } from './rejection.js';
import { verifyMessage } from './signature.js';
import { decodeSigningToolTrailer, verifyTrailerSignature } from './signing-tool-trailer.js';
import type { DeltaFormat, ImageDigest } from './types.js';
import { uuidToString } from './uuid5.js';

// The install-time checks a device makes, in a device's order: authenticate the manifest first
// (cheap, and nothing unauthenticated is acted on), then applicability (vendor, class, rollback),
// then the payload as received, then the precursor, and last the image that will boot.

export interface VerifyOptions {
  verifyingKey: VerifyingKey;
  /** The image the device runs; required for a delta package. */
  oldImage?: Uint8Array;
  /** The patchers the device has, one per delta format it accepts (delta-codecs.ts); the manifest's format picks one. */
  deltas?: readonly DeltaApplier[];
  /** What the device has compiled in; unchecked when absent (reported in `unchecked`). */
  expectedVendorId?: Uint8Array;
  expectedClassId?: Uint8Array;
  /** The device's current sequence number: the update must be newer (RFC 9124 Monotonic Sequence Number). */
  currentSequenceNumber?: number;
  /** This device's DevEUI and key, for an encrypted package. */
  device?: DeviceKey;
}

export interface VerifiedUpdate {
  newImage: Uint8Array;
  /** Checks passed, in order, for a human report. */
  passed: string[];
  /** Checks a device would make that were skipped for want of an expected value. */
  unchecked: string[];
}

export function verifyPackage(pkg: FuotaPackage, options: VerifyOptions): VerifiedUpdate {
  return pkg.format === 'signing-tool' ? verifySigningTool(pkg, options) : verifySigned(pkg, pkg.format, options);
}

function verifySigned(pkg: FuotaPackage, format: 'compact' | 'suit', options: VerifyOptions): VerifiedUpdate {
  const report: VerifiedUpdate = { newImage: new Uint8Array(0), passed: [], unchecked: [] };
  const signed = decodeSignedManifest(format, pkg.manifest);
  const { manifest } = signed;
  checkKeyAlgorithm(options.verifyingKey, signed.algorithm);
  if (!verifyMessage(options.verifyingKey, signed.signedBytes, signed.signature, 'raw')) {
    throw new UpdateRejectedError('UPDATE_SIGNATURE_INVALID', `${format} manifest signature (${signed.algorithm}) does not verify with the given public key`);
  }
  report.passed.push(`manifest signature (${signed.algorithm}, ${format})`);
  checkIds(manifest.vendorId, manifest.classId, options, report);
  checkSequence(manifest.sequenceNumber, options, report, 'sequence number');

  checkDigest(pkg.payload, manifest.payload, 'UPDATE_PAYLOAD_MISMATCH', 'payload');
  report.passed.push(`payload size ${manifest.payload.sizeBytes} and SHA-256`);
  let payload = pkg.payload;
  if (manifest.encryption) {
    payload = aes128Ctr(contentKeyFor(pkg, options), manifest.encryption.iv, payload);
    report.passed.push(`content key unwrapped for ${options.device!.devEui}; payload decrypted (AES-128-CTR)`);
  } else if (pkg.wrappedKeys.length > 0) {
    throw new DecodeError('DECODE_INVALID_VALUE', { context: 'package wrapped keys', offset: 0 }, 'none for an unencrypted manifest', `${pkg.wrappedKeys.length}`);
  }
  let newImage = payload;
  if (manifest.precursor) {
    const oldImage = requireOldImage(options);
    checkDigest(oldImage, manifest.precursor, 'UPDATE_WRONG_PRECURSOR', 'old image (precursor)');
    report.passed.push(`precursor size ${manifest.precursor.sizeBytes} and SHA-256`);
    newImage = patch(oldImage, payload, manifest.deltaFormat!, options);
    report.passed.push(`delta applied (${manifest.deltaFormat})`);
  }
  checkDigest(newImage, manifest.newImage, 'UPDATE_IMAGE_MISMATCH', 'new image');
  report.passed.push(`new image size ${manifest.newImage.sizeBytes} and SHA-256`);
  report.newImage = newImage;
  return report;
}

function verifySigningTool(pkg: FuotaPackage, options: VerifyOptions): VerifiedUpdate {
  const report: VerifiedUpdate = { newImage: new Uint8Array(0), passed: [], unchecked: [] };
  const trailer = decodeSigningToolTrailer(pkg.manifest);
  checkKeyAlgorithm(options.verifyingKey, 'es256');
  if (pkg.wrappedKeys.length > 0) {
    throw new DecodeError('DECODE_INVALID_VALUE', { context: 'package wrapped keys', offset: 0 }, 'none with a signing-tool trailer', `${pkg.wrappedKeys.length}`);
  }
  checkIds(trailer.vendorId, trailer.classId, options, report);
  checkSequence(trailer.firmwareVersion, options, report, 'version');
  let newImage = pkg.payload;
  if (trailer.isDiff) {
    const oldImage = requireOldImage(options);
    // The trailer carries only the old size; a wrong old image of the same size yields an image
    // whose signature fails below.
    if (oldImage.length !== trailer.oldImageSizeBytes) {
      throw new UpdateRejectedError('UPDATE_WRONG_PRECURSOR', `old image (precursor): expected ${trailer.oldImageSizeBytes} bytes, got ${oldImage.length}`);
    }
    report.passed.push(`old image size ${trailer.oldImageSizeBytes}`);
    // is_diff = 1 is a JojoDiff patch as the tool's clients apply it (every janpatch build).
    newImage = patch(oldImage, pkg.payload, 'jojodiff', options);
    report.passed.push('delta applied (jojodiff)');
  }
  if (!verifyTrailerSignature(options.verifyingKey, trailer, newImage)) {
    throw new UpdateRejectedError('UPDATE_SIGNATURE_INVALID', 'signing-tool signature over the new image does not verify with the given public key');
  }
  report.passed.push(`image signature (es256 over SHA-256 of the ${newImage.length}-byte new image)`);
  report.newImage = newImage;
  return report;
}

function checkKeyAlgorithm(key: VerifyingKey, algorithm: string): void {
  if (key.algorithm !== algorithm) {
    throw new UpdateRejectedError('UPDATE_KEY_ALGORITHM_MISMATCH', `manifest is signed with ${algorithm}, the public key is ${key.algorithm}`);
  }
}

function checkIds(vendorId: Uint8Array, classId: Uint8Array, options: VerifyOptions, report: VerifiedUpdate): void {
  if (options.expectedVendorId) {
    if (!sameBytes(vendorId, options.expectedVendorId)) {
      throw new UpdateRejectedError('UPDATE_WRONG_VENDOR', `vendor ID: expected ${uuidToString(options.expectedVendorId)}, got ${uuidToString(vendorId)}`);
    }
    report.passed.push(`vendor ID ${uuidToString(vendorId)}`);
  } else report.unchecked.push('vendor ID');
  if (options.expectedClassId) {
    if (!sameBytes(classId, options.expectedClassId)) {
      throw new UpdateRejectedError('UPDATE_WRONG_CLASS', `device class ID: expected ${uuidToString(options.expectedClassId)}, got ${uuidToString(classId)}`);
    }
    report.passed.push(`device class ID ${uuidToString(classId)}`);
  } else report.unchecked.push('device class ID');
}

function checkSequence(sequence: number, options: VerifyOptions, report: VerifiedUpdate, what: string): void {
  if (options.currentSequenceNumber === undefined) {
    report.unchecked.push(`${what} (anti-rollback)`);
    return;
  }
  if (sequence <= options.currentSequenceNumber) {
    throw new UpdateRejectedError('UPDATE_SEQUENCE_NOT_NEWER', `${what} ${sequence} is not newer than the device's ${options.currentSequenceNumber}`);
  }
  report.passed.push(`${what} ${sequence} > ${options.currentSequenceNumber}`);
}

function checkDigest(bytes: Uint8Array, expected: ImageDigest, code: 'UPDATE_PAYLOAD_MISMATCH' | 'UPDATE_WRONG_PRECURSOR' | 'UPDATE_IMAGE_MISMATCH', what: string): void {
  if (bytes.length !== expected.sizeBytes) {
    throw new UpdateRejectedError(code, `${what}: expected ${expected.sizeBytes} bytes, got ${bytes.length}`);
  }
  if (!sameBytes(sha256(bytes), expected.sha256)) {
    throw new UpdateRejectedError(code, `${what}: SHA-256 differs from the manifest`);
  }
}

function contentKeyFor(pkg: FuotaPackage, options: VerifyOptions): Uint8Array {
  const device = options.device;
  if (!device) throw new CallerError('DEVICE_KEY_REQUIRED', 'the payload is encrypted: give the device key and DevEUI (--device-key, --dev-eui)');
  const entry = pkg.wrappedKeys.find((k) => k.devEui === device.devEui);
  if (!entry) throw new UpdateRejectedError('UPDATE_NO_KEY_FOR_DEVICE', `no wrapped content key for DevEUI ${device.devEui} in the package`);
  return unwrapKey(device.key, entry.wrappedKey);
}

function requireOldImage(options: VerifyOptions): Uint8Array {
  if (!options.oldImage) throw new CallerError('OLD_IMAGE_REQUIRED', 'the payload is a delta: give the image the device runs (--old)');
  return options.oldImage;
}

function patch(oldImage: Uint8Array, patchBytes: Uint8Array, format: DeltaFormat, options: VerifyOptions): Uint8Array {
  if (!options.deltas || options.deltas.length === 0) throw new CallerError('DELTA_UNAVAILABLE', 'no patch engine to apply the delta');
  const applier = options.deltas.find((d) => d.format === format);
  if (!applier) {
    throw new UpdateRejectedError('UPDATE_DELTA_FORMAT_UNSUPPORTED', `delta format: expected one this device applies (${options.deltas.map((d) => d.format).join(', ')}), got ${format}`);
  }
  try {
    return applier.applyPatch(oldImage, patchBytes);
  } catch (error) {
    const why = isFuotaError(error) || error instanceof Error ? error.message : String(error);
    throw new UpdateRejectedError('UPDATE_PATCH_FAILED', `delta patch does not apply to the old image: ${why}`, { cause: error });
  }
}
