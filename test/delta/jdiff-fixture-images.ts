// The image pair of the jdiff 0.8.5 known-answer patch in jojo-patch.test.ts: deterministic,
// dense in 0xa2..0xa7, with changed runs that begin with 0xa7 right after equal stretches, so
// that jdiff writes its implicit MOD runs as `ESC ESC ..` and `ESC x ..`.
export function jdiffFixtureImages(): { old: Uint8Array; next: Uint8Array } {
  let state = 0x2545f491;
  const random = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const byte = (): number => (random() < 0.3 ? 0xa2 + Math.floor(random() * 6) : Math.floor(random() * 256));
  const old = Uint8Array.from({ length: 1024 }, byte);
  const next: number[] = [];
  let at = 0;
  while (at < old.length) {
    const keep = 48 + Math.floor(random() * 64);
    next.push(...old.subarray(at, at + keep));
    at += keep;
    const change = random();
    const edit = [0xa7, random() < 0.5 ? 0xa2 + Math.floor(random() * 6) : Math.floor(random() * 0xa0), byte(), byte()];
    if (change < 0.5) {
      next.push(...edit); // replaced bytes (MOD)
      at += edit.length;
    } else if (change < 0.75) {
      next.push(...edit); // inserted bytes
    } else {
      at += 3 + Math.floor(random() * 5); // deleted bytes
    }
  }
  return { old, next: Uint8Array.from(next) };
}
