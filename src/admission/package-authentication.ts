import { CallerError, isFuotaError } from '../core/errors.js';
import { bytesToHex } from '../core/hex.js';
import { sameBytes, sha256 } from '../manifest/digest.js';
import { decodeSignedManifest } from '../manifest/manifest-codec.js';
import { decodePackage, type FuotaPackage } from '../manifest/package-format.js';
import { verifyMessage } from '../manifest/signature.js';
import { decodeSigningToolTrailer, verifyTrailerSignature } from '../manifest/signing-tool-trailer.js';
import { readDetoolsHeader } from '../delta/detools/detools-format.js';
import type { DetoolsPatchFacts } from '../manifest/delta-capability.js';
import type { DeltaFormat, ImageDigest } from '../manifest/types.js';
import { uuidToString } from '../manifest/uuid5.js';
import type { VendorKey } from './vendor-keys.js';

// What the server checks of a package before it sends a byte of it (docs/package-format.md,
// "Admission"): the container decodes, the manifest is signed by a configured key of its vendor
// (RFC 9124 Vendor ID), the key may sign for its class, and the payload is the one the manifest
// signed. A device checks the same again; the server checks so that nothing unauthenticated is
// ever broadcast (airtime is the scarce resource, and a forged package costs all of it).

/** The signed facts of an authenticated package. */
export interface AuthenticPackage {
  format: FuotaPackage['format'];
  vendor: string;
  vendorId: Uint8Array;
  classId: Uint8Array;
  /** RFC 9124 Monotonic Sequence Number; the signing-tool trailer's version stands for it (verify.ts does the same). */
  sequenceNumber: number;
  firmwareVersion: number;
  /** SHA-256 of the manifest bytes: the same package sent again has the same one. */
  manifestSha256: string;
  precursor?: ImageDigest;
  /** A delta's format, as the manifest names it. */
  deltaFormat?: DeltaFormat;
  /** An unencrypted detools delta: the compression its own header says (an encrypted one's header is not readable). */
  detools?: DetoolsPatchFacts;
  encrypted: boolean;
  wrappedKeysFor: ReadonlySet<string>;
}

function refused(code: string, message: string): CallerError {
  return new CallerError(code, message);
}

