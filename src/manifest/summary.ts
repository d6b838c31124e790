import { bytesToHex } from '../core/hex.js';
import { formatFirmwareVersion } from './firmware-version.js';
import { decodeSignedManifest } from './manifest-codec.js';
import type { FuotaPackage } from './package-format.js';
import { decodeSigningToolTrailer } from './signing-tool-trailer.js';
import type { ImageDigest, ManifestFormat, PayloadType, SignatureAlgorithm } from './types.js';
import { uuidToString } from './uuid5.js';

// What `fuota package inspect` shows: the decoded manifest, unverified (no key needed).

export interface DigestSummary {
  sizeBytes: number;
  sha256: string;
}

export interface PackageSummary {
  format: ManifestFormat;
  signatureAlgorithm: SignatureAlgorithm;
  manifestBytes: number;
  payloadBytes: number;
  sequenceNumber?: number;
  firmwareVersion: number;
  vendorId: string;
  classId: string;
  payloadType: PayloadType;
  /** compact/suit: the payload as sent, the image it yields, and the precursor of a delta. */
  payload?: DigestSummary;
  newImage?: DigestSummary;
  precursor?: DigestSummary;
  /** signing-tool: only the old image size is carried. */
  oldImageSizeBytes?: number;
  signatureBytes: number;
  encryption?: { algorithm: string; iv: string };
  wrappedKeysFor: string[];
}

export function summarizePackage(pkg: FuotaPackage): PackageSummary {
  const base = { format: pkg.format, manifestBytes: pkg.manifest.length, payloadBytes: pkg.payload.length, wrappedKeysFor: pkg.wrappedKeys.map((k) => k.devEui as string) };
  if (pkg.format === 'signing-tool') {
    const t = decodeSigningToolTrailer(pkg.manifest);
    const summary: PackageSummary = {
      ...base,
      signatureAlgorithm: 'es256',
      firmwareVersion: t.firmwareVersion,
      vendorId: uuidToString(t.vendorId),
      classId: uuidToString(t.classId),
      payloadType: t.isDiff ? 'delta' : 'full',
      signatureBytes: t.derSignature.length,
    };
    if (t.isDiff) summary.oldImageSizeBytes = t.oldImageSizeBytes;
    return summary;
  }
  const signed = decodeSignedManifest(pkg.format, pkg.manifest);
  const m = signed.manifest;
  const summary: PackageSummary = {
    ...base,
    signatureAlgorithm: signed.algorithm,
    sequenceNumber: m.sequenceNumber,
    firmwareVersion: m.firmwareVersion,
    vendorId: uuidToString(m.vendorId),
    classId: uuidToString(m.classId),
    payloadType: m.payloadType,
    payload: digestSummary(m.payload),
    newImage: digestSummary(m.newImage),
    signatureBytes: signed.signature.length,
  };
  if (m.precursor) summary.precursor = digestSummary(m.precursor);
  if (m.encryption) summary.encryption = { algorithm: m.encryption.algorithm, iv: bytesToHex(m.encryption.iv) };
  return summary;
}

function digestSummary(image: ImageDigest): DigestSummary {
  return { sizeBytes: image.sizeBytes, sha256: bytesToHex(image.sha256) };
}

export function formatSummary(s: PackageSummary): string {
  const lines = [
    `format:            ${s.format} manifest, ${s.manifestBytes} bytes; signature ${s.signatureAlgorithm} (${s.signatureBytes} bytes)`,
    `vendor ID:         ${s.vendorId}`,
    `device class ID:   ${s.classId}`,
    `firmware version:  ${formatFirmwareVersion(s.firmwareVersion)}`,
  ];
  if (s.sequenceNumber !== undefined) lines.push(`sequence number:   ${s.sequenceNumber}`);
  lines.push(`payload:           ${s.payloadType === 'delta' ? 'delta patch' : 'full image'}, ${s.payloadBytes} bytes${s.payload ? `, SHA-256 ${s.payload.sha256}` : ''}`);
  if (s.newImage) lines.push(`new image:         ${s.newImage.sizeBytes} bytes, SHA-256 ${s.newImage.sha256}`);
  if (s.precursor) lines.push(`precursor image:   ${s.precursor.sizeBytes} bytes, SHA-256 ${s.precursor.sha256}`);
  if (s.oldImageSizeBytes !== undefined) lines.push(`old image size:    ${s.oldImageSizeBytes} bytes (no digest in this format)`);
  if (s.encryption) lines.push(`encryption:        ${s.encryption.algorithm}, IV ${s.encryption.iv}; content key wrapped for ${s.wrappedKeysFor.length} device(s)`);
  else lines.push('encryption:        none');
  if (s.format === 'signing-tool') lines.push('note:              the trailer signs only the new image; IDs, version and diff info are unsigned');
  return lines.join('\n') + '\n';
}
