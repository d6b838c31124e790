import { createHash } from 'node:crypto';
import { ValueError } from '../core/errors.js';
import { bytesToHex } from '../core/hex.js';

// Name-based UUIDs, version 5 (SHA-1), RFC 4122 §4.3 (RFC 9562 §5.5). Vendor and class IDs are
// UUIDv5 in the URL namespace, as lorawan-fota-signing-tool derives them (for the domain and for
// the model name alike), so devices built with that tool recognise our manifests.

/** RFC 4122 Appendix C name space IDs, in network byte order. */
export const NAMESPACE_DNS = uuidFromString('6ba7b810-9dad-11d1-80b4-00c04fd430c8');
export const NAMESPACE_URL = uuidFromString('6ba7b811-9dad-11d1-80b4-00c04fd430c8');

export function uuidV5(namespace: Uint8Array, name: string): Uint8Array {
  if (namespace.length !== 16) throw new ValueError('UUID namespace', '16 bytes', `${namespace.length} bytes`);
  const hash = createHash('sha1').update(namespace).update(Buffer.from(name, 'utf8')).digest();
  const uuid = new Uint8Array(hash.subarray(0, 16));
  uuid[6] = (uuid[6]! & 0x0f) | 0x50; // version 5 (RFC 4122 §4.1.3)
  uuid[8] = (uuid[8]! & 0x3f) | 0x80; // variant 10x (RFC 4122 §4.1.1)
  return uuid;
}

/** Vendor ID of a domain (`example.com`). */
export function vendorIdOf(domain: string): Uint8Array {
  return uuidV5(NAMESPACE_URL, checkName(domain, 'vendor domain'));
}

/** Device-class ID of a model name (`awesome-2000`). */
export function classIdOf(model: string): Uint8Array {
  return uuidV5(NAMESPACE_URL, checkName(model, 'device class'));
}

export function uuidToString(uuid: Uint8Array): string {
  const hex = bytesToHex(uuid);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function uuidFromString(text: string): Uint8Array {
  const compact = text.trim().toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(compact)) {
    throw new ValueError('UUID', '8-4-4-4-12 hex digits', text, 'INVALID_UUID');
  }
  return Uint8Array.from(Buffer.from(compact.replace(/-/g, ''), 'hex'));
}

function checkName(name: string, field: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new ValueError(field, 'a non-empty name', name);
  return name;
}
