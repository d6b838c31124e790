import { ValueError } from './errors.js';

/** A 64-bit EUI (DevEUI, JoinEUI, gateway ID) as 16 lowercase hex digits, MSB first. */
export type Eui64 = string & { readonly __brand: 'Eui64' };

const EUI64_PATTERN = /^[0-9a-f]{16}$/;

/** Accepts `0102030405060708`, `01-02-...`, `01:02:...`, any case. */
export function parseEui64(text: string, field = 'EUI-64'): Eui64 {
  const compact = String(text).trim().toLowerCase().replace(/[:-]/g, '');
  if (!EUI64_PATTERN.test(compact)) {
    throw new ValueError(field, '16 hex digits', text, 'INVALID_EUI');
  }
  return compact as Eui64;
}

export function isEui64(text: string): text is Eui64 {
  return EUI64_PATTERN.test(text);
}
