import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ValueError } from '../core/errors.js';
import { UpdateRejectedError } from './rejection.js';

// AES key wrap, RFC 3394 §2.2.1 (wrap) / §2.2.2 (unwrap) with the default initial value
// A6A6A6A6A6A6A6A6 (§2.2.3.1), via OpenSSL's id-aes128-wrap. One content key, wrapped once per
// device with that device's 128-bit key: 16 bytes in, 24 bytes out.

const DEFAULT_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
export const WRAPPED_KEY_BYTES = 24;

function checkKek(kek: Uint8Array): void {
  if (kek.length !== 16) throw new ValueError('key-encryption key', '16 bytes (AES-128)', `${kek.length} bytes`);
}

export function wrapKey(kek: Uint8Array, keyData: Uint8Array): Uint8Array {
  checkKek(kek);
  if (keyData.length < 16 || keyData.length % 8 !== 0) {
    throw new ValueError('key to wrap', 'a multiple of 8 bytes, at least 16 (RFC 3394 §2)', `${keyData.length} bytes`);
  }
  const cipher = createCipheriv('id-aes128-wrap', kek, DEFAULT_IV);
  return new Uint8Array(Buffer.concat([cipher.update(keyData), cipher.final()]));
}

/** Unwraps and checks the integrity value; a wrong KEK or a modified blob is refused. */
export function unwrapKey(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  checkKek(kek);
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) {
    throw new UpdateRejectedError('UPDATE_KEY_UNWRAP_FAILED', `wrapped key: expected a multiple of 8 bytes, at least 24, got ${wrapped.length}`);
  }
  try {
    const decipher = createDecipheriv('id-aes128-wrap', kek, DEFAULT_IV);
    return new Uint8Array(Buffer.concat([decipher.update(wrapped), decipher.final()]));
  } catch (error) {
    throw new UpdateRejectedError('UPDATE_KEY_UNWRAP_FAILED', 'wrapped content key fails its RFC 3394 integrity check (wrong device key?)', { cause: error });
  }
}
