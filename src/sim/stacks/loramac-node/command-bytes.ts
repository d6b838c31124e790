// LoRaMac-node's package parsers walk the frame with `Buffer[cmdIndex++]` and no bound check
// (LmhpFragmentation.c, LmhpRemoteMcastSetup.c, LmhpClockSync.c: the OnMcpsIndication loops).
// A command cut short reads past the frame into whatever the buffer held; here those bytes read 0.

export class CommandBytes {
  index = 0;

  constructor(readonly bytes: Uint8Array) {}

  get more(): boolean {
    return this.index < this.bytes.length;
  }

  u8(): number {
    return this.bytes[this.index++] ?? 0;
  }

  u16(): number {
    return this.u8() | (this.u8() << 8);
  }

  u24(): number {
    return this.u16() | (this.u8() << 16);
  }

  u32(): number {
    return (this.u24() | (this.u8() << 24)) >>> 0;
  }

  /** `length` bytes from the current index, zeros past the end of the frame. */
  take(length: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, length));
    out.set(this.bytes.subarray(this.index, this.index + out.length));
    this.index += out.length;
    return out;
  }
}
