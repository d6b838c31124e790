import type { DecoderOptions, DecoderStatus, FecDecoder, PushResult } from './codec.js';
import { checkFragmentLength, checkFragmentN, checkFragmentSize, checkMaxRedundancy, checkNbFrag, checkPadding, MAX_FRAGMENT_N } from './limits.js';
import { codedFragmentColumns } from './parity-matrix.js';
import { bytesToWords, RowStore } from './row-store.js';
import { checkTs004Matrix, type Ts004Matrix } from './scheme.js';

/**
 * A TS004 parity decoder that behaves like a device's: every fragment is an equation over GF(2)
 * on the M unknown data rows (a data fragment is a unit row, a coded one its matrix line), and
 * incremental Gaussian elimination keeps the equations in echelon form as they arrive, so the
 * block is rebuilt the moment the rank reaches M, from any M independent fragments.
 *
 * Layout: received and solved rows live in `rows` (the block buffer, like a device's flash).
 * Like LoRa Basics Modem's decoder, equations are kept only over the rows still unknown when the
 * first coded fragment arrives (the set only shrinks afterwards): a coded line is folded against
 * the known rows as it is built, and what remains is a bit-packed line over those U "compact"
 * columns plus its payload. A stored equation (a pivot) owns its lowest compact column. Lines of
 * U bits instead of M keep each elimination step short.
 *
 * Memory: M·S bytes of rows, and at most min(U, maxRedundancy) pivots of U/8 + S bytes;
 * for M = 16383 and S = 255 that is 4.2 MB plus at most 2.3 kB per pivot.
 */
export class Ts004Decoder implements FecDecoder {
  private readonly nbFrag: number;
  private readonly fragmentSizeBytes: number;
  private readonly paddingBytes: number;
  private readonly maxRedundancy: number;
  private readonly order: 'ascending' | 'any';
  private readonly rows: RowStore;
  private readonly known: Uint8Array;
  private knownCount = 0;
  /** Set at the first coded fragment: data row → compact column (−1 if known then), and back. */
  private compactOf: Int32Array | undefined;
  private columnOf = new Int32Array(0);
  private lineWords = 0;
  /** Compact column → index of the pivot that owns it, or −1. */
  private pivotOf = new Int32Array(0);
  private readonly pivotLines: Uint32Array[] = [];
  private readonly pivotPayloads: Uint32Array[] = [];
  /**
   * seen[n]: fragment n came. Sized for twice the block and grown when a higher N comes: the full
   * 16 384 bytes, zeroed at every session setup, were most of a simulated device's decoder cost.
   */
  private seen: Uint8Array;
  private received = 0;
  private uncodedReceived = 0;
  private lastN = 0;
  private memoryError = false;
  private block: Uint8Array | undefined;

  constructor(readonly scheme: Ts004Matrix, nbFrag: number, fragmentSizeBytes: number, options: DecoderOptions = {}) {
    checkTs004Matrix(scheme);
    this.nbFrag = checkNbFrag(nbFrag);
    this.fragmentSizeBytes = checkFragmentSize(fragmentSizeBytes);
    this.paddingBytes = options.paddingBytes ?? 0;
    checkPadding(this.paddingBytes, nbFrag, fragmentSizeBytes);
    this.maxRedundancy = checkMaxRedundancy(options.maxRedundancy ?? nbFrag);
    this.order = options.order ?? 'ascending';
    this.rows = new RowStore(nbFrag, fragmentSizeBytes);
    this.known = new Uint8Array(nbFrag);
    this.seen = new Uint8Array(Math.min(2 * this.nbFrag, MAX_FRAGMENT_N) + 1);
  }

  get status(): DecoderStatus {
    const rank = this.rank;
    return {
      nbFrag: this.nbFrag,
      rank,
      missingFrag: this.nbFrag - rank,
      nbFragReceived: this.received,
      lastN: this.lastN,
      lostUncoded: Math.min(this.lastN, this.nbFrag) - this.uncodedReceivedUpTo(Math.min(this.lastN, this.nbFrag)),
      memoryError: this.memoryError,
      complete: this.block !== undefined,
    };
  }

