import { rawPublicKey, type VerifyingKey } from './keys.js';

/**
 * The public key as a C header to compile into firmware. ES256: the 65-byte uncompressed point
 * (SEC 1 §2.3.3; pass `+ 1` / 64 bytes to tinycrypt uECC_verify, the whole array to
 * mbedtls_ecp_point_read_binary). Ed25519: the 32-byte key (RFC 8032 §5.1.5).
 */
export function publicKeyCHeader(key: VerifyingKey, symbol = 'FUOTA_UPDATE_PUBKEY'): string {
  const raw = rawPublicKey(key);
  const guard = `${symbol}_H`;
  const rows: string[] = [];
  for (let i = 0; i < raw.length; i += 12) {
    rows.push('    ' + Array.from(raw.subarray(i, i + 12), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ') + ',');
  }
  const what = key.algorithm === 'es256'
    ? 'ECDSA P-256 public key, uncompressed point 04 || X || Y (SEC 1 2.3.3)'
    : 'Ed25519 public key (RFC 8032 5.1.5)';
  return [
    `#ifndef ${guard}`,
    `#define ${guard}`,
    '',
    '#include <stdint.h>',
    '',
    `/* ${what}; verifies lorawan-fuota update manifests (${key.algorithm}). */`,
    `#define ${symbol}_ALG_${key.algorithm.toUpperCase()} 1`,
    `#define ${symbol}_LENGTH ${raw.length}`,
    `static const uint8_t ${symbol}[${raw.length}] = {`,
    ...rows,
    '};',
    '',
    `#endif /* ${guard} */`,
    '',
  ].join('\n');
}
