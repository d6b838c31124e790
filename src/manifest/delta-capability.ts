import { DEFAULT_HEATSHRINK, DETOOLS_COMPRESSIONS, type DetoolsCompression, type HeatshrinkParams } from '../delta/detools/compression.js';
import type { JanpatchDialect } from '../delta/jojo-format.js';
import type { DeltaFormat } from './types.js';

// What a device's firmware can apply (the device profile's `delta`, docs/campaign-file.md), and
// which manifest delta formats that means. A device carries patch libraries, not formats: janpatch
// (janjongboom/janpatch) applies JojoDiff patches, in the dialect its build reads; detools' C
// library (eerimoq/detools, c/detools.c) applies sequential patches with the compressions it was
// built with, heatshrink only with the window/lookahead compiled in (its default build: 8/7, any
// other header byte fails with DETOOLS_HEATSHRINK_HEADER).

/** A family of delta formats, named after what applies it on the device. */
export type DeltaFamily = 'jojodiff' | 'detools';
export const DELTA_FAMILIES: readonly DeltaFamily[] = ['jojodiff', 'detools'];

export interface DetoolsCapability {
  /** The compressions the device's detools build decompresses. */
  compressions: readonly DetoolsCompression[];
  /** heatshrink's window and lookahead (log2) the build has compiled in. */
  heatshrink: HeatshrinkParams;
}

export interface DeltaCapability {
  /** The families the firmware has a patcher for; none = full images only. */
  formats: readonly DeltaFamily[];
  /** The janpatch build's dialect: 'legacy' (every build) or 'current' (janpatch >= c8ad3ee). */
  janpatch: JanpatchDialect;
  detools: DetoolsCapability;
}

/** What a device whose profile says nothing can apply: JojoDiff as every janpatch build reads it (as before formats were told apart). */
export const DEFAULT_DELTA_CAPABILITY: DeltaCapability = Object.freeze({
  formats: Object.freeze(['jojodiff'] as const),
  janpatch: 'legacy',
  detools: Object.freeze({ compressions: DETOOLS_COMPRESSIONS, heatshrink: DEFAULT_HEATSHRINK }),
});

/** The manifest delta formats a device with `capability` applies. */
export function acceptedDeltaFormats(capability: DeltaCapability): DeltaFormat[] {
  const formats: DeltaFormat[] = [];
  if (capability.formats.includes('jojodiff')) {
    formats.push('jojodiff');
    // janpatch >= c8ad3ee still reads the explicit markers: the current dialect is a superset.
    if (capability.janpatch === 'current') formats.push('jojodiff-implicit-mod');
  }
  if (capability.formats.includes('detools')) formats.push('detools-sequential');
  return formats;
}

/** What a detools patch's own header says (readDetoolsHeader), when it could be read. */
export interface DetoolsPatchFacts {
  compression: DetoolsCompression;
  heatshrink?: HeatshrinkParams;
}

/**
 * Why a device with `capability` cannot apply a delta of `format` (with `detools` facts from the
 * patch header when known), or undefined when it can. Without the facts of a detools patch only
 * the format is checked.
 */
export function deltaRefusal(capability: DeltaCapability, format: DeltaFormat, detools?: DetoolsPatchFacts): string | undefined {
  if (!acceptedDeltaFormats(capability).includes(format)) return `${format} is not among the formats it accepts`;
  if (format !== 'detools-sequential' || detools === undefined) return undefined;
  if (!capability.detools.compressions.includes(detools.compression)) return `its detools build has no ${detools.compression} decompression`;
  if (detools.compression === 'heatshrink' && detools.heatshrink && !sameHeatshrink(detools.heatshrink, capability.detools.heatshrink)) {
    return `its detools build decodes heatshrink ${heatshrinkText(capability.detools.heatshrink)} only, the patch has ${heatshrinkText(detools.heatshrink)}`;
  }
  return undefined;
}

/** For messages: "jojodiff (janpatch legacy)", "jojodiff, jojodiff-implicit-mod, detools-sequential (none, crle, heatshrink 8/7)", "full images only". */
export function describeDeltaCapability(capability: DeltaCapability): string {
  const parts: string[] = [];
  if (capability.formats.includes('jojodiff')) {
    parts.push(capability.janpatch === 'current' ? 'jojodiff, jojodiff-implicit-mod (janpatch current)' : 'jojodiff (janpatch legacy)');
  }
  if (capability.formats.includes('detools')) {
    const compressions = capability.detools.compressions.map((c) => (c === 'heatshrink' ? `heatshrink ${heatshrinkText(capability.detools.heatshrink)}` : c));
    parts.push(`detools-sequential (${compressions.length ? compressions.join(', ') : 'no compression built in'})`);
  }
  return parts.length ? parts.join('; ') : 'full images only';
}

export function heatshrinkText(params: HeatshrinkParams): string {
  return `${params.windowSz2}/${params.lookaheadSz2}`;
}

function sameHeatshrink(a: HeatshrinkParams, b: HeatshrinkParams): boolean {
  return a.windowSz2 === b.windowSz2 && a.lookaheadSz2 === b.lookaheadSz2;
}
