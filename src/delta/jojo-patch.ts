// Applies JojoDiff patches the way janpatch does (janpatch.h), but refuses what janpatch lets
// through silently: an EQL past the end of the old image (janpatch writes 0xFF), a BKT before
// offset 0, zero, non-shortest or >= 2^31 lengths, the 64-bit length prefix, and a patch ending
// inside an operator. Memory is bounded like janpatch's page buffers: one output page, and the old
// image is read through a callback in page-sized pieces.
//
// Dialects (jojo-format.ts). `current` reads everything jdiff 0.8.5 writes: at an operator
// position (the start, or after an EQL/DEL/BKT length) a byte other than ESC starts an implicit
// MOD run, and so do `ESC ESC` (one literal 0xa7) and `ESC x` with x no operator (the two bytes
// 0xa7 x), as JojoDiff 0.8.5's own patcher reads them (JPatcht.cpp jpatch: pending bytes of a
// default MOD). janpatch >= c8ad3ee reads them as data too (shared reference; the janpatch.h we
// could read, 19f5efb, still refuses them). `legacy` refuses what janpatch 84a5786 (Sep 2020)
// refuses there: a byte other than ESC ("Expected ESC") and ESC + a non-operator ("Unsupported
// operator"). Every patch `legacy` accepts, `current` reads to the same bytes: the two differ
// only at operator positions that do not hold `ESC op`, which `legacy` refuses.
import { DecodeError, ValueError, type DecodeErrorCode } from '../core/errors.js';
import { applyInMemory, type OldImageReader } from './apply-in-memory.js';
import { BKT, DEL, EQL, ESC, INS, MAX_OP_LENGTH, MOD, OP_NAMES, isJanpatchDialect, isOperatorByte, type JanpatchDialect } from './jojo-format.js';

export type { OldImageReader };

export const PATCH_CONTEXT = 'JojoDiff patch';


export interface PatcherOptions {
  /** Output page (and old-image read) size; janpatch clients use 512..528 bytes. */
  pageSizeBytes?: number;
  /**
   * Which janpatch to read as (see above). Default 'current': applies every patch jdiff 0.8.5
   * and PatchWriter write. 'legacy' checks a patch as janpatch builds before late 2024 would.
   */
  dialect?: JanpatchDialect;
  /**
   * @deprecated Use `dialect`: true is 'current', false is 'legacy'. Ignored when `dialect` is
   * given.
   */
  implicitMod?: boolean;
  /** Refuse patches that would produce more than this (BKT lets a patch repeat the old image). */
  maxOutputBytes?: number;
}

const enum State {
  Operator, // expecting ESC
  OpCode, // after ESC, expecting the operator byte
  Length, // inside a length prefix
  Data, // inside a MOD/INS data run
}

const DEFAULT_PAGE_BYTES = 512;
const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/**
 * Streaming patcher: `push` patch chunks of any size, then `end`. Output goes to `sink` in
 * chunks of at most one page; each chunk is a fresh array the sink may keep. After an error the
 * patcher is unusable and the output so far must be discarded.
 */
export class JojoPatcher {
  private readonly pageSize: number;
  readonly dialect: JanpatchDialect;
  private readonly maxOutput: number;

  private state = State.Operator;
  private patchOffset = 0;
  private opOffset = 0; // patch offset of the operator being parsed, for messages
  private dataOp = MOD;
  private pendingEsc = false;
  private lengthOp = EQL;
  private lengthBytes: number[] = [];
  private lengthNeeded = 0;

  private oldPosition = 0;
  private page: Uint8Array;
  private pageFill = 0;
  private written = 0;
  private failed = false;
  private ended = false;

