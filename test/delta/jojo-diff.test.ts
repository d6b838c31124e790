import test from 'ava';
import fc from 'fast-check';
import { createPatch, planPatch, type DiffOptions } from '../../src/delta/jojo-diff.js';
import { GapPricer } from '../../src/delta/jojo-parse.js';
import { applyPatch } from '../../src/delta/jojo-patch.js';
import { JANPATCH_DIALECTS, dataRunCostBytes, type JanpatchDialect } from '../../src/delta/jojo-format.js';
import { PatchWriter } from '../../src/delta/patch-writer.js';
import { janpatchModel, type JanpatchBuild } from './janpatch-model.js';

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
const dialectArb = fc.constantFrom<JanpatchDialect>(...JANPATCH_DIALECTS);

/**
 * Our patcher, reading as the target janpatch build reads, rebuilds `next` from `old`, and so do
 * the models of the janpatch builds of that dialect (janpatch-model.ts): 84a5786 for legacy;
 * 19f5efb and c8ad3ee for current.
 */
function roundTrips(old: Uint8Array, next: Uint8Array, dialect: JanpatchDialect, options: DiffOptions = {}): boolean {
  const patch = createPatch(old, next, { ...options, dialect });
  if (!same(applyPatch(old, patch, { dialect }), next)) return false;
  const builds: JanpatchBuild[] = dialect === 'legacy' ? ['84a5786'] : ['19f5efb', 'c8ad3ee'];
  return builds.every((build) => {
    const model = janpatchModel(old, patch, build);
    return model !== 'error' && same(model, next);
  });
}

test('identical images: one EQL in both dialects', (t) => {
  const image = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
  for (const dialect of JANPATCH_DIALECTS) t.deepEqual([...createPatch(image, image, { dialect })], [0xa7, 0xa3, 253, 0x03, 0xe8]);
});

test('empty new image: empty patch; empty old image: one MOD run, its marker left out in current', (t) => {
  t.deepEqual([...createPatch(Uint8Array.of(1, 2, 3), new Uint8Array(0))], []);
  t.deepEqual([...createPatch(new Uint8Array(0), Uint8Array.of(0x41, 0xa7))], [0xa7, 0xa6, 0x41, 0xa7, 0xa7]);
  t.deepEqual([...createPatch(new Uint8Array(0), Uint8Array.of(0x41, 0xa7), { dialect: 'current' })], [0x41, 0xa7, 0xa7]);
  // A run that begins with ESC keeps its marker (jojo-format.ts implicitModAllowed).
  t.deepEqual([...createPatch(new Uint8Array(0), Uint8Array.of(0xa7, 0x41), { dialect: 'current' })], [0xa7, 0xa6, 0xa7, 0x41]);
});

test('one changed byte inside a long run: EQL, MOD, EQL (marker only in legacy)', (t) => {
  const old = Uint8Array.from({ length: 600 }, (_, i) => (i * 13) & 0xff);
  const next = old.slice();
  next[300] ^= 0xff;
  const eql300 = [0xa7, 0xa3, 252, 300 - 253];
  const eql299 = [0xa7, 0xa3, 252, 299 - 253];
  t.deepEqual([...createPatch(old, next)], [...eql300, 0xa7, 0xa6, next[300]!, ...eql299]);
  t.deepEqual([...createPatch(old, next, { dialect: 'current' })], [...eql300, next[300]!, ...eql299]);
});

test('an insertion is sent with INS and needs no seek', (t) => {
  const old = Uint8Array.from({ length: 400 }, (_, i) => (i * 29 + (i >> 3)) & 0xff);
  const inserted = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
  const next = Uint8Array.from([...old.subarray(0, 200), ...inserted, ...old.subarray(200)]);
  for (const dialect of JANPATCH_DIALECTS) {
    t.deepEqual([...createPatch(old, next, { dialect })], [0xa7, 0xa3, 199, 0xa7, 0xa5, ...inserted, 0xa7, 0xa3, 199]);
  }
});

