import type { DeltaFormat } from './types.js';

// The payload type as one small integer, the same in the compact manifest (byte 2) and the SUIT
// payload-info parameter: 0 a full image, else the delta format. 1 meant "delta (JojoDiff)" before
// the formats were told apart; every such package is a patch every janpatch build applies, which
// is what 1 still means, so packages built before decode unchanged.

export const FULL_PAYLOAD_CODE = 0;
export const DELTA_FORMAT_CODES: Readonly<Record<DeltaFormat, number>> = { jojodiff: 1, 'jojodiff-implicit-mod': 2, 'detools-sequential': 3 };
export const MAX_PAYLOAD_TYPE_CODE = 3;
export const PAYLOAD_TYPE_CODES_TEXT = '0 (full), 1 (jojodiff), 2 (jojodiff-implicit-mod) or 3 (detools-sequential)';

export function payloadTypeCode(deltaFormat: DeltaFormat | undefined): number {
  return deltaFormat === undefined ? FULL_PAYLOAD_CODE : DELTA_FORMAT_CODES[deltaFormat];
}

/** The delta format of a code; undefined for 0 (full) and for codes nobody assigned (the caller refuses those). */
export function deltaFormatOfCode(code: number): DeltaFormat | undefined {
  return (Object.keys(DELTA_FORMAT_CODES) as DeltaFormat[]).find((f) => DELTA_FORMAT_CODES[f] === code);
}
