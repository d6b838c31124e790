import test from 'ava';
import fc from 'fast-check';
import { DecodeError, ValueError } from '../../../src/core/errors.js';
import { createDetoolsPatch } from '../../../src/delta/detools/detools-diff.js';
import { encodeSize } from '../../../src/delta/detools/detools-format.js';
import { DetoolsPatcher, applyDetoolsPatch } from '../../../src/delta/detools/detools-patch.js';

const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));
const size = (value: number): number[] => [...encodeSize(value)];

// Known answer written by hand from the record layout of detools' C library (src/c/detools.c,
// process_dfpatch_size .. process_adjustment). Old: "0123456789".
const OLD = Uint8Array.from(ascii('0123456789'));
const KNOWN_STREAM = [
  0x00, //                                    data-format patch size 0
  0x04, 0x00, 0x00, 0x01, 0x00, //            diff 4 on "0123"        -> "0133"   old 0 -> 4
  0x02, ...ascii('xy'), //                    extra 2                 -> "xy"
  0x02, //                                    adjustment +2                       old 4 -> 6
  0x03, 0x00, 0xff, 0x00, //                  diff 3 on "678"         -> "668"    old 6 -> 9
  0x00, //                                    extra 0
  0x49, //                                    adjustment -9 (sign bit 0x40)       old 9 -> 0
  0x01, 0x00, 0x00, 0x00, //                  diff 1 on "0", extra 0, adjustment 0
];
const KNOWN_PATCH = Uint8Array.from([0x00, 0x0a, ...KNOWN_STREAM]);
const KNOWN_NEW = Uint8Array.from(ascii('0133xy6680'));

test('known-answer patch (none): diff with carries, extra, forward and backward adjustments', (t) => {
  t.deepEqual(applyDetoolsPatch(OLD, KNOWN_PATCH), KNOWN_NEW);
});

test('a zero to-size is a whole patch: nothing follows the header (detools/create.py)', (t) => {
  t.deepEqual(applyDetoolsPatch(OLD, Uint8Array.of(0x00, 0x00)), new Uint8Array(0));
  t.deepEqual([...createDetoolsPatch(OLD, new Uint8Array(0), { compression: 'heatshrink' })], [0x04, 0x00]);
  t.deepEqual(applyDetoolsPatch(OLD, Uint8Array.of(0x04, 0x00)), new Uint8Array(0));
});

const none = (toSize: number, stream: number[]): number[] => [0x00, ...size(toSize), ...stream];

