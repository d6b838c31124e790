import test from 'ava';
import fc from 'fast-check';
import { DecodeError, ValueError } from '../../src/core/errors.js';
import { hexToBytes } from '../../src/core/hex.js';
import { decodeDataFragment, encodeDataFragment } from '../../src/fec/data-fragment.js';
import { hex } from './helpers.js';

test('DataFragment N = 1024, FragIndex 2 (chirpstack lrwn/src/applayer/fragmentation/v2.rs test_data_fragment, MIT)', (t) => {
  t.is(hex(encodeDataFragment(2, 1024, Uint8Array.of(1, 2, 3, 4))), '0800840102030' + '4');
  t.deepEqual(decodeDataFragment(hexToBytes('08008401020304')), { fragIndex: 2, n: 1024, data: Uint8Array.of(1, 2, 3, 4) });
});

test('Index&N: N in bits 13:0, FragIndex in 15:14, little-endian (TS004 v1.0.0 §3.6)', (t) => {
  t.is(hex(encodeDataFragment(3, 16383, new Uint8Array(0))), '08ffff');
  t.is(hex(encodeDataFragment(0, 1, Uint8Array.of(0xaa))), '080100aa');
});

test('decode(encode(x)) = x (property)', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 16383 }), fc.uint8Array({ maxLength: 255 }), (fragIndex, n, data) => {
        const back = decodeDataFragment(encodeDataFragment(fragIndex, n, data));
        return back.fragIndex === fragIndex && back.n === n && hex(back.data) === hex(data);
      }),
    ),
  );
});

const badDecode: Array<[string, string, string]> = [
  ['empty', '', 'DECODE_TRUNCATED'],
  ['CID only', '08', 'DECODE_TRUNCATED'],
  ['half an Index&N', '0801', 'DECODE_TRUNCATED'],
  ['another CID', '02010000', 'DECODE_UNKNOWN_COMMAND'],
  ['N = 0', '080000ff', 'DECODE_INVALID_VALUE'],
];
for (const [name, text, code] of badDecode) {
  test(`decode bad input: ${name} → ${code}`, (t) => {
    const error = t.throws(() => decodeDataFragment(hexToBytes(text)), { instanceOf: DecodeError });
    t.is(error?.code, code);
  });
}

const badEncode: Array<[string, () => unknown, string]> = [
  ['FragIndex 4', () => encodeDataFragment(4, 1, new Uint8Array(1)), 'FEC_FRAG_INDEX'],
  ['N = 0', () => encodeDataFragment(0, 0, new Uint8Array(1)), 'FEC_FRAGMENT_N'],
  ['N = 16384', () => encodeDataFragment(0, 16384, new Uint8Array(1)), 'FEC_FRAGMENT_N'],
];
for (const [name, run, code] of badEncode) {
  test(`encode bad input: ${name} → ${code}`, (t) => {
    t.is(t.throws(run, { instanceOf: ValueError })?.code, code);
  });
}
