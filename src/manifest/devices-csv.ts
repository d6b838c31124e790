import { ValueError } from '../core/errors.js';
import { parseEui64, type Eui64 } from '../core/eui.js';
import { hexToFixedBytes } from '../core/hex.js';

export interface DeviceKey {
  devEui: Eui64;
  /** The device's 128-bit key-encryption key. */
  key: Uint8Array;
}

/**
 * Parses `--encrypt-for` CSV text: a header line naming the columns `devEui` and `key` (any
 * order, any case), then one device a line; blank lines and `#` comments are skipped.
 */
export function parseDevicesCsv(text: string): DeviceKey[] {
  const lines = text.split(/\r?\n/).map((line, index) => ({ line: line.trim(), number: index + 1 })).filter(({ line }) => line !== '' && !line.startsWith('#'));
  const header = lines.shift();
  if (!header) throw new ValueError('devices CSV', 'a header line "devEui,key" and one line per device', 'an empty file', 'INVALID_CSV');
  const columns = header.line.split(',').map((c) => c.trim().toLowerCase());
  const euiColumn = columns.indexOf('deveui');
  const keyColumn = columns.indexOf('key');
  if (euiColumn < 0 || keyColumn < 0) throw new ValueError('devices CSV line 1', 'a header with columns devEui and key', header.line, 'INVALID_CSV');
  const devices: DeviceKey[] = [];
  const seen = new Set<string>();
  for (const { line, number } of lines) {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== columns.length) throw new ValueError(`devices CSV line ${number}`, `${columns.length} columns`, line, 'INVALID_CSV');
    const devEui = parseEui64(cells[euiColumn]!, `devices CSV line ${number} devEui`);
    if (seen.has(devEui)) throw new ValueError(`devices CSV line ${number}`, 'each devEui once', devEui, 'DUPLICATE_DEVICE');
    seen.add(devEui);
    devices.push({ devEui, key: hexToFixedBytes(cells[keyColumn]!, 16, `devices CSV line ${number} key`) });
  }
  if (devices.length === 0) throw new ValueError('devices CSV', 'at least one device', 'none', 'INVALID_CSV');
  return devices;
}