test('an insertion that replaces bytes: MOD over the replaced ones, INS for the rest, no seek', (t) => {
  const old = Uint8Array.from({ length: 400 }, (_, i) => (i * 29 + (i >> 3)) & 0xff);
  const fresh = Uint8Array.from({ length: 10 }, (_, i) => 0x10 + i);
  // old[200, 204) replaced by 10 new bytes: the old position must advance by 4 over 10 new bytes.
  const next = Uint8Array.from([...old.subarray(0, 200), ...fresh, ...old.subarray(204)]);
  t.deepEqual([...createPatch(old, next, { dialect: 'current' })], [0xa7, 0xa3, 199, ...fresh.subarray(0, 4), 0xa7, 0xa5, ...fresh.subarray(4), 0xa7, 0xa3, 195]);
  t.true(roundTrips(old, next, 'legacy') && roundTrips(old, next, 'current'));
});

test('a block moved backwards is found anywhere in the old image (BKT)', (t) => {
  const random = mulberry(5);
  const a = Uint8Array.from({ length: 3000 }, () => Math.floor(random() * 256));
  const b = Uint8Array.from({ length: 3000 }, () => Math.floor(random() * 256));
  const old = Uint8Array.from([...a, ...b]);
  const next = Uint8Array.from([...b, ...a]);
  const n3000 = [253, 0x0b, 0xb8];
  for (const dialect of JANPATCH_DIALECTS) {
    const patch = createPatch(old, next, { dialect });
    t.deepEqual([...patch], [0xa7, 0xa4, ...n3000, 0xa7, 0xa3, ...n3000, 0xa7, 0xa2, 253, 0x17, 0x70, 0xa7, 0xa3, ...n3000]);
    t.true(roundTrips(old, next, dialect));
  }
});

test('optimal beats greedy: a short far match is not worth two seeks (hand-computed)', (t) => {
  // old = P W R Z T, new = P Z R (each block of distinct bytes below 0xa2, so no escapes).
  // Longest match first (greedy) copies Z from old[86, 92): EQL 40, DEL 46, EQL 6, BKT 46, EQL 40
  // = 5 x 3 = 15 bytes in either dialect. Sending Z as MOD data on the diagonal of P and R costs
  // EQL 40 + Z + EQL 40 = 3 + 6 + 3 = 12 bytes in current, 14 with the ESC MOD of legacy.
  const block = (from: number, length: number): number[] => Array.from({ length }, (_, i) => from + i);
  const P = block(0, 40);
  const W = block(40, 6);
  const R = block(46, 40);
  const Z = block(86, 6);
  const T = block(92, 40);
  const old = Uint8Array.from([...P, ...W, ...R, ...Z, ...T]);
  const next = Uint8Array.from([...P, ...Z, ...R]);
  const greedy = new PatchWriter();
  greedy.equal(40);
  greedy.seek(46);
  greedy.equal(6);
  greedy.seek(-46);
  greedy.equal(40);
  const greedyPatch = greedy.finish();
  t.is(greedyPatch.length, 15);
  t.true(same(applyPatch(old, greedyPatch, { dialect: 'legacy' }), next));
  const eql40 = [0xa7, 0xa3, 39];
  t.deepEqual([...createPatch(old, next, { dialect: 'current' })], [...eql40, ...Z, ...eql40]);
  t.deepEqual([...createPatch(old, next, { dialect: 'legacy' })], [...eql40, 0xa7, 0xa6, ...Z, ...eql40]);
});

