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

// ---------------------------------------------------------------------------------------------
// janpatch dialects. jdiff 0.8.4+ leaves out `ESC MOD` where MOD is the default: at the start of
// the patch and after EQL, DEL or BKT (JojoDiff 0.8.5 JOutBin.cpp ufPutOpr writes `ESC MOD` only
// after INS; JPatcht.cpp jpatch takes MOD when no `ESC op` starts an operator). janpatch applies
// such patches only since janjongboom/janpatch c8ad3ee (Nov 2024, PR #23 landing PR #22): its main
// loop takes MOD when the byte at an operator position is not ESC. The builds pinned by shipped
// update clients (e.g. 84a5786, Sep 2020) stop there with "Expected ESC".
//   legacy  - every data run starts with `ESC MOD` / `ESC INS`: every janpatch build applies it.
//   current - `ESC MOD` is left out at the start and after EQL/DEL/BKT, unless the run begins with
//             ESC (0xa7). jdiff then writes `ESC ESC ..` / `ESC x ..` at the operator position,
//             which jdiff's jpatch reads as data, but janpatch.h 19f5efb (the post-PR #22 version
//             we could read) takes the byte after ESC as an operator and stops with "Unsupported
//             operator"; an explicit marker there is safe for every janpatch with the default MOD.
//             It costs 2 bytes in about one run of 256.

export type JanpatchDialect = 'legacy' | 'current';
export const JANPATCH_DIALECTS: readonly JanpatchDialect[] = ['legacy', 'current'];

export function isJanpatchDialect(value: unknown): value is JanpatchDialect {
  return value === 'legacy' || value === 'current';
}

/** The operator written last before a data run; 'start' at the beginning of the patch. */
export type PreviousOp = Op | 'start';

/**
 * Patch bytes of the marker that opens a data run (0 or 2), exactly as PatchWriter writes it.
 * `firstByte` is the run's first data byte. A MOD run never follows a MOD run directly (the
 * writer merges them), nor an INS run an INS run.
 */
export function dataMarkerCostBytes(dialect: JanpatchDialect, previous: PreviousOp, op: DataOp, firstByte: number): 0 | 2 {
  return implicitModAllowed(dialect, previous, op, firstByte) ? 0 : 2;
}

/** True where the `current` dialect leaves `ESC MOD` out (see above). */
export function implicitModAllowed(dialect: JanpatchDialect, previous: PreviousOp, op: DataOp, firstByte: number): boolean {
  if (dialect !== 'current' || op !== MOD || firstByte === ESC) return false;
  return previous === 'start' || previous === EQL || previous === DEL || previous === BKT;
}

/**
 * Extra patch bytes escaping costs for data byte `byte` followed by `next` in the same run
 * (`next` = -1 when `byte` ends the run): an ESC before BKT..ESC, or ending the run, is doubled
 * (JOutBin.cpp ufPutByt / ufPutOpr); any other `ESC x` pair is written as is.
 */
export function escapeExtraBytes(byte: number, next: number): 0 | 1 {
  return byte === ESC && (next === -1 || (next >= BKT && next <= ESC)) ? 1 : 0;
}

/** Patch bytes of data[start, end) written as the body of one data run (escapes included). */
export function escapedRunBytes(data: Uint8Array, start = 0, end = data.length): number {
  let total = end - start;
  for (let i = start; i < end; i++) {
    if (data[i] === ESC) total += escapeExtraBytes(ESC, i + 1 < end ? data[i + 1]! : -1);
  }
  return total;
}

/**
 * Patch bytes of one whole data run data[start, end) under `op` (marker + escaped body), exactly
 * as PatchWriter writes it after `previous`. An empty run costs 0.
 */
export function dataRunCostBytes(dialect: JanpatchDialect, previous: PreviousOp, op: DataOp, data: Uint8Array, start = 0, end = data.length): number {
  if (end <= start) return 0;
  return dataMarkerCostBytes(dialect, previous, op, data[start]!) + escapedRunBytes(data, start, end);
}

/** Patch bytes of EQL/DEL/BKT over `total` bytes, split into operators of at most MAX_OP_LENGTH. */
export function lengthOpsCostBytes(total: number): number {
  let cost = 0;
  for (let left = total; left > 0; left -= Math.min(left, MAX_OP_LENGTH)) cost += lengthOpCostBytes(Math.min(left, MAX_OP_LENGTH));
  return cost;
}
