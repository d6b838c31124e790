import { ValueError } from '../core/errors.js';

// Bounds every FEC scheme shares, from the TS004 field widths:
//   FragSize is a u8 (TS004 v1.0.0 §3.3 FragSessionSetupReq), so a fragment holds 1..255 bytes;
//   NbFrag and the N of Index&N are 14 bits (DataFragment Index&N bits 13:0), so 1..16383.

export const MAX_FRAGMENT_SIZE_BYTES = 255;
export const MAX_NB_FRAG = 16383;
/** The largest N a DataFragment can carry: uncoded and coded fragments share the 14-bit space. */
export const MAX_FRAGMENT_N = 16383;
/** FragIndex is 2 bits (Index&N bits 15:14): four concurrent sessions. */
export const MAX_FRAG_INDEX = 3;

function checkInteger(value: number, min: number, max: number, field: string, code: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValueError(field, `an integer in ${min}..${max}`, value, code);
  }
  return value;
}

export function checkFragmentSize(fragmentSizeBytes: number): number {
  return checkInteger(fragmentSizeBytes, 1, MAX_FRAGMENT_SIZE_BYTES, 'fragment size (bytes)', 'FEC_FRAGMENT_SIZE');
}

export function checkNbFrag(nbFrag: number): number {
  return checkInteger(nbFrag, 1, MAX_NB_FRAG, 'NbFrag (M, uncoded fragments)', 'FEC_NB_FRAG');
}

export function checkFragIndex(fragIndex: number): number {
  return checkInteger(fragIndex, 0, MAX_FRAG_INDEX, 'FragIndex', 'FEC_FRAG_INDEX');
}

/** N must name a fragment this session can carry: 1..maxN (maxN ≤ 16383). */
export function checkFragmentN(n: number, maxN: number): number {
  return checkInteger(n, 1, maxN, 'fragment N', 'FEC_FRAGMENT_N');
}

export function checkRedundancy(redundancy: number, maxRedundancy: number): number {
  return checkInteger(redundancy, 0, maxRedundancy, 'redundancy (coded fragments)', 'FEC_REDUNDANCY');
}

/** A received fragment must be exactly FragSize bytes (a device rejects any other length). */
export function checkFragmentLength(data: Uint8Array, fragmentSizeBytes: number, n: number): Uint8Array {
  if (!(data instanceof Uint8Array) || data.length !== fragmentSizeBytes) {
    const actual = data instanceof Uint8Array ? data.length : typeof data;
    throw new ValueError(`fragment N=${n} length (bytes)`, `${fragmentSizeBytes} (the fragment size)`, actual, 'FEC_FRAGMENT_LENGTH');
  }
  return data;
}

/** Padding (FragSessionSetupReq, a u8) cannot exceed the block minus one byte. */
export function checkPadding(paddingBytes: number, nbFrag: number, fragmentSizeBytes: number): number {
  return checkInteger(paddingBytes, 0, Math.min(255, nbFrag * fragmentSizeBytes - 1), 'padding (bytes)', 'FEC_PADDING');
}

/** A decoder's memory bound in coded equations (a device's FRAG_MAX_REDUNDANCY). */
export function checkMaxRedundancy(maxRedundancy: number): number {
  return checkInteger(maxRedundancy, 0, MAX_FRAGMENT_N, 'maxRedundancy (decoder memory, equations)', 'FEC_REDUNDANCY');
}
