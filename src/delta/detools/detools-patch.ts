// Streaming patcher for detools sequential patches (format in detools-format.ts). It follows the
// state machine of detools' C library (src/c/detools.c: dfpatch size, diff size, diff data, extra
// size, extra data, adjustment, until to-size bytes are written) with its checks (a size may not
// run past to-size; the data-format patch must be empty) and refuses what the C library leaves to
// its callbacks or lets through: a diff reading past the old image, an adjustment seeking before
// offset 0 or past the old image, negative sizes, and bytes after the last record. Memory is
// bounded: one output page, old-image reads in page-sized pieces, and the decompressor's state.
import { DecodeError, ValueError, type DecodeErrorCode } from '../../core/errors.js';
import { applyInMemory, type OldImageReader } from '../apply-in-memory.js';
import { createDecompressor, type Decompressor, type DetoolsCompression, type HeatshrinkParams } from './compression.js';
import { DETOOLS_CONTEXT, SizeReader, parseHeaderByte } from './detools-format.js';

export type { OldImageReader };

/** Context of errors inside the decompressed stream; offsets there count decompressed bytes. */
export const STREAM_CONTEXT = 'detools patch stream (decompressed)';


export interface DetoolsPatcherOptions {
  /** Output page and old-image read size (detools' C library works in 128-byte pieces). */
  pageSizeBytes?: number;
  /** Refuse a patch whose declared new image is larger than this. */
  maxOutputBytes?: number;
  /**
   * heatshrink window/lookahead of the device's build; a patch naming others is refused (as
   * detools' C library does, error 27). Omitted: any valid parameters are accepted.
   */
  heatshrink?: HeatshrinkParams;
}

const DEFAULT_PAGE_BYTES = 512;
const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

const enum Head {
  TypeByte,
  ToSize,
  Stream,
}

const enum Rec {
  DfPatchSize,
  DiffSize,
  DiffData,
  ExtraSize,
  ExtraData,
  Adjustment,
  Done,
}

const IDENTITY: Decompressor = {
  push: (input, output) => {
    if (input.length > 0) output(input);
  },
  end: () => {},
};

/**
 * Applies a detools sequential patch pushed in chunks of any size; `end()` checks that the patch
 * was complete. Output goes to `sink` in chunks of at most one page (fresh arrays the sink may
 * keep). After an error the patcher is unusable and the output so far must be discarded.
 */
export class DetoolsPatcher {
  private readonly pageSize: number;
  private readonly maxOutput: number;

  private head = Head.TypeByte;
  private patchOffset = 0;
  private compression: DetoolsCompression = 'none';
  private readonly heatshrink: HeatshrinkParams | undefined;
  private readonly headerSize = new SizeReader('to-size', DETOOLS_CONTEXT);
  private toSize = 0;
  private decompressor: Decompressor = IDENTITY;

  private rec = Rec.DfPatchSize;
  private readonly size = new SizeReader('size', STREAM_CONTEXT);
  private sizeOffset = 0;
  private streamOffset = 0;
  private left = 0;
  private oldPosition = 0;
  private toPosition = 0;

  private page: Uint8Array;
  private pageFill = 0;
  private failed = false;
  private ended = false;
  private readonly emit = (bytes: Uint8Array): void => this.streamBytes(bytes);

  constructor(
    private readonly oldSize: number,
    private readonly readOld: OldImageReader,
    private readonly sink: (chunk: Uint8Array) => void,
    options: DetoolsPatcherOptions = {},
  ) {
    this.pageSize = options.pageSizeBytes ?? DEFAULT_PAGE_BYTES;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new ValueError('pageSizeBytes', 'an integer >= 1', this.pageSize);
    this.maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.heatshrink = options.heatshrink;
    this.page = new Uint8Array(this.pageSize);
  }

  /** Bytes of new image produced so far. */
  get outputBytes(): number {
    return this.toPosition;
  }

  /** The new image's size from the header (0 until read). */
  get toSizeBytes(): number {
    return this.toSize;
  }

  push(chunk: Uint8Array): void {
    this.guard();
    try {
      let at = 0;
      while (at < chunk.length && this.head !== Head.Stream) {
        this.headerByte(chunk[at]!);
        at++;
        this.patchOffset++;
      }
      if (at < chunk.length) {
        const rest = at === 0 ? chunk : chunk.subarray(at);
        this.patchOffset += rest.length;
        this.decompressor.push(rest, this.emit);
      }
    } catch (error) {
      this.failed = true;
      throw error;
    }
  }

