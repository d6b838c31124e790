import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { CallerError, ValueError } from '../core/errors.js';
import type { SignatureAlgorithm } from './types.js';

// Signing keys as node:crypto KeyObjects tagged with the manifest algorithm they serve.
// ES256 = ECDSA on P-256 with SHA-256 (RFC 9053 §2.1), what mbed TLS and tinycrypt verify;
// Ed25519 = EdDSA (RFC 8032 §5.1).

export interface SigningKey {
  algorithm: SignatureAlgorithm;
  privateKey: KeyObject;
}

export interface VerifyingKey {
  algorithm: SignatureAlgorithm;
  publicKey: KeyObject;
}

export function algorithmOfKey(key: KeyObject, field = 'key'): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'es256';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  throw new ValueError(field, 'an ECDSA P-256 or Ed25519 key', curve ? `${key.asymmetricKeyType} ${curve}` : String(key.asymmetricKeyType), 'UNSUPPORTED_KEY');
}

/**
 * A private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or SEC 1 (`BEGIN EC PRIVATE KEY`, as
 * `openssl ecparam -genkey` and lorawan-fota-signing-tool write it, with its `EC PARAMETERS` block).
 */
export function parsePrivateKeyPem(pem: string, field = 'private key'): SigningKey {
  const withoutParams = pem.replace(/-----BEGIN EC PARAMETERS-----[\s\S]*?-----END EC PARAMETERS-----\s*/g, '');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: withoutParams, format: 'pem' });
  } catch (error) {
    throw new ValueError(field, 'a PEM private key', firstLine(error), 'INVALID_KEY');
  }
  return { algorithm: algorithmOfKey(privateKey, field), privateKey };
}

/**
 * A public key from PEM (SPKI `BEGIN PUBLIC KEY`). A private key is refused, though node:crypto
 * would derive its public half: where a public key is expected (`package verify --pub`, vendor
 * keys in the config) a private key means the signing secret has been copied where it does not
 * belong, and accepting it would hide that (issue #14).
 */
export function parsePublicKeyPem(pem: string, field = 'public key'): VerifyingKey {
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem)) {
    throw new CallerError('PRIVATE_KEY_GIVEN', `${field}: expected a public key (BEGIN PUBLIC KEY), got a private key (it stays with the signer)`);
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new ValueError(field, 'a PEM public key', firstLine(error), 'INVALID_KEY');
  }
  return { algorithm: algorithmOfKey(publicKey, field), publicKey };
}

export function verifyingKeyOf(key: SigningKey): VerifyingKey {
  return { algorithm: key.algorithm, publicKey: createPublicKey(key.privateKey) };
}

/**
 * The raw public key a device embeds: the uncompressed P-256 point 04 || X || Y (SEC 1 §2.3.3,
 * 65 bytes; tinycrypt's uECC_verify takes X || Y, the last 64) or the 32-byte Ed25519 key (RFC 8032 §5.1.5).
 */
export function rawPublicKey(key: VerifyingKey): Uint8Array {
  const jwk = key.publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x ?? '', 'base64url');
  if (key.algorithm === 'ed25519') return new Uint8Array(x);
  const y = Buffer.from(jwk.y ?? '', 'base64url');
  return new Uint8Array(Buffer.concat([Buffer.from([0x04]), x, y]));
}

export function privateKeyToPem(key: SigningKey): string {
  return key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function publicKeyToPem(key: VerifyingKey): string {
  return key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
