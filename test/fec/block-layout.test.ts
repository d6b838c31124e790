import test from 'ava';
import { ValueError } from '../../src/core/errors.js';
import { layoutBlock } from '../../src/fec/block-layout.js';

test('M = ceil(size / S) and Padding = M·S − size', (t) => {
  t.deepEqual(layoutBlock(100, 10), { nbFrag: 10, fragmentSizeBytes: 10, paddingBytes: 0, blockSizeBytes: 100 });
  t.like(layoutBlock(101, 10), { nbFrag: 11, paddingBytes: 9 });
  t.like(layoutBlock(1, 255), { nbFrag: 1, paddingBytes: 254 });
  t.like(layoutBlock(16383 * 255, 255), { nbFrag: 16383, paddingBytes: 0 });
});

const bad: Array<[string, number, number, string]> = [
  ['empty block', 0, 10, 'FEC_NB_FRAG'],
  ['M = 16384', 16383 * 10 + 1, 10, 'FEC_NB_FRAG'],
  ['fragment size 0', 10, 0, 'FEC_FRAGMENT_SIZE'],
  ['fragment size 256', 10, 256, 'FEC_FRAGMENT_SIZE'],
  ['fragment size −1', 10, -1, 'FEC_FRAGMENT_SIZE'],
];
for (const [name, size, fragmentSize, code] of bad) {
  test(`bad input: ${name} → ${code}`, (t) => {
    const error = t.throws(() => layoutBlock(size, fragmentSize), { instanceOf: ValueError });
    t.is(error?.code, code);
  });
}

test('the M limit message says how large a block may be', (t) => {
  t.is(t.throws(() => layoutBlock(163831, 10))?.message, 'data block size (bytes): expected at most 163830 bytes with 10-byte fragments (M ≤ 16383), got 163831');
});