  result(): Uint8Array | undefined {
    return this.block;
  }

  /**
   * The block as it stands (M·S bytes, padding kept): rows received or solved so far, every
   * other row `fillByte`. What a device's flash holds when its decoder gives up part way
   * (LoRaMac-node's FragDecoderInit fills the file with 0xFF first).
   */
  snapshot(fillByte: number): Uint8Array {
    if (this.block) return this.rows.concat(this.nbFrag * this.fragmentSizeBytes);
    const out = new Uint8Array(this.nbFrag * this.fragmentSizeBytes).fill(fillByte);
    for (let row = 0; row < this.nbFrag; row++) {
      if (this.known[row]) out.set(this.rows.get(row), row * this.fragmentSizeBytes);
    }
    return out;
  }

  push(n: number, data: Uint8Array): PushResult {
    checkFragmentN(n, MAX_FRAGMENT_N);
    checkFragmentLength(data, this.fragmentSizeBytes, n);
    if (this.block) return { status: 'ignored', reason: 'complete' };
    if (this.order === 'ascending' && n < this.lastN) return { status: 'ignored', reason: 'out-of-order' };
    if (this.seen[n]) return { status: 'ignored', reason: 'duplicate' };
    const coded = n > this.nbFrag;
    // A device checks its matrix memory when a coded fragment arrives: with more lost rows than
    // it can hold equations for, it flags the session and stops (LoRaMac-node, LBM FragDecoder).
    if (coded && this.nbFrag - this.knownCount > this.maxRedundancy) this.memoryError = true;
    if (coded && this.memoryError) {
      this.lastN = Math.max(this.lastN, n);
      return { status: 'ignored', reason: 'memory' };
    }
    if (n >= this.seen.length) this.growSeen(n);
    this.seen[n] = 1;
    this.received++;
    this.lastN = Math.max(this.lastN, n);
    const rankBefore = this.rank;
    const payload = bytesToWords(data, this.rows.strideWords);
    if (!coded) {
      this.uncodedReceived++;
      const column = n - 1;
      const compact = this.compactOf ? this.compactOf[column]! : -1;
      if (this.known[column]) {
        // Already solved from coded fragments (order 'any'): nothing new.
      } else if (compact >= 0 && this.pivotOf[compact]! >= 0) {
        const line = new Uint32Array(this.lineWords);
        line[compact >>> 5] = 1 << (compact & 31);
        this.insert(line, payload);
      } else {
        this.setKnown(column, payload);
      }
    } else {
      this.insert(this.codedLine(n, payload), payload);
    }
    if (this.rank === this.nbFrag) {
      this.solve();
      this.block = this.rows.concat(this.nbFrag * this.fragmentSizeBytes - this.paddingBytes);
      return { status: 'done', block: this.block };
    }
    return { status: 'progress', rank: this.rank, missingFrag: this.nbFrag - this.rank, innovative: this.rank > rankBefore };
  }

  private growSeen(n: number): void {
    const grown = new Uint8Array(Math.min(Math.max(2 * this.seen.length, n + 1), MAX_FRAGMENT_N + 1));
    grown.set(this.seen);
    this.seen = grown;
  }

  private get rank(): number {
    return this.knownCount + this.pivotLines.length;
  }

  private uncodedReceivedUpTo(limit: number): number {
    if (limit >= this.nbFrag || this.order === 'ascending') return this.uncodedReceived;
    let count = 0;
    for (let n = 1; n <= limit; n++) count += this.seen[n]!;
    return count;
  }

  private setKnown(column: number, payload: Uint32Array): void {
    this.rows.setWords(column, payload);
    this.known[column] = 1;
    this.knownCount++;
  }

