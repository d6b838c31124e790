import { readDetoolsHeader } from '../delta/detools/detools-format.js';
import type { DetoolsCompression, HeatshrinkParams } from '../delta/detools/compression.js';
import type { JanpatchDialect } from '../delta/jojo-format.js';
import { ValueError } from '../core/errors.js';
import type { DeltaApplier, DeltaCodec } from './delta-codec.js';
import { acceptedDeltaFormats, deltaRefusal, describeDeltaCapability, heatshrinkText, type DeltaCapability, type DeltaFamily } from './delta-capability.js';
import { DETOOLS_APPLIER, detoolsCodec } from './detools-delta.js';
import { JOJODIFF_CURRENT, JOJODIFF_LEGACY, jojodiffCodec } from './jojodiff-delta.js';

// The codecs by format: which to build with for devices that accept some families, and which a
// device (or `fuota package verify`) applies with.

/** One applier per delta format: `fuota package verify` applies whatever format the manifest names. */
export const DELTA_APPLIERS: readonly DeltaApplier[] = Object.freeze([JOJODIFF_LEGACY, JOJODIFF_CURRENT, DETOOLS_APPLIER]);

/** What `fuota package build` is asked to build for (its --delta, --janpatch, --compression, --heatshrink). */
export interface DeltaBuildChoice {
  formats: readonly DeltaFamily[];
  janpatch: JanpatchDialect;
  compression: DetoolsCompression;
  heatshrink: HeatshrinkParams;
}

/** The candidate codecs, one per family, in the order given (the first wins a tie on size). */
export function deltaCodecsFor(choice: DeltaBuildChoice): DeltaCodec[] {
  if (choice.formats.length === 0) throw new ValueError('delta formats', 'at least one of jojodiff, detools', 'none');
  return [...new Set(choice.formats)].map((family) => (family === 'jojodiff' ? jojodiffCodec(choice.janpatch) : detoolsCodec(choice.compression, choice.heatshrink)));
}

/**
 * The patchers of a device with `capability`: the formats it accepts only, and a detools patch
 * only with a compression (and heatshrink parameters) its build has, as detools' C library
 * refuses others (its DETOOLS_HEATSHRINK_HEADER / DETOOLS_BAD_COMPRESSION errors).
 */
export function appliersFor(capability: DeltaCapability): DeltaApplier[] {
  const accepted = acceptedDeltaFormats(capability);
  return DELTA_APPLIERS.filter((a) => accepted.includes(a.format)).map((applier) =>
    applier.format !== 'detools-sequential'
      ? applier
      : {
          format: applier.format,
          applyPatch(oldImage: Uint8Array, patch: Uint8Array): Uint8Array {
            const header = readDetoolsHeader(patch);
            if (deltaRefusal(capability, applier.format, header)) {
              const given = header.compression === 'heatshrink' && header.heatshrink ? `heatshrink ${heatshrinkText(header.heatshrink)}` : header.compression;
              throw new ValueError('detools patch compression', `one the device's build has (${describeDeltaCapability(capability)})`, given, 'DELTA_COMPRESSION_UNSUPPORTED');
            }
            return applier.applyPatch(oldImage, patch);
          },
        },
  );
}
