import { DecodeError } from '../core/errors.js';
import { checkFragIndex, checkFragmentN, MAX_FRAGMENT_N } from './limits.js';

// DataFragment (TS004 v1.0.0 §3.6 and v2.0.0): CID 0x08, Index&N u16 little-endian with
// N in bits 13:0 and FragIndex in bits 15:14, then FragSize bytes. Encoded here, not through the
// TS004 command codecs, so that the FEC layer stands alone.

export const DATA_FRAGMENT_CID = 0x08;
export const DATA_FRAGMENT_HEADER_BYTES = 3;

export interface DataFragment {
  readonly fragIndex: number;
  readonly n: number;
  readonly data: Uint8Array;
}

export function encodeDataFragment(fragIndex: number, n: number, data: Uint8Array): Uint8Array {
  checkFragIndex(fragIndex);
  checkFragmentN(n, MAX_FRAGMENT_N);
  const out = new Uint8Array(DATA_FRAGMENT_HEADER_BYTES + data.length);
  const indexAndN = (fragIndex << 14) | n;
  out[0] = DATA_FRAGMENT_CID;
  out[1] = indexAndN & 0xff;
  out[2] = indexAndN >>> 8;
  out.set(data, DATA_FRAGMENT_HEADER_BYTES);
  return out;
}

/** Reads a DataFragment command (CID included). Throws DecodeError on a short or foreign frame. */
export function decodeDataFragment(bytes: Uint8Array): DataFragment {
  const context = 'TS004 DataFragment';
  if (bytes.length < DATA_FRAGMENT_HEADER_BYTES) {
    throw new DecodeError('DECODE_TRUNCATED', { context, offset: 0 }, `at least ${DATA_FRAGMENT_HEADER_BYTES} bytes (CID, Index&N)`, `${bytes.length} bytes`);
  }
  if (bytes[0] !== DATA_FRAGMENT_CID) {
    throw new DecodeError('DECODE_UNKNOWN_COMMAND', { context, offset: 0 }, 'CID 0x08', `0x${bytes[0]!.toString(16).padStart(2, '0')}`);
  }
  const indexAndN = bytes[1]! | (bytes[2]! << 8);
  const n = indexAndN & 0x3fff;
  if (n === 0) {
    throw new DecodeError('DECODE_INVALID_VALUE', { context, offset: 1 }, 'N in 1..16383', '0');
  }
  return { fragIndex: indexAndN >>> 14, n, data: bytes.slice(DATA_FRAGMENT_HEADER_BYTES) };
}
