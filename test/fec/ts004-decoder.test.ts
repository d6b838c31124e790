import test from 'ava';
import fc from 'fast-check';
import { ValueError } from '../../src/core/errors.js';
import { Ts004Decoder } from '../../src/fec/ts004-decoder.js';
import { Ts004Encoder } from '../../src/fec/ts004-encoder.js';
import type { Ts004Matrix } from '../../src/fec/scheme.js';
import { hex, oracleRank, pseudoRandomBytes } from './helpers.js';

const matrices: Ts004Matrix[] = ['v1', 'v2', 'v2-lbm'];

test('property: rank equals an independent GF(2) rank, and full rank returns the exact block', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(...matrices),
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 0, max: 0.6, noNaN: true }),
        (nbFrag, fragmentSize, paddingWish, matrix, redundancy, seed, loss) => {
          const padding = Math.min(paddingWish, fragmentSize - 1, nbFrag * fragmentSize - 1);
          const block = pseudoRandomBytes(nbFrag * fragmentSize - padding, seed);
          const encoder = new Ts004Encoder(matrix, block, fragmentSize);
          const decoder = new Ts004Decoder(matrix, nbFrag, fragmentSize, { paddingBytes: encoder.paddingBytes });
          const lossDraw = pseudoRandomBytes(nbFrag + redundancy, seed ^ 0x5a5a5a5a);
          const received: number[] = [];
          for (const { n, data } of encoder.fragments(redundancy)) {
            if (lossDraw[n - 1]! < loss * 256) continue;
            const before = oracleRank(received, nbFrag, matrix);
            received.push(n);
            const result = decoder.push(n, data);
            const rank = oracleRank(received, nbFrag, matrix);
            if (before === nbFrag) {
              if (result.status !== 'ignored' || result.reason !== 'complete') return false;
            } else if (rank === nbFrag) {
              if (result.status !== 'done' || hex(result.block) !== hex(block)) return false;
            } else if (result.status !== 'progress' || result.rank !== rank || result.innovative !== rank > before) {
              return false;
            }
          }
          const finalRank = oracleRank(received, nbFrag, matrix);
          return finalRank === nbFrag ? hex(decoder.result()!) === hex(block) : decoder.result() === undefined && decoder.status.missingFrag === nbFrag - finalRank;
        },
      ),
      { numRuns: 150 },
    ),
  );
});

test('a v2 stream fed to a v1 decoder yields a WRONG block and no error (keep the variants apart)', (t) => {
  // M = 10, rows 2 and 5 lost, coded fragments until each decoder is complete.
  const block = Uint8Array.from({ length: 100 }, (_, i) => i);
  const v2 = new Ts004Encoder('v2', block, 10);
  const v1Decoder = new Ts004Decoder('v1', 10, 10);
  const v2Decoder = new Ts004Decoder('v2', 10, 10);
  for (const { n, data } of v2.fragments(20)) {
    if (n === 2 || n === 5) continue;
    v1Decoder.push(n, data);
    v2Decoder.push(n, data);
  }
  t.true(v1Decoder.status.complete);
  t.not(hex(v1Decoder.result()!), hex(block));
  // The matching decoder gets it right from the same fragments.
  t.is(hex(v2Decoder.result()!), hex(block));
});

test('v2 vs v2-lbm (seed N vs N − M) also decode to a wrong block without error', (t) => {
  const block = pseudoRandomBytes(400, 99);
  const spec = new Ts004Encoder('v2', block, 20);
  const lbm = new Ts004Decoder('v2-lbm', 20, 20);
  for (let n = 1; n <= 40 && !lbm.status.complete; n++) if (n % 4 !== 0 || n > 20) lbm.push(n, spec.fragment(n));
  t.true(lbm.status.complete);
  t.not(hex(lbm.result()!), hex(block));
});

