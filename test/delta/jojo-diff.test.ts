import test from 'ava';
import fc from 'fast-check';
import { createPatch } from '../../src/delta/jojo-diff.js';
import { applyPatch } from '../../src/delta/jojo-patch.js';
import { PatchWriter } from '../../src/delta/patch-writer.js';
import { janpatchModel } from './janpatch-model.js';

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** Our patcher and the janpatch model both rebuild `next` from `old`. */
function roundTrips(old: Uint8Array, next: Uint8Array): boolean {
  const patch = createPatch(old, next);
  const model = janpatchModel(old, patch);
  return same(applyPatch(old, patch), next) && model !== 'error' && same(model, next);
}

test('identical images: one EQL', (t) => {
  const image = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
  t.deepEqual([...createPatch(image, image)], [0xa7, 0xa3, 253, 0x03, 0xe8]);
});

test('empty new image: empty patch; empty old image: one explicit MOD run', (t) => {
  t.deepEqual([...createPatch(Uint8Array.of(1, 2, 3), new Uint8Array(0))], []);
  t.deepEqual([...createPatch(new Uint8Array(0), Uint8Array.of(0x41, 0xa7))], [0xa7, 0xa6, 0x41, 0xa7, 0xa7]);
});

test('one changed byte inside a long run: EQL, explicit MOD, EQL', (t) => {
  const old = Uint8Array.from({ length: 600 }, (_, i) => (i * 13) & 0xff);
  const next = old.slice();
  next[300] ^= 0xff;
  const patch = createPatch(old, next);
  t.deepEqual([...patch], [0xa7, 0xa3, 252, 300 - 253, 0xa7, 0xa6, next[300]!, 0xa7, 0xa3, 252, 299 - 253]);
});

test('an insertion is sent with INS and needs no seek', (t) => {
  const old = Uint8Array.from({ length: 400 }, (_, i) => (i * 29 + (i >> 3)) & 0xff);
  const inserted = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
  const next = Uint8Array.from([...old.subarray(0, 200), ...inserted, ...old.subarray(200)]);
  const patch = createPatch(old, next);
  t.deepEqual([...patch], [0xa7, 0xa3, 199, 0xa7, 0xa5, ...inserted, 0xa7, 0xa3, 199]);
});

test('a block moved backwards is found anywhere in the old image (BKT)', (t) => {
  const random = mulberry(5);
  const a = Uint8Array.from({ length: 3000 }, () => Math.floor(random() * 256));
  const b = Uint8Array.from({ length: 3000 }, () => Math.floor(random() * 256));
  const old = Uint8Array.from([...a, ...b]);
  const next = Uint8Array.from([...b, ...a]);
  const patch = createPatch(old, next);
  const n3000 = [253, 0x0b, 0xb8];
  t.deepEqual([...patch], [0xa7, 0xa4, ...n3000, 0xa7, 0xa3, ...n3000, 0xa7, 0xa2, 253, 0x17, 0x70, 0xa7, 0xa3, ...n3000]);
  t.true(roundTrips(old, next));
});

test('random pairs round-trip (property)', (t) => {
  const bytes = fc.uint8Array({ maxLength: 300 });
  fc.assert(fc.property(bytes, bytes, (old, next) => roundTrips(old, next)), { numRuns: 300 });
  t.pass();
});

test('pairs dense in 0xa2..0xa7 round-trip (property)', (t) => {
  const dense = fc.array(fc.integer({ min: 0xa1, max: 0xa8 }), { maxLength: 300 }).map((a) => Uint8Array.from(a));
  fc.assert(fc.property(dense, dense, (old, next) => roundTrips(old, next)), { numRuns: 300 });
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

test('mutated-similar pairs round-trip and stay small (property)', (t) => {
  const base = fc.uint8Array({ minLength: 1, maxLength: 2000 });
  fc.assert(
    fc.property(base, fc.array(edit, { maxLength: 8 }), (old, edits) => {
      const next = mutate(old, edits);
      const patch = createPatch(old, next);
      const model = janpatchModel(old, patch);
      return same(applyPatch(old, patch), next) && model !== 'error' && same(model, next) && patch.length <= literalPatchBytes(next);
    }),
    { numRuns: 200 },
  );
  t.pass();
});

/** Size of the trivial patch: the whole new image as one escaped MOD run. */
function literalPatchBytes(next: Uint8Array): number {
  const writer = new PatchWriter();
  writer.literal(0xa6, next, 0, next.length);
  return writer.finish().length;
}

test('never larger than sending the new image as one literal run (property)', (t) => {
  const bytes = fc.uint8Array({ maxLength: 400 });
  fc.assert(fc.property(bytes, bytes, (old, next) => createPatch(old, next).length <= literalPatchBytes(next)), { numRuns: 300 });
  t.pass();
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
