import { ByteReader } from '../core/byte-reader.js';
import { ByteWriter } from '../core/byte-writer.js';
import { DecodeError } from '../core/errors.js';
import type { SigningKey } from './keys.js';
import { checkManifest, type SignedManifest } from './signed-manifest.js';
import { deltaFormatOfCode, FULL_PAYLOAD_CODE, PAYLOAD_TYPE_CODES_TEXT, payloadTypeCode } from './payload-type-code.js';
import { RAW_SIGNATURE_BYTES, signMessage } from './signature.js';
import { CTR_IV_BYTES, SHA256_BYTES, UUID_BYTES, type Manifest, type SignatureAlgorithm } from './types.js';

// The compact manifest: fixed offsets, little-endian, 168-byte signed body + 64-byte raw signature
// = 232 bytes, so a device parses it with a struct overlay and verifies it with one SHA-256 and
// one ECDSA/EdDSA check. Layout and rationale: docs/manifest-compact.md.

export const COMPACT_FORMAT_VERSION = 1;
export const COMPACT_BODY_BYTES = 168;
export const COMPACT_MANIFEST_BYTES = COMPACT_BODY_BYTES + RAW_SIGNATURE_BYTES;

const ALGORITHM_CODES: Record<SignatureAlgorithm, number> = { es256: 1, ed25519: 2 };
const CONTEXT = 'compact manifest';

export function encodeCompactBody(manifest: Manifest, algorithm: SignatureAlgorithm): Uint8Array {
  checkManifest(manifest);
  const zeros32 = new Uint8Array(SHA256_BYTES);
  const w = new ByteWriter(CONTEXT, COMPACT_MANIFEST_BYTES)
    .u8(COMPACT_FORMAT_VERSION, 'format version')
    .u8(ALGORITHM_CODES[algorithm], 'signature algorithm')
    .u8(payloadTypeCode(manifest.deltaFormat), 'payload type')
    .u8(manifest.encryption ? 1 : 0, 'encryption')
    .u32(manifest.sequenceNumber, 'sequence number')
    .u32(manifest.firmwareVersion, 'firmware version')
    .bytes(manifest.vendorId, 'vendor ID', UUID_BYTES)
    .bytes(manifest.classId, 'class ID', UUID_BYTES)
    .u32(manifest.newImage.sizeBytes, 'new image size')
    .bytes(manifest.newImage.sha256, 'new image SHA-256', SHA256_BYTES)
    .u32(manifest.payload.sizeBytes, 'payload size')
    .bytes(manifest.payload.sha256, 'payload SHA-256', SHA256_BYTES)
    .u32(manifest.precursor?.sizeBytes ?? 0, 'precursor size')
    .bytes(manifest.precursor?.sha256 ?? zeros32, 'precursor SHA-256', SHA256_BYTES)
    .bytes(manifest.encryption?.iv ?? new Uint8Array(CTR_IV_BYTES), 'encryption IV', CTR_IV_BYTES);
  return w.toBytes();
}

export function encodeCompactManifest(manifest: Manifest, key: SigningKey): Uint8Array {
  const body = encodeCompactBody(manifest, key.algorithm);
  const signature = signMessage(key, body, 'raw');
  const out = new Uint8Array(COMPACT_MANIFEST_BYTES);
  out.set(body);
  out.set(signature, COMPACT_BODY_BYTES);
  return out;
}

/** Decodes strictly: reserved values, zero fields for absent parts and the exact length are checked. */
export function decodeCompactManifest(bytes: Uint8Array): SignedManifest {
  const r = new ByteReader(bytes, CONTEXT);
  const version = r.u8();
  if (version !== COMPACT_FORMAT_VERSION) r.invalid('format version', `${COMPACT_FORMAT_VERSION}`, version, 0);
  const algorithmCode = r.u8();
  const algorithm = (Object.keys(ALGORITHM_CODES) as SignatureAlgorithm[]).find((a) => ALGORITHM_CODES[a] === algorithmCode);
  if (!algorithm) r.invalid('signature algorithm', '1 (ES256) or 2 (Ed25519)', algorithmCode, 1);
  const typeCode = r.u8();
  const deltaFormat = deltaFormatOfCode(typeCode);
  if (typeCode !== FULL_PAYLOAD_CODE && !deltaFormat) r.invalid('payload type', PAYLOAD_TYPE_CODES_TEXT, typeCode, 2);
  const encryptionCode = r.u8();
  if (encryptionCode > 1) r.invalid('encryption', '0 (none) or 1 (AES-128-CTR)', encryptionCode, 3);
  const sequenceNumber = r.u32();
  const firmwareVersion = r.u32();
  const vendorId = r.bytesOf(UUID_BYTES);
  const classId = r.bytesOf(UUID_BYTES);
  const newImage = { sizeBytes: r.u32(), sha256: r.bytesOf(SHA256_BYTES) };
  const payload = { sizeBytes: r.u32(), sha256: r.bytesOf(SHA256_BYTES) };
  const precursorOffset = r.offset;
  const precursor = { sizeBytes: r.u32(), sha256: r.bytesOf(SHA256_BYTES) };
  const ivOffset = r.offset;
  const iv = r.bytesOf(CTR_IV_BYTES);
  const signature = r.bytesOf(RAW_SIGNATURE_BYTES);
  if (!r.atEnd) {
    throw new DecodeError('DECODE_TRAILING_BYTES', r.site(), `${COMPACT_MANIFEST_BYTES} bytes in all`, `${bytes.length}`);
  }
  const manifest: Manifest = {
    manifestVersion: 1,
    sequenceNumber,
    vendorId,
    classId,
    firmwareVersion,
    newImage,
    payloadType: deltaFormat ? 'delta' : 'full',
    payload,
  };
  if (deltaFormat) {
    manifest.deltaFormat = deltaFormat;
    manifest.precursor = precursor;
  } else if (precursor.sizeBytes !== 0 || precursor.sha256.some((b) => b !== 0)) {
    r.invalid('precursor', 'zeros for a full image', 'non-zero', precursorOffset);
  }
  if (encryptionCode === 1) manifest.encryption = { algorithm: 'aes-128-ctr', iv };
  else if (iv.some((b) => b !== 0)) r.invalid('encryption IV', 'zeros when not encrypted', 'non-zero', ivOffset);
  return {
    format: 'compact',
    algorithm: algorithm!,
    manifest,
    signedBytes: bytes.slice(0, COMPACT_BODY_BYTES),
    signature,
  };
}
