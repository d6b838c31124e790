// A model of how a device reads a detools heatshrink stream, for tests: heatshrink's decoder
// state machine (atomicobject/heatshrink heatshrink_decoder.c: states, get_bits' rule of
// suspending when the input cannot supply all bits asked for, heatshrink_decoder_finish) driven
// as detools' C library drives it (detools.c patch_reader_heatshrink_decompress: read the header
// byte, then poll for the bytes wanted and sink ONE input byte whenever the poll fell short;
// patch_reader_heatshrink_destroy: finish must say DONE; and no input byte may be left over,
// since detools_apply_patch_process fails on bytes after the last record).
import type { HeatshrinkParams } from '../../../src/delta/detools/compression.js';

type State = 'empty' | 'input' | 'literal' | 'indexHigh' | 'indexLow' | 'countHigh' | 'countLow' | 'backref' | 'check';

class CHeatshrinkDecoder {
  state: State = 'empty';
  private pending: number[] = []; // sunk, not yet pulled into currentByte
  private currentByte = 0;
  private bitMask = 0; // next bit of currentByte to read; 0 = none left
  private index = 0;
  private count = 0;
  private head = 0;
  private readonly window: Uint8Array;

  constructor(private readonly p: HeatshrinkParams) {
    this.window = new Uint8Array(1 << p.windowSz2);
  }

  sink(byte: number): void {
    this.pending.push(byte);
    if (this.state === 'empty') this.state = 'input';
  }

  /** Bits MSB first, or undefined (nothing consumed) when the input cannot supply them all. */
  private bits(count: number): number | undefined {
    if (this.pending.length === 0 && this.bitMask < 1 << (count - 1)) return undefined;
    let value = 0;
    for (let i = 0; i < count; i++) {
      if (this.bitMask === 0) {
        this.currentByte = this.pending.shift()!;
        this.bitMask = 0x80;
      }
      value = (value << 1) | ((this.currentByte & this.bitMask) !== 0 ? 1 : 0);
      this.bitMask >>= 1;
    }
    return value;
  }

  private put(byte: number, out: number[]): void {
    this.window[this.head & (this.window.length - 1)] = byte;
    this.head++;
    out.push(byte);
  }

  /** Up to `room` output bytes. */
  poll(room: number): number[] {
    const out: number[] = [];
    const w = this.p.windowSz2;
    const l = this.p.lookaheadSz2;
    for (;;) {
      const before = this.state;
      switch (this.state) {
        case 'empty':
          return out;
        case 'input': {
          const tag = this.bits(1);
          if (tag !== undefined) {
            this.index = 0;
            this.state = tag === 1 ? 'literal' : w > 8 ? 'indexHigh' : 'indexLow';
          }
          break;
        }
        case 'literal':
          if (out.length < room) {
            const byte = this.bits(8);
            if (byte !== undefined) {
              this.put(byte, out);
              this.state = 'check';
            }
          }
          break;
        case 'indexHigh': {
          const v = this.bits(w - 8);
          if (v !== undefined) {
            this.index = v << 8;
            this.state = 'indexLow';
          }
          break;
        }
        case 'indexLow': {
          const v = this.bits(Math.min(w, 8));
          if (v !== undefined) {
            this.index = (this.index | v) + 1;
            this.count = 0;
            this.state = l > 8 ? 'countHigh' : 'countLow';
          }
          break;
        }
        case 'countHigh': {
          const v = this.bits(l - 8);
          if (v !== undefined) {
            this.count = v << 8;
            this.state = 'countLow';
          }
          break;
        }
        case 'countLow': {
          const v = this.bits(Math.min(l, 8));
          if (v !== undefined) {
            this.count = (this.count | v) + 1;
            this.state = 'backref';
          }
          break;
        }
        case 'backref': {
          const n = Math.min(room - out.length, this.count);
          for (let i = 0; i < n; i++) this.put(this.window[(this.head - this.index) & (this.window.length - 1)]!, out);
          this.count -= n;
          if (this.count === 0 && n > 0) this.state = 'check';
          break;
        }
        case 'check':
          this.state = this.pending.length === 0 ? 'empty' : 'input';
          break;
      }
      if (this.state === before) return out;
    }
  }

  finishDone(): boolean {
    switch (this.state) {
      case 'empty':
        return true;
      case 'indexHigh':
      case 'indexLow':
      case 'countHigh':
      case 'countLow':
      case 'literal':
        return this.pending.length === 0;
      default:
        return false;
    }
  }
}

export type DeviceOutcome = { ok: true; output: Uint8Array } | { ok: false; reason: string };

/**
 * Reads a detools heatshrink stream (header byte first) for `outputBytes` bytes, asking for
 * `requestSizes` bytes at a time in turn (detools asks for at most 128), as the device would.
 * `deviceParams`: the build's static parameters (the default build: 8/7).
 */
export function deviceReadHeatshrink(
  stream: Uint8Array,
  outputBytes: number,
  deviceParams: HeatshrinkParams,
  requestSizes: readonly number[] = [128],
): DeviceOutcome {
  if (stream.length === 0) return { ok: false, reason: 'no header byte' };
  const header = stream[0]!;
  if (((header >> 4) & 0xf) + 4 !== deviceParams.windowSz2 || (header & 0xf) + 3 !== deviceParams.lookaheadSz2) {
    return { ok: false, reason: 'DETOOLS_HEATSHRINK_HEADER' };
  }
  const decoder = new CHeatshrinkDecoder(deviceParams);
  const output: number[] = [];
  let at = 1;
  for (let r = 0; output.length < outputBytes; r++) {
    const want = Math.min(requestSizes[r % requestSizes.length]!, outputBytes - output.length);
    let got = 0;
    for (;;) {
      const chunk = decoder.poll(want - got);
      output.push(...chunk);
      got += chunk.length;
      if (got === want) break;
      if (at >= stream.length) return { ok: false, reason: 'DETOOLS_NOT_ENOUGH_PATCH_DATA' };
      decoder.sink(stream[at++]!);
    }
  }
  if (at !== stream.length) return { ok: false, reason: `${stream.length - at} byte(s) left after the last record` };
  if (!decoder.finishDone()) return { ok: false, reason: 'DETOOLS_CORRUPT_PATCH (finish not done)' };
  return { ok: true, output: Uint8Array.from(output) };
}
