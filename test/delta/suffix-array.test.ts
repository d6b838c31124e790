import test from 'ava';
import fc from 'fast-check';
import { buildSuffixArray, findMatches, longestMatch, type Match } from '../../src/delta/suffix-array.js';

function naiveSuffixArray(text: Uint8Array): number[] {
  const suffixes = Array.from({ length: text.length }, (_, i) => i);
  return suffixes.sort((a, b) => Buffer.compare(Buffer.from(text.subarray(a)), Buffer.from(text.subarray(b))));
}

test('SA-IS agrees with a naive sort, including repetitive inputs (property)', (t) => {
  const text = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 200 }).map((a) => Uint8Array.from(a)));
  fc.assert(fc.property(text, (bytes) => [...buildSuffixArray(bytes)].join() === naiveSuffixArray(bytes).join()), { numRuns: 300 });
  t.deepEqual([...buildSuffixArray(new Uint8Array(0))], []);
  t.deepEqual([...buildSuffixArray(new Uint8Array(5))], [4, 3, 2, 1, 0]);
});

test('longestMatch finds the longest prefix occurring anywhere (property)', (t) => {
  const small = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 120 }).map((a) => Uint8Array.from(a));
  fc.assert(
    fc.property(small, small, fc.nat(), (text, target, start) => {
      const at = start % target.length;
      const sa = buildSuffixArray(text);
      const match: Match = { oldOffset: 0, lengthBytes: 0 };
      longestMatch(text, sa, target, at, 1 << 30, match);
      let best = 0;
      for (let p = 0; p < text.length; p++) {
        let k = 0;
        while (p + k < text.length && at + k < target.length && text[p + k] === target[at + k]) k++;
        best = Math.max(best, k);
      }
      const actual = Buffer.from(text.subarray(match.oldOffset, match.oldOffset + match.lengthBytes)).equals(Buffer.from(target.subarray(at, at + match.lengthBytes)));
      return match.lengthBytes === best && actual;
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('findMatches returns the longest matches anywhere, longest first, each real (property)', (t) => {
  const small = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 120 }).map((a) => Uint8Array.from(a));
  fc.assert(
    fc.property(small, small, fc.nat(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 5 }), (text, target, start, maxCount, minLength) => {
      const at = start % target.length;
      const sa = buildSuffixArray(text);
      const offsets = new Int32Array(maxCount);
      const lengths = new Int32Array(maxCount);
      const count = findMatches(text, sa, target, at, 1 << 30, minLength, maxCount, offsets, lengths);
      const naive: number[] = [];
      for (let p = 0; p < text.length; p++) {
        let k = 0;
        while (p + k < text.length && at + k < target.length && text[p + k] === target[at + k]) k++;
        if (k >= minLength) naive.push(k);
      }
      naive.sort((a, b) => b - a);
      const found = [...lengths.subarray(0, count)];
      const real = found.every((k, i) => Buffer.from(text.subarray(offsets[i]!, offsets[i]! + k)).equals(Buffer.from(target.subarray(at, at + k))));
      const distinct = new Set(offsets.subarray(0, count)).size === count;
      const expected = naive.slice(0, maxCount);
      return real && distinct && [...found].sort((a, b) => b - a).join() === expected.join() && (count === 0 || found[0] === naive[0]);
    }),
    { numRuns: 500 },
  );
  t.pass();
});
