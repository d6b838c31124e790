import test from 'ava';
import fc from 'fast-check';
import { ValueError } from '../../../src/core/errors.js';
import { compressStream } from '../../../src/delta/detools/compression.js';
import { BSDIFF_SETTINGS, createDetoolsPatch, matchRecords, serializeRecords, type DetoolsRecord } from '../../../src/delta/detools/detools-diff.js';
import { applyDetoolsPatch } from '../../../src/delta/detools/detools-patch.js';
import { buildSuffixArray } from '../../../src/delta/suffix-array.js';

const image = (length: number, seed: number): Uint8Array => {
  let state = seed;
  return Uint8Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state >>> 24;
  });
};

/** Covers the new image exactly and keeps every old read inside the old image. */
function checkRecords(old: Uint8Array, next: Uint8Array, records: readonly DetoolsRecord[]): boolean {
  let newAt = 0;
  let oldAt = 0;
  for (const r of records) {
    if (r.diffBytes < 0 || r.extraBytes < 0 || oldAt + r.diffBytes > old.length) return false;
    newAt += r.diffBytes + r.extraBytes;
    oldAt += r.diffBytes + r.adjustment;
    if (oldAt < 0 || oldAt > old.length) return false;
  }
  return newAt === next.length;
}

test('identical images: one record of zero diff bytes', (t) => {
  const old = image(5000, 1);
  const records = matchRecords(old, old, buildSuffixArray(old));
  t.deepEqual(records, [{ diffBytes: 5000, extraBytes: 0, adjustment: 0 }]);
  // Header 0x00 + to-size 5000 (2 bytes), then size(0), size(5000), 5000 zeros, size(0), size(0).
  const patch = createDetoolsPatch(old, old, { compression: 'none' });
  t.is(patch.length, 1 + 2 + 1 + 2 + 5000 + 1 + 1);
  t.is(createDetoolsPatch(old, old, { compression: 'crle' }).length < 20, true);
});

test('empty old image: the new image goes as one extra', (t) => {
  const next = image(300, 2);
  const records = matchRecords(new Uint8Array(0), next, buildSuffixArray(new Uint8Array(0)));
  t.deepEqual(records, [{ diffBytes: 0, extraBytes: 300, adjustment: 0 }]);
  t.deepEqual(applyDetoolsPatch(new Uint8Array(0), createDetoolsPatch(new Uint8Array(0), next, { compression: 'heatshrink' })), next);
});

test('shifted code: approximate matches carry the shifted addresses as small diffs, no extra', (t) => {
  // Old: words holding "addresses"; new: 8 bytes inserted at 1000 and every address after it +8.
  const old = image(4000, 3);
  for (let i = 0; i < old.length; i += 16) old[i] = 0x40;
  const next = new Uint8Array(old.length + 8);
  next.set(old.subarray(0, 1000), 0);
  next.set(image(8, 9), 1000);
  next.set(old.subarray(1000), 1008);
  for (let i = 1008; i < next.length; i += 16) next[i + 8] = (next[i + 8]! + 8) & 0xff;
  const records = matchRecords(old, next, buildSuffixArray(old));
  t.true(checkRecords(old, next, records));
  t.true(records.length <= 3, JSON.stringify(records));
  const extra = records.reduce((sum, r) => sum + r.extraBytes, 0);
  t.true(extra <= 16, `extra ${extra}`);
  const patch = createDetoolsPatch(old, next, { compression: 'heatshrink' });
  t.deepEqual(applyDetoolsPatch(old, patch), next);
  t.true(patch.length < 400, `patch ${patch.length}`);
});

test('records cover the new image and stay inside the old one (bsdiff and other settings)', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 3 }), (old, tail, pick) => {
      const next = Uint8Array.from([...old.subarray(0, old.length >> 1), ...tail, ...old.subarray(old.length >> 2)]);
      const settings = [BSDIFF_SETTINGS, { ...BSDIFF_SETTINGS, matchWeight: 3 }, { ...BSDIFF_SETTINGS, switchMarginBytes: 4 }, { ...BSDIFF_SETTINGS, maxMatchBytes: 16 }][pick]!;
      const records = matchRecords(old, next, buildSuffixArray(old), settings);
      return checkRecords(old, next, records);
    }),
  );
  t.pass();
});

test('the chosen patch is never larger than bsdiff settings alone, for each compression', (t) => {
  const old = image(6000, 4);
  const next = Uint8Array.from([...old.subarray(0, 2500), ...image(40, 5), ...old.subarray(2400, 6000)]);
  for (let i = 3000; i < next.length; i += 24) next[i] = (next[i]! + 12) & 0xff;
  const bsdiffStream = serializeRecords(old, next, matchRecords(old, next, buildSuffixArray(old), BSDIFF_SETTINGS));
  for (const compression of ['none', 'crle', 'heatshrink'] as const) {
    const patch = createDetoolsPatch(old, next, { compression });
    const bsdiffBody = compression === 'none' ? bsdiffStream : compressStream(compression, bsdiffStream);
    t.true(patch.length <= 3 + bsdiffBody.length, `${compression}: ${patch.length} vs ${3 + bsdiffBody.length}`);
    t.deepEqual(applyDetoolsPatch(old, patch), next);
  }
});

test('bad options are refused', (t) => {
  const old = image(10, 6);
  t.throws(() => createDetoolsPatch(old, old, { compression: 'lzma' as 'none' }), { instanceOf: ValueError });
  t.throws(() => createDetoolsPatch(old, old, { compression: 'heatshrink', heatshrink: { windowSz2: 8, lookaheadSz2: 8 } }), { instanceOf: ValueError });
});

test('images of two different periods (bsdiff quadratic case): still a valid, small patch', (t) => {
  // Long matches everywhere, none better than the current alignment: the scan steps over them.
  const old = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i % 257 === 0 ? 1 : 0));
  const next = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i % 251 === 0 ? 1 : 0));
  const patch = createDetoolsPatch(old, next, { compression: 'crle' });
  t.deepEqual(applyDetoolsPatch(old, patch), next);
  t.true(patch.length < 8 * 1024, `patch ${patch.length}`);
});

test('record boundaries are refined by compressed cost: smaller than any matcher setting as matched', (t) => {
  // 24 zeros inserted; old has zeros far away that every setting's scan matches exactly (a record
  // with two long seeks). Written as 24 extra bytes instead, the stream is smaller (record-refine.ts).
  const old = image(8000, 7);
  old.fill(0, 6000, 6030);
  const next = Uint8Array.from([...old.subarray(0, 3000), ...new Uint8Array(24), ...old.subarray(3000)]);
  const sa = buildSuffixArray(old);
  const settings = [BSDIFF_SETTINGS, { ...BSDIFF_SETTINGS, matchWeight: 3 }, { ...BSDIFF_SETTINGS, switchMarginBytes: 4, matchWeight: 3 }, { ...BSDIFF_SETTINGS, switchMarginBytes: 16 }];
  for (const compression of ['none', 'crle', 'heatshrink'] as const) {
    const patch = createDetoolsPatch(old, next, { compression });
    t.deepEqual(applyDetoolsPatch(old, patch), next);
    for (const s of settings) {
      const stream = serializeRecords(old, next, matchRecords(old, next, sa, s));
      const body = compression === 'none' ? stream : compressStream(compression, stream);
      t.true(patch.length < 3 + body.length, `${compression} ${JSON.stringify(s)}: ${patch.length} vs ${3 + body.length}`);
    }
  }
});