type Bad = [name: string, old: Uint8Array, patch: number[], code: string, offset: number | undefined];
const BAD: Bad[] = [
  ['empty patch', OLD, [], 'DECODE_TRUNCATED', 0],
  ['lzma compression', OLD, [0x01, 0x0a], 'DECODE_INVALID_VALUE', 0],
  ['in-place patch type', OLD, [0x10, 0x0a], 'DECODE_INVALID_VALUE', 0],
  ['header cut inside the to-size', OLD, [0x00, 0x80], 'DECODE_TRUNCATED', 2],
  ['negative to-size', OLD, [0x00, 0x4a], 'DECODE_INVALID_VALUE', 1],
  ['to-size but no stream', OLD, none(10, []), 'DECODE_TRUNCATED', 0],
  ['data-format patch size 5 (NOT_IMPLEMENTED in detools.c)', OLD, none(10, [0x05]), 'DECODE_INVALID_VALUE', 0],
  // detools src/c/tst/test_fuzzer_corpus.c dfpatch_not_implemented: crle, scattered 0x05 0xfe.
  ['detools corpus: crle data-format size 5', OLD, [0x02, 0x08, 0x00, 0x40, 0x05, 0xfe], 'DECODE_INVALID_VALUE', 0],
  // detools src/c/tst/test_fuzzer_corpus.c corrupt_crle_kind.
  ['detools corpus: crle segment kind 0x3d', OLD, [0x02, 0x0a, 0x3d], 'DECODE_INVALID_VALUE', undefined],
  ['diff past the to-size', OLD, none(2, [0x00, 0x03]), 'DECODE_INVALID_VALUE', 1],
  ['diff past the old image', OLD, none(12, [0x00, 0x0b]), 'DECODE_INVALID_VALUE', 1],
  ['negative diff size', OLD, none(10, [0x00, 0x41]), 'DECODE_INVALID_VALUE', 1],
  ['extra past the to-size', OLD, none(3, [0x00, 0x01, 0x00, 0x03]), 'DECODE_INVALID_VALUE', 3],
  ['adjustment before old offset 0', OLD, none(4, [0x00, 0x02, 0x00, 0x00, 0x00, 0x43]), 'DECODE_INVALID_VALUE', 5],
  ['adjustment past the old image', OLD, none(4, [0x00, 0x02, 0x00, 0x00, 0x00, 0x09]), 'DECODE_INVALID_VALUE', 5],
  ['a size of five bytes (detools.c is_overflow)', OLD, none(10, [0x00, 0x80, 0x80, 0x80, 0x80, 0x01]), 'DECODE_INVALID_VALUE', 5],
  ['stream cut inside diff data', OLD, none(4, [0x00, 0x04, 0x00, 0x00]), 'DECODE_TRUNCATED', 4],
  ['stream cut before the last adjustment', OLD, none(2, [0x00, 0x02, 0x00, 0x00, 0x00]), 'DECODE_TRUNCATED', 5],
  ['stream cut inside a size', OLD, none(200, [0x00, 0x80]), 'DECODE_TRUNCATED', 2],
  ['bytes after the last record', OLD, [...KNOWN_PATCH, 0x00], 'DECODE_TRAILING_BYTES', KNOWN_STREAM.length],
  ['bytes after a zero to-size', OLD, [0x00, 0x00, 0x00], 'DECODE_TRAILING_BYTES', 2],
];

test('bad patches: DecodeError with the offset and what was expected', (t) => {
  for (const [name, old, patch, code, offset] of BAD) {
    const error = t.throws(() => applyDetoolsPatch(old, Uint8Array.from(patch)), { instanceOf: DecodeError }, name);
    t.is(error?.code, code, name);
    if (offset !== undefined) t.is(error?.offset, offset, name);
  }
});

test('maxOutputBytes refuses a larger declared image before any output', (t) => {
  const error = t.throws(() => applyDetoolsPatch(OLD, KNOWN_PATCH, { maxOutputBytes: 9 }), { instanceOf: DecodeError });
  t.is(error.code, 'DECODE_INVALID_VALUE');
  t.regex(error.message, /at most 9/);
});

test('heatshrink parameters other than the device build are refused', (t) => {
  const next = Uint8Array.from(ascii('0123456789abcdef'));
  const patch = createDetoolsPatch(OLD, next, { compression: 'heatshrink' });
  t.deepEqual(applyDetoolsPatch(OLD, patch, { heatshrink: { windowSz2: 8, lookaheadSz2: 7 } }), next);
  t.throws(() => applyDetoolsPatch(OLD, patch, { heatshrink: { windowSz2: 10, lookaheadSz2: 5 } }), { instanceOf: DecodeError });
});

test('a failed or ended patcher refuses further use', (t) => {
  const patcher = new DetoolsPatcher(OLD.length, (o, n) => OLD.subarray(o, o + n), () => {});
  t.throws(() => patcher.push(Uint8Array.of(0x01)), { instanceOf: DecodeError });
  t.throws(() => patcher.push(Uint8Array.of(0x00)), { instanceOf: ValueError, code: 'DELTA_PATCHER_FAILED' });
  const done = new DetoolsPatcher(OLD.length, (o, n) => OLD.subarray(o, o + n), () => {});
  done.push(KNOWN_PATCH);
  done.end();
  t.throws(() => done.end(), { instanceOf: ValueError, code: 'DELTA_PATCHER_ENDED' });
});

