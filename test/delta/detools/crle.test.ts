import test from 'ava';
import fc from 'fast-check';
import { DecodeError, ValueError } from '../../../src/core/errors.js';
import { CrleDecoder, decodeCrle, encodeCrle, varintBytes } from '../../../src/delta/detools/crle.js';
import { firmwareLike, firmwareLikeArb } from './heatshrink-baseline.js';

const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));
const rep = (count: number, byte: number): number[] => new Array<number>(count).fill(byte);

/**
 * The segmentation detools/compression/crle.py chooses, written from its rules: the first run of
 * at least 6 equal bytes (MINIMUM_REPEATED_SIZE) becomes one repeated segment, the bytes before it
 * one scattered segment; what has no such run is one scattered segment; empty input is `00 00`.
 */
function crlePyLike(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  const size = (v: number): void => {
    do {
      const low = v & 0x7f;
      v = Math.floor(v / 128);
      out.push(v > 0 ? low | 0x80 : low);
    } while (v > 0);
  };
  if (data.length === 0) return Uint8Array.of(0, 0);
  let start = 0;
  while (start < data.length) {
    let run = -1;
    let runLen = 0;
    for (let i = start; i < data.length; ) {
      let j = i;
      while (j < data.length && data[j] === data[i]) j++;
      if (j - i >= 6) {
        run = i;
        runLen = j - i;
        break;
      }
      i = i + 1;
    }
    if (run < 0) run = data.length;
    if (run > start) {
      out.push(0);
      size(run - start);
      out.push(...data.subarray(start, run));
    }
    if (runLen > 0) {
      out.push(1);
      size(runLen);
      out.push(data[run]!);
    }
    start = run + runLen;
  }
  return Uint8Array.from(out);
}

// Known answers, derived by hand from the format (detools.c patch_reader_crle_*, crle.py):
// kind 0 = scattered + LEB128 size + bytes; kind 1 = repeated + LEB128 count + the byte.
const VECTORS: [name: string, input: number[], expected: number[]][] = [
  ['empty input (crle.py flush writes one empty scattered segment)', [], [0x00, 0x00]],
  ['short text: one scattered segment', ascii('abc'), [0x00, 0x03, ...ascii('abc')]],
  ['a run of 6: one repeated segment', rep(6, 0x61), [0x01, 0x06, 0x61]],
  ['a run of 200: two-byte LEB128 count', rep(200, 0xff), [0x01, 0xc8, 0x01, 0xff]],
  [
    'scattered, repeated, scattered',
    [...ascii('ab'), ...rep(10, 0), ...ascii('xyz')],
    [0x00, 0x02, ...ascii('ab'), 0x01, 0x0a, 0x00, 0x00, 0x03, ...ascii('xyz')],
  ],
  ['130 scattered bytes: two-byte size', Array.from({ length: 130 }, (_, i) => i), [0x00, 0x82, 0x01, ...Array.from({ length: 130 }, (_, i) => i)]],
];

for (const [name, input, expected] of VECTORS) {
  test(`known answer: ${name}`, (t) => {
    t.deepEqual([...encodeCrle(Uint8Array.from(input))], expected);
    t.deepEqual([...decodeCrle(Uint8Array.from(expected))], input);
  });
}

test('a run of 4 inside text stays scattered (a repeated segment would cost more)', (t) => {
  const input = Uint8Array.from([...ascii('ab'), ...rep(4, 0x20), ...ascii('cd')]);
  t.deepEqual([...encodeCrle(input)], [0x00, 0x08, ...input]);
});

test('varint widths: 1..4 bytes, as LEB128', (t) => {
  t.deepEqual([0x7f, 0x80, 0x3fff, 0x4000, 0x1fffff, 0x200000].map(varintBytes), [1, 2, 2, 3, 3, 4]);
});

test('round trip: firmware-like and arbitrary data', (t) => {
  fc.assert(
    fc.property(fc.oneof(firmwareLikeArb(5000), fc.uint8Array({ maxLength: 500 })), (data) => {
      t.deepEqual(decodeCrle(encodeCrle(data)), data);
    }),
    { numRuns: 300 },
  );
});

test('round trip: runs of every length around the break-even and the varint edges', (t) => {
  for (const len of [1, 2, 3, 4, 5, 6, 7, 127, 128, 129, 16383, 16384]) {
    const data = Uint8Array.from([1, 2, 3, ...rep(len, 9), 4, 5]);
    t.deepEqual(decodeCrle(encodeCrle(data)), data, `run of ${len}`);
  }
});

