// detools' CRLE ("conditional run-length encoding"), as its C reader reads it (eerimoq/detools
// src/c/detools.c, patch_reader_crle_* and unpack_usize) and its Python writer writes it
// (detools/compression/crle.py). The stream is a sequence of segments:
//   0x00 varint(size) <size bytes>     scattered: the bytes as they are
//   0x01 varint(count) <byte>          repeated: `count` copies of one byte
// varint: plain LEB128 (7 value bits a byte, least significant first, high bit = more follows).
// The C reader refuses a fifth varint byte (is_overflow: value is a C int) and any other kind
// byte (DETOOLS_CORRUPT_PATCH_CRLE_KIND); it never checks what follows the last segment it needs
// (patch_reader_crle_destroy returns 0), but detools fails on bytes left after the last record.
//
// Encoder: crle.py is greedy (the first run of at least 6 equal bytes becomes a repeated
// segment, the rest scattered). We choose segments by their exact byte cost with a dynamic
// programme, so the result is never larger than crle.py's:
// - a repeated segment runs to the end of its run of equal bytes (stopping earlier only moves
//   bytes into a scattered segment, which never costs less);
// - a scattered segment of size s costs 1 + varintBytes(s) + s; for each varint width the best
//   start is a sliding-window minimum, so the programme is linear in the data.
// Zero-sized segments are never written except for empty input, where crle.py writes `00 00`
// and so do we (the C reader would wait for data after a zero-sized scattered segment).
import { DecodeError, ValueError, type DecodeErrorCode } from '../../core/errors.js';
import { concatBytes } from '../../core/concat-bytes.js';

export const CRLE_CONTEXT = 'detools CRLE stream';

const SCATTERED = 0;
const REPEATED = 1;
/** Four varint bytes carry 28 bits: the most the C reader's unpack_usize accepts. */
export const CRLE_MAX_SEGMENT_BYTES = 2 ** 28 - 1;
const VARINT_MAX_BYTES = 4;
const OUTPUT_CHUNK_BYTES = 4096;

// Sizes that take 1, 2, 3 and 4 varint bytes: [WIDTH_LO[w], WIDTH_HI[w]] takes WIDTH_BYTES[w].
const WIDTH_LO = [1, 0x80, 0x4000, 0x200000] as const;
const WIDTH_HI = [0x7f, 0x3fff, 0x1fffff, CRLE_MAX_SEGMENT_BYTES] as const;
const WIDTH_BYTES = [1, 2, 3, 4] as const;

export function varintBytes(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : 4;
}

export function encodeCrle(data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n === 0) return Uint8Array.of(SCATTERED, 0);
  if (n > CRLE_MAX_SEGMENT_BYTES) {
    throw new ValueError('data.length', `at most ${CRLE_MAX_SEGMENT_BYTES} bytes for CRLE`, n);
  }
  // runStart[j]: where the run of equal bytes holding data[j - 1] starts.
  const runStart = new Int32Array(n + 1);
  for (let j = 1; j <= n; j++) runStart[j] = j >= 2 && data[j - 1] === data[j - 2] ? runStart[j - 1]! : j - 1;

  // cost[j]: fewest bytes for data[0..j); from[j], kind[j]: the last segment's start and kind.
  const cost = new Float64Array(n + 1);
  const from = new Int32Array(n + 1);
  const kind = new Uint8Array(n + 1);
  // One monotone deque per varint width, of start positions i by cost[i] - i.
  // Widths whose smallest size exceeds the data are never used.
  const widths = WIDTH_LO.filter((lo) => lo <= n).length;
  const deques = Array.from({ length: widths }, () => new MonotoneDeque(n + 1, cost));
  for (let j = 1; j <= n; j++) {
    let best = Infinity;
    let bestFrom = 0;
    let bestKind = SCATTERED;
    for (let w = 0; w < widths; w++) {
      const deque = deques[w]!;
      if (j - WIDTH_LO[w]! >= 0) deque.pushBack(j - WIDTH_LO[w]!);
      deque.dropBefore(j - WIDTH_HI[w]!);
      const i = deque.front();
      if (i >= 0) {
        const c = cost[i]! + 1 + WIDTH_BYTES[w]! + (j - i);
        if (c < best) {
          best = c;
          bestFrom = i;
          bestKind = SCATTERED;
        }
      }
    }
    // A repeated segment ending here must end a run: start anywhere in that run.
    if (j === n || data[j] !== data[j - 1]) {
      for (let i = runStart[j]!; i < j; i++) {
        const c = cost[i]! + 2 + varintBytes(j - i);
        if (c < best) {
          best = c;
          bestFrom = i;
          bestKind = REPEATED;
        }
      }
    }
    cost[j] = best;
    from[j] = bestFrom;
    kind[j] = bestKind;
  }

  const segments: number[] = [];
  for (let j = n; j > 0; j = from[j]!) segments.push(j);
  const out = new Uint8Array(cost[n]!);
  let at = 0;
  let start = 0;
  for (let s = segments.length - 1; s >= 0; s--) {
    const end = segments[s]!;
    const size = end - start;
    out[at++] = kind[end]!;
    for (let v = size; ; ) {
      const low = v & 0x7f;
      v >>>= 7;
      out[at++] = v > 0 ? low | 0x80 : low;
      if (v === 0) break;
    }
    if (kind[end] === SCATTERED) {
      out.set(data.subarray(start, end), at);
      at += size;
    } else {
      out[at++] = data[start]!;
    }
    start = end;
  }
  return out;
}

