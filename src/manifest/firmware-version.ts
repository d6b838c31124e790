import { ValueError } from '../core/errors.js';

/**
 * A firmware version as the u32 manifests carry: a plain integer (`66051`, `0x10203`, or a
 * build timestamp as lorawan-fota-signing-tool uses) or `major.minor.patch`, packed as
 * major << 24 | minor << 16 | patch (8, 8 and 16 bits), so packed values order like versions.
 */
export function parseFirmwareVersion(text: string): number {
  const trimmed = text.trim();
  const dotted = /^(\d+)\.(\d+)\.(\d+)$/.exec(trimmed);
  if (dotted) {
    const [major, minor, patch] = [Number(dotted[1]), Number(dotted[2]), Number(dotted[3])];
    if (major > 255 || minor > 255 || patch > 0xffff) {
      throw new ValueError('firmware version', 'major.minor.patch with major, minor <= 255 and patch <= 65535', text, 'INVALID_VERSION');
    }
    return major * 0x1000000 + minor * 0x10000 + patch;
  }
  if (/^(\d+|0x[0-9a-f]+)$/i.test(trimmed)) {
    const value = Number(trimmed);
    if (value <= 0xffffffff) return value;
  }
  throw new ValueError('firmware version', 'an integer in 0..4294967295 or major.minor.patch', text, 'INVALID_VERSION');
}

/** `16908291 (0x01020003; 1.2.3 if packed)`: both readings, since the u32 does not say which. */
export function formatFirmwareVersion(value: number): string {
  const hex = value.toString(16).padStart(8, '0');
  return `${value} (0x${hex}; ${value >>> 24}.${(value >>> 16) & 0xff}.${value & 0xffff} if packed)`;
}
