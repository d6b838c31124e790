import { checkRange } from '../core/byte-writer.js';
import { ValueError } from '../core/errors.js';
import { aes128Decrypt, aes128Encrypt } from './aes.js';

// Multicast key derivation of TS005 Remote Multicast Setup (v1.0.0 §4.3 and v2.0.0 §4.3, the
// McGroupSetupReq section; the scheme is the same in both versions). Every step is one AES-128
// block operation on a 16-byte block that is a one-byte label followed by zero padding ("pad16"):
//
//   McRootKey = aes128_encrypt(GenAppKey, 0x00 | pad16)      LoRaWAN 1.0.x devices
//   McRootKey = aes128_encrypt(AppKey,    0x20 | pad16)      LoRaWAN 1.1 devices
//   McKEKey   = aes128_encrypt(McRootKey, 0x00 | pad16)
//   McKey_encrypted = aes128_decrypt(McKEKey, McKey)          what the server sends
//   McKey           = aes128_encrypt(McKEKey, McKey_encrypted) what the device computes
//   McAppSKey = aes128_encrypt(McKey, 0x01 | McAddr | pad16)  McAddr little-endian, 4 bytes
//   McNwkSKey = aes128_encrypt(McKey, 0x02 | McAddr | pad16)
//
// The "encrypt with decrypt" step is deliberate in the spec: the device only needs the AES
// encrypt direction, so the server applies the inverse. Swapping the two produces a McKey the
// device never agrees with, and nothing on the air reports it: multicast frames just fail the MIC.

const KEY_BYTES = 16;

export type LorawanVersion = '1.0' | '1.1';

export interface McRootKeyInput {
  /** '1.0' for LoRaWAN 1.0.x devices (GenAppKey), '1.1' for LoRaWAN 1.1 devices (AppKey). */
  readonly lorawanVersion: LorawanVersion;
  /** Needed for 1.0.x. Not the 1.0.x AppKey: a separate key provisioned for the app-layer packages. */
  readonly genAppKey?: Uint8Array;
  /** Needed for 1.1. */
  readonly appKey?: Uint8Array;
}

export interface McSessionKeys {
  readonly mcAppSKey: Uint8Array;
  readonly mcNwkSKey: Uint8Array;
}

function checkKey(key: unknown, fieldName: string): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    const actual = key instanceof Uint8Array ? `${key.length} bytes` : key === undefined ? 'nothing' : typeof key;
    throw new ValueError(fieldName, '16 bytes (AES-128 key)', actual, 'INVALID_KEY_LENGTH');
  }
  return key;
}

/** A 16-byte block: `label`, then `rest`, then zeros. */
function block(label: number, rest: readonly number[] = []): Uint8Array {
  const out = new Uint8Array(KEY_BYTES);
  out[0] = label;
  out.set(rest, 1);
  return out;
}

/** McRootKey from GenAppKey (1.0.x) or AppKey (1.1). */
export function deriveMcRootKey(input: McRootKeyInput): Uint8Array {
  const version = input?.lorawanVersion;
  if (version === '1.0') {
    if (input.genAppKey === undefined) {
      const hint = input.appKey !== undefined ? ' (an AppKey was given: 1.0.x devices derive McRootKey from GenAppKey, not AppKey)' : '';
      throw new ValueError('genAppKey', `a 16-byte GenAppKey for LoRaWAN 1.0.x${hint}`, 'nothing', 'MISSING_KEY');
    }
    return aes128Encrypt(checkKey(input.genAppKey, 'genAppKey'), block(0x00), 'genAppKey');
  }
  if (version === '1.1') {
    if (input.appKey === undefined) {
      const hint = input.genAppKey !== undefined ? ' (a GenAppKey was given: 1.1 devices derive McRootKey from AppKey)' : '';
      throw new ValueError('appKey', `a 16-byte AppKey for LoRaWAN 1.1${hint}`, 'nothing', 'MISSING_KEY');
    }
    return aes128Encrypt(checkKey(input.appKey, 'appKey'), block(0x20), 'appKey');
  }
  throw new ValueError('lorawanVersion', "'1.0' or '1.1'", version, 'UNKNOWN_LORAWAN_VERSION');
}

/** McKEKey, the key that wraps each group's McKey. */
export function deriveMcKEKey(mcRootKey: Uint8Array): Uint8Array {
  return aes128Encrypt(checkKey(mcRootKey, 'mcRootKey'), block(0x00), 'mcRootKey');
}

/** McKey_encrypted for McGroupSetupReq, as the server sends it: AES *decrypt* of McKey under McKEKey. */
export function encryptMcKey(mcKEKey: Uint8Array, mcKey: Uint8Array): Uint8Array {
  checkKey(mcKEKey, 'mcKEKey');
  return aes128Decrypt(mcKEKey, checkKey(mcKey, 'mcKey'), 'mcKEKey');
}

/** McKey from McKey_encrypted, as the device computes it: AES *encrypt* under McKEKey. */
export function decryptMcKey(mcKEKey: Uint8Array, mcKeyEncrypted: Uint8Array): Uint8Array {
  checkKey(mcKEKey, 'mcKEKey');
  return aes128Encrypt(mcKEKey, checkKey(mcKeyEncrypted, 'mcKeyEncrypted'), 'mcKEKey');
}

/** McAppSKey and McNwkSKey of a group; `mcAddr` is the DevAddr as a number (sent little-endian). */
export function deriveMcSessionKeys(mcKey: Uint8Array, mcAddr: number): McSessionKeys {
  checkKey(mcKey, 'mcKey');
  const addr = checkRange(mcAddr, 0, 0xffffffff, 'mcAddr');
  const le = [addr & 0xff, (addr >>> 8) & 0xff, (addr >>> 16) & 0xff, (addr >>> 24) & 0xff];
  return {
    mcAppSKey: aes128Encrypt(mcKey, block(0x01, le), 'mcKey'),
    mcNwkSKey: aes128Encrypt(mcKey, block(0x02, le), 'mcKey'),
  };
}