/** A firmware-like pair: the new image inserts, deletes and shifts "addresses" by a few bytes. */
function pairFrom(seed: number, length: number): [Uint8Array, Uint8Array] {
  let state = seed >>> 0 || 1;
  const random = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const old = Uint8Array.from({ length }, () => Math.floor(random() * 256));
  const parts: number[] = [];
  for (let i = 0; i < length; i++) {
    const r = random();
    if (r < 0.01) parts.push(Math.floor(random() * 256), Math.floor(random() * 256));
    else if (r < 0.015) continue;
    else parts.push(r < 0.05 ? (old[i]! + 4) & 0xff : old[i]!);
  }
  return [old, Uint8Array.from(parts)];
}

test('streaming: every chunk size gives the same image; pages and old reads stay bounded', (t) => {
  const [old, next] = pairFrom(7, 3000);
  for (const compression of ['none', 'crle', 'heatshrink'] as const) {
    const patch = createDetoolsPatch(old, next, { compression });
    for (const pageSizeBytes of [1, 7, 128]) {
      for (let chunk = 1; chunk <= Math.min(patch.length, 64); chunk += chunk < 8 ? 1 : 13) {
        const out: number[] = [];
        let largestRead = 0;
        const patcher = new DetoolsPatcher(
          old.length,
          (offset, length) => {
            largestRead = Math.max(largestRead, length);
            t.true(offset >= 0 && offset + length <= old.length);
            return old.subarray(offset, offset + length);
          },
          (bytes) => {
            t.true(bytes.length <= pageSizeBytes);
            out.push(...bytes);
          },
          { pageSizeBytes },
        );
        for (let at = 0; at < patch.length; at += chunk) patcher.push(patch.subarray(at, at + chunk));
        patcher.end();
        t.true(largestRead <= pageSizeBytes);
        t.deepEqual(Uint8Array.from(out), next, `${compression}, page ${pageSizeBytes}, chunk ${chunk}`);
      }
    }
  }
});

test('streaming: a patch cut anywhere is refused at end()', (t) => {
  const [old, next] = pairFrom(11, 600);
  for (const compression of ['none', 'crle', 'heatshrink'] as const) {
    const patch = createDetoolsPatch(old, next, { compression });
    for (let cut = 0; cut < patch.length; cut += Math.max(1, Math.floor(patch.length / 40))) {
      t.throws(() => applyDetoolsPatch(old, patch.subarray(0, cut)), { instanceOf: DecodeError }, `${compression} cut at ${cut}`);
    }
  }
});

const edits = fc.array(
  fc.record({ at: fc.nat(), kind: fc.constantFrom('insert', 'delete', 'bump', 'copy'), bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }) }),
  { maxLength: 8 },
);

for (const compression of ['none', 'crle', 'heatshrink'] as const) {
  test(`round trip (${compression}): any old image and an edited new one`, (t) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), edits, fc.boolean(), (old, changes, unrelated) => {
        let next = Array.from(old);
        for (const change of changes) {
          const at = next.length === 0 ? 0 : change.at % (next.length + 1);
          if (change.kind === 'insert') next.splice(at, 0, ...change.bytes);
          else if (change.kind === 'delete') next.splice(at, change.bytes.length);
          else if (change.kind === 'bump') for (let i = at; i < Math.min(next.length, at + change.bytes.length); i++) next[i] = (next[i]! + change.bytes[0]!) & 0xff;
          else next.splice(at, 0, ...next.slice(0, change.bytes.length));
        }
        if (unrelated) next = Array.from(changes.flatMap((c) => [...c.bytes]));
        const image = Uint8Array.from(next);
        const patch = createDetoolsPatch(old, image, { compression });
        const back = applyDetoolsPatch(old, patch);
        return Buffer.from(back).equals(Buffer.from(image));
      }),
      { numRuns: compression === 'heatshrink' ? 60 : 150 },
    );
    t.pass();
  });
}
