// The manifest information model we sign, after RFC 9124 (SUIT information model). The three
// encodings (compact, suit, signing-tool) carry all or part of it; see docs/manifest-*.md.

export type SignatureAlgorithm = 'es256' | 'ed25519';
export type ManifestFormat = 'compact' | 'suit' | 'signing-tool';
export type PayloadType = 'full' | 'delta';
/**
 * How a delta payload is encoded, i.e. which device library applies it (docs/delta.md):
 * - 'jojodiff': a JojoDiff patch with ESC MOD before every data run, which every janpatch build
 *   applies (janjongboom/janpatch, also the builds pinned by lorawan-fota-signing-tool clients);
 * - 'jojodiff-implicit-mod': a JojoDiff patch that omits ESC MOD where jdiff 0.8.5 does, which
 *   only janpatch >= c8ad3ee (Nov 2024) applies;
 * - 'detools-sequential': a detools sequential patch (eerimoq/detools, c/detools.c); its own
 *   header says the compression (none, crle, heatshrink), so the manifest does not repeat it.
 */
export type DeltaFormat = 'jojodiff' | 'jojodiff-implicit-mod' | 'detools-sequential';
export type EncryptionAlgorithm = 'aes-128-ctr';

export const MANIFEST_FORMATS: readonly ManifestFormat[] = ['compact', 'suit', 'signing-tool'];
export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = ['es256', 'ed25519'];
export const DELTA_FORMATS: readonly DeltaFormat[] = ['jojodiff', 'jojodiff-implicit-mod', 'detools-sequential'];

export const UUID_BYTES = 16;
export const SHA256_BYTES = 32;
export const AES128_KEY_BYTES = 16;
export const CTR_IV_BYTES = 16;

/** An image or payload: its exact size and SHA-256. */
export interface ImageDigest {
  sizeBytes: number;
  sha256: Uint8Array;
}

/** How the payload is encrypted; the content key travels wrapped per device, outside the manifest. */
export interface EncryptionInfo {
  algorithm: EncryptionAlgorithm;
  /** Initial counter block for AES-128-CTR (NIST SP 800-38A §6.5), 16 bytes. */
  iv: Uint8Array;
}

/**
 * Everything a device needs to accept an update (RFC 9124 §3, Manifest Information Elements): the signature covers all of it,
 * and through `newImage.sha256` the full image the device will boot.
 */
export interface Manifest {
  /** RFC 9124 Version ID of the manifest structure; ours is 1. */
  manifestVersion: 1;
  /** RFC 9124 Monotonic Sequence Number (anti-rollback), u32. */
  sequenceNumber: number;
  /** RFC 9124 Vendor ID and Class ID: UUIDv5 (16 bytes, RFC 4122 byte order). */
  vendorId: Uint8Array;
  classId: Uint8Array;
  /** Firmware version, u32 (informational; the sequence number does anti-rollback). */
  firmwareVersion: number;
  /** The image after applying the payload: what the device verifies before booting. */
  newImage: ImageDigest;
  payloadType: PayloadType;
  /** Delta only (and then required): how the patch is encoded, so a device knows which patcher applies it. */
  deltaFormat?: DeltaFormat;
  /** The payload as transmitted (ciphertext when encrypted), RFC 9124 Payload Digests and Size. */
  payload: ImageDigest;
  /** Delta only: the image the patch applies to (RFC 9124 Precursor Image Digest Condition). */
  precursor?: ImageDigest;
  encryption?: EncryptionInfo;
}
