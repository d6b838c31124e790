import { isFuotaError } from '../core/errors.js';
import { parseFirmwareVersion } from '../manifest/firmware-version.js';
import type { CampaignSpec } from './spec.js';

// Devices without TS006 cannot be asked which firmware they run; many applications say it in
// their own uplinks. The campaign names where (firmware.versionUplink): bytes of the payload on
// an fPort, or a path into the payload as the network server's codec decoded it.

export type VersionUplink = NonNullable<CampaignSpec['firmware']['versionUplink']>;

/** The version an application uplink reports, or undefined when it carries none there. */
export function readVersionUplink(where: VersionUplink, uplink: { fPort: number; payload: Uint8Array; object?: unknown }): number | undefined {
  if ('jsonPath' in where) return versionOf(valueAt(uplink.object, where.jsonPath));
  if (uplink.fPort !== where.fPort || uplink.payload.length < where.offset + where.length) return undefined;
  let version = 0;
  for (let i = 0; i < where.length; i++) {
    const byte = uplink.payload[where.byteOrder === 'little' ? where.offset + where.length - 1 - i : where.offset + i]!;
    version = version * 256 + byte;
  }
  return version;
}

/** Where the campaign looks, for notes: "port 1" or "decoded firmware.version". */
export function versionUplinkPlace(where: VersionUplink): string {
  return 'jsonPath' in where ? `decoded ${where.jsonPath}` : `port ${where.fPort}`;
}

function valueAt(object: unknown, path: string): unknown {
  let value = object;
  for (const step of path.match(/[^.[\]]+/g) ?? []) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/** A u32, or "major.minor.patch" packed as the manifests pack it (firmware-version.ts). */
function versionOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 0xffffffff ? value : undefined;
  if (typeof value !== 'string') return undefined;
  try {
    return parseFirmwareVersion(value);
  } catch (error) {
    if (isFuotaError(error)) return undefined;
    throw error;
  }
}
