import { ValueError } from '../core/errors.js';
import type { PackageSpec } from './app-layer.js';
import { TS003 } from './ts003-clock-sync.js';
import { TS004 } from './ts004-fragmentation.js';
import { TS005 } from './ts005-multicast-setup.js';
import { TS006 } from './ts006-firmware-management.js';

/** The application-layer packages we speak, by fPort. */
export const PACKAGES: readonly PackageSpec[] = [TS003, TS004, TS005, TS006];

export function packageForPort(fPort: number): PackageSpec {
  const spec = PACKAGES.find((p) => p.fPort === fPort);
  if (!spec) {
    const known = PACKAGES.map((p) => `${p.fPort} (${p.name})`).join(', ');
    throw new ValueError('port', `one of ${known}`, fPort, 'UNKNOWN_PORT');
  }
  return spec;
}
