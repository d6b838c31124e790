import { ValueError } from '../core/errors.js';
import { CTR_IV_BYTES, DELTA_FORMATS, SHA256_BYTES, UUID_BYTES, type ImageDigest, type Manifest, type SignatureAlgorithm } from './types.js';

/** A decoded compact or SUIT manifest with what its signature covers, not yet verified. */
export interface SignedManifest {
  format: 'compact' | 'suit';
  algorithm: SignatureAlgorithm;
  manifest: Manifest;
  /** Exactly the bytes the signature is computed over. */
  signedBytes: Uint8Array;
  /** Raw signature: r || s for ES256 (RFC 9053 §2.1), 64 bytes for Ed25519. */
  signature: Uint8Array;
}

const U32_MAX = 0xffffffff;

/** Checks a manifest before encoding, naming the first field out of range. */
export function checkManifest(manifest: Manifest): Manifest {
  checkU32(manifest.sequenceNumber, 'sequence number');
  checkU32(manifest.firmwareVersion, 'firmware version');
  checkBytes(manifest.vendorId, UUID_BYTES, 'vendor ID');
  checkBytes(manifest.classId, UUID_BYTES, 'class ID');
  checkImage(manifest.newImage, 'new image');
  checkImage(manifest.payload, 'payload');
  if (manifest.payloadType === 'delta') {
    if (!manifest.precursor) throw new ValueError('precursor', 'a precursor image for a delta payload', 'none');
    checkImage(manifest.precursor, 'precursor');
    if (manifest.deltaFormat === undefined || !DELTA_FORMATS.includes(manifest.deltaFormat)) {
      throw new ValueError('delta format', `one of ${DELTA_FORMATS.join(', ')} for a delta payload`, manifest.deltaFormat ?? 'none');
    }
  } else if (manifest.payloadType === 'full') {
    if (manifest.precursor) throw new ValueError('precursor', 'none for a full image', 'a precursor');
    if (manifest.deltaFormat !== undefined) throw new ValueError('delta format', 'none for a full image', manifest.deltaFormat);
  } else {
    throw new ValueError('payload type', "'full' or 'delta'", manifest.payloadType);
  }
  if (manifest.encryption) {
    if (manifest.encryption.algorithm !== 'aes-128-ctr') throw new ValueError('encryption', "'aes-128-ctr'", manifest.encryption.algorithm);
    checkBytes(manifest.encryption.iv, CTR_IV_BYTES, 'encryption IV');
  }
  return manifest;
}

function checkImage(image: ImageDigest, field: string): void {
  checkU32(image.sizeBytes, `${field} size`);
  checkBytes(image.sha256, SHA256_BYTES, `${field} SHA-256`);
}

function checkU32(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) throw new ValueError(field, 'an integer in 0..4294967295', value);
}

function checkBytes(bytes: Uint8Array, length: number, field: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new ValueError(field, `${length} bytes`, bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes);
  }
}
