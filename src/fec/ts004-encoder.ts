import { layoutBlock } from './block-layout.js';
import type { CodedFragment, FecEncoder } from './codec.js';
import { checkFragmentN, checkRedundancy, MAX_FRAGMENT_N } from './limits.js';
import { codedFragmentColumns } from './parity-matrix.js';
import { RowStore, wordsToBytes } from './row-store.js';
import { checkTs004Matrix, type Ts004Matrix } from './scheme.js';

/**
 * TS004 fragmentation algorithm 0 (parity code) encoder. Holds the zero-padded block once; each
 * fragment is computed when asked for: N ≤ M is data row N, N > M the XOR of the rows that
 * matrix line N selects (TS004 v1.0.0 §B; v2.0.0 Annex; variants in scheme.ts).
 */
export class Ts004Encoder implements FecEncoder {
  readonly nbFrag: number;
  readonly fragmentSizeBytes: number;
  readonly paddingBytes: number;
  readonly maxRedundancy: number;
  private readonly rows: RowStore;

  constructor(readonly scheme: Ts004Matrix, block: Uint8Array, fragmentSizeBytes: number) {
    checkTs004Matrix(scheme);
    const layout = layoutBlock(block.length, fragmentSizeBytes);
    this.nbFrag = layout.nbFrag;
    this.fragmentSizeBytes = fragmentSizeBytes;
    this.paddingBytes = layout.paddingBytes;
    // Coded fragments share the 14-bit N space with the data rows.
    this.maxRedundancy = MAX_FRAGMENT_N - this.nbFrag;
    this.rows = new RowStore(this.nbFrag, fragmentSizeBytes);
    for (let row = 0; row < this.nbFrag; row++) {
      this.rows.set(row, block.subarray(row * fragmentSizeBytes, (row + 1) * fragmentSizeBytes));
    }
  }

  fragment(n: number): Uint8Array {
    checkFragmentN(n, this.nbFrag + this.maxRedundancy);
    if (n <= this.nbFrag) return this.rows.get(n - 1);
    const acc = new Uint32Array(this.rows.strideWords);
    for (const column of codedFragmentColumns(n, this.nbFrag, this.scheme)) this.rows.xorInto(acc, column);
    return wordsToBytes(acc, this.fragmentSizeBytes);
  }

  *fragments(redundancy: number): Generator<CodedFragment, void, undefined> {
    checkRedundancy(redundancy, this.maxRedundancy);
    for (let n = 1; n <= this.nbFrag + redundancy; n++) yield { n, data: this.fragment(n) };
  }
}
