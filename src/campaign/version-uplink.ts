import type { CampaignSpec } from './spec.js';

// Devices without TS006 cannot be asked which firmware they run; many applications say it in
// their own uplinks. The campaign names where (firmware.versionUplink), and this reads it.

export type VersionUplink = NonNullable<CampaignSpec['firmware']['versionUplink']>;

/** The version in an application uplink, or undefined when the payload is too short to hold it. */
export function readVersionUplink(where: VersionUplink, payload: Uint8Array): number | undefined {
  if (payload.length < where.offset + where.length) return undefined;
  let version = 0;
  for (let i = 0; i < where.length; i++) {
    const byte = payload[where.byteOrder === 'little' ? where.offset + where.length - 1 - i : where.offset + i]!;
    version = version * 256 + byte;
  }
  return version;
}