test('status counts like FragSessionStatusAns: received, last N, lost uncoded, missing', (t) => {
  const encoder = new Ts004Encoder('v1', pseudoRandomBytes(200, 7), 10);
  const decoder = new Ts004Decoder('v1', 20, 10);
  for (const n of [1, 2, 4, 5, 9]) decoder.push(n, encoder.fragment(n));
  t.like(decoder.status, { nbFrag: 20, rank: 5, missingFrag: 15, nbFragReceived: 5, lastN: 9, lostUncoded: 4, memoryError: false, complete: false });
  decoder.push(21, encoder.fragment(21));
  t.like(decoder.status, { nbFragReceived: 6, lastN: 21, lostUncoded: 15, rank: 6 });
});

test('ascending order (default) drops a lower N, as devices do; order "any" accepts it', (t) => {
  const encoder = new Ts004Encoder('v2', pseudoRandomBytes(50, 3), 10);
  const device = new Ts004Decoder('v2', 5, 10);
  device.push(3, encoder.fragment(3));
  t.deepEqual(device.push(2, encoder.fragment(2)), { status: 'ignored', reason: 'out-of-order' });
  t.deepEqual(device.push(3, encoder.fragment(3)), { status: 'ignored', reason: 'duplicate' });
  const any = new Ts004Decoder('v2', 5, 10, { order: 'any' });
  for (const n of [9, 7, 3, 1, 2]) any.push(n, encoder.fragment(n));
  // Coded before uncoded still solves once the rank is 5 (rows 4, 5 come from 7 and 9).
  t.is(any.status.rank, oracleRank([9, 7, 3, 1, 2], 5, 'v2'));
});

test('a coded N far above the block (up to 16383) counts once: a second copy is a duplicate, order "any" too', (t) => {
  const encoder = new Ts004Encoder('v1', pseudoRandomBytes(50, 4), 10);
  for (const order of ['ascending', 'any'] as const) {
    const decoder = new Ts004Decoder('v1', 5, 10, { order });
    decoder.push(1, encoder.fragment(1));
    for (const n of [40, 16383]) {
      t.is(decoder.push(n, encoder.fragment(n)).status, 'progress', `N ${n} (${order})`);
      t.deepEqual(decoder.push(n, encoder.fragment(n)), { status: 'ignored', reason: 'duplicate' }, `N ${n} again (${order})`);
    }
    t.like(decoder.status, { nbFragReceived: 3, lastN: 16383, rank: oracleRank([1, 40, 16383], 5, 'v1') });
  }
});

test('maxRedundancy bounds memory like a device: more lost rows than that flags memoryError', (t) => {
  const encoder = new Ts004Encoder('v1', pseudoRandomBytes(300, 5), 10);
  const decoder = new Ts004Decoder('v1', 30, 10, { maxRedundancy: 3 });
  for (let n = 1; n <= 30; n++) if (n % 7 !== 0) decoder.push(n, encoder.fragment(n)); // 4 lost
  t.deepEqual(decoder.push(31, encoder.fragment(31)), { status: 'ignored', reason: 'memory' });
  t.true(decoder.status.memoryError);
  t.is(decoder.status.lastN, 31);
  // With 3 lost it is within the bound and decodes.
  const fits = new Ts004Decoder('v1', 30, 10, { maxRedundancy: 3 });
  for (let n = 1; n <= 60 && !fits.status.complete; n++) if (n % 10 !== 0 || n > 30) fits.push(n, encoder.fragment(n));
  t.false(fits.status.memoryError);
  t.true(fits.status.complete);
});

test('snapshot: rows received or solved so far, the others filled; the whole block once complete', (t) => {
  const block = pseudoRandomBytes(4 * 3, 11);
  const encoder = new Ts004Encoder('v1', block, 3);
  const decoder = new Ts004Decoder('v1', 4, 3);
  decoder.push(1, encoder.fragment(1));
  decoder.push(3, encoder.fragment(3));
  t.is(hex(decoder.snapshot(0xff)), `${hex(block.subarray(0, 3))}ffffff${hex(block.subarray(6, 9))}ffffff`);
  for (let n = 5; !decoder.status.complete; n++) decoder.push(n, encoder.fragment(n));
  t.is(hex(decoder.snapshot(0xff)), hex(block));
});

