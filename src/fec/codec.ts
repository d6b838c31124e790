import type { FecScheme } from './scheme.js';

// The one interface every FEC scheme implements. Encoders are lazy: a campaign that sends
// thousands of fragments over an hour asks for them one at a time, and only the data block
// (plus, for Reed-Solomon, the parity of the sub-blocks already reached) is held in memory.

export interface CodedFragment {
  /** 1..M are the data rows, M+1.. the coded fragments; the DataFragment's N. */
  readonly n: number;
  /** Exactly fragmentSizeBytes bytes. */
  readonly data: Uint8Array;
}

export interface FecEncoder {
  readonly scheme: FecScheme;
  readonly nbFrag: number;
  readonly fragmentSizeBytes: number;
  readonly paddingBytes: number;
  /** The most coded fragments this encoder can produce (N ≤ M + maxRedundancy ≤ 16383). */
  readonly maxRedundancy: number;
  /** Fragment N (1..M + maxRedundancy), computed on demand. */
  fragment(n: number): Uint8Array;
  /** N = 1 .. M + redundancy in ascending order (devices drop an N lower than the last seen). */
  fragments(redundancy: number): Generator<CodedFragment, void, undefined>;
}

export type IgnoredReason =
  /** N lower than the last N accepted, dropped as LoRaMac-node and LoRa Basics Modem do. */
  | 'out-of-order'
  /** This N was already received. */
  | 'duplicate'
  /** More unknowns than the decoder's maxRedundancy: a device's NotEnoughMatrixMemory / MemoryError. */
  | 'memory'
  /** The block is already complete. */
  | 'complete';

export type PushResult =
  | { readonly status: 'done'; readonly block: Uint8Array }
  | { readonly status: 'progress'; readonly rank: number; readonly missingFrag: number; readonly innovative: boolean }
  | { readonly status: 'ignored'; readonly reason: IgnoredReason };

/** What a device would put in FragSessionStatusAns, and a little more. */
export interface DecoderStatus {
  readonly nbFrag: number;
  /** Linearly independent fragments held (M when complete). */
  readonly rank: number;
  /** Fragments still needed: M - rank (LoRa Basics Modem's MissingFrag; the u8 field saturates). */
  readonly missingFrag: number;
  /** Fragments accepted, useful or not (NbFragReceived on stacks that report a count). */
  readonly nbFragReceived: number;
  /** Highest N accepted (NbFragReceived on LoRaMac-node, which reports the last N); 0 if none. */
  readonly lastN: number;
  /** Data rows not received below min(lastN, M + 1): LoRaMac-node's FragNbLost. */
  readonly lostUncoded: number;
  /** Sticky, like a device's NotEnoughMatrixMemory (v1) / MemoryError (v2) status bit. */
  readonly memoryError: boolean;
  readonly complete: boolean;
}

export interface FecDecoder {
  readonly scheme: FecScheme;
  readonly status: DecoderStatus;
  /** Feeds fragment N; `data` must be exactly fragmentSizeBytes long. */
  push(n: number, data: Uint8Array): PushResult;
  /** The block (padding removed) once complete, else undefined. */
  result(): Uint8Array | undefined;
}

export interface DecoderOptions {
  /** Zero bytes the encoder appended (FragSessionSetupReq Padding); removed from the result. */
  readonly paddingBytes?: number;
  /**
   * The most unknown data rows the decoder may hold equations for, like a device's
   * FRAG_MAX_REDUNDANCY (its matrix memory). Default: unbounded (M).
   */
  readonly maxRedundancy?: number;
  /** 'ascending' (default) drops N lower than the last accepted, as devices do; 'any' accepts every order. */
  readonly order?: 'ascending' | 'any';
}