  /** Fixes the compact columns: the rows unknown now (a superset of those unknown later). */
  private ensureCompact(): Int32Array {
    if (this.compactOf) return this.compactOf;
    const compactOf = new Int32Array(this.nbFrag).fill(-1);
    const columnOf = new Int32Array(this.nbFrag - this.knownCount);
    for (let column = 0, k = 0; column < this.nbFrag; column++) {
      if (this.known[column]) continue;
      compactOf[column] = k;
      columnOf[k++] = column;
    }
    this.compactOf = compactOf;
    this.columnOf = columnOf;
    this.lineWords = Math.ceil(columnOf.length / 32);
    this.pivotOf = new Int32Array(columnOf.length).fill(-1);
    return compactOf;
  }

  /** Coded fragment N's line over the compact columns; known rows are XORed into payload. */
  private codedLine(n: number, payload: Uint32Array): Uint32Array {
    const compactOf = this.ensureCompact();
    const line = new Uint32Array(this.lineWords);
    for (const column of codedFragmentColumns(n, this.nbFrag, this.scheme)) {
      if (this.known[column]) {
        this.rows.xorInto(payload, column);
      } else {
        const compact = compactOf[column]!;
        line[compact >>> 5]! |= 1 << (compact & 31);
      }
    }
    return line;
  }

  /** Eliminates the equation (line, payload) against what we hold; stores it if it is new. */
  private insert(line: Uint32Array, payload: Uint32Array): void {
    const words = this.lineWords;
    for (let w = 0; w < words; w++) {
      while (line[w] !== 0) {
        const low = line[w]! & -line[w]!;
        const compact = (w << 5) + (31 - Math.clz32(low));
        const column = this.columnOf[compact]!;
        if (this.known[column]) {
          // Became known after the pivot that brought this bit in was stored.
          line[w]! ^= low;
          this.rows.xorInto(payload, column);
          continue;
        }
        const slot = this.pivotOf[compact]!;
        if (slot >= 0) {
          const pivotLine = this.pivotLines[slot]!;
          for (let k = w; k < words; k++) line[k]! ^= pivotLine[k]!;
          const pivotPayload = this.pivotPayloads[slot]!;
          for (let k = 0; k < payload.length; k++) payload[k]! ^= pivotPayload[k]!;
          continue;
        }
        // A new pivot at `column`. A line with no other bit solves that row outright.
        let alone = (line[w]! ^ low) === 0;
        for (let k = w + 1; alone && k < words; k++) alone = line[k] === 0;
        if (alone) {
          this.setKnown(column, payload);
        } else {
          this.pivotOf[compact] = this.pivotLines.length;
          this.pivotLines.push(line);
          this.pivotPayloads.push(payload);
        }
        return;
      }
    }
    // All zeros: the fragment was a combination of what we already had.
  }

  /** Back substitution, highest compact column first: every other column in a pivot line is higher. */
  private solve(): void {
    for (let compact = this.columnOf.length - 1; compact >= 0; compact--) {
      const slot = this.pivotOf[compact]!;
      if (slot < 0) continue;
      const line = this.pivotLines[slot]!;
      const payload = this.pivotPayloads[slot]!;
      const first = compact >>> 5;
      for (let w = first; w < this.lineWords; w++) {
        let bits = line[w]!;
        // Only the columns above `compact` (2 << 31 is 0 in int32, so bit 31 leaves nothing).
        if (w === first) bits &= ~((2 << (compact & 31)) - 1);
        while (bits !== 0) {
          const low = bits & -bits;
          this.rows.xorInto(payload, this.columnOf[(w << 5) + (31 - Math.clz32(low))]!);
          bits ^= low;
        }
      }
      this.setKnown(this.columnOf[compact]!, payload);
    }
    this.pivotLines.length = 0;
    this.pivotPayloads.length = 0;
    this.pivotOf.fill(-1);
  }
}