  /** Declares the end of the patch; throws if the patch ended early. */
  end(): void {
    this.guard();
    this.ended = true;
    try {
      if (this.head !== Head.Stream) {
        const what = this.head === Head.TypeByte ? 'the patch type byte' : 'the rest of the to-size';
        throw new DecodeError('DECODE_TRUNCATED', { context: DETOOLS_CONTEXT, offset: this.patchOffset }, what, 'end of patch');
      }
      this.decompressor.end(this.emit);
      if (this.rec !== Rec.Done) {
        throw this.streamError('DECODE_TRUNCATED', this.streamOffset, this.expecting(), `end of stream after ${this.toPosition} of ${this.toSize} new bytes`);
      }
      if (this.pageFill > 0) this.flushPage();
    } catch (error) {
      this.failed = true;
      throw error;
    }
  }

  private guard(): void {
    if (this.failed) throw new ValueError('DetoolsPatcher', 'a patcher that has not failed', 'a failed patcher', 'DELTA_PATCHER_FAILED');
    if (this.ended) throw new ValueError('DetoolsPatcher', 'a patcher that has not ended', 'an ended patcher', 'DELTA_PATCHER_ENDED');
  }

  private headerByte(byte: number): void {
    const offset = this.patchOffset;
    switch (this.head) {
      case Head.TypeByte:
        this.compression = parseHeaderByte(byte);
        this.head = Head.ToSize;
        return;
      case Head.ToSize:
        if (!this.headerSize.started && (byte & 0x40) !== 0) {
          throw new DecodeError('DECODE_INVALID_VALUE', { context: DETOOLS_CONTEXT, offset }, 'a to-size without the sign bit 0x40', `0x${byte.toString(16).padStart(2, '0')}`);
        }
        if (!this.headerSize.push(byte, offset)) return;
        this.toSize = this.headerSize.value;
        if (this.toSize > this.maxOutput) {
          throw new DecodeError('DECODE_INVALID_VALUE', { context: DETOOLS_CONTEXT, offset: 1 }, `a new image of at most ${this.maxOutput} bytes`, `${this.toSize}`);
        }
        if (this.toSize === 0) {
          // detools/create.py writes nothing after a zero to-size; no stream, no record.
          this.rec = Rec.Done;
          this.decompressor = { push: (input) => this.trailing(input.length), end: () => {} };
          this.head = Head.Stream;
        } else {
          this.startStream();
        }
        return;
      case Head.Stream:
        return;
    }
  }

  // The heatshrink parameter byte opens the compressed stream; the decompressor reads and checks
  // it (against the device's parameters when given, as detools' static C build does).
  private startStream(): void {
    this.decompressor = this.compression === 'none' ? IDENTITY : createDecompressor(this.compression, this.compression === 'heatshrink' ? this.heatshrink : undefined);
    this.head = Head.Stream;
  }

  private trailing(count: number): never {
    throw new DecodeError('DECODE_TRAILING_BYTES', { context: DETOOLS_CONTEXT, offset: this.patchOffset - count }, 'end of patch after a zero to-size', `${count} more bytes`);
  }

