import { ByteReader } from '../core/byte-reader.js';
import { DecodeError, ValueError } from '../core/errors.js';
import type { SigningKey, VerifyingKey } from './keys.js';
import { signMessage, verifyMessage } from './signature.js';
import { UUID_BYTES } from './types.js';

// The 113-byte trailer lorawan-fota-signing-tool (janjongboom/lorawan-fota-signing-tool, cli.js
// `_createManifest`) appends to a full image or a jdiff patch, read by mbed-lorawan-update-client
// as `UpdateSignature_t`:
//   0    1  DER signature length (as produced: 70..72 typically; we accept 8..72)
//   1   72  DER ECDSA P-256 signature, zero padded to 72 bytes
//   73  16  manufacturer UUID (UUIDv5, URL namespace, of the vendor domain)
//   89  16  device-class UUID (UUIDv5, URL namespace, of the model name)
//   105  4  version, u32 little-endian (the tool uses the binary's mtime in seconds)
//   109  4  diff info: is_diff byte (0/1), then old image size, 24-bit big-endian
// The signature is `openssl dgst -sha256 -sign` over the full NEW image (also for deltas): the
// device patches, hashes the result and verifies. Nothing else in the trailer is signed, so the
// UUIDs, version and diff info are only checked against what the device expects.
// The tool pads only 70- and 71-byte signatures; a shorter DER signature (r or s with leading
// zero bytes, about 1 in 128) would have made its trailer short. We pad every length to 72.

export const TRAILER_BYTES = 113;
export const TRAILER_SIGNATURE_FIELD_BYTES = 72;
/** Shortest DER ECDSA-Sig-Value: SEQUENCE { INTEGER (1 byte), INTEGER (1 byte) }. */
const MIN_DER_SIGNATURE_BYTES = 8;
const MAX_OLD_IMAGE_BYTES = 0xffffff;
const CONTEXT = 'signing-tool trailer';

export interface SigningToolTrailer {
  /** DER signature, its real length (without padding). */
  derSignature: Uint8Array;
  vendorId: Uint8Array;
  classId: Uint8Array;
  firmwareVersion: number;
  isDiff: boolean;
  /** Size of the image a diff applies to (0 for full images), at most 16 MiB - 1. */
  oldImageSizeBytes: number;
}

export function encodeSigningToolTrailer(trailer: SigningToolTrailer): Uint8Array {
  const sig = trailer.derSignature;
  if (sig.length < MIN_DER_SIGNATURE_BYTES || sig.length > TRAILER_SIGNATURE_FIELD_BYTES) {
    throw new ValueError('trailer signature', `a DER signature of ${MIN_DER_SIGNATURE_BYTES}..${TRAILER_SIGNATURE_FIELD_BYTES} bytes`, `${sig.length} bytes`);
  }
  if (trailer.vendorId.length !== UUID_BYTES) throw new ValueError('trailer vendor ID', '16 bytes', `${trailer.vendorId.length} bytes`);
  if (trailer.classId.length !== UUID_BYTES) throw new ValueError('trailer class ID', '16 bytes', `${trailer.classId.length} bytes`);
  const version = trailer.firmwareVersion;
  if (!Number.isInteger(version) || version < 0 || version > 0xffffffff) throw new ValueError('trailer version', 'an integer in 0..4294967295', version);
  const oldSize = trailer.isDiff ? trailer.oldImageSizeBytes : 0;
  if (!Number.isInteger(oldSize) || oldSize < 0 || oldSize > MAX_OLD_IMAGE_BYTES) {
    throw new ValueError('trailer old image size', `an integer in 0..${MAX_OLD_IMAGE_BYTES} (24 bits)`, oldSize);
  }
  const out = new Uint8Array(TRAILER_BYTES);
  out[0] = sig.length;
  out.set(sig, 1);
  out.set(trailer.vendorId, 73);
  out.set(trailer.classId, 89);
  new DataView(out.buffer).setUint32(105, version, true);
  out[109] = trailer.isDiff ? 1 : 0;
  out[110] = (oldSize >>> 16) & 0xff;
  out[111] = (oldSize >>> 8) & 0xff;
  out[112] = oldSize & 0xff;
  return out;
}

/** Decodes exactly 113 bytes; padding must be zero and the diff flag 0 or 1. */
export function decodeSigningToolTrailer(bytes: Uint8Array): SigningToolTrailer {
  const r = new ByteReader(bytes, CONTEXT);
  r.need(TRAILER_BYTES, `${TRAILER_BYTES} bytes`);
  const length = r.u8();
  if (length < MIN_DER_SIGNATURE_BYTES || length > TRAILER_SIGNATURE_FIELD_BYTES) {
    r.invalid('signature length', `${MIN_DER_SIGNATURE_BYTES}..${TRAILER_SIGNATURE_FIELD_BYTES}`, length, 0);
  }
  const field = r.bytesOf(TRAILER_SIGNATURE_FIELD_BYTES);
  const padding = field.findIndex((b, i) => i >= length && b !== 0);
  if (padding >= 0) r.invalid('signature padding', 'zero bytes after the signature', `0x${field[padding]!.toString(16)}`, 1 + padding);
  const vendorId = r.bytesOf(UUID_BYTES);
  const classId = r.bytesOf(UUID_BYTES);
  const firmwareVersion = r.u32();
  const diffFlag = r.u8();
  if (diffFlag > 1) r.invalid('is_diff', '0 or 1', diffFlag, 109);
  const oldImageSizeBytes = (r.u8() << 16) | (r.u8() << 8) | r.u8();
  if (diffFlag === 0 && oldImageSizeBytes !== 0) r.invalid('old image size', '0 for a full image', oldImageSizeBytes, 110);
  if (!r.atEnd) throw new DecodeError('DECODE_TRAILING_BYTES', r.site(), `${TRAILER_BYTES} bytes`, `${bytes.length}`);
  return { derSignature: field.slice(0, length), vendorId, classId, firmwareVersion, isDiff: diffFlag === 1, oldImageSizeBytes };
}

/** What the tool does: ECDSA P-256 over SHA-256 of the full new image, DER encoded. */
export function signImageForTrailer(key: SigningKey, newImage: Uint8Array): Uint8Array {
  if (key.algorithm !== 'es256') throw new ValueError('signing key', 'an ECDSA P-256 key (the signing-tool trailer carries only ECDSA)', key.algorithm, 'UNSUPPORTED_KEY');
  return signMessage(key, newImage, 'der');
}

export function verifyTrailerSignature(key: VerifyingKey, trailer: SigningToolTrailer, newImage: Uint8Array): boolean {
  return key.algorithm === 'es256' && verifyMessage(key, newImage, trailer.derSignature, 'der');
}
