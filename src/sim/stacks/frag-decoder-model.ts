import type { Ts004Matrix } from '../../fec/scheme.js';
import { Ts004Decoder } from '../../fec/ts004-decoder.js';

// The fragmentation decoder of LoRaMac-node (LmHandler/packages/FragDecoder.c) and of LoRa Basics
// Modem (lorawan_packages/fragmented_data_block_transport/v{1,2}.0.0/fragmentation_helper_v*.c):
// the same code, one static instance per device shared by all four FragIndex values, whose
// status fields are what FragSessionStatusAns reports. The GF(2) algebra is our Ts004Decoder's
// (fed the fragments the stack would use, in any order); the bookkeeping around it is the
// stacks'. Line numbers are approximate, in FragDecoder.c (LoRaMac-node master dcbcfb3) and
// fragmentation_helper_v2.0.0.c (SWL2001 v4.8.0).

export type FragDecoderStep = 'ongoing' | 'done' | 'matrix-error';

export interface FragDecoderVariant {
  /**
   * When a block with no data fragment lost completes. 'last-data': at N = M itself, before
   * MissingFrag is updated (LBM fragmentation_helper ~298, so MissingFrag stays 1). 'first-coded': a data-only
   * stream never finishes; the first coded fragment with FragNbLost = 0 does (FragDecoder.c ~333).
   */
  lossFreeFinish: 'last-data' | 'first-coded';
  /** FRAG_MAX_REDUNDANCY: more data fragments lost than this at a coded fragment → MatrixError. */
  maxRedundancy: number;
  /** Keep 1 byte per row ('rank-only' simulations): the equations, not the bytes. */
  rankOnly: boolean;
}

export class FragDecoderModel {
  /** FragDecoderStatus_t.FragNbRx: the N of the last fragment given to the decoder, dropped or not. */
  fragNbRx = 0;
  /** FragNbLost: data fragments skipped so far (counted at the next fragment received); never goes down. */
  fragNbLost = 0;
  /** FragNbLastRx: fragments below this N are dropped; M + 1 once a coded fragment came. */
  fragNbLastRx = 0;
  /** MatrixError: sticky, FragDecoderInit does not clear it. */
  matrixError = false;
  /** LBM's MissingFrag (helper ~300-395); LoRaMac-node keeps no such field. */
  missingFrag = 0;
  nbFrag = 0;
  fragSize = 0;
  private decoder: Ts004Decoder | undefined;
  private readonly variant: FragDecoderVariant;

  constructor(variant: FragDecoderVariant) {
    this.variant = sharedVariant(variant);
  }

  /**
   * FragDecoderInit (FragDecoder.c ~210, helper ~230): a new session for whichever FragIndex
   * asked. FragNbRx and MatrixError keep their values. A block the Ts004Decoder cannot hold
   * (NbFrag 0 or above 16383, FragSize 0: frames our encoder never builds) leaves no decoder.
   */
  init(matrix: Ts004Matrix, nbFrag: number, fragSize: number): void {
    this.nbFrag = nbFrag;
    this.fragSize = fragSize;
    this.fragNbLastRx = 0;
    this.fragNbLost = 0;
    this.missingFrag = nbFrag;
    try {
      this.decoder = new Ts004Decoder(matrix, nbFrag, this.variant.rankOnly ? 1 : fragSize, { order: 'any' });
    } catch {
      this.decoder = undefined;
    }
  }

  /** FragDecoderProcess (FragDecoder.c ~270-420, helper ~270-420). `data` is read as FragSize bytes. */
  push(n: number, data: Uint8Array): FragDecoderStep {
    this.fragNbRx = n;
    if (n < this.fragNbLastRx || !this.decoder) return 'ongoing'; // dropped: out of order
    if (n <= this.nbFrag) {
      this.feed(n, data);
      this.countLost(n);
      if (this.variant.lossFreeFinish === 'last-data' && this.fragNbLost === 0 && n === this.nbFrag) return 'done';
      this.missingFrag = this.nbFrag - n + this.fragNbLost;
      return 'ongoing';
    }
    if (this.fragNbLost > this.variant.maxRedundancy) {
      this.matrixError = true;
      return 'matrix-error';
    }
    this.countLost(n); // the data fragments lost at the end of the block
    if (this.variant.lossFreeFinish === 'first-coded' && this.fragNbLost === 0) return 'done';
    this.feed(n, data);
    // Once coded fragments come, MissingFrag = FragNbLost − M2BLine (solved lines) = M − rank.
    const { rank, complete } = this.decoder.status;
    this.missingFrag = this.nbFrag - rank;
    return complete ? 'done' : 'ongoing';
  }

  /** The rebuilt block (M·S bytes, padding kept), once done. */
  block(): Uint8Array | undefined {
    return this.decoder?.result();
  }

  /**
   * Frees the GF(2) decoder and its buffers (~16 kB with the received-N table) once no session
   * will read or feed it again, until the next init. The status fields stay: a device that kept
   * running after its block answers FragSessionStatusReq from them (issue #17: 100 000 devices
   * held every finished decoder).
   */
  release(): void {
    this.decoder = undefined;
  }

  /** What the block buffer holds now: the rows known, 0xFF elsewhere (LoRaMac-node's FragDecoderInit erases the file to 0xFF). */
  garbage(): Uint8Array {
    return this.decoder?.snapshot(0xff) ?? new Uint8Array(0);
  }

  /** FragFindMissingFrags: every data row skipped between the last N and this one is lost. */
  private countLost(n: number): void {
    let i = this.fragNbLastRx;
    for (; i < n - 1; i++) if (i < this.nbFrag) this.fragNbLost += 1;
    this.fragNbLastRx = i < this.nbFrag ? n : this.nbFrag + 1;
  }

  private feed(n: number, data: Uint8Array): void {
    const size = this.variant.rankOnly ? 1 : this.fragSize;
    try {
      this.decoder!.push(n, data.length === size ? data : fit(data, size));
    } catch {
      // N = 0 (Index&N 0x0000): the C code writes row −1; we drop it.
    }
  }
}

/** A fleet's decoders have a handful of variants: one frozen object each, not one per device. */
const variants = new Map<string, FragDecoderVariant>();

function sharedVariant(variant: FragDecoderVariant): FragDecoderVariant {
  const key = `${variant.lossFreeFinish}/${variant.maxRedundancy}/${variant.rankOnly}`;
  let shared = variants.get(key);
  if (!shared) variants.set(key, (shared = Object.freeze({ ...variant })));
  return shared;
}

/** The stacks read FragSize bytes whatever the frame holds: shorter frames read as zeros here. */
function fit(data: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(data.subarray(0, size));
  return out;
}
