import { createPatch } from '../delta/jojo-diff.js';
import { applyPatch } from '../delta/jojo-patch.js';
import type { DeltaCodec } from './delta-codec.js';

/** JojoDiff patches with default tuning, as janpatch applies them on devices (src/delta/). */
export const JOJO_DELTA: DeltaCodec = {
  createPatch: (oldImage, newImage) => createPatch(oldImage, newImage),
  applyPatch: (oldImage, patch) => applyPatch(oldImage, patch),
};
