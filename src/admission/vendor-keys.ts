import { CallerError } from '../core/errors.js';
import type { VerifyingKey } from '../manifest/keys.js';
import { parsePublicKeyText } from '../manifest/public-key-text.js';
import { classIdOf, uuidFromString, vendorIdOf } from '../manifest/uuid5.js';

// campaigns.vendorKeys as admission uses them: the vendor and classes as the 16-byte IDs the
// manifest carries (UUIDv5 of the domain or model name, RFC 4122 §4.3, as uuid5.ts derives them).

export interface VendorKey {
  /** As configured (domain or UUID), for messages. */
  vendor: string;
  vendorId: Uint8Array;
  key: VerifyingKey;
  /** Classes this key may sign for; undefined = any. */
  classIds?: Uint8Array[];
}

export interface VendorKeyConfig {
  vendor: string;
  /** PEM text or raw hex (load-config.ts has read PEM files). */
  publicKey: string;
  deviceClasses?: readonly string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A domain / model name, or the UUID itself. */
export function vendorIdOfName(name: string): Uint8Array {
  return UUID.test(name) ? uuidFromString(name) : vendorIdOf(name);
}

export function classIdOfName(name: string): Uint8Array {
  return UUID.test(name) ? uuidFromString(name) : classIdOf(name);
}

export function vendorKeysFromConfig(entries: readonly VendorKeyConfig[]): VendorKey[] {
  return entries.map((entry, i) => {
    let key: VerifyingKey;
    try {
      key = parsePublicKeyText(entry.publicKey, `campaigns.vendorKeys[${i}].publicKey`);
    } catch (error) {
      throw new CallerError('INVALID_VENDOR_KEY', (error as Error).message, { cause: error });
    }
    return {
      vendor: entry.vendor,
      vendorId: vendorIdOfName(entry.vendor),
      key,
      ...(entry.deviceClasses ? { classIds: entry.deviceClasses.map(classIdOfName) } : {}),
    };
  });
}