  constructor(
    private readonly oldSize: number,
    private readonly readOld: OldImageReader,
    private readonly sink: (chunk: Uint8Array) => void,
    options: PatcherOptions = {},
  ) {
    this.pageSize = options.pageSizeBytes ?? DEFAULT_PAGE_BYTES;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) {
      throw new ValueError('pageSizeBytes', 'an integer >= 1', this.pageSize);
    }
    const dialect = options.dialect ?? (options.implicitMod === undefined ? 'current' : options.implicitMod ? 'current' : 'legacy');
    if (!isJanpatchDialect(dialect)) throw new ValueError('dialect', "'legacy' or 'current'", String(dialect));
    this.dialect = dialect;
    this.maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.page = new Uint8Array(this.pageSize);
  }

  /** Bytes of new image produced so far. */
  get outputBytes(): number {
    return this.written + this.pageFill;
  }

  push(chunk: Uint8Array): void {
    this.guard();
    try {
      for (let i = 0; i < chunk.length; i++) {
        this.step(chunk[i]!);
        this.patchOffset++;
      }
    } catch (error) {
      this.failed = true;
      throw error;
    }
  }

  /** Declares the end of the patch; throws if it ends inside an operator. */
  end(): void {
    this.guard();
    this.ended = true;
    const s = this.state;
    if (s === State.OpCode || s === State.Length || (s === State.Data && this.pendingEsc)) {
      this.failed = true;
      const what = s === State.Length ? `${this.lengthNeeded} more length bytes of ${OP_NAMES[this.lengthOp]}` : s === State.OpCode ? 'an operator byte after ESC' : 'the byte after ESC in a data run';
      throw this.error('DECODE_TRUNCATED', this.patchOffset, what, 'end of patch');
    }
    if (this.pageFill > 0) this.flushPage();
  }

  private guard(): void {
    if (this.failed) throw new ValueError('JojoPatcher', 'a patcher that has not failed', 'a failed patcher', 'DELTA_PATCHER_FAILED');
    if (this.ended) throw new ValueError('JojoPatcher', 'a patcher that has not ended', 'an ended patcher', 'DELTA_PATCHER_ENDED');
  }

  private step(byte: number): void {
    switch (this.state) {
      case State.Data:
        this.dataByte(byte);
        return;
      case State.Operator:
        this.opOffset = this.patchOffset;
        if (byte === ESC) {
          this.state = State.OpCode;
        } else if (this.dialect === 'current') {
          this.startImplicitMod();
          this.emitData(byte);
        } else {
          throw this.error('DECODE_INVALID_VALUE', this.patchOffset, 'ESC (0xa7) starting an operator (janpatch before c8ad3ee has no implicit MOD)', hex(byte));
        }
        return;
      case State.OpCode:
        if (this.dialect === 'current' && !isOperatorByte(byte)) {
          // jdiff 0.8.5's implicit MOD run beginning with 0xa7: ESC ESC is one 0xa7, ESC x is both.
          this.startImplicitMod();
          this.emitData(ESC);
          if (byte !== ESC) this.emitData(byte);
          return;
        }
        this.opCode(byte);
        return;
      case State.Length:
        this.lengthByte(byte);
        return;
    }
  }

  private startImplicitMod(): void {
    this.state = State.Data;
    this.dataOp = MOD;
    this.pendingEsc = false;
  }

  private opCode(byte: number): void {
    if (byte === MOD || byte === INS) {
      this.state = State.Data;
      this.dataOp = byte;
      this.pendingEsc = false;
    } else if (byte === EQL || byte === DEL || byte === BKT) {
      this.state = State.Length;
      this.lengthOp = byte;
      this.lengthBytes = [];
      this.lengthNeeded = 1;
    } else {
      throw this.error('DECODE_UNKNOWN_COMMAND', this.patchOffset, 'an operator byte 0xa2..0xa6 after ESC', hex(byte));
    }
  }

  // janpatch.h process_mod: ESC ESC is one ESC, ESC + operator ends the run, ESC + other byte is
  // two data bytes.
  private dataByte(byte: number): void {
    if (!this.pendingEsc) {
      if (byte === ESC) this.pendingEsc = true;
      else this.emitData(byte);
      return;
    }
    this.pendingEsc = false;
    if (byte === ESC) {
      this.emitData(ESC);
    } else if (isOperatorByte(byte)) {
      this.opOffset = this.patchOffset - 1;
      this.opCode(byte);
    } else {
      this.emitData(ESC);
      this.emitData(byte);
    }
  }

  private emitData(byte: number): void {
    this.put(byte);
    if (this.dataOp === MOD) this.oldPosition++;
  }

  private lengthByte(byte: number): void {
    const bytes = this.lengthBytes;
    bytes.push(byte);
    if (bytes.length === 1) {
      if (byte <= 251) return this.lengthDone(byte + 1);
      if (byte === 255) {
        throw this.error('DECODE_INVALID_VALUE', this.patchOffset, 'a length prefix 0..254 (janpatch has no 64-bit lengths)', '0xff');
      }
      this.lengthNeeded = byte === 252 ? 2 : byte === 253 ? 3 : 5;
      return;
    }
    if (bytes.length < this.lengthNeeded) return;
    let value = 0;
    for (let i = 1; i < bytes.length; i++) value = value * 256 + bytes[i]!;
    const prefix = bytes[0]!;
    if (prefix === 252) return this.lengthDone(value + 253);
    // jdiff writes the shortest form (JOutBin.cpp ufPutLen); a longer one means corruption.
    const minimum = prefix === 253 ? 509 : 65536;
    if (value < minimum) {
      throw this.error('DECODE_INVALID_VALUE', this.opOffset + 2, `a length >= ${minimum} after prefix ${prefix}`, String(value));
    }
    // janpatch.h find_length returns a C int: 2^31 and above turn negative there (a DEL seeks
    // backwards, 0xffffffff reads as -1, "length invalid"). PatchWriter splits such runs.
    if (value > MAX_OP_LENGTH) {
      throw this.error('DECODE_INVALID_VALUE', this.opOffset + 2, `a length <= ${MAX_OP_LENGTH} (janpatch reads lengths into a C int)`, String(value));
    }
    this.lengthDone(value);
  }

  private lengthDone(length: number): void {
    this.state = State.Operator;
    const at = this.opOffset;
    if (this.lengthOp === EQL) {
      if (this.oldPosition + length > this.oldSize) {
        throw this.error('DECODE_INVALID_VALUE', at, `EQL within the old image (${this.oldSize} bytes)`, `${length} bytes from old offset ${this.oldPosition}`);
      }
      this.copyOld(length);
    } else if (this.lengthOp === DEL) {
      this.oldPosition += length;
    } else {
      if (length > this.oldPosition) {
        throw this.error('DECODE_INVALID_VALUE', at, `BKT of at most ${this.oldPosition} bytes (old offset >= 0)`, `${length} bytes`);
      }
      this.oldPosition -= length;
    }
  }

  private copyOld(length: number): void {
    this.reserveOutput(length);
    let left = length;
    while (left > 0) {
      const room = this.pageSize - this.pageFill;
      const part = Math.min(left, room);
      const bytes = this.readOld(this.oldPosition, part);
      if (bytes.length !== part) {
        throw this.error('DECODE_TRUNCATED', this.opOffset, `${part} old-image bytes at offset ${this.oldPosition}`, `${bytes.length}`);
      }
      this.page.set(bytes, this.pageFill);
      this.pageFill += part;
      this.oldPosition += part;
      left -= part;
      if (this.pageFill === this.pageSize) this.flushPage();
    }
  }

  private put(byte: number): void {
    this.reserveOutput(1);
    this.page[this.pageFill++] = byte;
    if (this.pageFill === this.pageSize) this.flushPage();
  }

  private reserveOutput(count: number): void {
    if (this.outputBytes + count > this.maxOutput) {
      throw this.error('DECODE_INVALID_VALUE', this.opOffset, `at most ${this.maxOutput} output bytes`, `${this.outputBytes + count}`);
    }
  }

  private flushPage(): void {
    const full = this.pageFill === this.pageSize ? this.page : this.page.slice(0, this.pageFill);
    this.written += this.pageFill;
    this.pageFill = 0;
    this.page = new Uint8Array(this.pageSize);
    this.sink(full);
  }

  private error(code: DecodeErrorCode, offset: number, expected: string, actual: string): DecodeError {
    return new DecodeError(code, { context: PATCH_CONTEXT, offset }, expected, actual);
  }
}

/**
 * Applies a whole patch in memory. Throws a DecodeError (never a partial image) on any
 * malformation; the caller still checks the result's digest, as the format has no checksum.
 */
export function applyPatch(oldImage: Uint8Array, patch: Uint8Array, options: PatcherOptions = {}): Uint8Array {
  return applyInMemory(oldImage, patch, (oldSize, readOld, sink) => new JojoPatcher(oldSize, readOld, sink, { pageSizeBytes: 64 * 1024, ...options }));
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}
