import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ValueError } from '../core/errors.js';

// AES-128 single-block operations and AES-CMAC (RFC 4493), as LoRaWAN key derivation and MICs use
// them. The block cipher is node:crypto's; CMAC is the RFC 4493 mode built on it.

const BLOCK = 16;

function checkKey(key: Uint8Array, field: string): void {
  if (!(key instanceof Uint8Array) || key.length !== BLOCK) {
    throw new ValueError(field, '16 bytes (AES-128 key)', key instanceof Uint8Array ? `${key.length} bytes` : typeof key);
  }
}

/** AES-128-ECB encryption of whole 16-byte blocks, no padding. */
export function aes128Encrypt(key: Uint8Array, data: Uint8Array, field = 'key'): Uint8Array {
  checkKey(key, field);
  if (data.length % BLOCK !== 0) throw new ValueError('AES input', 'a multiple of 16 bytes', `${data.length} bytes`);
  const cipher = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
}

/** AES-128-ECB decryption of whole 16-byte blocks, no padding. */
export function aes128Decrypt(key: Uint8Array, data: Uint8Array, field = 'key'): Uint8Array {
  checkKey(key, field);
  if (data.length % BLOCK !== 0) throw new ValueError('AES input', 'a multiple of 16 bytes', `${data.length} bytes`);
  const decipher = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([decipher.update(data), decipher.final()]));
}

function shiftLeftOne(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    out[i] = ((block[i]! << 1) | (i + 1 < BLOCK ? block[i + 1]! >>> 7 : 0)) & 0xff;
  }
  return out;
}

/** RFC 4493 subkey generation (Rb = 0x87). */
function subkey(block: Uint8Array): Uint8Array {
  const shifted = shiftLeftOne(block);
  if (block[0]! & 0x80) shifted[BLOCK - 1]! ^= 0x87;
  return shifted;
}

/** AES-CMAC (RFC 4493) over `message`, the full 16-byte tag. */
export function aesCmac(key: Uint8Array, message: Uint8Array, field = 'key'): Uint8Array {
  checkKey(key, field);
  const cipher = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  const k1 = subkey(new Uint8Array(cipher.update(new Uint8Array(BLOCK))));
  const k2 = subkey(k1);
  const blockCount = Math.max(1, Math.ceil(message.length / BLOCK));
  const complete = message.length > 0 && message.length % BLOCK === 0;
  const last = new Uint8Array(BLOCK);
  const lastStart = (blockCount - 1) * BLOCK;
  last.set(message.subarray(lastStart));
  if (complete) {
    for (let i = 0; i < BLOCK; i++) last[i]! ^= k1[i]!;
  } else {
    last[message.length - lastStart] = 0x80;
    for (let i = 0; i < BLOCK; i++) last[i]! ^= k2[i]!;
  }
  let state = new Uint8Array(BLOCK);
  const block = new Uint8Array(BLOCK);
  for (let b = 0; b < blockCount; b++) {
    const source = b === blockCount - 1 ? last : message.subarray(b * BLOCK, b * BLOCK + BLOCK);
    for (let i = 0; i < BLOCK; i++) block[i] = state[i]! ^ source[i]!;
    state = new Uint8Array(cipher.update(block));
  }
  return state;
}
