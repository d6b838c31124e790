import { createECDH, createHash, createPrivateKey } from 'node:crypto';
import { hexToBytes } from '../../src/core/hex.js';
import type { SigningKey } from '../../src/manifest/keys.js';
import type { Manifest } from '../../src/manifest/types.js';
import { classIdOf, vendorIdOf } from '../../src/manifest/uuid5.js';

// Fixed keys so tests do not depend on key generation: the RFC 6979 §A.2.5 P-256 key, the
// RFC 8032 §7.1 TEST 1 Ed25519 key, and a second P-256 key (private scalar 2) as "someone else".

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

export function es256KeyFromScalar(hex: string): SigningKey {
  const d = hexToBytes(hex);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  const privateKey = createPrivateKey({
    format: 'jwk',
    key: { kty: 'EC', crv: 'P-256', d: b64url(d), x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33)) },
  });
  return { algorithm: 'es256', privateKey };
}

export const ES256_KEY = es256KeyFromScalar('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721');
export const OTHER_ES256_KEY = es256KeyFromScalar('0000000000000000000000000000000000000000000000000000000000000002');
export const ED25519_KEY: SigningKey = {
  algorithm: 'ed25519',
  privateKey: createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: b64url(hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')),
      x: b64url(hexToBytes('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')),
    },
  }),
};

/** Deterministic "random" bytes: SHA-256 in counter mode over a label. */
export function seededBytes(label: string, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let block = 0, at = 0; at < count; block++, at += 32) {
    const digest = createHash('sha256').update(`${label}:${block}`).digest();
    out.set(digest.subarray(0, Math.min(32, count - at)), at);
  }
  return out;
}

/** A random source for builds that hands out seeded bytes in sequence. */
export function seededRandom(label: string): (count: number) => Uint8Array {
  let calls = 0;
  return (count) => seededBytes(`${label}#${calls++}`, count);
}

/** An old image and a new one sharing most content (a realistic delta). */
export function imagePair(sizeBytes = 600): { oldImage: Uint8Array; newImage: Uint8Array } {
  const oldImage = seededBytes('old image', sizeBytes);
  const newImage = new Uint8Array(sizeBytes + 16);
  newImage.set(oldImage.subarray(0, sizeBytes / 2));
  newImage.set(seededBytes('inserted', 16), sizeBytes / 2);
  newImage.set(oldImage.subarray(sizeBytes / 2), sizeBytes / 2 + 16);
  newImage[10] = newImage[10]! ^ 0x55;
  return { oldImage, newImage };
}

/** A delta, encrypted manifest with distinct values in every field. */
export function sampleManifest(more: Partial<Manifest> = {}): Manifest {
  const manifest: Manifest = {
    manifestVersion: 1,
    sequenceNumber: 0x11223344,
    vendorId: vendorIdOf('example.com'),
    classId: classIdOf('awesome-2000'),
    firmwareVersion: 0x01020003,
    newImage: { sizeBytes: 87808, sha256: seededBytes('new', 32) },
    payloadType: 'delta',
    deltaFormat: 'jojodiff',
    payload: { sizeBytes: 340, sha256: seededBytes('payload', 32) },
    precursor: { sizeBytes: 86960, sha256: seededBytes('old', 32) },
    encryption: { algorithm: 'aes-128-ctr', iv: seededBytes('iv', 16) },
    ...more,
  };
  // `undefined` in `more` removes a field, as decoders leave absent fields out.
  for (const [name, value] of Object.entries(manifest)) if (value === undefined) delete (manifest as unknown as Record<string, unknown>)[name];
  return manifest;
}
