import test from 'ava';
import fc from 'fast-check';
import { applyPatch } from '../../src/delta/jojo-patch.js';
import { createPatch } from '../../src/delta/jojo-diff.js';
import { INS, JANPATCH_DIALECTS, MOD, type JanpatchDialect } from '../../src/delta/jojo-format.js';
import { jojoPatchLowerBoundBytes } from '../../src/delta/jojo-lower-bound.js';
import { PatchWriter } from '../../src/delta/patch-writer.js';

const dialectArb = fc.constantFrom<JanpatchDialect>(...JANPATCH_DIALECTS);

test('known answers: identical images need one EQL; no old image, one data run', (t) => {
  const image = Uint8Array.from({ length: 10 }, (_, i) => i);
  for (const dialect of JANPATCH_DIALECTS) t.is(jojoPatchLowerBoundBytes(image, image, dialect), 3);
  t.is(jojoPatchLowerBoundBytes(new Uint8Array(0), Uint8Array.of(1, 2, 3, 4, 5), 'legacy'), 7); // ESC MOD + 5
  t.is(jojoPatchLowerBoundBytes(new Uint8Array(0), Uint8Array.of(1, 2, 3, 4, 5), 'current'), 5);
  t.is(jojoPatchLowerBoundBytes(image, new Uint8Array(0), 'legacy'), 0);
  // One changed byte in the middle: EQL 4, data 1, EQL 5 -> legacy 3 + 3 + 3 = 9; current 3 + 1 + 3 = 7.
  const changed = image.slice();
  changed[4] = 0xee;
  t.is(jojoPatchLowerBoundBytes(image, changed, 'legacy'), 9);
  t.is(jojoPatchLowerBoundBytes(image, changed, 'current'), 7);
});

test('known answer: the patch jdiff 0.8.5 wrote (188 B, current dialect) is not below the bound', (t) => {
  // Images and patch of the jdiff known answer in jojo-patch.test.ts (vppillai/jojodiff e17b8f5).
  const JDIFF_085_BYTES = 188;
  return import('./jdiff-fixture-images.js').then(({ jdiffFixtureImages }) => {
    const { old, next } = jdiffFixtureImages();
    const bound = jojoPatchLowerBoundBytes(old, next, 'current');
    t.true(bound <= JDIFF_085_BYTES, `bound ${bound}`);
  });
});

test('property: no patch written by PatchWriter from a random operation stream is smaller than the bound', (t) => {
  // Any valid patch is an upper bound of the minimum: a bound above one would be wrong.
  const stepArb = fc.oneof(
    fc.record({ kind: fc.constant('eql' as const), count: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ kind: fc.constant('seek' as const), delta: fc.integer({ min: -30, max: 30 }) }),
    fc.record({ kind: fc.constant('data' as const), op: fc.constantFrom(MOD, INS), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.array(stepArb, { maxLength: 30 }), dialectArb, (old, steps, dialect) => {
      const writer = new PatchWriter({ dialect });
      let position = 0;
      for (const step of steps) {
        if (step.kind === 'eql') {
          const count = Math.min(step.count, old.length - position);
          if (count > 0) {
            writer.equal(count);
            position += count;
          }
        } else if (step.kind === 'seek') {
          const target = Math.min(Math.max(position + step.delta, 0), old.length);
          writer.seek(target - position);
          position = target;
        } else {
          writer.literal(step.op, step.bytes, 0, step.bytes.length);
          if (step.op === MOD) position += step.bytes.length; // MOD may move past the end (no read)
        }
      }
      const patch = writer.finish();
      const next = applyPatch(old, patch, { dialect });
      return jojoPatchLowerBoundBytes(old, next, dialect) <= patch.length;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('property: our encoder is never below the bound, and the bound is never above it', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 400 }), fc.array(fc.tuple(fc.nat(400), fc.uint8Array({ maxLength: 6 }), fc.nat(6))), dialectArb, (old, edits, dialect) => {
      const next = [...old];
      for (const [at, insert, remove] of edits) next.splice(at % (next.length + 1), remove, ...insert);
      const image = Uint8Array.from(next);
      return jojoPatchLowerBoundBytes(old, image, dialect) <= createPatch(old, image, { dialect }).length;
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('bad input: an unknown dialect', (t) => {
  const error = t.throws(() => jojoPatchLowerBoundBytes(Uint8Array.of(1), Uint8Array.of(1), 'newest' as JanpatchDialect));
  t.regex(error.message, /dialect/);
});
