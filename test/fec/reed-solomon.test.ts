import test from 'ava';
import fc from 'fast-check';
import { InternalError, ValueError } from '../../src/core/errors.js';
import { RsDecoder, RsEncoder, rsLayout, rsShardOf, type ReedSolomonEngine } from '../../src/fec/reed-solomon.js';
import { reedSolomonReady } from '../../src/fec/rs-engine.js';
import { referenceParity } from './gf256-reference.js';
import { hex, pseudoRandomBytes } from './helpers.js';

let engine: ReedSolomonEngine;
test.before(async () => {
  engine = await reedSolomonReady();
});

test('reedSolomonReady() loads once', async (t) => {
  t.is(await reedSolomonReady(), engine);
});

test('layout: B = ceil(M / 128) interleaved sub-blocks, ≤ 256 shards each', (t) => {
  t.like(rsLayout(1), { subBlocks: 1, dataShards: [1], maxRedundancy: 255 });
  t.like(rsLayout(128), { subBlocks: 1, dataShards: [128], maxRedundancy: 128 });
  t.like(rsLayout(129), { subBlocks: 2, dataShards: [65, 64], maxRedundancy: 2 * (256 - 65) });
  t.like(rsLayout(256), { subBlocks: 2, dataShards: [128, 128], maxRedundancy: 256 });
  // The 14-bit N space caps it before the shards do.
  t.like(rsLayout(16383), { subBlocks: 128, maxRedundancy: 0 });
  t.like(rsLayout(10000), { subBlocks: 79, maxRedundancy: 6383 });
  // Row i → sub-block i mod B; coded M + j → sub-block (j − 1) mod B, parity (j − 1) div B.
  const layout = rsLayout(300); // B = 3, k = 100 each
  t.deepEqual(rsShardOf(layout, 1), { subBlock: 0, shard: 0 });
  t.deepEqual(rsShardOf(layout, 5), { subBlock: 1, shard: 1 });
  t.deepEqual(rsShardOf(layout, 301), { subBlock: 0, shard: 100 });
  t.deepEqual(rsShardOf(layout, 306), { subBlock: 2, shard: 101 });
});

test('the code on air is the Backblaze GF(2^8) construction (pinned by an independent encoder)', (t) => {
  // M = 17, S = 3: one sub-block; parity fragment i is row k + i of V · V_top^-1 (gf256-reference.ts).
  const block = pseudoRandomBytes(17 * 3, 21);
  const encoder = new RsEncoder(engine, block, 3);
  const expected = referenceParity(block, 17, 9, 3);
  const actual = [...encoder.fragments(9)].slice(17).map((f) => hex(f.data)).join('');
  t.is(actual, hex(expected));
  // Fixed known answer too, so the reference itself cannot drift unnoticed.
  t.is(hex(new RsEncoder(engine, Uint8Array.of(1, 2, 3, 4, 5, 6), 2).fragment(4)), hex(referenceParity(Uint8Array.of(1, 2, 3, 4, 5, 6), 3, 1, 2)));
});

test('parity computed lazily and grown later equals parity computed in one go', (t) => {
  const block = pseudoRandomBytes(40 * 8, 4);
  const lazy = new RsEncoder(engine, block, 8);
  const oneGo = new RsEncoder(engine, block, 8);
  const streamed = [...oneGo.fragments(200)].slice(40).map((f) => hex(f.data));
  const random = [41, 45, 120, 60, 240].map((n) => hex(lazy.fragment(n)));
  t.deepEqual(random, [41, 45, 120, 60, 240].map((n) => streamed[n - 41]));
});

function roundTrip(nbFrag: number, fragmentSize: number, redundancy: number, lost: (n: number) => boolean): { block: Uint8Array; decoder: RsDecoder } {
  const block = pseudoRandomBytes(nbFrag * fragmentSize - (fragmentSize > 1 ? 1 : 0), nbFrag * 31 + fragmentSize);
  const encoder = new RsEncoder(engine, block, fragmentSize);
  const decoder = new RsDecoder(engine, nbFrag, fragmentSize, { paddingBytes: encoder.paddingBytes });
  for (const { n, data } of encoder.fragments(redundancy)) {
    if (lost(n)) continue;
    if (decoder.push(n, data).status === 'done') break;
  }
  return { block, decoder };
}

test('shard limit: M = 1 with 255 parity (256 shards), everything lost but the last parity', (t) => {
  const { block, decoder } = roundTrip(1, 16, 255, (n) => n < 256);
  t.is(hex(decoder.result()!), hex(block));
});

