import { CallerError } from '../core/errors.js';
import type { FecDecoder } from './codec.js';

/** The fragments given do not determine the block: fewer than M independent ones arrived. */
export class NotEnoughFragmentsError extends CallerError {
  constructor(
    readonly rank: number,
    readonly nbFrag: number,
  ) {
    super('FEC_NOT_ENOUGH_FRAGMENTS', `not enough fragments: rank ${rank} of ${nbFrag}`);
  }
}

/** The decoded block, or NotEnoughFragmentsError naming the rank reached. */
export function requireBlock(decoder: FecDecoder): Uint8Array {
  const block = decoder.result();
  if (block) return block;
  const { rank, nbFrag } = decoder.status;
  throw new NotEnoughFragmentsError(rank, nbFrag);
}