function oneLine(error: unknown): string {
  return (isFuotaError(error) || error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}

export function authenticatePackage(bytes: Uint8Array, vendorKeys: readonly VendorKey[]): AuthenticPackage {
  let pkg: FuotaPackage;
  try {
    pkg = decodePackage(bytes);
  } catch (error) {
    throw refused('PACKAGE_NOT_DECODABLE', `package: expected a package as fuota package build writes it (docs/package-format.md), got ${oneLine(error)}`);
  }
  const base = { format: pkg.format, manifestSha256: bytesToHex(sha256(pkg.manifest)), wrappedKeysFor: new Set<string>(pkg.wrappedKeys.map((k) => k.devEui)) };
  if (pkg.format === 'signing-tool') {
    let trailer;
    try {
      trailer = decodeSigningToolTrailer(pkg.manifest);
    } catch (error) {
      throw refused('PACKAGE_NOT_DECODABLE', `package manifest: expected a signing-tool trailer, got ${oneLine(error)}`);
    }
    const keys = keysOf(trailer.vendorId, trailer.classId, vendorKeys);
    if (trailer.isDiff) {
      // The trailer signs only the patched image, which the server cannot rebuild without the old one.
      throw refused('PACKAGE_UNVERIFIABLE', 'package: expected a package the server can authenticate, got a signing-tool delta (its signature covers only the patched image; build a compact or suit package)');
    }
    if (pkg.wrappedKeys.length > 0) throw refused('PACKAGE_NOT_DECODABLE', `package wrapped keys: expected none with a signing-tool trailer, got ${pkg.wrappedKeys.length}`);
    const signer = keys.find((k) => verifyTrailerSignature(k.key, trailer, pkg.payload));
    if (!signer) throw refused('PACKAGE_SIGNATURE_INVALID', `package signature (es256, signing-tool): expected it to verify with a key of vendor ${keys[0]!.vendor} in campaigns.vendorKeys, got a signature that does not`);
    return { ...base, vendor: signer.vendor, vendorId: trailer.vendorId, classId: trailer.classId, sequenceNumber: trailer.firmwareVersion, firmwareVersion: trailer.firmwareVersion, encrypted: false };
  }
  let signed;
  try {
    signed = decodeSignedManifest(pkg.format, pkg.manifest);
  } catch (error) {
    throw refused('PACKAGE_NOT_DECODABLE', `package manifest: expected a ${pkg.format} manifest, got ${oneLine(error)}`);
  }
  const { manifest } = signed;
  const keys = keysOf(manifest.vendorId, manifest.classId, vendorKeys);
  const signer = keys.find((k) => k.key.algorithm === signed.algorithm && verifyMessage(k.key, signed.signedBytes, signed.signature, 'raw'));
  if (!signer) {
    throw refused('PACKAGE_SIGNATURE_INVALID', `package manifest signature (${signed.algorithm}, ${pkg.format}): expected it to verify with a key of vendor ${keys[0]!.vendor} in campaigns.vendorKeys, got a signature that does not`);
  }
  if (pkg.payload.length !== manifest.payload.sizeBytes || !sameBytes(sha256(pkg.payload), manifest.payload.sha256)) {
    throw refused('PACKAGE_PAYLOAD_MISMATCH', `package payload: expected the ${manifest.payload.sizeBytes} bytes the manifest signs (SHA-256 ${bytesToHex(manifest.payload.sha256)}), got ${pkg.payload.length} bytes that differ`);
  }
  if (!manifest.encryption && pkg.wrappedKeys.length > 0) throw refused('PACKAGE_NOT_DECODABLE', `package wrapped keys: expected none for an unencrypted manifest, got ${pkg.wrappedKeys.length}`);
  return {
    ...base,
    vendor: signer.vendor,
    vendorId: manifest.vendorId,
    classId: manifest.classId,
    sequenceNumber: manifest.sequenceNumber,
    firmwareVersion: manifest.firmwareVersion,
    ...(manifest.precursor ? { precursor: manifest.precursor } : {}),
    ...(manifest.deltaFormat ? { deltaFormat: manifest.deltaFormat } : {}),
    ...(manifest.deltaFormat === 'detools-sequential' && !manifest.encryption ? { detools: detoolsFacts(pkg.payload) } : {}),
    encrypted: manifest.encryption !== undefined,
  };
}

/** The compression a detools patch's header says; a header that does not parse is refused here, not on the devices. */
function detoolsFacts(patch: Uint8Array): DetoolsPatchFacts {
  try {
    const header = readDetoolsHeader(patch);
    return { compression: header.compression, ...(header.heatshrink ? { heatshrink: header.heatshrink } : {}) };
  } catch (error) {
    throw refused('PACKAGE_NOT_DECODABLE', `package payload: expected a detools sequential patch as the manifest says, got ${oneLine(error)}`);
  }
}

/** The configured keys of the manifest's vendor that may sign for its class; refuses when there are none. */
function keysOf(vendorId: Uint8Array, classId: Uint8Array, vendorKeys: readonly VendorKey[]): VendorKey[] {
  const vendors = vendorKeys.filter((k) => sameBytes(k.vendorId, vendorId));
  if (vendors.length === 0) {
    const known = [...new Set(vendorKeys.map((k) => k.vendor))];
    throw refused('PACKAGE_VENDOR_UNKNOWN', `package vendor ID: expected ${known.length ? `a vendor of campaigns.vendorKeys (${known.join(', ')})` : 'a vendor of campaigns.vendorKeys, which is empty'}, got ${uuidToString(vendorId)}`);
  }
  const keys = vendors.filter((k) => !k.classIds || k.classIds.some((c) => sameBytes(c, classId)));
  if (keys.length === 0) throw refused('PACKAGE_CLASS_NOT_ALLOWED', `package device class ID: expected a class campaigns.vendorKeys allows for vendor ${vendors[0]!.vendor}, got ${uuidToString(classId)}`);
  return keys;
}
