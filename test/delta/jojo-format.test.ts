import test from 'ava';
import fc from 'fast-check';
import { DecodeError, ValueError } from '../../src/core/errors.js';
import { MAX_OP_LENGTH, encodeLength, lengthSizeBytes } from '../../src/delta/jojo-format.js';
import { applyPatch } from '../../src/delta/jojo-patch.js';
import { PatchWriter } from '../../src/delta/patch-writer.js';
import { janpatchModel } from './janpatch-model.js';

const ESC = 0xa7;
const MOD = 0xa6;
const INS = 0xa5;
const DEL = 0xa4;
const EQL = 0xa3;
const BKT = 0xa2;

const boundaries: Array<[number, number[]]> = [
  [1, [0]],
  [2, [1]],
  [252, [251]],
  [253, [252, 0]],
  [254, [252, 1]],
  [508, [252, 255]],
  [509, [253, 0x01, 0xfd]],
  [65535, [253, 0xff, 0xff]],
  [65536, [254, 0x00, 0x01, 0x00, 0x00]],
  [0xffffffff, [254, 0xff, 0xff, 0xff, 0xff]],
];

for (const [length, bytes] of boundaries) {
  test(`length ${length} encodes as [${bytes.join(', ')}] and decodes back`, (t) => {
    const out: number[] = [];
    encodeLength(length, out);
    t.deepEqual(out, bytes);
    t.is(lengthSizeBytes(length), bytes.length);
    // DEL n then BKT n leaves the old position at 0, so EQL 1 copies old[0]: proves both decode n.
    const patch = Uint8Array.from([ESC, DEL, ...bytes, ESC, BKT, ...bytes, ESC, EQL, 0]);
    if (length > MAX_OP_LENGTH) {
      // janpatch reads lengths into a C int: 0xffffffff is -1 there, "length invalid".
      t.throws(() => applyPatch(Uint8Array.of(42), patch), { instanceOf: DecodeError, code: 'DECODE_INVALID_VALUE' });
      t.is(janpatchModel(Uint8Array.of(42), patch), 'error');
      return;
    }
    t.deepEqual(applyPatch(Uint8Array.of(42), patch), Uint8Array.of(42));
    t.deepEqual(janpatchModel(Uint8Array.of(42), patch), Uint8Array.of(42));
  });
}

test('EQL lengths at the boundaries copy exactly that many old bytes', (t) => {
  const old = Uint8Array.from({ length: 65536 }, (_, i) => (i * 31) & 0xff);
  for (const [length, bytes] of boundaries.filter(([n]) => n <= 65536)) {
    const out = applyPatch(old, Uint8Array.from([ESC, EQL, ...bytes]));
    t.deepEqual(out, old.subarray(0, length), `EQL ${length}`);
  }
});

test('lengths outside 1..2^32-1 are refused', (t) => {
  for (const bad of [0, -1, 1.5, 2 ** 32]) t.throws(() => encodeLength(bad, []), { instanceOf: ValueError });
});

function modPatch(data: number[]): Uint8Array {
  const writer = new PatchWriter();
  writer.literal(MOD, Uint8Array.from(data), 0, data.length);
  return writer.finish();
}

const escapes: Array<[string, number[], number[]]> = [
  ['a lone ESC at the end of the patch is doubled', [ESC], [ESC, MOD, ESC, ESC]],
  ['ESC before an operator byte is doubled', [ESC, EQL], [ESC, MOD, ESC, ESC, EQL]],
  ['ESC before MOD (0xa6) is doubled', [ESC, MOD], [ESC, MOD, ESC, ESC, MOD]],
  ['ESC before BKT (0xa2) is doubled', [ESC, BKT], [ESC, MOD, ESC, ESC, BKT]],
  ['ESC before a plain byte stays single', [ESC, 0x00], [ESC, MOD, ESC, 0x00]],
  ['ESC before 0xa1 and 0xa8 stays single', [ESC, 0xa1, ESC, 0xa8], [ESC, MOD, ESC, 0xa1, ESC, 0xa8]],
  ['two ESCs at the end become four', [ESC, ESC], [ESC, MOD, ESC, ESC, ESC, ESC]],
  ['ESC ESC x: first doubled, second single', [ESC, ESC, 0x10], [ESC, MOD, ESC, ESC, ESC, 0x10]],
];
for (const [name, data, expected] of escapes) {
  test(`escaping: ${name}`, (t) => {
    const patch = modPatch(data);
    t.deepEqual([...patch], expected);
    t.deepEqual([...applyPatch(new Uint8Array(16), patch)], data);
    t.deepEqual(janpatchModel(new Uint8Array(16), patch), Uint8Array.from(data));
  });
}

test('an ESC ending a data run before another operator is doubled', (t) => {
  const writer = new PatchWriter();
  writer.literal(INS, Uint8Array.of(1, ESC), 0, 2);
  writer.equal(2);
  t.deepEqual([...writer.finish()], [ESC, INS, 1, ESC, ESC, ESC, EQL, 1]);
});

test('data dense in 0xa2..0xa7 round-trips through MOD and INS runs (property)', (t) => {
  const dense = fc.array(fc.integer({ min: 0xa2, max: 0xa8 }), { minLength: 1, maxLength: 64 });
  fc.assert(
    fc.property(dense, dense, (a, b) => {
      const writer = new PatchWriter();
      writer.literal(MOD, Uint8Array.from(a), 0, a.length);
      writer.literal(INS, Uint8Array.from(b), 0, b.length);
      writer.equal(1);
      const old = Uint8Array.from({ length: a.length + 1 }, (_, i) => i);
      const expected = Uint8Array.from([...a, ...b, a.length]);
      const patch = writer.finish();
      return Buffer.from(applyPatch(old, patch)).equals(Buffer.from(expected)) && Buffer.from(janpatchModel(old, patch) as Uint8Array).equals(Buffer.from(expected));
    }),
  );
  t.pass();
});

test('the writer merges adjacent runs and nets DEL against BKT', (t) => {
  const writer = new PatchWriter();
  const data = Uint8Array.of(1, 2, 3);
  writer.literal(MOD, data, 0, 1);
  writer.literal(MOD, data, 1, 3);
  writer.equal(4);
  writer.equal(6);
  writer.seek(10);
  writer.seek(-3);
  writer.literal(INS, data, 0, 1);
  writer.seek(-5);
  t.deepEqual([...writer.finish()], [ESC, MOD, 1, 2, 3, ESC, EQL, 9, ESC, DEL, 6, ESC, INS, 1, ESC, BKT, 4]);
});

test('lengths above 2^31-1 are split (janpatch reads lengths into a C int)', (t) => {
  const writer = new PatchWriter();
  writer.seek(2 ** 31 + 5);
  t.deepEqual([...writer.finish()], [ESC, DEL, 254, 0x7f, 0xff, 0xff, 0xff, ESC, DEL, 5]);
});
