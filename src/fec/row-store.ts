/**
 * M rows of S bytes in one buffer whose row stride is rounded up to 4 bytes, so that rows can be
 * XORed 32 bits at a time (XOR is byte-order agnostic, so the word view needs no endianness care).
 * The spare bytes at the end of each row stay zero.
 */
export class RowStore {
  readonly rowBytes: number;
  readonly strideWords: number;
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;

  constructor(readonly rows: number, rowBytes: number) {
    this.rowBytes = rowBytes;
    this.strideWords = Math.ceil(rowBytes / 4);
    this.words = new Uint32Array(rows * this.strideWords);
    this.bytes = new Uint8Array(this.words.buffer);
  }

  set(row: number, data: Uint8Array): void {
    this.bytes.set(data.subarray(0, this.rowBytes), row * this.strideWords * 4);
  }

  /** A copy of row `row` (exactly rowBytes long). */
  get(row: number): Uint8Array {
    const start = row * this.strideWords * 4;
    return this.bytes.slice(start, start + this.rowBytes);
  }

  setWords(row: number, source: Uint32Array): void {
    this.words.set(source, row * this.strideWords);
  }

  /** acc ^= row */
  xorInto(acc: Uint32Array, row: number): void {
    const words = this.words;
    let offset = row * this.strideWords;
    for (let i = 0; i < acc.length; i++) acc[i]! ^= words[offset++]!;
  }

  /** Rows 0..rows-1 end to end, each exactly rowBytes long, then cut to `length` bytes. */
  concat(length: number): Uint8Array {
    const out = new Uint8Array(length);
    const strideBytes = this.strideWords * 4;
    for (let row = 0, at = 0; row < this.rows && at < length; row++, at += this.rowBytes) {
      const take = Math.min(this.rowBytes, length - at);
      out.set(this.bytes.subarray(row * strideBytes, row * strideBytes + take), at);
    }
    return out;
  }
}

/** The bytes of a word row (the first `length` bytes). */
export function wordsToBytes(words: Uint32Array, length: number): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset, length).slice();
}

/** Loads `bytes` into a zeroed word row of `strideWords` words. */
export function bytesToWords(bytes: Uint8Array, strideWords: number): Uint32Array {
  const words = new Uint32Array(strideWords);
  new Uint8Array(words.buffer).set(bytes);
  return words;
}
