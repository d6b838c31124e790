import { concatBytes } from '../core/concat-bytes.js';

/** What both streaming patchers (jojo-patch.ts, detools/detools-patch.ts) offer. */
export interface StreamingPatcher {
  push(chunk: Uint8Array): void;
  end(): void;
}

/** Reads `length` bytes of the old image at `offset`; called only within the image. */
export type OldImageReader = (offset: number, length: number) => Uint8Array;

export type PatcherFactory = (
  oldSize: number,
  readOld: OldImageReader,
  sink: (chunk: Uint8Array) => void,
) => StreamingPatcher;

/**
 * Runs a streaming patcher over a patch held in memory: the old image read in place, the output
 * collected, the patch pushed `pushBytes` at a time (a device gets it in pieces; default all at
 * once). Throws what the patcher throws: never a partial image.
 */
export function applyInMemory(oldImage: Uint8Array, patch: Uint8Array, create: PatcherFactory, pushBytes = patch.length): Uint8Array {
  const chunks: Uint8Array[] = [];
  const patcher = create(oldImage.length, (offset, length) => oldImage.subarray(offset, offset + length), (chunk) => chunks.push(chunk));
  const step = Math.max(1, pushBytes);
  for (let at = 0; at < patch.length; at += step) patcher.push(patch.subarray(at, at + step));
  patcher.end();
  return concatBytes(chunks);
}
