import { ValueError } from '../../core/errors.js';
import type { DetoolsCompression, HeatshrinkParams } from '../../delta/detools/compression.js';

// Flag values shared by `fuota diff`, `fuota patch` and `fuota package build` (issue #18). The
// choices are listed here, not imported from the codecs, so that `--help` loads no codec (#17).

/** delta/detools/compression.ts DETOOLS_COMPRESSIONS. */
export const DETOOLS_COMPRESSION_CHOICES: readonly DetoolsCompression[] = ['none', 'crle', 'heatshrink'];

/** The patch formats `fuota diff` writes and `fuota patch` reads. */
export type PatchFormatFlag = 'jojodiff' | 'detools';
export const PATCH_FORMAT_CHOICES: readonly PatchFormatFlag[] = ['jojodiff', 'detools'];

/**
 * `--heatshrink 8,7`: window and lookahead bits as the devices' detools build has them
 * (heatshrink_encoder_alloc: window 4..15, lookahead 3 up to below the window).
 */
export function parseHeatshrinkFlag(text: string): HeatshrinkParams {
  const match = /^\s*(\d{1,2})\s*,\s*(\d{1,2})\s*$/.exec(text);
  const windowSz2 = Number(match?.[1]);
  const lookaheadSz2 = Number(match?.[2]);
  if (!match || windowSz2 < 4 || windowSz2 > 15 || lookaheadSz2 < 3 || lookaheadSz2 >= windowSz2) {
    throw new ValueError('--heatshrink', "<window>,<lookahead> in bits: window 4..15, lookahead 3 up to below the window (detools' default build: 8,7)", text, 'INVALID_HEATSHRINK');
  }
  return { windowSz2, lookaheadSz2 };
}
