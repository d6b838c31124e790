import test from 'ava';
import fc from 'fast-check';
import { DecodeError } from '../../../src/core/errors.js';
import { DEFAULT_HEATSHRINK, compressStream, createDecompressor, type HeatshrinkParams } from '../../../src/delta/detools/compression.js';
import { firmwareLikeArb, firmwareLike, patchLikeArb } from './heatshrink-baseline.js';
import { deviceReadHeatshrink } from './heatshrink-device-model.js';

const PARAMS: HeatshrinkParams[] = [DEFAULT_HEATSHRINK, { windowSz2: 4, lookaheadSz2: 3 }, { windowSz2: 9, lookaheadSz2: 8 }, { windowSz2: 11, lookaheadSz2: 10 }, { windowSz2: 12, lookaheadSz2: 4 }];

function ours(stream: Uint8Array): Uint8Array {
  const parts: number[] = [];
  const d = createDecompressor('heatshrink');
  d.push(stream, (b) => parts.push(...b));
  d.end((b) => parts.push(...b));
  return Uint8Array.from(parts);
}

test('the device (heatshrink C decoder driven as detools drives it) reads every stream we write, to its last byte', (t) => {
  fc.assert(
    fc.property(
      fc.oneof(firmwareLikeArb(3000), patchLikeArb(6000)),
      fc.constantFrom(...PARAMS),
      fc.array(fc.integer({ min: 1, max: 128 }), { minLength: 1, maxLength: 5 }),
      (data, params, requests) => {
        const stream = compressStream('heatshrink', data, params);
        const device = deviceReadHeatshrink(stream, data.length, params, requests);
        t.true(device.ok, device.ok ? '' : device.reason);
        if (device.ok) t.deepEqual(device.output, data);
      },
    ),
    { numRuns: 200 },
  );
});

test('the default device build refuses a stream with other parameters (DETOOLS_HEATSHRINK_HEADER)', (t) => {
  const stream = compressStream('heatshrink', firmwareLike(1, 100), { windowSz2: 10, lookaheadSz2: 5 });
  t.deepEqual(deviceReadHeatshrink(stream, 100, DEFAULT_HEATSHRINK), { ok: false, reason: 'DETOOLS_HEATSHRINK_HEADER' });
});

test('a stream with a byte more, or a byte less, fails on the device and in our decoder', (t) => {
  const data = firmwareLike(2, 500);
  const stream = compressStream('heatshrink', data);
  const longer = Uint8Array.from([...stream, 0]);
  const shorter = stream.subarray(0, stream.length - 1);
  t.false(deviceReadHeatshrink(longer, data.length, DEFAULT_HEATSHRINK).ok);
  t.false(deviceReadHeatshrink(shorter, data.length, DEFAULT_HEATSHRINK).ok);
  t.throws(() => ours(longer), { instanceOf: DecodeError });
  t.throws(() => ours(shorter), { instanceOf: DecodeError });
});

test('non-zero padding: the device never reads it, we refuse it (stricter on purpose)', (t) => {
  // "aaaaa" at 8/7 is 25 bits: 7 padding bits in the last byte.
  const stream = Uint8Array.of(0x44, 0xb0, 0x80, 0x01, 0x80 | 0x7f);
  const device = deviceReadHeatshrink(stream, 5, DEFAULT_HEATSHRINK);
  t.true(device.ok);
  t.throws(() => ours(stream), { instanceOf: DecodeError, code: 'DECODE_INVALID_VALUE' });
});
