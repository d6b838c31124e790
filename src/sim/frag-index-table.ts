// A map from FragIndex (0..3) to a number, for what each simulated device records per
// fragmentation session (sim-device.ts completedAtN, rebuiltAtN). Two Maps per device were
// ~250 bytes of a 100 000-device fleet's heap each (issue #17); this holds the first pair in two
// fields of its own (nearly every device has one session) and any more in a small array of
// exactly those pairs.

export class FragIndexTable implements Iterable<[number, number]> {
  /** The first FragIndex set (−1: none yet) and its value. */
  private firstIndex = -1;
  private firstValue = 0;
  /** FragIndex, value, FragIndex, value… after the first. */
  private more: number[] | undefined;

  get(fragIndex: number): number | undefined {
    if (this.firstIndex === fragIndex) return this.firstValue;
    const more = this.more;
    if (more) for (let i = 0; i < more.length; i += 2) if (more[i] === fragIndex) return more[i + 1];
    return undefined;
  }

  has(fragIndex: number): boolean {
    return this.get(fragIndex) !== undefined;
  }

  set(fragIndex: number, value: number): this {
    if (this.firstIndex === -1 || this.firstIndex === fragIndex) {
      this.firstIndex = fragIndex;
      this.firstValue = value;
      return this;
    }
    const more = this.more;
    if (more) {
      for (let i = 0; i < more.length; i += 2) {
        if (more[i] === fragIndex) {
          more[i + 1] = value;
          return this;
        }
      }
    }
    // A new array of exactly the pairs (rare): push would grow one to 17 slots.
    this.more = more ? [...more, fragIndex, value] : [fragIndex, value];
    return this;
  }

  get size(): number {
    return (this.firstIndex === -1 ? 0 : 1) + (this.more?.length ?? 0) / 2;
  }

  *[Symbol.iterator](): Iterator<[number, number]> {
    if (this.firstIndex !== -1) yield [this.firstIndex, this.firstValue];
    const more = this.more ?? [];
    for (let i = 0; i < more.length; i += 2) yield [more[i]!, more[i + 1]!];
  }
}
