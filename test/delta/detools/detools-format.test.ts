import test from 'ava';
import fc from 'fast-check';
import { DecodeError, ValueError } from '../../../src/core/errors.js';
import { createDetoolsPatch } from '../../../src/delta/detools/detools-diff.js';
import { SizeReader, encodeSize, headerByte, heatshrinkParamsByte, readDetoolsHeader, sizeBytes } from '../../../src/delta/detools/detools-format.js';

// Known answers worked out by hand from eerimoq/detools detools/bsdiff.c pack_size (first byte:
// 0x80 continue, 0x40 sign, 6 value bits; then 7 bits a byte, least significant first).
const SIZES: [number, number[]][] = [
  [0, [0x00]],
  [1, [0x01]],
  [63, [0x3f]],
  [64, [0x80, 0x01]],
  [8191, [0xbf, 0x7f]],
  [8192, [0x80, 0x80, 0x01]],
  [43316, [0xb4, 0xa4, 0x05]], // 43316 = 0x34 + 64 * (0x24 + 128 * 5): the bench images' size
  [-1, [0x41]],
  [-64, [0xc0, 0x01]],
  [2 ** 27 - 1, [0xbf, 0xff, 0xff, 0x7f]],
];

const readSize = (bytes: number[]): number => {
  const reader = new SizeReader('size', 'test');
  for (let i = 0; i < bytes.length; i++) if (reader.push(bytes[i]!, i)) return reader.value;
  throw new Error('size not complete');
};

test('size varint: known answers (detools/bsdiff.c pack_size)', (t) => {
  for (const [value, bytes] of SIZES) {
    t.deepEqual([...encodeSize(value)], bytes, `encode ${value}`);
    t.is(readSize(bytes), value, `decode ${value}`);
    t.is(sizeBytes(value), bytes.length, `length of ${value}`);
  }
});

test('size varint: round trip over the 27-bit range, signed', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 27 - 1), max: 2 ** 27 - 1 }), (value) => {
      const bytes = [...encodeSize(value)];
      return readSize(bytes) === value && bytes.length === sizeBytes(value) && bytes.length <= 4;
    }),
  );
  t.pass();
});

test('size varint: a fifth byte is refused, as detools.c is_overflow (CORRUPT_PATCH_OVERFLOW)', (t) => {
  const error = t.throws(() => readSize([0xfc, 0xf7, 0xfe, 0xfb, 0x04]), { instanceOf: DecodeError });
  t.is(error.code, 'DECODE_INVALID_VALUE');
  t.is(error.offset, 4);
});

test('size varint: values beyond 27 bits are refused when encoding', (t) => {
  t.throws(() => encodeSize(2 ** 27), { instanceOf: ValueError });
  t.throws(() => encodeSize(1.5), { instanceOf: ValueError });
});

test('header byte: p1u3u4 of patch type 0 and the compression id (detools/create.py pack_header, common.py)', (t) => {
  t.is(headerByte('none'), 0x00);
  t.is(headerByte('crle'), 0x02);
  t.is(headerByte('heatshrink'), 0x04);
  t.is(heatshrinkParamsByte({ windowSz2: 8, lookaheadSz2: 7 }), 0x44);
  t.is(heatshrinkParamsByte({ windowSz2: 11, lookaheadSz2: 10 }), 0x77);
});

test('readDetoolsHeader: a detools corpus patch and our own patches', (t) => {
  t.deepEqual(readDetoolsHeader(Uint8Array.of(0x02, 0x3a)), { compression: 'crle', toSizeBytes: 58, headerBytes: 2 });
  const old = Uint8Array.from({ length: 300 }, (_, i) => (i * 31) & 0xff);
  const next = old.slice();
  next[100] = 7;
  const patch = createDetoolsPatch(old, next, { compression: 'heatshrink' });
  t.deepEqual([...patch.subarray(0, 4)], [0x04, 0xac, 0x04, 0x44]); // 300 = 0x2c + 64 * 4
  t.deepEqual(readDetoolsHeader(patch), { compression: 'heatshrink', heatshrink: { windowSz2: 8, lookaheadSz2: 7 }, toSizeBytes: 300, headerBytes: 3 });
  t.deepEqual(readDetoolsHeader(createDetoolsPatch(old, next, { compression: 'none' })), { compression: 'none', toSizeBytes: 300, headerBytes: 3 });
});

type Bad = [name: string, patch: number[], code: string, offset: number];
const BAD_HEADERS: Bad[] = [
  ['empty patch', [], 'DECODE_TRUNCATED', 0],
  ['in-place patch type (1)', [0x10, 0x00], 'DECODE_INVALID_VALUE', 0],
  ['bit 7 set', [0x80, 0x00], 'DECODE_INVALID_VALUE', 0],
  ['lzma compression (1)', [0x01, 0x05], 'DECODE_INVALID_VALUE', 0],
  ['bz2 compression (3)', [0x03, 0x05], 'DECODE_INVALID_VALUE', 0],
  ['unknown compression 15', [0x0f, 0x05], 'DECODE_INVALID_VALUE', 0],
  ['no to-size', [0x00], 'DECODE_TRUNCATED', 1],
  ['to-size cut after a continue bit', [0x00, 0x80], 'DECODE_TRUNCATED', 2],
  ['negative to-size', [0x00, 0x41], 'DECODE_INVALID_VALUE', 1],
  // detools src/c/tst/test_fuzzer_corpus.c corrupt_crle_idle_out_of_data: the C reader ignores the
  // sign bit of a header size (chunk_unpack_header_size) and reads 58; Python's unpack_size -58.
  ['to-size with the sign bit (detools fuzzer corpus)', [0x02, 0x7a], 'DECODE_INVALID_VALUE', 1],
  // detools src/c/tst/test_fuzzer_corpus.c size_overflow_header (sign bit set: refused at once).
  ['to-size of five bytes, sign bit set (detools fuzzer corpus)', [0x04, 0xfc, 0xf7, 0xfe, 0xfb, 0x04], 'DECODE_INVALID_VALUE', 1],
  ['to-size of five bytes', [0x04, 0xbc, 0xf7, 0xfe, 0xfb, 0x04], 'DECODE_INVALID_VALUE', 5],
  ['heatshrink without its parameter byte', [0x04, 0x05], 'DECODE_TRUNCATED', 2],
  ['heatshrink lookahead above window', [0x04, 0x05, 0x0f], 'DECODE_INVALID_VALUE', 2],
];

test('readDetoolsHeader: bad headers', (t) => {
  for (const [name, patch, code, offset] of BAD_HEADERS) {
    const error = t.throws(() => readDetoolsHeader(Uint8Array.from(patch)), { instanceOf: DecodeError }, name);
    t.is(error?.code, code, name);
    t.is(error?.offset, offset, name);
  }
});
