import type { DeltaFormat } from './types.js';

// The patch formats the manifest layer builds and applies, injected so this layer stays free of a
// particular engine: one codec per delta format (jojodiff-delta.ts, detools-delta.ts; the set in
// delta-codecs.ts). The manifest names the format, and verify dispatches on it.

/** What a device (or `fuota package verify`) has to apply patches of one format. */
export interface DeltaApplier {
  readonly format: DeltaFormat;
  /** Throws a FuotaError for a patch that does not fit the old image or is malformed. */
  applyPatch(oldImage: Uint8Array, patch: Uint8Array): Uint8Array;
}

/** An applier that also builds patches, with the parameters it builds them with. */
export interface DeltaCodec extends DeltaApplier {
  /** For reports: the format and its parameters, e.g. "detools-sequential (heatshrink 8/7)". */
  readonly description: string;
  createPatch(oldImage: Uint8Array, newImage: Uint8Array): Uint8Array;
}
