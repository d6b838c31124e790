import { createPatch } from '../delta/jojo-diff.js';
import type { JanpatchDialect } from '../delta/jojo-format.js';
import { applyPatch } from '../delta/jojo-patch.js';
import type { DeltaCodec } from './delta-codec.js';
import type { DeltaFormat } from './types.js';

// JojoDiff patches as janpatch applies them (src/delta/): 'jojodiff' in the legacy dialect (ESC MOD
// before every data run: every janpatch build), 'jojodiff-implicit-mod' in the current one (janpatch
// >= c8ad3ee). Applying follows the device: a 'jojodiff' package is applied as an old janpatch
// reads it, so a patch that leaves a marker out is refused as such a device would refuse it.

const FORMATS: Readonly<Record<JanpatchDialect, DeltaFormat>> = { legacy: 'jojodiff', current: 'jojodiff-implicit-mod' };

export function jojodiffCodec(dialect: JanpatchDialect): DeltaCodec {
  return {
    format: FORMATS[dialect],
    description: `${FORMATS[dialect]} (janpatch ${dialect})`,
    createPatch: (oldImage, newImage) => createPatch(oldImage, newImage, { dialect }),
    applyPatch: (oldImage, patch) => applyPatch(oldImage, patch, { dialect }),
  };
}

export const JOJODIFF_LEGACY: DeltaCodec = jojodiffCodec('legacy');
export const JOJODIFF_CURRENT: DeltaCodec = jojodiffCodec('current');