test('legacy: matches too short to pay for an EQL and a new marker are sent inside one data run', (t) => {
  // On the same diagonal: 1 changed byte, 4 equal, 1 changed. Split: ESC MOD x EQL4 ESC MOD y = 3 + 3 + 3;
  // merged: ESC MOD x e e e e y = 8. In current the split costs 1 + 3 + 1 = 5 < 6 merged.
  const old = Uint8Array.from({ length: 100 }, (_, i) => i);
  const next = old.slice();
  next[50] = 0x90;
  next[55] = 0x91;
  const eql50 = [0xa7, 0xa3, 49];
  const eql44 = [0xa7, 0xa3, 43];
  t.deepEqual([...createPatch(old, next)], [...eql50, 0xa7, 0xa6, ...next.subarray(50, 56), ...eql44]);
  t.deepEqual([...createPatch(old, next, { dialect: 'current' })], [...eql50, 0x90, 0xa7, 0xa3, 3, 0x91, ...eql44]);
});

test('current: an EQL before data that begins with ESC may end a byte early, but not before a seek', (t) => {
  const block = (from: number, length: number): number[] => Array.from({ length }, (_, i) => from + i);
  const A = block(0, 100);
  const B = block(100, 50);
  const C = [0xa7, ...block(0x10, 60).map((x) => x + 0x30)];
  // new = A C: EQL 100, DEL 50, EQL 61; ending the first EQL early would add a data byte.
  const old = Uint8Array.from([...A, ...B, ...C]);
  const seekNext = Uint8Array.from([...A, ...C]);
  for (const dialect of JANPATCH_DIALECTS) t.deepEqual([...createPatch(old, seekNext, { dialect })], [0xa7, 0xa3, 99, 0xa7, 0xa4, 49, 0xa7, 0xa3, 60]);
  // new = A, ESC x, A[10..): after EQL 100 the data would begin with ESC and need ESC MOD (2 + 2
  // bytes, ESC before an operator is doubled); EQL 99 and the data [A[99], ESC] cost 1 + 2.
  const old2 = Uint8Array.from([...A, 0x51, ...A.slice(10)]);
  const escNext = Uint8Array.from([...A, 0xa7, ...A.slice(10)]);
  t.deepEqual([...createPatch(old2, escNext, { dialect: 'current' })], [0xa7, 0xa3, 98, 99, 0xa7, 0xa7, 0xa7, 0xa3, 89]);
});

test('random pairs round-trip in both dialects (property)', (t) => {
  const bytes = fc.uint8Array({ maxLength: 300 });
  fc.assert(fc.property(bytes, bytes, dialectArb, (old, next, dialect) => roundTrips(old, next, dialect)), { numRuns: 300 });
  t.pass();
});

test('pairs dense in 0xa2..0xa7 round-trip in both dialects (property)', (t) => {
  const dense = fc.array(fc.integer({ min: 0xa1, max: 0xa8 }), { maxLength: 300 }).map((a) => Uint8Array.from(a));
  fc.assert(fc.property(dense, dense, dialectArb, (old, next, dialect) => roundTrips(old, next, dialect)), { numRuns: 300 });
  t.pass();
});

type Edit = { kind: 'insert' | 'delete' | 'replace' | 'move' | 'relocate'; at: number; length: number; seed: number };
const edit = fc.record({
  kind: fc.constantFrom('insert', 'delete', 'replace', 'move', 'relocate'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 64 }),
  seed: fc.nat(),
}) as fc.Arbitrary<Edit>;

/** Firmware-like mutations: code inserted/removed/replaced, blocks moved, pointers relocated. */
function mutate(old: Uint8Array, edits: Edit[]): Uint8Array {
  let bytes = [...old];
  for (const e of edits) {
    const at = bytes.length ? e.at % bytes.length : 0;
    const random = mulberry(e.seed);
    const fresh = Array.from({ length: e.length }, () => Math.floor(random() * 256));
    if (e.kind === 'insert') bytes.splice(at, 0, ...fresh);
    else if (e.kind === 'delete') bytes.splice(at, e.length);
    else if (e.kind === 'replace') bytes.splice(at, fresh.length, ...fresh);
    else if (e.kind === 'move') bytes.splice(e.seed % (bytes.length + 1), 0, ...bytes.splice(at, e.length));
    else for (let i = at & ~3; i + 3 < bytes.length; i += 16 + (e.seed % 64)) bytes[i] = (bytes[i]! + e.length) & 0xff;
  }
  return Uint8Array.from(bytes);
}