test('optimal segments: never larger than crle.py-style greedy segments', (t) => {
  let ours = 0;
  let greedy = 0;
  fc.assert(
    fc.property(fc.oneof(firmwareLikeArb(5000), fc.uint8Array({ maxLength: 300 })), (data) => {
      const baseline = crlePyLike(data);
      t.deepEqual(decodeCrle(baseline), data, 'the baseline is a valid stream');
      const packed = encodeCrle(data);
      t.true(packed.length <= baseline.length, `${packed.length} > ${baseline.length}`);
      ours += packed.length;
      greedy += baseline.length;
    }),
    { numRuns: 300 },
  );
  t.log(`ours ${ours} bytes, crle.py-style ${greedy} bytes`);
});

test('optimal segments: equal to an exhaustive search on small inputs', (t) => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(0, 0, 0, 1, 2), { minLength: 1, maxLength: 24 }), (values) => {
      const data = Uint8Array.from(values);
      t.is(encodeCrle(data).length, cheapest(data));
    }),
    { numRuns: 300 },
  );
});

/** Fewest bytes over all segmentations (any split, zero-sized segments excluded). */
function cheapest(data: Uint8Array): number {
  const n = data.length;
  const best = new Array<number>(n + 1).fill(Infinity);
  best[0] = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j <= n; j++) {
      best[j] = Math.min(best[j]!, best[i]! + 1 + varintBytes(j - i) + (j - i));
      if (data.subarray(i, j).every((b) => b === data[i])) best[j] = Math.min(best[j]!, best[i]! + 2 + varintBytes(j - i));
    }
  }
  return best[n]!;
}

test('streaming: every chunk size gives the one-shot output', (t) => {
  const data = firmwareLike(5, 3000);
  const packed = encodeCrle(data);
  for (let chunk = 1; chunk <= 300; chunk++) {
    const parts: number[] = [];
    const decoder = new CrleDecoder();
    for (let i = 0; i < packed.length; i += chunk) decoder.push(packed.subarray(i, i + chunk), (b) => parts.push(...b));
    decoder.end(() => {});
    if (!Buffer.from(parts).equals(Buffer.from(data))) t.fail(`chunk size ${chunk}`);
  }
  t.pass();
});

test('zero-sized segments decode to nothing (crle.py reads them too)', (t) => {
  t.deepEqual([...decodeCrle(Uint8Array.of(0, 0, 1, 0, 7, 0, 1, 0x41))], [0x41]);
});

const BAD: [name: string, bytes: number[], code: string, offset: number][] = [
  ['unknown kind 2', [0x02, 0x01, 0x00], 'DECODE_INVALID_VALUE', 0],
  ['unknown kind after a segment', [0x01, 0x06, 0x61, 0xff], 'DECODE_INVALID_VALUE', 3],
  ['a fifth size byte (C reader: DETOOLS_CORRUPT_PATCH_OVERFLOW)', [0x00, 0x80, 0x80, 0x80, 0x80, 0x01], 'DECODE_INVALID_VALUE', 5],
  ['cut inside a size', [0x00, 0x80], 'DECODE_TRUNCATED', 2],
  ['cut after the kind', [0x01], 'DECODE_TRUNCATED', 1],
  ['cut inside scattered data', [0x00, 0x05, 0x61, 0x62], 'DECODE_TRUNCATED', 4],
  ['cut before the repeated byte', [0x01, 0x09], 'DECODE_TRUNCATED', 2],
];

for (const [name, bytes, code, offset] of BAD) {
  test(`bad input: ${name}`, (t) => {
    const error = t.throws(() => decodeCrle(Uint8Array.from(bytes)), { instanceOf: DecodeError });
    t.is(error.code, code);
    t.is(error.offset, offset);
  });
}

test('bad input: a decoder that failed or ended refuses more', (t) => {
  const failed = new CrleDecoder();
  t.throws(() => failed.push(Uint8Array.of(9), () => {}), { instanceOf: DecodeError });
  t.throws(() => failed.push(Uint8Array.of(0), () => {}), { instanceOf: DecodeError });
  const ended = new CrleDecoder();
  ended.end();
  t.throws(() => ended.push(Uint8Array.of(0), () => {}), { instanceOf: DecodeError });
});

test('input over the 28-bit segment size is refused naming the field', (t) => {
  // Not allocated: a view that claims the length is enough for the check.
  const huge = { length: 2 ** 28 } as unknown as Uint8Array;
  t.is(t.throws(() => encodeCrle(huge), { instanceOf: ValueError }).field, 'data.length');
});