test('shard limit: M = 128, all 128 data fragments lost, rebuilt from the 128 parity', (t) => {
  const { block, decoder } = roundTrip(128, 50, 128, (n) => n <= 128);
  t.is(hex(decoder.result()!), hex(block));
});

test('shard limit: M = 256 (two full sub-blocks of 128 + 128), all data lost', (t) => {
  const { block, decoder } = roundTrip(256, 20, 256, (n) => n <= 256);
  t.is(hex(decoder.result()!), hex(block));
});

test('shard limit: M = 129 splits into 65 + 64; all data lost, rebuilt with parity up to shard 255', (t) => {
  const { block, decoder } = roundTrip(129, 10, 2 * 191, (n) => n <= 129 || (n > 129 + 2 * 126 && n % 2 === 0));
  t.is(hex(decoder.result()!), hex(block));
});

test('M = 16383 (128 sub-blocks, no room for parity in the 14-bit N space) round-trips without loss', (t) => {
  const { block, decoder } = roundTrip(16383, 255, 0, () => false);
  t.true(Buffer.from(decoder.result()!).equals(Buffer.from(block)));
});

test('property: the block comes back exactly when every sub-block has k of its shards', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (nbFrag, fragmentSize, redundancy, seed) => {
        const layout = rsLayout(nbFrag);
        const r = Math.min(redundancy, layout.maxRedundancy);
        const drops = pseudoRandomBytes(nbFrag + r, seed);
        const perSubBlock = new Array(layout.subBlocks).fill(0);
        const { block, decoder } = roundTrip(nbFrag, fragmentSize, r, (n) => {
          if (drops[n - 1]! < 80) return true;
          perSubBlock[rsShardOf(layout, n).subBlock]++;
          return false;
        });
        const enough = perSubBlock.every((count, b) => count >= layout.dataShards[b]!);
        return enough ? hex(decoder.result()!) === hex(block) : decoder.result() === undefined;
      }),
      { numRuns: 60 },
    ),
  );
});

test('status: rank counts min(received, k) per sub-block; memory bound like a device', (t) => {
  const block = pseudoRandomBytes(300 * 4, 8);
  const encoder = new RsEncoder(engine, block, 4);
  const decoder = new RsDecoder(engine, 300, 4, { maxRedundancy: 2 });
  for (let n = 1; n <= 300; n++) if (n > 6) decoder.push(n, encoder.fragment(n)); // rows 1..6 lost: 2 per sub-block
  t.like(decoder.status, { rank: 294, missingFrag: 6, lostUncoded: 6, nbFragReceived: 294 });
  decoder.push(301, encoder.fragment(301));
  decoder.push(302, encoder.fragment(302));
  t.deepEqual(decoder.push(303, encoder.fragment(303)), { status: 'ignored', reason: 'memory' });
  t.true(decoder.status.memoryError);
});

test('an engine failure is an InternalError, not a silent wrong block', (t) => {
  const broken: ReedSolomonEngine = { encode: () => 9, reconstruct: () => 10 };
  const error = t.throws(() => new RsEncoder(broken, new Uint8Array(20), 10).fragment(3), { instanceOf: InternalError });
  t.is(error?.code, 'FEC_RS_ENGINE');
});

const bad: Array<[string, () => unknown, string]> = [
  ['M = 0', () => new RsDecoder(engine, 0, 10), 'FEC_NB_FRAG'],
  ['M = 16384', () => new RsDecoder(engine, 16384, 10), 'FEC_NB_FRAG'],
  ['fragment size 0', () => new RsEncoder(engine, new Uint8Array(10), 0), 'FEC_FRAGMENT_SIZE'],
  ['fragment size 256', () => new RsDecoder(engine, 10, 256), 'FEC_FRAGMENT_SIZE'],
  ['redundancy beyond the shard limit', () => new RsEncoder(engine, new Uint8Array(1280), 10).fragments(129).next(), 'FEC_REDUNDANCY'],
  ['N beyond the last parity shard', () => new RsEncoder(engine, new Uint8Array(1280), 10).fragment(257), 'FEC_FRAGMENT_N'],
  ['decoder N beyond the last parity shard', () => new RsDecoder(engine, 128, 10).push(257, new Uint8Array(10)), 'FEC_FRAGMENT_N'],
  ['fragment of the wrong length', () => new RsDecoder(engine, 128, 10).push(1, new Uint8Array(3)), 'FEC_FRAGMENT_LENGTH'],
];
for (const [name, run, code] of bad) {
  test(`bad input: ${name} → ${code}`, (t) => {
    const error = t.throws(run, { instanceOf: ValueError });
    t.is(error?.code, code);
  });
}
