import test from 'ava';
import fc from 'fast-check';
import type { HeatshrinkParams } from '../../../src/delta/detools/compression.js';
import { encodeHeatshrink, optimalParse } from '../../../src/delta/detools/heatshrink-encoder.js';
import { HeatshrinkSliceCost } from '../../../src/delta/detools/heatshrink-slice-cost.js';
import { firmwareLikeArb, patchLike, patchLikeArb } from './heatshrink-baseline.js';

const P87: HeatshrinkParams = { windowSz2: 8, lookaheadSz2: 7 };

test('same bits as the encoder optimal parse, on patch-like and firmware-like bytes (one model reused)', (t) => {
  const model = new HeatshrinkSliceCost(P87);
  fc.assert(
    fc.property(fc.oneof(patchLikeArb(3000), firmwareLikeArb(1500)), (data) => model.bitsOf(data) === optimalParse(data, P87).totalBits),
    { numRuns: 150 },
  );
  t.pass();
});

test('same bits for other window/lookahead sizes and short inputs', (t) => {
  for (const params of [
    { windowSz2: 4, lookaheadSz2: 3 },
    { windowSz2: 6, lookaheadSz2: 4 },
    { windowSz2: 10, lookaheadSz2: 5 },
  ]) {
    const model = new HeatshrinkSliceCost(params);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }).map((a) => a.map((b) => b & 3)), (data) => model.bitsOf(data) === optimalParse(data, params).totalBits));
  }
  t.pass();
});

test('stale tables of a longer call do not leak into a shorter one', (t) => {
  const model = new HeatshrinkSliceCost(P87);
  const long = patchLike(7, 5000);
  const short = Uint8Array.of(1, 2, 3, 1, 2, 3, 9);
  t.is(model.bitsOf(long), optimalParse(long, P87).totalBits);
  // 1 2 3 as literals (27 bits), then a 3-byte backreference (16), then 9 as a literal: 52.
  t.is(model.bitsOf(short), 52);
  t.is(model.bitsOf(new Uint8Array(0)), 0);
});

test('the encoded stream is the bits rounded up to whole bytes', (t) => {
  const model = new HeatshrinkSliceCost(P87);
  const data = patchLike(3, 2000);
  t.is(encodeHeatshrink(data, P87).length, Math.ceil(model.bitsOf(data) / 8));
});
