import { ValueError } from '../core/errors.js';
import { checkFragmentSize, MAX_NB_FRAG } from './limits.js';

/**
 * How a data block is cut into fragments (TS004 v1.0.0 §3.3, FragSessionSetupReq NbFrag and
 * Padding): M = ceil(size / S) rows of S bytes, the last one completed with `padding` zero bytes.
 * The device learns NbFrag and Padding from the setup and drops the padding after decoding.
 */
export interface BlockLayout {
  readonly nbFrag: number;
  readonly fragmentSizeBytes: number;
  /** Zero bytes appended to the last row: 0..S-1, so it always fits the u8 Padding field. */
  readonly paddingBytes: number;
  readonly blockSizeBytes: number;
}

export function layoutBlock(blockSizeBytes: number, fragmentSizeBytes: number): BlockLayout {
  checkFragmentSize(fragmentSizeBytes);
  if (!Number.isInteger(blockSizeBytes) || blockSizeBytes < 1) {
    throw new ValueError('data block size (bytes)', 'at least 1 byte (M = 0 fragments is not a session)', blockSizeBytes, 'FEC_NB_FRAG');
  }
  const nbFrag = Math.ceil(blockSizeBytes / fragmentSizeBytes);
  if (nbFrag > MAX_NB_FRAG) {
    throw new ValueError(
      'data block size (bytes)',
      `at most ${MAX_NB_FRAG * fragmentSizeBytes} bytes with ${fragmentSizeBytes}-byte fragments (M ≤ ${MAX_NB_FRAG})`,
      blockSizeBytes,
      'FEC_NB_FRAG',
    );
  }
  return { nbFrag, fragmentSizeBytes, paddingBytes: nbFrag * fragmentSizeBytes - blockSizeBytes, blockSizeBytes };
}
