import test from 'ava';
import fc from 'fast-check';
import { codedFragmentBits, codedFragmentColumns, isPowerOfTwo, matrixLine, matrixLineSeed, prbs23 } from '../../src/fec/parity-matrix.js';

test('prbs23 shifts right and feeds bit0 XOR bit5 into bit 22', (t) => {
  t.is(prbs23(1), (0 >>> 0) + (1 << 22)); // bit0 = 1, bit5 = 0
  t.is(prbs23(0x21), 0x10); // bit0 = 1, bit5 = 1: feedback 0
  t.is(prbs23(0x20), 0x10 + (1 << 22)); // bit0 = 0, bit5 = 1
  t.is(prbs23(0), 0);
});

test('prbs23 stays within 23 bits from any seed the spec can produce (1 + 1001·16383 > 2^23)', (t) => {
  let x = 1 + 1001 * 16383;
  for (let i = 0; i < 1000; i++) {
    x = prbs23(x);
    t.true(x >= 0 && x < 1 << 23);
  }
});

test('isPowerOfTwo', (t) => {
  t.deepEqual([1, 2, 3, 4, 6, 8, 1024, 16383, 0].map(isPowerOfTwo), [true, true, false, true, false, true, true, false, false]);
});

test('M = 1: every coded line is empty (floor(1/2) = 0 coefficients)', (t) => {
  t.deepEqual([...matrixLine(1, 1, 'count-all')], [0]);
  t.deepEqual([...codedFragmentColumns(2, 1, 'v2')], []);
});

test('v2 lines have exactly floor(M/2) ones; v1 lines at most that many', (t) => {
  t.notThrows(() => fc.assert(
    fc.property(fc.integer({ min: 2, max: 600 }), fc.integer({ min: 1, max: 2000 }), (nbFrag, n) => {
      const ones = (line: Uint8Array) => line.reduce((sum, bit) => sum + bit, 0);
      return ones(matrixLine(n, nbFrag, 'count-new')) === Math.floor(nbFrag / 2) && ones(matrixLine(n, nbFrag, 'count-all')) <= Math.floor(nbFrag / 2);
    }),
  ));
});

test('v1 counts repeated draws: some lines have fewer than M/2 ones, so v1 and v2 differ', (t) => {
  // M = 10, n = 1: the draw repeats a column, so v1 stops short while v2 keeps drawing.
  const v1 = matrixLine(1, 10, 'count-all');
  const v2 = matrixLine(1, 10, 'count-new');
  t.true(v1.reduce((s, b) => s + b, 0) < 5);
  t.notDeepEqual([...v1], [...v2]);
});

test('power-of-two M draws modulo M + 1 (the special case changes the line)', (t) => {
  // Recompute M = 16 without the special case: the lines must differ, or the branch is dead.
  const plain = new Uint8Array(16);
  let x = 1 + 1001 * 3;
  let count = 0;
  while (count < 8) {
    x = prbs23(x);
    const r = x % 16;
    if (!plain[r]) {
      plain[r] = 1;
      count++;
    }
  }
  t.notDeepEqual([...matrixLine(3, 16, 'count-new')], [...plain]);
  t.is(matrixLine(3, 16, 'count-new').length, 16);
});

test('seed: v1 and v2-lbm use N − M, v2 uses N', (t) => {
  t.is(matrixLineSeed(11, 10, 'v1'), 1);
  t.is(matrixLineSeed(11, 10, 'v2-lbm'), 1);
  t.is(matrixLineSeed(11, 10, 'v2'), 11);
});

test('bit-packed and column forms agree with the spec line', (t) => {
  t.notThrows(() => fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 100 }), fc.constantFrom('v1' as const, 'v2' as const, 'v2-lbm' as const), (nbFrag, k, matrix) => {
      const n = nbFrag + k;
      const bits = codedFragmentBits(n, nbFrag, matrix);
      const columns = [...codedFragmentColumns(n, nbFrag, matrix)];
      const fromBits: number[] = [];
      for (let i = 0; i < nbFrag; i++) if ((bits[i >>> 5]! >>> (i & 31)) & 1) fromBits.push(i);
      const line = matrixLine(matrixLineSeed(n, nbFrag, matrix), nbFrag, matrix === 'v1' ? 'count-all' : 'count-new');
      const fromLine = [...line.keys()].filter((i) => line[i] === 1);
      return JSON.stringify(fromBits) === JSON.stringify(columns) && JSON.stringify(columns) === JSON.stringify(fromLine);
    }),
  ));
});
