// A map from FragIndex (0..3) to a number, for what each simulated device records per
// fragmentation session (sim-device.ts completedAtN, rebuiltAtN). Two Maps per device were
// ~250 bytes of a 100 000-device fleet's heap each (issue #17); this holds at most four pairs in
// one small array of exactly those pairs, allocated on the first set.

export class FragIndexTable implements Iterable<[number, number]> {
  /** FragIndex, value, FragIndex, value… */
  private pairs: number[] | undefined;

  get(fragIndex: number): number | undefined {
    const pairs = this.pairs;
    if (pairs) for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === fragIndex) return pairs[i + 1];
    return undefined;
  }

  has(fragIndex: number): boolean {
    return this.get(fragIndex) !== undefined;
  }

  set(fragIndex: number, value: number): this {
    const pairs = this.pairs;
    if (pairs) {
      for (let i = 0; i < pairs.length; i += 2) {
        if (pairs[i] === fragIndex) {
          pairs[i + 1] = value;
          return this;
        }
      }
    }
    // A new array of exactly the pairs (rare: once per session): push would grow one to 17 slots.
    this.pairs = pairs ? [...pairs, fragIndex, value] : [fragIndex, value];
    return this;
  }

  get size(): number {
    return (this.pairs?.length ?? 0) / 2;
  }

  *[Symbol.iterator](): Iterator<[number, number]> {
    const pairs = this.pairs ?? [];
    for (let i = 0; i < pairs.length; i += 2) yield [pairs[i]!, pairs[i + 1]!];
  }
}
