import { checkRange } from '../core/byte-writer.js';
import { ValueError } from '../core/errors.js';

// Helpers for the packed status and header bytes of the application-layer packages. Encoders
// check every sub-field against its width so that a value never spills into a neighbour, and
// reserved (RFU) bits are always written as 0.

/** Packs `value` into `width` bits at `shift`, checking the range; names the field on error. */
export function bits(value: number, shift: number, width: number, field: string): number {
  return checkRange(value, 0, (1 << width) - 1, field) << shift;
}

/** Reads `width` bits at `shift`. */
export function field(byte: number, shift: number, width: number): number {
  return (byte >>> shift) & ((1 << width) - 1);
}

export function flag(byte: number, bit: number): boolean {
  return ((byte >>> bit) & 1) === 1;
}

/**
 * Packs a one-bit flag, checked as strictly as `bits` checks a number: only `true` or `false`.
 * Commands often come from JSON (`fuota encode`), where "false" is truthy and a forgotten field
 * is undefined; either would silently become a bit the operator did not mean (issue #14).
 */
export function flagBit(value: unknown, bit: number, field: string): number {
  if (typeof value !== 'boolean') {
    const shown = value === undefined ? 'nothing (the field is missing)' : JSON.stringify(value);
    throw new ValueError(field, 'true or false', { toString: () => shown }, 'VALUE_NOT_BOOLEAN');
  }
  return value ? 1 << bit : 0;
}