test('mutated-similar pairs round-trip in both dialects and stay small (property)', (t) => {
  const base = fc.uint8Array({ minLength: 1, maxLength: 2000 });
  fc.assert(
    fc.property(base, fc.array(edit, { maxLength: 8 }), dialectArb, (old, edits, dialect) => {
      const next = mutate(old, edits);
      return roundTrips(old, next, dialect) && createPatch(old, next, { dialect }).length <= literalPatchBytes(next, dialect);
    }),
    { numRuns: 200 },
  );
  t.pass();
});

/** Size of the trivial patch: the whole new image as one escaped MOD run. */
function literalPatchBytes(next: Uint8Array, dialect: JanpatchDialect): number {
  const writer = new PatchWriter({ dialect });
  writer.literal(0xa6, next, 0, next.length);
  return writer.finish().length;
}

test('never larger than sending the new image as one literal run (property)', (t) => {
  const bytes = fc.uint8Array({ maxLength: 400 });
  fc.assert(fc.property(bytes, bytes, dialectArb, (old, next, dialect) => createPatch(old, next, { dialect }).length <= literalPatchBytes(next, dialect)), { numRuns: 300 });
  t.pass();
});

test('the cost the parse computes is the length of the patch written (property)', (t) => {
  const base = fc.uint8Array({ minLength: 1, maxLength: 1500 });
  const dense = fc.array(fc.integer({ min: 0xa1, max: 0xa8 }), { maxLength: 300 }).map((a) => Uint8Array.from(a));
  const pair = fc.oneof(
    fc.tuple(base, fc.array(edit, { maxLength: 8 })).map(([old, edits]) => [old, mutate(old, edits)] as const),
    fc.tuple(dense, dense),
  );
  fc.assert(
    fc.property(pair, dialectArb, ([old, next], dialect) => planPatch(old, next, { dialect }).costBytes === createPatch(old, next, { dialect }).length),
    { numRuns: 300 },
  );
  t.pass();
});

test('every gap form is priced as PatchWriter writes it, escapes and markers included (property)', (t) => {
  // Between two EQLs (3 bytes each), from new position e on diagonal dA to s on dB.
  const image = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0xa2, max: 0xa7 })), { minLength: 2, maxLength: 80 }).map((a) => Uint8Array.from(a));
  fc.assert(
    fc.property(image, fc.nat(), fc.nat(), fc.integer({ min: -600, max: 600 }), dialectArb, (next, x, y, shift, dialect) => {
      const e = 1 + (x % (next.length - 1));
      const s = e + (y % (next.length - e + 1));
      const dA = 1000;
      const dB = dA + shift;
      const pricer = new GapPricer(next, dialect);
      const price = pricer.price(e, dA, s, dB);
      if (s === e && shift === 0) return price >= 0x7fffffff;
      const writer = new PatchWriter({ dialect });
      writer.equal(1);
      pricer.write(writer, e, dA, s, dB);
      writer.equal(1);
      return writer.finish().length === 3 + price + 3;
    }),
    { numRuns: 1000 },
  );
  t.pass();
});

test('a MOD-only gap costs what jojo-format.ts dataRunCostBytes says for a run after an EQL', (t) => {
  const next = Uint8Array.of(1, 0xa7, 0xa3, 0xa7, 5, 0xa7, 0xa7, 9, 0xa7);
  for (const dialect of JANPATCH_DIALECTS) {
    const pricer = new GapPricer(next, dialect);
    for (let e = 1; e < next.length; e++) {
      for (let s = e + 1; s <= next.length; s++) t.is(pricer.price(e, 0, s, 0), dataRunCostBytes(dialect, 0xa3, 0xa6, next, e, s));
    }
  }
});

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
