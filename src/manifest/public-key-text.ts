import { createPublicKey, type KeyObject } from 'node:crypto';
import { ValueError } from '../core/errors.js';
import { algorithmOfKey, parsePublicKeyPem, type VerifyingKey } from './keys.js';

// A public key as an operator writes it in a config: PEM (SPKI, `BEGIN PUBLIC KEY`), or the raw
// key a device embeds as hex (what `fuota keys generate` writes to update-pubkey.h):
//   130 hex digits: the uncompressed P-256 point 04 || X || Y (SEC 1 §2.3.3);
//   128 hex digits: X || Y, as tinycrypt's uECC_verify takes it;
//    64 hex digits: an Ed25519 key (RFC 8032 §5.1.5).
// A point not on the curve is refused by OpenSSL when imported.

const HEX = /^(?:[0-9a-fA-F]{64}|[0-9a-fA-F]{128}|[0-9a-fA-F]{130})$/;

/** True when `text` looks like a raw key in hex (rather than a PEM file path). */
export function isRawPublicKeyHex(text: string): boolean {
  return HEX.test(text.trim());
}

export function parsePublicKeyText(text: string, field = 'public key'): VerifyingKey {
  const trimmed = text.trim();
  if (trimmed.includes('-----BEGIN ')) return parsePublicKeyPem(trimmed, field);
  if (!isRawPublicKeyHex(trimmed)) {
    throw new ValueError(field, 'a PEM public key, or hex of 130 (04||X||Y, P-256), 128 (X||Y, P-256) or 64 (Ed25519) digits', `${trimmed.length} characters`, 'INVALID_KEY');
  }
  const bytes = Buffer.from(trimmed, 'hex');
  let key: KeyObject;
  try {
    if (bytes.length === 32) key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') }, format: 'jwk' });
    else {
      const point = bytes.length === 65 ? bytes.subarray(1) : bytes;
      if (bytes.length === 65 && bytes[0] !== 0x04) throw new Error(`first byte 0x${bytes[0]!.toString(16)}, not 0x04 (uncompressed)`);
      key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(0, 32).toString('base64url'), y: point.subarray(32).toString('base64url') }, format: 'jwk' });
    }
  } catch (error) {
    throw new ValueError(field, 'a valid P-256 point or Ed25519 key', (error instanceof Error ? error.message : String(error)).split('\n')[0]!, 'INVALID_KEY');
  }
  return { algorithm: algorithmOfKey(key, field), publicKey: key };
}
