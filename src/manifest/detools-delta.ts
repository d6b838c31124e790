import { DEFAULT_HEATSHRINK, type DetoolsCompression, type HeatshrinkParams } from '../delta/detools/compression.js';
import { createDetoolsPatch } from '../delta/detools/detools-diff.js';
import { applyInMemory } from '../delta/apply-in-memory.js';
import { DetoolsPatcher } from '../delta/detools/detools-patch.js';
import type { DeltaApplier, DeltaCodec } from './delta-codec.js';
import { heatshrinkText } from './delta-capability.js';

// detools sequential patches (eerimoq/detools; src/delta/detools/). The patch's own header says its
// compression, so one applier reads every compression; building needs the compression (and for
// heatshrink the window/lookahead of the devices' detools build).

/** Patch bytes pushed at a time: a device gets its patch in pieces and detools applies it incrementally. */
const PUSH_BYTES = 256;

/** Applies as a device does: the patch fed in small pieces to the streaming patcher. */
export const DETOOLS_APPLIER: DeltaApplier = {
  format: 'detools-sequential',
  applyPatch: (oldImage, patch) => applyInMemory(oldImage, patch, (oldSize, readOld, sink) => new DetoolsPatcher(oldSize, readOld, sink), PUSH_BYTES),
};

export function detoolsCodec(compression: DetoolsCompression, heatshrink: HeatshrinkParams = DEFAULT_HEATSHRINK): DeltaCodec {
  return {
    ...DETOOLS_APPLIER,
    description: `detools-sequential (${compression === 'heatshrink' ? `heatshrink ${heatshrinkText(heatshrink)}` : compression})`,
    createPatch: (oldImage, newImage) => createDetoolsPatch(oldImage, newImage, compression === 'heatshrink' ? { compression, heatshrink } : { compression }),
  };
}
