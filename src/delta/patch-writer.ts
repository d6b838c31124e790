// Writes JojoDiff operators with the escaping and length rules of jojo-format.ts, in one of the
// two janpatch dialects (jojo-format.ts): `legacy` starts every data run with an explicit
// `ESC MOD` / `ESC INS` marker (janpatch builds from before late 2024 stop with "Expected ESC"
// when it is left out); `current` leaves `ESC MOD` out where jdiff 0.8.5 does and janpatch
// c8ad3ee+ takes MOD by default. The byte cost of every run is `dataRunCostBytes` /
// `lengthOpsCostBytes` in jojo-format.ts, so a matcher can price runs exactly as written here.
import { InternalError, ValueError } from '../core/errors.js';
import {
  BKT,
  DEL,
  EQL,
  ESC,
  MAX_OP_LENGTH,
  encodeLength,
  escapeExtraBytes,
  implicitModAllowed,
  isJanpatchDialect,
  type DataOp,
  type JanpatchDialect,
  type LengthOp,
  type PreviousOp,
} from './jojo-format.js';

export interface PatchWriterOptions {
  /** Which janpatch builds must apply the patch; default 'legacy' (all of them). */
  dialect?: JanpatchDialect;
}

/** Grows a byte buffer by doubling; avoids number[] for megabyte patches. */
class ByteSink {
  private buffer = new Uint8Array(1024);
  length = 0;

  push(byte: number): void {
    if (this.length === this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = byte;
  }

  at(index: number): number {
    return this.buffer[index]!;
  }

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/**
 * Collects operators and emits a patch. Adjacent runs of the same kind merge (MOD+MOD is one
 * run, EQL+EQL one EQL, DEL/BKT add up to one net seek; a seek that nets to zero vanishes, and
 * the runs around it merge), so callers can emit byte by byte. Pending work is kept in the order
 * data run, EQL, seek: each call flushes what would otherwise be reordered.
 */
export class PatchWriter {
  readonly dialect: JanpatchDialect;
  private readonly out = new ByteSink();
  private previous: PreviousOp = 'start';
  private dataOp: DataOp | undefined;
  private readonly data = new ByteSink();
  private pendingEqlBytes = 0;
  private pendingSeekBytes = 0;

  constructor(options: PatchWriterOptions = {}) {
    const dialect = options.dialect ?? 'legacy';
    if (!isJanpatchDialect(dialect)) throw new ValueError('dialect', "'legacy' or 'current'", String(dialect));
    this.dialect = dialect;
  }

  /** Appends literal bytes new[start, end) under MOD (old position advances) or INS (it does not). */
  literal(op: DataOp, source: Uint8Array, start: number, end: number): void {
    if (end <= start) return;
    if (this.dataOp !== op || this.pendingEqlBytes > 0 || this.pendingSeekBytes !== 0) {
      this.flushAll();
      this.dataOp = op;
    }
    for (let i = start; i < end; i++) this.data.push(source[i]!);
  }

  /** Copies `count` bytes from the old image at the current old position. */
  equal(count: number): void {
    if (count <= 0) return;
    if (this.pendingSeekBytes !== 0) this.flushAll();
    this.pendingEqlBytes += count;
  }

  /** Moves the old position by `delta` bytes (DEL forward, BKT backward). */
  seek(delta: number): void {
    this.pendingSeekBytes += delta;
  }

  finish(): Uint8Array {
    this.flushAll();
    return this.out.bytes();
  }

  private flushAll(): void {
    this.flushData();
    this.flushLengthOp(EQL, this.pendingEqlBytes);
    this.pendingEqlBytes = 0;
    if (this.pendingSeekBytes > 0) this.flushLengthOp(DEL, this.pendingSeekBytes);
    else if (this.pendingSeekBytes < 0) this.flushLengthOp(BKT, -this.pendingSeekBytes);
    this.pendingSeekBytes = 0;
  }

  private flushLengthOp(op: LengthOp, total: number): void {
    const header: number[] = [];
    for (let left = total; left > 0; ) {
      const part = Math.min(left, MAX_OP_LENGTH);
      header.length = 0;
      header.push(ESC, op);
      encodeLength(part, header);
      for (const byte of header) this.out.push(byte);
      left -= part;
      this.previous = op;
    }
  }

  private flushData(): void {
    const op = this.dataOp;
    if (op === undefined) return;
    const run = this.data;
    if (run.length === 0) throw new InternalError('DELTA_EMPTY_RUN', 'patch writer: empty data run');
    if (!implicitModAllowed(this.dialect, this.previous, op, run.at(0))) {
      this.out.push(ESC);
      this.out.push(op);
    }
    writeEscaped(run, this.out);
    this.previous = op;
    this.dataOp = undefined;
    run.length = 0;
  }
}

/**
 * Escapes one data run (JOutBin.cpp ufPutByt/ufPutOpr; janpatch.h process_mod): an ESC followed
 * by a byte in BKT..ESC, or ending the run, is doubled; any other `ESC x` pair is written as is,
 * and janpatch copies both bytes.
 */
function writeEscaped(run: ByteSink, out: ByteSink): void {
  const last = run.length - 1;
  for (let i = 0; i <= last; i++) {
    const byte = run.at(i);
    out.push(byte);
    if (escapeExtraBytes(byte, i < last ? run.at(i + 1) : -1) === 1) out.push(ESC);
  }
}
