import { InternalError } from '../core/errors.js';
import { layoutBlock } from './block-layout.js';
import type { CodedFragment, DecoderOptions, DecoderStatus, FecDecoder, FecEncoder, PushResult } from './codec.js';
import {
  checkFragmentLength,
  checkFragmentN,
  checkFragmentSize,
  checkMaxRedundancy,
  checkNbFrag,
  checkPadding,
  checkRedundancy,
  MAX_FRAGMENT_N,
} from './limits.js';
import { RowStore } from './row-store.js';

// Reed-Solomon mode (FragmentationMatrix 7, see scheme.ts and docs/fec.md).
//
// The code is the systematic GF(2^8) Reed-Solomon erasure code of the reed-solomon-erasure
// crate (Backblaze construction: field polynomial 0x11D, encoding matrix = V · V_top^-1 with V
// the Vandermonde matrix V[r][c] = r^c over rows 0..k+p-1), run from its WebAssembly build.
// A code over GF(2^8) has at most 256 shards (data + parity), so the block is split into B
// interleaved sub-blocks:
//   B = ceil(M / 128); data row i (0-based) belongs to sub-block i mod B, at position i div B;
//   coded fragment N = M + j (j ≥ 1) is parity shard (j-1) div B of sub-block (j-1) mod B.
// 128 data shards per sub-block leave each at least 128 parity shards (≥ 100 % redundancy).
// Interleaving spreads a burst of lost fragments over the sub-blocks, and the round-robin parity
// order feeds them evenly. The price: a sub-block decodes only from its own fragments, so with
// B > 1 a device needs every sub-block to reach its k, not just M fragments in total.

/** What we need from the WebAssembly Reed-Solomon build (its class satisfies this as is). */
export interface ReedSolomonEngine {
  encode(shards: Uint8Array, dataShards: number, parityShards: number): number;
  reconstruct(shards: Uint8Array, dataShards: number, parityShards: number, shardsAvailable: boolean[]): number;
}

export const RS_MAX_SHARDS = 256;
export const RS_MAX_DATA_SHARDS_PER_SUB_BLOCK = 128;
const RESULT_OK = 0;

export interface RsLayout {
  readonly nbFrag: number;
  readonly subBlocks: number;
  /** Data shards of each sub-block: ceil or floor of M / B. */
  readonly dataShards: readonly number[];
  /** Coded fragments available before the largest sub-block runs out of its 256 shards. */
  readonly maxRedundancy: number;
}

export function rsLayout(nbFrag: number): RsLayout {
  checkNbFrag(nbFrag);
  const subBlocks = Math.ceil(nbFrag / RS_MAX_DATA_SHARDS_PER_SUB_BLOCK);
  const dataShards = Array.from({ length: subBlocks }, (_, b) => Math.floor((nbFrag - 1 - b) / subBlocks) + 1);
  const largest = dataShards[0]!;
  const maxRedundancy = Math.min(subBlocks * (RS_MAX_SHARDS - largest), MAX_FRAGMENT_N - nbFrag);
  return { nbFrag, subBlocks, dataShards, maxRedundancy };
}

/** Where fragment N lives: its sub-block and its shard index there (parity after the k data). */
export function rsShardOf(layout: RsLayout, n: number): { subBlock: number; shard: number } {
  if (n <= layout.nbFrag) {
    const row = n - 1;
    return { subBlock: row % layout.subBlocks, shard: Math.floor(row / layout.subBlocks) };
  }
  const j = n - layout.nbFrag - 1;
  const subBlock = j % layout.subBlocks;
  return { subBlock, shard: layout.dataShards[subBlock]! + Math.floor(j / layout.subBlocks) };
}

function engineFailure(operation: string, code: number, dataShards: number, parityShards: number): InternalError {
  return new InternalError('FEC_RS_ENGINE', `Reed-Solomon ${operation} failed with result ${code} (${dataShards} data + ${parityShards} parity shards)`);
}

export class RsEncoder implements FecEncoder {
  readonly scheme = 'rs' as const;
  readonly nbFrag: number;
  readonly fragmentSizeBytes: number;
  readonly paddingBytes: number;
  readonly maxRedundancy: number;
  readonly layout: RsLayout;
  private readonly rows: RowStore;
  /** Per sub-block: the parity computed so far (grown by doubling when a later N needs more). */
  private readonly parity: Array<{ count: number; shards: Uint8Array } | undefined>;
  /**
   * Parity shards per sub-block that the current stream will need. Each engine call rebuilds the
   * k×k encoding matrix (≈15 ms at k = 128), so a stream computes each sub-block once.
   */
  private plannedParity = 0;

