/**
 * The patch format the manifest layer builds and applies, injected so this layer stays free of a
 * particular engine (the CLI passes the JojoDiff codec, `jojo-delta.ts`). `applyPatch` throws a
 * FuotaError for a patch that does not fit the old image.
 */
export interface DeltaCodec {
  createPatch(oldImage: Uint8Array, newImage: Uint8Array): Uint8Array;
  applyPatch(oldImage: Uint8Array, patch: Uint8Array): Uint8Array;
}
