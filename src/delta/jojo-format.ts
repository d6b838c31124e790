// JojoDiff patch format constants and length codec, as written by jdiff (JOutBin.cpp ufPutLen)
// and read by janpatch (janpatch.h find_length). Lengths are big-endian:
//   1..252      -> [n-1]
//   253..508    -> [252, n-253]
//   509..65535  -> [253, hi, lo]        (absolute value, not an offset)
//   ..2^32-1    -> [254, b3, b2, b1, b0]
// The 255 prefix (64-bit length) exists in JojoDiff but janpatch rejects it, so we never write it
// and our patcher refuses it.
import { ValueError } from '../core/errors.js';

export const ESC = 0xa7;
export const MOD = 0xa6;
export const INS = 0xa5;
export const DEL = 0xa4;
export const EQL = 0xa3;
export const BKT = 0xa2;

export type DataOp = typeof MOD | typeof INS;
export type LengthOp = typeof EQL | typeof DEL | typeof BKT;
export type Op = DataOp | LengthOp;

export const OP_NAMES: Readonly<Record<number, string>> = {
  [MOD]: 'MOD',
  [INS]: 'INS',
  [DEL]: 'DEL',
  [EQL]: 'EQL',
  [BKT]: 'BKT',
};

/** Largest length the format carries without the 64-bit prefix. */
export const MAX_LENGTH = 0xffffffff;

/**
 * Largest length we write in one operator: janpatch's find_length returns a C `int`, so on a
 * 32-bit device lengths of 2^31 and above turn negative. Longer runs are split.
 */
export const MAX_OP_LENGTH = 0x7fffffff;

/** True for a byte that, after ESC, makes an operator (BKT..MOD); ESC ESC is an escaped ESC. */
export function isOperatorByte(byte: number): boolean {
  return byte >= BKT && byte <= MOD;
}

/** Bytes the length prefix of `length` takes (1, 2, 3 or 5). */
export function lengthSizeBytes(length: number): number {
  if (length <= 252) return 1;
  if (length <= 508) return 2;
  if (length <= 0xffff) return 3;
  return 5;
}

/** Appends the encoding of `length` (1..2^32-1) to `out`. */
export function encodeLength(length: number, out: number[]): void {
  if (!Number.isInteger(length) || length < 1 || length > MAX_LENGTH) {
    throw new ValueError('JojoDiff length', `an integer in 1..${MAX_LENGTH}`, length);
  }
  if (length <= 252) {
    out.push(length - 1);
  } else if (length <= 508) {
    out.push(252, length - 253);
  } else if (length <= 0xffff) {
    out.push(253, length >>> 8, length & 0xff);
  } else {
    out.push(254, length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  }
}

/** Cost in patch bytes of an `ESC op length` operator. */
export function lengthOpCostBytes(length: number): number {
  return 2 + lengthSizeBytes(length);
}
