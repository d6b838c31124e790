import { createCipheriv } from 'node:crypto';
import { ValueError } from '../core/errors.js';
import { AES128_KEY_BYTES, CTR_IV_BYTES } from './types.js';

// Payload privacy: AES-128-CTR (NIST SP 800-38A §6.5), the whole 16-byte IV as the initial
// counter block, incremented big-endian per block. CTR suits a device: no padding (ciphertext size
// = plaintext size, so fragment counts do not change), decryption is the same operation, and it
// works on any chunk at a known offset while fragments are written to flash. CTR gives no
// integrity by itself: the signed manifest carries the SHA-256 of the ciphertext (checked before
// decrypting) and of the resulting image. The content key is fresh random per package, so a
// key/counter pair is never reused.

export function aes128Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.length !== AES128_KEY_BYTES) throw new ValueError('content key', '16 bytes (AES-128)', `${key.length} bytes`);
  if (iv.length !== CTR_IV_BYTES) throw new ValueError('CTR IV', '16 bytes', `${iv.length} bytes`);
  const cipher = createCipheriv('aes-128-ctr', key, iv);
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
}
