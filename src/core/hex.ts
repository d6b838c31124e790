import { ValueError } from './errors.js';

const HEX_PATTERN = /^(?:[0-9a-fA-F]{2})*$/;

/** Parses hex text (spaces, colons and dashes between bytes allowed; `0x` prefix allowed). */
export function hexToBytes(text: string, field = 'hex'): Uint8Array {
  const compact = text.trim().replace(/^0x/i, '').replace(/[\s:-]/g, '');
  if (!HEX_PATTERN.test(compact)) {
    const why = compact.length % 2 === 1 ? 'an even number of hex digits' : 'hex digits 0-9a-f';
    throw new ValueError(field, why, text, 'INVALID_HEX');
  }
  return Uint8Array.from(Buffer.from(compact, 'hex'));
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses hex text that must be exactly `length` bytes (keys, descriptors). */
export function hexToFixedBytes(text: string, length: number, field: string): Uint8Array {
  const bytes = hexToBytes(text, field);
  if (bytes.length !== length) {
    throw new ValueError(field, `${length} bytes (${length * 2} hex digits)`, text, 'INVALID_LENGTH');
  }
  return bytes;
}