  constructor(private readonly engine: ReedSolomonEngine, block: Uint8Array, fragmentSizeBytes: number) {
    const blockLayout = layoutBlock(block.length, fragmentSizeBytes);
    this.nbFrag = blockLayout.nbFrag;
    this.fragmentSizeBytes = fragmentSizeBytes;
    this.paddingBytes = blockLayout.paddingBytes;
    this.layout = rsLayout(this.nbFrag);
    this.maxRedundancy = this.layout.maxRedundancy;
    this.rows = new RowStore(this.nbFrag, fragmentSizeBytes);
    for (let row = 0; row < this.nbFrag; row++) {
      this.rows.set(row, block.subarray(row * fragmentSizeBytes, (row + 1) * fragmentSizeBytes));
    }
    this.parity = new Array(this.layout.subBlocks).fill(undefined);
  }

  fragment(n: number): Uint8Array {
    checkFragmentN(n, this.nbFrag + this.maxRedundancy);
    if (n <= this.nbFrag) return this.rows.get(n - 1);
    const { subBlock, shard } = rsShardOf(this.layout, n);
    const k = this.layout.dataShards[subBlock]!;
    const index = shard - k;
    const parity = this.parityFor(subBlock, index + 1);
    return parity.slice(index * this.fragmentSizeBytes, (index + 1) * this.fragmentSizeBytes);
  }

  *fragments(redundancy: number): Generator<CodedFragment, void, undefined> {
    checkRedundancy(redundancy, this.maxRedundancy);
    this.plannedParity = Math.max(this.plannedParity, Math.ceil(redundancy / this.layout.subBlocks));
    for (let n = 1; n <= this.nbFrag + redundancy; n++) yield { n, data: this.fragment(n) };
  }

  /**
   * The first `needed` parity shards of a sub-block. Parity shard i does not depend on how many
   * are computed (the encoding matrix rows are fixed), so growing the count keeps earlier shards.
   */
  private parityFor(subBlock: number, needed: number): Uint8Array {
    const cached = this.parity[subBlock];
    if (cached && cached.count >= needed) return cached.shards;
    const k = this.layout.dataShards[subBlock]!;
    const count = Math.min(RS_MAX_SHARDS - k, Math.max(needed, this.plannedParity, 2 * (cached?.count ?? 4)));
    const size = this.fragmentSizeBytes;
    const shards = new Uint8Array((k + count) * size);
    for (let i = 0; i < k; i++) {
      const row = i * this.layout.subBlocks + subBlock;
      shards.set(this.rows.bytes.subarray(row * this.rows.strideWords * 4, row * this.rows.strideWords * 4 + size), i * size);
    }
    const code = this.engine.encode(shards, k, count);
    if (code !== RESULT_OK) throw engineFailure('encode', code, k, count);
    const parity = shards.slice(k * size);
    this.parity[subBlock] = { count, shards: parity };
    return parity;
  }
}

interface SubBlockState {
  /** Shards received so far, data and parity (data rows also go straight to the block). */
  received: number;
  complete: boolean;
  /** Parity shards held until the sub-block can be reconstructed, by shard index. */
  parity: Map<number, Uint8Array>;
}

export class RsDecoder implements FecDecoder {
  readonly scheme = 'rs' as const;
  private readonly layout: RsLayout;
  private readonly fragmentSizeBytes: number;
  private readonly paddingBytes: number;
  private readonly maxRedundancy: number;
  private readonly order: 'ascending' | 'any';
  private readonly rows: RowStore;
  private readonly haveRow: Uint8Array;
  private readonly subBlocks: SubBlockState[];
  private readonly seen = new Uint8Array(MAX_FRAGMENT_N + 1);
  private heldParity = 0;
  private received = 0;
  private uncodedReceived = 0;
  private lastN = 0;
  private memoryError = false;
  private rankCount = 0;
  private block: Uint8Array | undefined;

