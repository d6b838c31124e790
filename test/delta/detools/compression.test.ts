import test from 'ava';
import fc from 'fast-check';
import { DecodeError, ValueError } from '../../../src/core/errors.js';
import {
  DEFAULT_HEATSHRINK,
  DETOOLS_COMPRESSIONS,
  compressStream,
  createDecompressor,
  heatshrinkHeaderByte,
  parseHeatshrinkHeaderByte,
  type DetoolsCompression,
  type HeatshrinkParams,
} from '../../../src/delta/detools/compression.js';
import { firmwareLike, firmwareLikeArb } from './heatshrink-baseline.js';

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

function decompressAll(kind: DetoolsCompression, bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const d = createDecompressor(kind);
  d.push(bytes, (b) => parts.push(b));
  d.end((b) => parts.push(b));
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

test('the kinds and the default heatshrink parameters', (t) => {
  t.deepEqual([...DETOOLS_COMPRESSIONS], ['none', 'crle', 'heatshrink']);
  t.deepEqual({ ...DEFAULT_HEATSHRINK }, { windowSz2: 8, lookaheadSz2: 7 });
});

test('none: the bytes as they are', (t) => {
  const data = Uint8Array.from([1, 2, 3, 0, 255]);
  const packed = compressStream('none', data);
  t.deepEqual(packed, data);
  t.deepEqual(decompressAll('none', packed), data);
});

test('an unknown compression or bad heatshrink parameters are refused naming the field', (t) => {
  t.is(t.throws(() => compressStream('lzma' as DetoolsCompression, new Uint8Array(1)), { instanceOf: ValueError }).field, 'compression');
  t.is(t.throws(() => createDecompressor('bz2' as DetoolsCompression), { instanceOf: ValueError }).field, 'compression');
  const w = t.throws(() => compressStream('heatshrink', new Uint8Array(1), { windowSz2: 16, lookaheadSz2: 4 }), { instanceOf: ValueError });
  t.is(w.field, 'heatshrink.windowSz2');
  const l = t.throws(() => compressStream('heatshrink', new Uint8Array(1), { windowSz2: 8, lookaheadSz2: 8 }), { instanceOf: ValueError });
  t.is(l.field, 'heatshrink.lookaheadSz2');
});

const PARAMS = [DEFAULT_HEATSHRINK, { windowSz2: 4, lookaheadSz2: 3 }, { windowSz2: 10, lookaheadSz2: 5 }, { windowSz2: 11, lookaheadSz2: 10 }, { windowSz2: 15, lookaheadSz2: 14 }];

function decompressChunked(kind: DetoolsCompression, bytes: Uint8Array, chunk: number, heatshrink?: HeatshrinkParams): Uint8Array {
  const parts: number[] = [];
  const d = createDecompressor(kind, heatshrink);
  for (let i = 0; i < bytes.length; i += chunk) d.push(bytes.subarray(i, i + chunk), (b) => parts.push(...b));
  d.end((b) => parts.push(...b));
  return Uint8Array.from(parts);
}

test('heatshrink: the detools header byte comes first (0x44 for 8/7)', (t) => {
  t.is(compressStream('heatshrink', ascii('hello'))[0], 0x44);
  t.is(compressStream('heatshrink', ascii('hello'), { windowSz2: 10, lookaheadSz2: 5 })[0], 0x62);
  t.deepEqual(parseHeatshrinkHeaderByte(0x44), { windowSz2: 8, lookaheadSz2: 7 });
  t.is(heatshrinkHeaderByte({ windowSz2: 15, lookaheadSz2: 14 }), 0xbb);
  // Empty input: the header alone.
  t.deepEqual([...compressStream('heatshrink', new Uint8Array(0))], [0x44]);
  t.deepEqual(decompressAll('heatshrink', Uint8Array.of(0x44)), new Uint8Array(0));
});

test('round trip through the API: every kind, several heatshrink parameters, any chunking', (t) => {
  fc.assert(
    fc.property(
      fc.oneof(firmwareLikeArb(3000), fc.uint8Array({ maxLength: 400 })),
      fc.constantFrom(...DETOOLS_COMPRESSIONS),
      fc.constantFrom(...PARAMS),
      fc.integer({ min: 1, max: 97 }),
      (data, kind, params, chunk) => {
        const packed = compressStream(kind, data, params);
        t.deepEqual(decompressChunked(kind, packed, chunk), data);
        t.deepEqual(decompressChunked(kind, packed, chunk, kind === 'heatshrink' ? params : undefined), data);
      },
    ),
    { numRuns: 300 },
  );
});

test('streaming: every chunk size 1..n equals one-shot, every kind', (t) => {
  const data = firmwareLike(21, 900);
  for (const kind of DETOOLS_COMPRESSIONS) {
    const packed = compressStream(kind, data);
    for (let chunk = 1; chunk <= packed.length; chunk++) {
      if (!Buffer.from(decompressChunked(kind, packed, chunk)).equals(Buffer.from(data))) t.fail(`${kind}, chunk ${chunk}`);
    }
  }
  t.pass();
});

// Bad heatshrink streams at the API: [name, bytes, device params or undefined, code, offset].
const BAD_HEATSHRINK: [string, number[], HeatshrinkParams | undefined, string, number][] = [
  ['no header byte', [], undefined, 'DECODE_TRUNCATED', 0],
  ['header naming window 16 (0xc4)', [0xc4, 0x00], undefined, 'DECODE_INVALID_VALUE', 0],
  ['header naming lookahead 9 above window 8 (0x46)', [0x46, 0x00], undefined, 'DECODE_INVALID_VALUE', 0],
  ['header 10/5 where the device build has 8/7', [0x62, 0x00], DEFAULT_HEATSHRINK, 'DECODE_INVALID_VALUE', 0],
  ['cut inside a literal after the header', [0x44, 0x80], undefined, 'DECODE_TRUNCATED', 2],
  ['padding bit set after the header', [0x44, 0xb0, 0x80, 0x01, 0x81], undefined, 'DECODE_INVALID_VALUE', 4],
];

for (const [name, bytes, params, code, offset] of BAD_HEATSHRINK) {
  test(`bad heatshrink stream: ${name}`, (t) => {
    const error = t.throws(() => decompressChunked('heatshrink', Uint8Array.from(bytes), 3, params), { instanceOf: DecodeError });
    t.is(error.code, code);
    t.is(error.offset, offset);
  });
}

test('a decoder that accepts lookahead == window takes heatshrink 7/7 (heatshrink_decoder_alloc allows it)', (t) => {
  // "foofoo" at 7/7 from test_heatshrink_dynamic.c, behind a detools header byte 0x34.
  t.deepEqual(decompressAll('heatshrink', Uint8Array.of(0x34, 0xb3, 0x5b, 0xed, 0xe0, 0x40, 0x80)), ascii('foofoo'));
  t.throws(() => compressStream('heatshrink', ascii('foofoo'), { windowSz2: 7, lookaheadSz2: 7 }), { instanceOf: ValueError });
});
