// Writes JojoDiff operators with the escaping and length rules of jojo-format.ts. Unlike jdiff
// 0.8.5, every data run starts with an explicit `ESC MOD` / `ESC INS` marker: janpatch builds
// from before late 2024 stop with "Expected ESC" when the marker is left out.
import { InternalError } from '../core/errors.js';
import { BKT, DEL, EQL, ESC, MAX_OP_LENGTH, encodeLength, type DataOp } from './jojo-format.js';

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

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/**
 * Collects operators and emits a patch. Adjacent runs of the same kind merge (MOD+MOD is one
 * run, EQL+EQL one EQL, DEL/BKT add up to one net seek), so callers can emit byte by byte.
 */
export class PatchWriter {
  private readonly out = new ByteSink();
  private dataOp: DataOp | undefined;
  private readonly data = new ByteSink();
  private pendingEqlBytes = 0;
  private pendingSeekBytes = 0;

  /** Appends literal bytes new[start, end) under MOD (old position advances) or INS (it does not). */
  literal(op: DataOp, source: Uint8Array, start: number, end: number): void {
    if (end <= start) return;
    if (this.dataOp !== op) {
      this.flushAll();
      this.dataOp = op;
    }
    for (let i = start; i < end; i++) this.data.push(source[i]!);
  }

  /** Copies `count` bytes from the old image at the current old position. */
  equal(count: number): void {
    if (count <= 0) return;
    if (this.pendingEqlBytes === 0) this.flushAll();
    this.pendingEqlBytes += count;
  }

  /** Moves the old position by `delta` bytes (DEL forward, BKT backward). */
  seek(delta: number): void {
    if (delta === 0) return;
    if (this.pendingSeekBytes === 0) this.flushAll();
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

  private flushLengthOp(op: typeof EQL | typeof DEL | typeof BKT, total: number): void {
    const header: number[] = [];
    for (let left = total; left > 0; ) {
      const part = Math.min(left, MAX_OP_LENGTH);
      header.length = 0;
      header.push(ESC, op);
      encodeLength(part, header);
      for (const byte of header) this.out.push(byte);
      left -= part;
    }
  }

  private flushData(): void {
    const op = this.dataOp;
    if (op === undefined) return;
    const length = this.data.length;
    if (length === 0) throw new InternalError('DELTA_EMPTY_RUN', 'patch writer: empty data run');
    const run = this.data.bytes();
    this.out.push(ESC);
    this.out.push(op);
    writeEscaped(run, this.out);
    this.dataOp = undefined;
    this.data.length = 0;
  }
}

/**
 * Escapes one data run (JOutBin.cpp ufPutByt/ufPutOpr; janpatch.h process_mod): an ESC followed
 * by a byte in BKT..ESC, or ending the run, is doubled; any other `ESC x` pair is written as is,
 * and janpatch copies both bytes.
 */
function writeEscaped(run: Uint8Array, out: ByteSink): void {
  const last = run.length - 1;
  for (let i = 0; i <= last; i++) {
    const byte = run[i]!;
    out.push(byte);
    if (byte === ESC) {
      const next = i < last ? run[i + 1]! : -1;
      if (next === -1 || (next >= BKT && next <= ESC)) out.push(ESC);
    }
  }
}
