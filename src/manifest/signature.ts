import { sign, verify } from 'node:crypto';
import type { SigningKey, VerifyingKey } from './keys.js';

// Signatures over a message. ES256 hashes the message with SHA-256 and signs the hash with ECDSA
// P-256 (FIPS 186-4 §6.4); the signature is either DER (SEC 1 / RFC 3279 §2.2.3 Ecdsa-Sig-Value,
// what `openssl dgst -sign` and the signing-tool trailer carry, 8..72 bytes) or raw r || s
// (RFC 9053 §2.1, 64 bytes, what COSE, tinycrypt and our compact manifest use). Ed25519 signs the
// message itself (RFC 8032 §5.1.6), always 64 bytes.
// ECDSA nonces come from OpenSSL's generator, so ES256 signatures differ run to run; tests verify
// them rather than compare them.

export type EcdsaEncoding = 'der' | 'raw';

export const RAW_SIGNATURE_BYTES = 64;

export function signMessage(key: SigningKey, message: Uint8Array, encoding: EcdsaEncoding = 'raw'): Uint8Array {
  if (key.algorithm === 'ed25519') return new Uint8Array(sign(null, message, key.privateKey));
  const dsaEncoding = encoding === 'raw' ? 'ieee-p1363' : 'der';
  return new Uint8Array(sign('sha256', message, { key: key.privateKey, dsaEncoding }));
}

/** True when `signature` is valid; malformed signatures are simply invalid. */
export function verifyMessage(
  key: VerifyingKey,
  message: Uint8Array,
  signature: Uint8Array,
  encoding: EcdsaEncoding = 'raw',
): boolean {
  try {
    if (key.algorithm === 'ed25519') return verify(null, message, key.publicKey, signature);
    if (encoding === 'raw' && signature.length !== RAW_SIGNATURE_BYTES) return false;
    const dsaEncoding = encoding === 'raw' ? 'ieee-p1363' : 'der';
    return verify('sha256', message, { key: key.publicKey, dsaEncoding }, signature);
  } catch {
    return false;
  }
}
