import { ByteReader } from '../core/byte-reader.js';
import { ByteWriter } from '../core/byte-writer.js';
import { DecodeError, ValueError } from '../core/errors.js';
import { isEui64, type Eui64 } from '../core/eui.js';
import { bytesToHex } from '../core/hex.js';
import { WRAPPED_KEY_BYTES } from './key-wrap.js';
import type { ManifestFormat } from './types.js';

// The package file (PKG): one manifest, one payload, and the content key wrapped per device.
// Little-endian, fixed 16-byte header; layout in docs/package-format.md.
//   0  4  magic "FPKG"
//   4  1  container version (1)
//   5  1  manifest format: 1 compact, 2 suit, 3 signing-tool
//   6  2  wrapped key count N
//   8  4  manifest length M
//   12 4  payload length P
//   16 M  manifest, then P payload bytes, then N x (8-byte DevEUI MSB first, 24-byte wrapped key)
// Nothing may follow. The container itself is not authenticated: the manifest signature covers
// what matters, and a wrapped key is integrity-checked by RFC 3394 unwrapping.

export const PACKAGE_MAGIC = Uint8Array.from([0x46, 0x50, 0x4b, 0x47]);
export const PACKAGE_VERSION = 1;
export const PACKAGE_HEADER_BYTES = 16;
const WRAPPED_ENTRY_BYTES = 8 + WRAPPED_KEY_BYTES;
const FORMAT_CODES: Record<ManifestFormat, number> = { compact: 1, suit: 2, 'signing-tool': 3 };
const CONTEXT = 'package';

export interface WrappedKey {
  devEui: Eui64;
  /** The content key wrapped with this device's key (RFC 3394), 24 bytes. */
  wrappedKey: Uint8Array;
}

export interface FuotaPackage {
  format: ManifestFormat;
  manifest: Uint8Array;
  payload: Uint8Array;
  wrappedKeys: WrappedKey[];
}

export function encodePackage(pkg: FuotaPackage): Uint8Array {
  const w = new ByteWriter(CONTEXT, PACKAGE_HEADER_BYTES + pkg.manifest.length + pkg.payload.length + pkg.wrappedKeys.length * WRAPPED_ENTRY_BYTES)
    .bytes(PACKAGE_MAGIC, 'magic')
    .u8(PACKAGE_VERSION, 'version')
    .u8(FORMAT_CODES[pkg.format], 'manifest format')
    .u16(pkg.wrappedKeys.length, 'wrapped key count')
    .u32(pkg.manifest.length, 'manifest length')
    .u32(pkg.payload.length, 'payload length')
    .bytes(pkg.manifest, 'manifest')
    .bytes(pkg.payload, 'payload');
  const seen = new Set<string>();
  for (const { devEui, wrappedKey } of pkg.wrappedKeys) {
    if (!isEui64(devEui)) throw new ValueError('wrapped key DevEUI', '16 lowercase hex digits', devEui, 'INVALID_EUI');
    if (seen.has(devEui)) throw new ValueError('wrapped keys', 'one per DevEUI', `${devEui} twice`, 'DUPLICATE_DEVICE');
    seen.add(devEui);
    w.bytes(Uint8Array.from(Buffer.from(devEui, 'hex')), 'DevEUI', 8).bytes(wrappedKey, `wrapped key of ${devEui}`, WRAPPED_KEY_BYTES);
  }
  return w.toBytes();
}

/** Decodes a package; every failure is a DecodeError with the offset where it was found. */
export function decodePackage(bytes: Uint8Array): FuotaPackage {
  const r = new ByteReader(bytes, CONTEXT);
  r.context = 'package header';
  r.need(PACKAGE_HEADER_BYTES, `${PACKAGE_HEADER_BYTES}-byte header`);
  const magic = r.bytesOf(4);
  if (!magic.every((b, i) => b === PACKAGE_MAGIC[i])) r.invalid('magic', '"FPKG"', bytesToHex(magic), 0);
  const version = r.u8();
  if (version !== PACKAGE_VERSION) r.invalid('version', `${PACKAGE_VERSION}`, version, 4);
  const formatCode = r.u8();
  const format = (Object.keys(FORMAT_CODES) as ManifestFormat[]).find((f) => FORMAT_CODES[f] === formatCode);
  if (!format) r.invalid('manifest format', '1 (compact), 2 (suit) or 3 (signing-tool)', formatCode, 5);
  const keyCount = r.u16();
  const manifestLength = r.u32();
  const payloadLength = r.u32();
  r.context = 'package manifest';
  const manifest = r.bytesOf(manifestLength);
  r.context = 'package payload';
  const payload = r.bytesOf(payloadLength);
  r.context = 'package wrapped keys';
  const wrappedKeys: WrappedKey[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < keyCount; i++) {
    const at = r.offset;
    r.need(WRAPPED_ENTRY_BYTES, `${keyCount - i} more ${WRAPPED_ENTRY_BYTES}-byte wrapped key entries`);
    const devEui = bytesToHex(r.bytesOf(8)) as Eui64;
    if (seen.has(devEui)) r.invalid('DevEUI', 'one entry per device', `${devEui} again`, at);
    seen.add(devEui);
    wrappedKeys.push({ devEui, wrappedKey: r.bytesOf(WRAPPED_KEY_BYTES) });
  }
  if (!r.atEnd) throw new DecodeError('DECODE_TRAILING_BYTES', { context: 'package', offset: r.offset }, 'end of package', `${r.remaining} more bytes`);
  return { format: format!, manifest, payload, wrappedKeys };
}