/** Sliding-window minimum of cost[i] - i over start positions pushed in increasing order. */
class MonotoneDeque {
  private readonly items: Int32Array;
  private head = 0;
  private tail = 0;

  constructor(
    capacity: number,
    private readonly cost: Float64Array,
  ) {
    this.items = new Int32Array(capacity);
  }

  pushBack(i: number): void {
    const key = this.cost[i]! - i;
    while (this.tail > this.head && this.cost[this.items[this.tail - 1]!]! - this.items[this.tail - 1]! >= key) this.tail--;
    this.items[this.tail++] = i;
  }

  dropBefore(limit: number): void {
    while (this.head < this.tail && this.items[this.head]! < limit) this.head++;
  }

  front(): number {
    return this.head < this.tail ? this.items[this.head]! : -1;
  }
}

const enum State {
  Kind,
  Size,
  Scattered,
  RepeatedByte,
}

/**
 * Streaming CRLE decoder. Accepts what detools' C reader accepts, plus zero-sized segments
 * (crle.py writes one for empty input); `end` refuses a stream cut inside a segment.
 */
export class CrleDecoder {
  private state = State.Kind;
  private kind = SCATTERED;
  private size = 0;
  private sizeBytes = 0;
  private left = 0;
  private consumed = 0;
  private segmentOffset = 0;
  private failed = false;
  private ended = false;

  push(input: Uint8Array, output: (bytes: Uint8Array) => void): void {
    this.checkUsable();
    let i = 0;
    while (i < input.length) {
      switch (this.state) {
        case State.Kind: {
          const byte = input[i]!;
          if (byte !== SCATTERED && byte !== REPEATED) {
            this.fail('DECODE_INVALID_VALUE', this.consumed, 'segment kind 0 (scattered) or 1 (repeated)', String(byte));
          }
          this.segmentOffset = this.consumed;
          this.kind = byte;
          this.size = 0;
          this.sizeBytes = 0;
          this.state = State.Size;
          this.advance(1);
          i++;
          break;
        }
        case State.Size: {
          const byte = input[i]!;
          if (this.sizeBytes === VARINT_MAX_BYTES) {
            this.fail('DECODE_INVALID_VALUE', this.consumed, `a size of at most ${VARINT_MAX_BYTES} varint bytes`, 'a fifth byte');
          }
          this.size += (byte & 0x7f) * 2 ** (7 * this.sizeBytes);
          this.sizeBytes++;
          this.advance(1);
          i++;
          if ((byte & 0x80) === 0) {
            this.left = this.size;
            this.state = this.kind === SCATTERED ? (this.size > 0 ? State.Scattered : State.Kind) : State.RepeatedByte;
          }
          break;
        }
        case State.Scattered: {
          const take = Math.min(this.left, input.length - i);
          output(input.slice(i, i + take));
          this.left -= take;
          this.advance(take);
          i += take;
          if (this.left === 0) this.state = State.Kind;
          break;
        }
        case State.RepeatedByte: {
          const byte = input[i]!;
          this.advance(1);
          i++;
          for (let left = this.size; left > 0; ) {
            const take = Math.min(left, OUTPUT_CHUNK_BYTES);
            output(new Uint8Array(take).fill(byte));
            left -= take;
          }
          this.state = State.Kind;
          break;
        }
      }
    }
  }

  end(_output?: (bytes: Uint8Array) => void): void {
    this.checkUsable();
    this.ended = true;
    if (this.state !== State.Kind) {
      const what = this.state === State.Size ? 'the rest of a segment size' : this.state === State.Scattered ? `${this.left} more scattered bytes` : 'the repeated byte';
      this.fail('DECODE_TRUNCATED', this.consumed, `${what} (segment at ${this.segmentOffset})`, 'end of stream');
    }
  }

  private advance(bytes: number): void {
    this.consumed += bytes;
  }

  private checkUsable(): void {
    if (this.failed || this.ended) {
      this.fail('DECODE_INVALID_VALUE', this.consumed, 'a decoder not failed or ended', this.failed ? 'a failed one' : 'an ended one');
    }
  }

  private fail(code: DecodeErrorCode, offset: number, expected: string, actual: string): never {
    this.failed = true;
    throw new DecodeError(code, { context: CRLE_CONTEXT, offset }, expected, actual);
  }
}

export function decodeCrle(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const decoder = new CrleDecoder();
  decoder.push(bytes, (b) => parts.push(b));
  decoder.end();
  return concatBytes(parts);
}
