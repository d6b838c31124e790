import { z } from 'zod';
import { DETOOLS_COMPRESSIONS } from '../delta/detools/compression.js';
import { JANPATCH_DIALECTS } from '../delta/jojo-format.js';
import { DEFAULT_DELTA_CAPABILITY, DELTA_FAMILIES, type DeltaCapability } from '../manifest/delta-capability.js';

// A device profile's (or device entry's) `delta`: what the device's firmware can apply
// (docs/campaign-file.md, "Delta formats"). Every key is optional; what neither the entry nor its
// profile says is the default, JojoDiff as every janpatch build reads it, so a campaign file
// written before delta formats existed means what it meant.

// heatshrink_common.h: window 4..15 bits, lookahead 3 bits up to below the window (detools'
// heatshrink header byte cannot say more; its default build has 8/7).
const heatshrinkSchema = z
  .strictObject({
    windowSz2: z.number().int().min(4).max(15),
    lookaheadSz2: z.number().int().min(3).max(14),
  })
  .refine((h) => h.lookaheadSz2 < h.windowSz2, { message: 'lookaheadSz2 below windowSz2', path: ['lookaheadSz2'] });

export const deltaProfileSchema = z.strictObject({
  /** The patch libraries the firmware carries: 'jojodiff' (janpatch), 'detools' (detools' C library); [] = full images only. */
  formats: z.array(z.enum(DELTA_FAMILIES)).optional(),
  /** The janpatch build: 'legacy' (every build, default) or 'current' (>= c8ad3ee, also reads implicit MOD). */
  janpatch: z.enum(JANPATCH_DIALECTS).optional(),
  detools: z
    .strictObject({
      /** The compressions the detools build has; default none, crle and heatshrink. */
      compressions: z.array(z.enum(DETOOLS_COMPRESSIONS)).optional(),
      /** heatshrink window/lookahead compiled in; default 8/7 (the only one detools' default build takes). */
      heatshrink: heatshrinkSchema.optional(),
    })
    .optional(),
});

export type DeltaProfile = z.output<typeof deltaProfileSchema>;

/** Devices of one profile share its resolved capability (no per-device copy in a large fleet). */
const resolvedOfProfile = new WeakMap<DeltaProfile, DeltaCapability>();

/**
 * The capability of a device: its entry's keys, then its profile's, then the defaults; undefined
 * when neither says anything (DEFAULT_DELTA_CAPABILITY applies: deltaCapabilityOf).
 */
export function resolveDeltaCapability(entry: DeltaProfile | undefined, profile: DeltaProfile | undefined): DeltaCapability | undefined {
  if (entry === undefined) {
    if (profile === undefined) return undefined;
    let shared = resolvedOfProfile.get(profile);
    if (!shared) resolvedOfProfile.set(profile, (shared = merge(profile, undefined)));
    return shared;
  }
  return merge(entry, profile);
}

function merge(first: DeltaProfile, second: DeltaProfile | undefined): DeltaCapability {
  const d = DEFAULT_DELTA_CAPABILITY;
  return {
    formats: first.formats ?? second?.formats ?? d.formats,
    janpatch: first.janpatch ?? second?.janpatch ?? d.janpatch,
    detools: {
      compressions: first.detools?.compressions ?? second?.detools?.compressions ?? d.detools.compressions,
      heatshrink: first.detools?.heatshrink ?? second?.detools?.heatshrink ?? d.detools.heatshrink,
    },
  };
}

/** What a resolved device target can apply. */
export function deltaCapabilityOf(target: { delta?: DeltaCapability }): DeltaCapability {
  return target.delta ?? DEFAULT_DELTA_CAPABILITY;
}