  // Decompressed bytes: sizes one byte at a time, data in runs.
  private streamBytes(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      switch (this.rec) {
        case Rec.DiffData:
        case Rec.ExtraData: {
          const count = Math.min(this.left, bytes.length - at, this.pageSize - this.pageFill);
          this.data(bytes, at, count);
          at += count;
          this.streamOffset += count;
          break;
        }
        case Rec.Done:
          throw this.streamError('DECODE_TRAILING_BYTES', this.streamOffset, `end of stream after the last record (${this.toSize} new bytes written)`, `${bytes.length - at} more bytes`);
        default:
          if (!this.size.started) this.sizeOffset = this.streamOffset;
          if (this.size.push(bytes[at]!, this.streamOffset)) this.sizeDone(this.size.value);
          at++;
          this.streamOffset++;
      }
    }
  }

  private sizeDone(value: number): void {
    const at = this.sizeOffset;
    switch (this.rec) {
      case Rec.DfPatchSize:
        if (value !== 0) throw this.streamError('DECODE_INVALID_VALUE', at, 'data-format patch size 0 (detools.c: other values are NOT_IMPLEMENTED)', String(value));
        this.rec = Rec.DiffSize;
        return;
      case Rec.DiffSize:
        this.checkLength('diff', value, at);
        if (this.oldPosition + value > this.oldSize) {
          throw this.streamError('DECODE_INVALID_VALUE', at, `diff within the old image (${this.oldSize} bytes)`, `${value} bytes from old offset ${this.oldPosition}`);
        }
        this.left = value;
        this.rec = value > 0 ? Rec.DiffData : Rec.ExtraSize;
        return;
      case Rec.ExtraSize:
        this.checkLength('extra', value, at);
        this.left = value;
        this.rec = value > 0 ? Rec.ExtraData : Rec.Adjustment;
        return;
      case Rec.Adjustment: {
        const target = this.oldPosition + value;
        if (target < 0 || target > this.oldSize) {
          throw this.streamError('DECODE_INVALID_VALUE', at, `an adjustment to an old offset 0..${this.oldSize}`, `${value} from old offset ${this.oldPosition}`);
        }
        this.oldPosition = target;
        this.rec = this.toPosition === this.toSize ? Rec.Done : Rec.DiffSize;
        return;
      }
      default:
        throw this.streamError('DECODE_INVALID_VALUE', at, 'a size in a size state', `state ${this.rec}`);
    }
  }

  private checkLength(what: string, value: number, at: number): void {
    if (value < 0 || this.toPosition + value > this.toSize) {
      throw this.streamError('DECODE_INVALID_VALUE', at, `a ${what} size 0..${this.toSize - this.toPosition} (to-size ${this.toSize}, ${this.toPosition} written)`, String(value));
    }
  }

  private data(bytes: Uint8Array, at: number, count: number): void {
    const page = this.page;
    const fill = this.pageFill;
    if (this.rec === Rec.DiffData) {
      const old = this.readOld(this.oldPosition, count);
      if (old.length !== count) {
        throw this.streamError('DECODE_TRUNCATED', this.streamOffset, `${count} old-image bytes at offset ${this.oldPosition}`, `${old.length}`);
      }
      for (let i = 0; i < count; i++) page[fill + i] = (bytes[at + i]! + old[i]!) & 0xff;
      this.oldPosition += count;
    } else {
      page.set(bytes.subarray(at, at + count), fill);
    }
    this.pageFill += count;
    this.toPosition += count;
    this.left -= count;
    if (this.pageFill === this.pageSize) this.flushPage();
    if (this.left === 0) this.rec = this.rec === Rec.DiffData ? Rec.ExtraSize : Rec.Adjustment;
  }

  private flushPage(): void {
    const full = this.pageFill === this.pageSize ? this.page : this.page.slice(0, this.pageFill);
    this.pageFill = 0;
    this.page = new Uint8Array(this.pageSize);
    this.sink(full);
  }

  private expecting(): string {
    switch (this.rec) {
      case Rec.DfPatchSize:
        return 'the data-format patch size';
      case Rec.DiffSize:
        return this.size.started ? 'the rest of a diff size' : 'a diff size';
      case Rec.DiffData:
        return `${this.left} more diff bytes`;
      case Rec.ExtraSize:
        return 'an extra size';
      case Rec.ExtraData:
        return `${this.left} more extra bytes`;
      case Rec.Adjustment:
        return 'an adjustment';
      default:
        return 'nothing';
    }
  }

  private streamError(code: DecodeErrorCode, offset: number, expected: string, actual: string): DecodeError {
    return new DecodeError(code, { context: STREAM_CONTEXT, offset }, expected, actual);
  }
}

/**
 * Applies a whole patch in memory. Throws a DecodeError (never a partial image) on any
 * malformation; the format has no checksum, so the caller still checks the result's digest.
 */
export function applyDetoolsPatch(oldImage: Uint8Array, patch: Uint8Array, options: { maxOutputBytes?: number; heatshrink?: HeatshrinkParams } = {}): Uint8Array {
  return applyInMemory(oldImage, patch, (oldSize, readOld, sink) => new DetoolsPatcher(oldSize, readOld, sink, { pageSizeBytes: 64 * 1024, ...options }));
}