test('M = 1: the single data fragment completes the block; coded fragments carry nothing', (t) => {
  const decoder = new Ts004Decoder('v2', 1, 4);
  t.like(decoder.push(2, Uint8Array.of(0, 0, 0, 0)), { status: 'progress', rank: 0, innovative: false });
  t.deepEqual(decoder.push(3, Uint8Array.of(0, 0, 0, 0)), { status: 'progress', rank: 0, missingFrag: 1, innovative: false });
  const fresh = new Ts004Decoder('v2', 1, 4);
  t.is(fresh.push(1, Uint8Array.of(1, 2, 3, 4)).status, 'done');
});

test('M = 16383, 255-byte fragments, no loss: the largest block round-trips', (t) => {
  const block = pseudoRandomBytes(16383 * 255 - 17, 11);
  const encoder = new Ts004Encoder('v1', block, 255);
  const decoder = new Ts004Decoder('v1', 16383, 255, { paddingBytes: encoder.paddingBytes });
  let last;
  for (const { n, data } of encoder.fragments(0)) last = decoder.push(n, data);
  t.is(last?.status, 'done');
  t.true(Buffer.from(decoder.result()!).equals(Buffer.from(block)));
});

test('M = 16000, 255-byte fragments, 250 rows lost, rebuilt from coded fragments', (t) => {
  const block = pseudoRandomBytes(16000 * 255, 12);
  const encoder = new Ts004Encoder('v2', block, 255);
  const decoder = new Ts004Decoder('v2', 16000, 255);
  let extra = 0;
  for (const { n, data } of encoder.fragments(383)) {
    if (n <= 16000 && n % 64 === 5) continue; // 250 lost data rows
    if (n > 16000) extra++;
    if (decoder.push(n, data).status === 'done') break;
  }
  t.true(decoder.status.complete);
  t.true(extra <= 270, `${extra} coded fragments used`);
  t.true(Buffer.from(decoder.result()!).equals(Buffer.from(block)));
});

const bad: Array<[string, () => unknown, string]> = [
  ['M = 0', () => new Ts004Decoder('v1', 0, 10), 'FEC_NB_FRAG'],
  ['M = 16384', () => new Ts004Decoder('v1', 16384, 10), 'FEC_NB_FRAG'],
  ['fragment size 0', () => new Ts004Decoder('v1', 10, 0), 'FEC_FRAGMENT_SIZE'],
  ['fragment size 256', () => new Ts004Decoder('v1', 10, 256), 'FEC_FRAGMENT_SIZE'],
  ['padding 256', () => new Ts004Decoder('v1', 100, 10, { paddingBytes: 256 }), 'FEC_PADDING'],
  ['padding = whole block', () => new Ts004Decoder('v1', 1, 10, { paddingBytes: 10 }), 'FEC_PADDING'],
  ['negative maxRedundancy', () => new Ts004Decoder('v1', 10, 10, { maxRedundancy: -1 }), 'FEC_REDUNDANCY'],
  ['fragment one byte short', () => new Ts004Decoder('v1', 10, 10).push(1, new Uint8Array(9)), 'FEC_FRAGMENT_LENGTH'],
  ['fragment one byte long', () => new Ts004Decoder('v1', 10, 10).push(11, new Uint8Array(11)), 'FEC_FRAGMENT_LENGTH'],
  ['N = 0', () => new Ts004Decoder('v1', 10, 10).push(0, new Uint8Array(10)), 'FEC_FRAGMENT_N'],
  ['N = 16384', () => new Ts004Decoder('v1', 10, 10).push(16384, new Uint8Array(10)), 'FEC_FRAGMENT_N'],
  ['N = 2.5', () => new Ts004Decoder('v1', 10, 10).push(2.5, new Uint8Array(10)), 'FEC_FRAGMENT_N'],
];
for (const [name, run, code] of bad) {
  test(`bad input: ${name} → ${code}`, (t) => {
    const error = t.throws(run, { instanceOf: ValueError });
    t.is(error?.code, code);
  });
}

test('error messages name the field, the expectation and the value', (t) => {
  const error = t.throws(() => new Ts004Decoder('v1', 10, 10).push(3, new Uint8Array(9)), { instanceOf: ValueError });
  t.is(error?.message, 'fragment N=3 length (bytes): expected 10 (the fragment size), got 9');
});
