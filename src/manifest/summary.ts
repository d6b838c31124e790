import { isFuotaError } from '../core/errors.js';
import { bytesToHex } from '../core/hex.js';
import type { HeatshrinkParams } from '../delta/detools/compression.js';
import { readDetoolsHeader } from '../delta/detools/detools-format.js';
import { heatshrinkText } from './delta-capability.js';
import { formatFirmwareVersion } from './firmware-version.js';
import { decodeSignedManifest } from './manifest-codec.js';
import type { FuotaPackage } from './package-format.js';
import { decodeSigningToolTrailer } from './signing-tool-trailer.js';
import type { DeltaFormat, ImageDigest, ManifestFormat, PayloadType, SignatureAlgorithm } from './types.js';
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
  /** A delta's format (the signing-tool trailer's is_diff is always jojodiff). */
  deltaFormat?: DeltaFormat;
  /** An unencrypted detools delta: what its own header says. */
  detools?: { compression: string; heatshrink?: HeatshrinkParams; toSizeBytes: number };
  /** An unencrypted detools delta whose header does not parse: why. */
  detoolsHeaderError?: string;
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
    if (t.isDiff) {
      summary.deltaFormat = 'jojodiff';
      summary.oldImageSizeBytes = t.oldImageSizeBytes;
    }
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
  if (m.deltaFormat) summary.deltaFormat = m.deltaFormat;
  if (m.deltaFormat === 'detools-sequential' && !m.encryption) addDetoolsHeader(summary, pkg.payload);
  if (m.precursor) summary.precursor = digestSummary(m.precursor);
  if (m.encryption) summary.encryption = { algorithm: m.encryption.algorithm, iv: bytesToHex(m.encryption.iv) };
  return summary;
}

/** Inspect shows a package as it is: a header that does not parse is reported, not thrown. */
function addDetoolsHeader(summary: PackageSummary, payload: Uint8Array): void {
  try {
    const h = readDetoolsHeader(payload);
    summary.detools = { compression: h.compression, ...(h.heatshrink ? { heatshrink: h.heatshrink } : {}), toSizeBytes: h.toSizeBytes };
  } catch (error) {
    if (!isFuotaError(error)) throw error;
    summary.detoolsHeaderError = error.message;
  }
}

function deltaText(s: PackageSummary): string {
  let text = `delta patch (${s.deltaFormat ?? 'format not said'}`;
  if (s.detools) text += `, ${s.detools.compression}${s.detools.heatshrink ? ` ${heatshrinkText(s.detools.heatshrink)}` : ''}`;
  else if (s.detoolsHeaderError) text += `, header unreadable: ${s.detoolsHeaderError}`;
  else if (s.deltaFormat === 'detools-sequential') text += ', compression in the encrypted header';
  return `${text})`;
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
  lines.push(`payload:           ${s.payloadType === 'delta' ? deltaText(s) : 'full image'}, ${s.payloadBytes} bytes${s.payload ? `, SHA-256 ${s.payload.sha256}` : ''}`);
  if (s.newImage) lines.push(`new image:         ${s.newImage.sizeBytes} bytes, SHA-256 ${s.newImage.sha256}`);
  if (s.precursor) lines.push(`precursor image:   ${s.precursor.sizeBytes} bytes, SHA-256 ${s.precursor.sha256}`);
  if (s.oldImageSizeBytes !== undefined) lines.push(`old image size:    ${s.oldImageSizeBytes} bytes (no digest in this format)`);
  if (s.encryption) lines.push(`encryption:        ${s.encryption.algorithm}, IV ${s.encryption.iv}; content key wrapped for ${s.wrappedKeysFor.length} device(s)`);
  else lines.push('encryption:        none');
  if (s.format === 'signing-tool') lines.push('note:              the trailer signs only the new image; IDs, version and diff info are unsigned');
  return lines.join('\n') + '\n';
}
