import test from 'ava';
import fc from 'fast-check';
import { compressStream } from '../../../src/delta/detools/compression.js';
import { BSDIFF_SETTINGS, matchRecords, serializeRecords, type DetoolsRecord } from '../../../src/delta/detools/detools-diff.js';
import { applyDetoolsPatch } from '../../../src/delta/detools/detools-patch.js';
import { headerByte, writeSize } from '../../../src/delta/detools/detools-format.js';
import { HeatshrinkSliceCost } from '../../../src/delta/detools/heatshrink-slice-cost.js';
import { refineRecords } from '../../../src/delta/detools/record-refine.js';
import { buildSuffixArray } from '../../../src/delta/suffix-array.js';

const image = (length: number, seed: number): Uint8Array => {
  let state = seed;
  return Uint8Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state >>> 24;
  });
};

const model = new HeatshrinkSliceCost({ windowSz2: 8, lookaheadSz2: 7 });
const heatshrinkBits = (bytes: Uint8Array): number => model.bitsOf(bytes);

function heatshrinkPatch(newLength: number, stream: Uint8Array): Uint8Array {
  const header = [headerByte('heatshrink')];
  writeSize(newLength, header);
  return Uint8Array.from([...header, ...compressStream('heatshrink', stream)]);
}

/** Covers the new image exactly and keeps every old read inside the old image. */
function valid(old: Uint8Array, next: Uint8Array, records: readonly DetoolsRecord[]): boolean {
  let newAt = 0;
  let oldAt = 0;
  for (const r of records) {
    if (r.diffBytes < 0 || r.extraBytes < 0 || oldAt < 0 || oldAt + r.diffBytes > old.length) return false;
    newAt += r.diffBytes + r.extraBytes;
    oldAt += r.diffBytes + r.adjustment;
  }
  return newAt === next.length;
}

test('a short record of zeros matched far away is folded into extra bytes (two long seeks saved)', (t) => {
  // New = old with 12 zeros inserted at 3000; old has 16 zeros at 6000, which bsdiff's scan
  // matches exactly, seeking there and back.
  const old = image(8000, 1);
  old.fill(0, 6000, 6016);
  const next = Uint8Array.from([...old.subarray(0, 3000), ...new Uint8Array(12), ...old.subarray(3000)]);
  const records = matchRecords(old, next, buildSuffixArray(old), BSDIFF_SETTINGS);
  t.true(
    records.some((r) => r.diffBytes === 12 && Math.abs(r.adjustment) > 2000),
    `matcher's records ${JSON.stringify(records)}`,
  );
  const refined = refineRecords(old, next, records, heatshrinkBits);
  t.true(valid(old, next, refined));
  t.deepEqual(refined[0], { diffBytes: 3000, extraBytes: 12, adjustment: 0 });
  const before = compressStream('heatshrink', serializeRecords(old, next, records)).length;
  const after = compressStream('heatshrink', serializeRecords(old, next, refined));
  t.true(after.length < before, `${after.length} vs ${before}`);
  t.deepEqual(applyDetoolsPatch(old, heatshrinkPatch(next.length, serializeRecords(old, next, refined))), next);
});

test('a boundary is moved where the extra bytes would be zero diff bytes under the alignment before', (t) => {
  // Records say: 990 diff bytes, 10 extra (which equal the old bytes there), then the rest at
  // offset +2000. Diffing those 10 under the first alignment gives zeros: cheaper.
  const old = image(6000, 2);
  const next = Uint8Array.from([...old.subarray(0, 1000), ...old.subarray(3000, 5000)]);
  const records: DetoolsRecord[] = [
    { diffBytes: 990, extraBytes: 10, adjustment: 2010 },
    { diffBytes: 2000, extraBytes: 0, adjustment: 0 },
  ];
  const refined = refineRecords(old, next, records, heatshrinkBits);
  t.deepEqual(refined, [
    { diffBytes: 1000, extraBytes: 0, adjustment: 2000 },
    { diffBytes: 2000, extraBytes: 0, adjustment: 0 },
  ]);
});

test('nothing to gain: records come back unchanged', (t) => {
  const old = image(3000, 3);
  const records: DetoolsRecord[] = [{ diffBytes: 3000, extraBytes: 0, adjustment: 0 }];
  t.deepEqual(refineRecords(old, old, records, heatshrinkBits), records);
  t.deepEqual(refineRecords(old, old, [], heatshrinkBits), []);
});

test('refined records stay valid and patch to the new image, for any cost function', (t) => {
  const costs = [heatshrinkBits, (bytes: Uint8Array) => bytes.length * 8, (bytes: Uint8Array) => bytes.reduce((sum, b) => sum + (b === 0 ? 1 : 9), 0)];
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.uint8Array({ maxLength: 60 }), fc.nat({ max: 2 }), fc.nat({ max: 3 }), (old, insert, pick, margin) => {
      const next = Uint8Array.from([...old.subarray(0, old.length >> 1), ...insert, ...old.subarray(old.length >> 2)]);
      for (let i = 0; i < next.length; i += 7) next[i] = (next[i]! + (i & 1)) & 0xff;
      const records = matchRecords(old, next, buildSuffixArray(old), BSDIFF_SETTINGS);
      const refined = refineRecords(old, next, records, costs[pick]!, { marginBytes: [4, 32, 128, 256][margin]! });
      if (!valid(old, next, refined)) return false;
      const patched = applyDetoolsPatch(old, heatshrinkPatch(next.length, serializeRecords(old, next, refined)));
      return patched.length === next.length && patched.every((b, i) => b === next[i]);
    }),
    { numRuns: 150 },
  );
  t.pass();
});

test('a boundary after more extra bytes than maxExtraBytes is left alone (bounded pricing)', (t) => {
  const old = image(6000, 4);
  const fresh = image(3000, 5).map((b) => b ^ 0x5a);
  const next = Uint8Array.from([...old.subarray(0, 1000), ...fresh, ...old.subarray(3000, 5000)]);
  // 10 of the extra bytes should be diff bytes (they equal old[990..1000]): a move would gain.
  const records: DetoolsRecord[] = [
    { diffBytes: 990, extraBytes: 3010, adjustment: 2010 },
    { diffBytes: 2000, extraBytes: 0, adjustment: 0 },
  ];
  t.deepEqual(refineRecords(old, next, records, heatshrinkBits, { maxExtraBytes: 3000 }), records);
  // Allowed to price it, the 10 bytes go to the diff (beyond 1000 random diff bytes or random extra
  // bytes cost the same, so where exactly it stops is a tie).
  const moved = refineRecords(old, next, records, heatshrinkBits, { maxExtraBytes: 4000 });
  t.true(moved[0]!.diffBytes >= 1000, JSON.stringify(moved));
  t.true(valid(old, next, moved));
});
