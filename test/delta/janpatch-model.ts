// An independent, deliberately naive model of janpatch.h (the builds before late 2024 that
// require ESC before every operator), used to check that our patches apply there byte for byte.
// Like janpatch, it does no bounds checking: an EQL past the end yields 0xFF bytes.
export function janpatchModel(oldImage: Uint8Array, patch: Uint8Array): Uint8Array | 'error' {
  const out: number[] = [];
  let o = 0;
  let p = 0;
  const next = (): number => (p < patch.length ? patch[p++]! : -1);
  const length = (): number => {
    const l = next() & 0xff;
    if (l <= 251) return l + 1;
    if (l === 252) return 253 + next();
    if (l === 253) return (next() << 8) + next();
    if (l === 254) return ((next() << 24) >>> 0) + (next() << 16) + (next() << 8) + next();
    return -1;
  };
  while (p < patch.length) {
    if (next() !== 0xa7) return 'error'; // "Expected ESC"
    const op = next();
    if (op === 0xa6 || op === 0xa5) {
      for (;;) {
        const m = next();
        if (m === -1) break;
        if (m !== 0xa7) {
          out.push(m);
          if (op === 0xa6) o++;
          continue;
        }
        const m2 = next();
        if (m2 === -1) break;
        if (m2 === 0xa7) {
          out.push(0xa7);
          if (op === 0xa6) o++;
        } else if (m2 >= 0xa2 && m2 <= 0xa6) {
          p -= 2;
          break;
        } else {
          out.push(0xa7, m2);
          if (op === 0xa6) o += 2;
        }
      }
    } else if (op === 0xa3) {
      const n = length();
      if (n < 0) return 'error';
      for (let k = 0; k < n; k++, o++) out.push(o >= 0 && o < oldImage.length ? oldImage[o]! : 0xff);
    } else if (op === 0xa4) {
      const n = length();
      if (n < 0) return 'error';
      o += n;
    } else if (op === 0xa2) {
      const n = length();
      if (n < 0) return 'error';
      o -= n;
    } else if (op === -1) {
      break;
    } else {
      return 'error';
    }
  }
  return Uint8Array.from(out);
}
