// An independent, slow GF(2^8) Reed-Solomon encoder used only to pin down the code our RS mode
// puts on air, so a device implementer can reproduce it and a library change cannot alter it
// silently: field polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), generator 2; encoding matrix
// E = V · (V_top)^-1 where V[r][c] = r^c over r = 0..k+p-1, c = 0..k-1 (the Backblaze
// construction, systematic: the top k rows of E are the identity).

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}

function mul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!;
}

function inverse(a: number): number {
  return EXP[255 - LOG[a]!]!;
}

function power(base: number, exponent: number): number {
  let result = 1;
  for (let i = 0; i < exponent; i++) result = mul(result, base);
  return result;
}

function invert(matrix: number[][]): number[][] {
  const n = matrix.length;
  const work = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    const pivot = work.findIndex((row, r) => r >= col && row[col] !== 0);
    [work[col], work[pivot]] = [work[pivot]!, work[col]!];
    const scale = inverse(work[col]![col]!);
    work[col] = work[col]!.map((v) => mul(v, scale));
    for (let r = 0; r < n; r++) {
      if (r === col || work[r]![col] === 0) continue;
      const factor = work[r]![col]!;
      work[r] = work[r]!.map((v, c) => v ^ mul(factor, work[col]![c]!));
    }
  }
  return work.map((row) => row.slice(n));
}

/** Parity shards (p × shardSize bytes) of `data` (k shards of shardSize bytes). */
export function referenceParity(data: Uint8Array, k: number, p: number, shardSize: number): Uint8Array {
  const vandermonde = Array.from({ length: k + p }, (_, r) => Array.from({ length: k }, (_, c) => power(r, c)));
  const topInverse = invert(vandermonde.slice(0, k));
  const out = new Uint8Array(p * shardSize);
  for (let i = 0; i < p; i++) {
    const row = vandermonde[k + i]!;
    const coefficients = Array.from({ length: k }, (_, c) => row.reduce((acc, v, j) => acc ^ mul(v, topInverse[j]![c]!), 0));
    for (let byte = 0; byte < shardSize; byte++) {
      let acc = 0;
      for (let c = 0; c < k; c++) acc ^= mul(coefficients[c]!, data[c * shardSize + byte]!);
      out[i * shardSize + byte] = acc;
    }
  }
  return out;
}