  constructor(private readonly engine: ReedSolomonEngine, nbFrag: number, fragmentSizeBytes: number, options: DecoderOptions = {}) {
    this.layout = rsLayout(nbFrag);
    this.fragmentSizeBytes = checkFragmentSize(fragmentSizeBytes);
    this.paddingBytes = checkPadding(options.paddingBytes ?? 0, nbFrag, fragmentSizeBytes);
    this.maxRedundancy = checkMaxRedundancy(options.maxRedundancy ?? MAX_FRAGMENT_N);
    this.order = options.order ?? 'ascending';
    this.rows = new RowStore(nbFrag, fragmentSizeBytes);
    this.haveRow = new Uint8Array(nbFrag);
    this.subBlocks = this.layout.dataShards.map(() => ({ received: 0, complete: false, parity: new Map() }));
  }

  get status(): DecoderStatus {
    const nbFrag = this.layout.nbFrag;
    return {
      nbFrag,
      rank: this.rankCount,
      missingFrag: nbFrag - this.rankCount,
      nbFragReceived: this.received,
      lastN: this.lastN,
      lostUncoded: Math.min(this.lastN, nbFrag) - this.uncodedReceived,
      memoryError: this.memoryError,
      complete: this.block !== undefined,
    };
  }

  result(): Uint8Array | undefined {
    return this.block;
  }

  push(n: number, data: Uint8Array): PushResult {
    const nbFrag = this.layout.nbFrag;
    // N beyond the last parity shard of the largest sub-block cannot come from our encoder.
    checkFragmentN(n, nbFrag + this.layout.maxRedundancy);
    checkFragmentLength(data, this.fragmentSizeBytes, n);
    if (this.block) return { status: 'ignored', reason: 'complete' };
    if (this.order === 'ascending' && n < this.lastN) return { status: 'ignored', reason: 'out-of-order' };
    if (this.seen[n]) return { status: 'ignored', reason: 'duplicate' };
    const { subBlock, shard } = rsShardOf(this.layout, n);
    const state = this.subBlocks[subBlock]!;
    const k = this.layout.dataShards[subBlock]!;
    const coded = n > nbFrag;
    if (coded && !state.complete && this.heldParity >= this.maxRedundancy) this.memoryError = true;
    if (coded && this.memoryError) {
      this.lastN = Math.max(this.lastN, n);
      return { status: 'ignored', reason: 'memory' };
    }
    this.seen[n] = 1;
    this.received++;
    this.lastN = Math.max(this.lastN, n);
    let innovative = false;
    if (!coded) {
      this.uncodedReceived++;
      if (!this.haveRow[n - 1]) {
        this.rows.set(n - 1, data);
        this.haveRow[n - 1] = 1;
      }
    } else if (!state.complete) {
      state.parity.set(shard, data.slice());
      this.heldParity++;
    }
    if (!state.complete) {
      state.received++;
      innovative = state.received <= k;
      if (innovative) this.rankCount++;
      if (state.received >= k) this.completeSubBlock(subBlock);
    }
    if (this.rankCount === nbFrag) {
      this.block = this.rows.concat(nbFrag * this.fragmentSizeBytes - this.paddingBytes);
      return { status: 'done', block: this.block };
    }
    return { status: 'progress', rank: this.rankCount, missingFrag: nbFrag - this.rankCount, innovative };
  }

  private completeSubBlock(subBlock: number): void {
    const state = this.subBlocks[subBlock]!;
    const k = this.layout.dataShards[subBlock]!;
    const B = this.layout.subBlocks;
    const size = this.fragmentSizeBytes;
    const rowOf = (i: number) => i * B + subBlock;
    let missingData = 0;
    for (let i = 0; i < k; i++) if (!this.haveRow[rowOf(i)]) missingData++;
    if (missingData > 0) {
      const parityCount = Math.max(...state.parity.keys()) - k + 1;
      const shards = new Uint8Array((k + parityCount) * size);
      const available: boolean[] = new Array(k + parityCount).fill(false);
      for (let i = 0; i < k; i++) {
        if (!this.haveRow[rowOf(i)]) continue;
        shards.set(this.rows.get(rowOf(i)), i * size);
        available[i] = true;
      }
      for (const [shard, bytes] of state.parity) {
        shards.set(bytes, shard * size);
        available[shard] = true;
      }
      const code = this.engine.reconstruct(shards, k, parityCount, available);
      if (code !== RESULT_OK) throw engineFailure('reconstruct', code, k, parityCount);
      for (let i = 0; i < k; i++) {
        if (this.haveRow[rowOf(i)]) continue;
        this.rows.set(rowOf(i), shards.subarray(i * size, (i + 1) * size));
        this.haveRow[rowOf(i)] = 1;
      }
    }
    this.heldParity -= state.parity.size;
    state.parity.clear();
    state.complete = true;
  }
}
