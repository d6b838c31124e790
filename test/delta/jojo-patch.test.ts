import test from 'ava';
import fc from 'fast-check';
import { DecodeError, ValueError } from '../../src/core/errors.js';
import { JojoPatcher, applyPatch } from '../../src/delta/jojo-patch.js';
import { janpatchModel, runJanpatch } from './janpatch-model.js';
import { jdiffFixtureImages } from './jdiff-fixture-images.js';

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

// Known answer, written by hand to pin the format. Old: "0123456789ABCDEF".
const OLD = ascii('0123456789ABCDEF');
const KNOWN_PATCH = Uint8Array.from([
  0xa7, 0xa3, 0x03, //             EQL 4          -> "0123"            old 0 -> 4
  0xa7, 0xa6, 0x78, 0x79, //       MOD "xy"       -> "xy"              old 4 -> 6
  0xa7, 0xa5, 0x2d, 0xa7, 0xa7, // INS "-", ESC   -> "-" 0xa7 (ESC ESC)  old stays 6
  0xa7, 0xa4, 0x01, //             DEL 2          ->                   old 6 -> 8
  0xa7, 0xa3, 0x01, //             EQL 2          -> "89"              old 8 -> 10
  0xa7, 0xa2, 0x09, //             BKT 10         ->                   old 10 -> 0
  0xa7, 0xa3, 0x00, //             EQL 1          -> "0"               old 0 -> 1
  0xa7, 0xa6, 0xa7, 0x00, 0xa7, 0xa7, // MOD ESC 0x00 ESC (ESC + non-operator is two data bytes)
]);
const KNOWN_NEW = Uint8Array.from([...ascii('0123xy-'), 0xa7, ...ascii('890'), 0xa7, 0x00, 0xa7]);

test('known-answer patch: every operator, escaped ESC, ESC + plain byte', (t) => {
  t.deepEqual(applyPatch(OLD, KNOWN_PATCH), KNOWN_NEW);
  t.deepEqual(janpatchModel(OLD, KNOWN_PATCH), KNOWN_NEW);
});

test('an empty patch gives an empty image (as janpatch)', (t) => {
  t.deepEqual(applyPatch(OLD, new Uint8Array(0)), new Uint8Array(0));
});

type Bad = [name: string, old: Uint8Array, patch: number[], code: string, offset: number];
const bad: Bad[] = [
  ['data where an operator is expected (jdiff 0.8.5 implicit MOD)', OLD, [0x41, 0x42], 'DECODE_INVALID_VALUE', 0],
  ['unknown operator after ESC', OLD, [0xa7, 0x00], 'DECODE_UNKNOWN_COMMAND', 1],
  ['ESC ESC where an operator is expected', OLD, [0xa7, 0xa7], 'DECODE_UNKNOWN_COMMAND', 1],
  ['ESC 0xa1 (below the operator range)', OLD, [0xa7, 0xa1], 'DECODE_UNKNOWN_COMMAND', 1],
  ['patch ending after ESC', OLD, [0xa7], 'DECODE_TRUNCATED', 1],
  ['patch ending before a length', OLD, [0xa7, 0xa3], 'DECODE_TRUNCATED', 2],
  ['truncated 2-byte length', OLD, [0xa7, 0xa4, 252], 'DECODE_TRUNCATED', 3],
  ['truncated 3-byte length', OLD, [0xa7, 0xa4, 253, 0x10], 'DECODE_TRUNCATED', 4],
  ['truncated 5-byte length', OLD, [0xa7, 0xa4, 254, 0, 1, 0], 'DECODE_TRUNCATED', 6],
  ['64-bit length prefix 255', OLD, [0xa7, 0xa4, 255, 0, 0, 0, 0, 0, 0, 0, 1], 'DECODE_INVALID_VALUE', 2],
  ['zero length in 3-byte form', OLD, [0xa7, 0xa3, 253, 0, 0], 'DECODE_INVALID_VALUE', 2],
  ['over-long 3-byte length (5)', OLD, [0xa7, 0xa4, 253, 0, 5], 'DECODE_INVALID_VALUE', 2],
  ['5-byte length 2^31 (negative in janpatch\'s C int)', OLD, [0xa7, 0xa4, 254, 0x80, 0, 0, 0], 'DECODE_INVALID_VALUE', 2],
  ['5-byte length 0xffffffff (-1 in janpatch: "length invalid")', OLD, [0xa7, 0xa4, 254, 0xff, 0xff, 0xff, 0xff], 'DECODE_INVALID_VALUE', 2],
  ['over-long 5-byte length (508)', OLD, [0xa7, 0xa4, 254, 0, 0, 1, 0xfc], 'DECODE_INVALID_VALUE', 2],
  ['EQL past the end of the old image', OLD, [0xa7, 0xa3, 16], 'DECODE_INVALID_VALUE', 0],
  ['EQL past the end after MOD advanced', OLD, [0xa7, 0xa6, 1, 2, 3, 0xa7, 0xa3, 13], 'DECODE_INVALID_VALUE', 5],
  ['EQL after DEL beyond the end', OLD, [0xa7, 0xa4, 19, 0xa7, 0xa3, 0], 'DECODE_INVALID_VALUE', 3],
  ['EQL on an empty old image', new Uint8Array(0), [0xa7, 0xa3, 0], 'DECODE_INVALID_VALUE', 0],
  ['BKT before offset 0', OLD, [0xa7, 0xa2, 0], 'DECODE_INVALID_VALUE', 0],
  ['BKT further back than the position', OLD, [0xa7, 0xa3, 2, 0xa7, 0xa2, 3], 'DECODE_INVALID_VALUE', 3],
  ['data run ending in a lone ESC', OLD, [0xa7, 0xa6, 0x41, 0xa7], 'DECODE_TRUNCATED', 4],
];
for (const [name, old, patch, code, offset] of bad) {
  test(`refuses ${name}`, (t) => {
    const error = t.throws(() => applyPatch(old, Uint8Array.from(patch), { dialect: 'legacy' }), { instanceOf: DecodeError });
    t.is(error?.code, code);
    t.is(error?.offset, offset);
    t.regex(error?.message ?? '', /^JojoDiff patch at offset \d+: expected .+, got .+$/);
  });
}

test('EQL past the end names the old size and the request', (t) => {
  const error = t.throws(() => applyPatch(OLD, Uint8Array.from([0xa7, 0xa3, 16])), { instanceOf: DecodeError });
  t.is(error?.message, 'JojoDiff patch at offset 0: expected EQL within the old image (16 bytes), got 17 bytes from old offset 0');
});

test('implicit MOD (jdiff 0.8.5 style) is accepted only when asked for', (t) => {
  const patch = Uint8Array.from([0x41, 0x42, 0xa7, 0xa3, 0x01, 0x43]);
  t.throws(() => applyPatch(OLD, patch, { dialect: 'legacy' }), { code: 'DECODE_INVALID_VALUE' });
  t.throws(() => applyPatch(OLD, patch, { implicitMod: false }), { code: 'DECODE_INVALID_VALUE' });
  t.deepEqual(applyPatch(OLD, patch, { implicitMod: true }), ascii('AB23C'));
  t.deepEqual(applyPatch(OLD, patch), ascii('AB23C'));
});

test('output beyond maxOutputBytes is refused (BKT can repeat the old image)', (t) => {
  const patch = Uint8Array.from([0xa7, 0xa3, 15, 0xa7, 0xa2, 15, 0xa7, 0xa3, 15]);
  t.is(applyPatch(OLD, patch).length, 32);
  t.throws(() => applyPatch(OLD, patch, { maxOutputBytes: 31 }), { instanceOf: DecodeError });
});

function streamed(old: Uint8Array, patch: Uint8Array, chunkBytes: number, pageSizeBytes: number) {
  const chunks: Uint8Array[] = [];
  let widestRead = 0;
  const patcher = new JojoPatcher(
    old.length,
    (offset, length) => {
      widestRead = Math.max(widestRead, length);
      return old.slice(offset, offset + length);
    },
    (chunk) => chunks.push(chunk),
    { pageSizeBytes },
  );
  for (let at = 0; at < patch.length; at += chunkBytes) patcher.push(patch.subarray(at, at + chunkBytes));
  patcher.end();
  return { output: Buffer.concat(chunks), chunks, widestRead };
}

test('streaming in any chunking and page size gives the same image with bounded pieces', (t) => {
  for (const chunkBytes of [1, 2, 3, 7, 1000]) {
    for (const pageSizeBytes of [1, 2, 5, 512]) {
      const { output, chunks, widestRead } = streamed(OLD, KNOWN_PATCH, chunkBytes, pageSizeBytes);
      t.deepEqual(new Uint8Array(output), KNOWN_NEW, `chunk ${chunkBytes} page ${pageSizeBytes}`);
      t.true(chunks.every((chunk) => chunk.length >= 1 && chunk.length <= pageSizeBytes));
      t.true(widestRead <= pageSizeBytes);
    }
  }
});

test('a failed patcher refuses further use, and end() checks truncation', (t) => {
  const patcher = new JojoPatcher(OLD.length, (o, l) => OLD.subarray(o, o + l), () => undefined, { dialect: 'legacy' });
  t.throws(() => patcher.push(Uint8Array.of(0x00)), { instanceOf: DecodeError });
  t.throws(() => patcher.push(Uint8Array.of(0xa7)), { instanceOf: ValueError, code: 'DELTA_PATCHER_FAILED' });
  const cut = new JojoPatcher(OLD.length, (o, l) => OLD.subarray(o, o + l), () => undefined);
  cut.push(Uint8Array.of(0xa7, 0xa3));
  t.throws(() => cut.end(), { code: 'DECODE_TRUNCATED' });
});

test('random patches never crash: they apply or throw a DecodeError (property)', (t) => {
  const bytes = fc.array(fc.oneof(fc.integer({ min: 0xa2, max: 0xa7 }), fc.integer({ min: 0, max: 255 })), { maxLength: 40 });
  fc.assert(
    fc.property(bytes, (patch) => {
      const withEsc = [0xa7, ...patch];
      try {
        const out = applyPatch(OLD, Uint8Array.from(withEsc), { maxOutputBytes: 1 << 20, dialect: 'legacy' });
        // Whatever we accept, janpatch produces the same bytes.
        const model = janpatchModel(OLD, Uint8Array.from(withEsc));
        return model !== 'error' && Buffer.from(model).equals(Buffer.from(out));
      } catch (error) {
        return error instanceof DecodeError;
      }
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

// ---------------------------------------------------------------------------------------------
// Dialects: what jdiff 0.8.5 writes, read as janpatch >= c8ad3ee reads it ('current', the default)
// and refused as janpatch 84a5786 refuses it ('legacy').

const OLD64 = Uint8Array.from({ length: 64 }, (_, i) => i);

test("known answer (shared reference): a7 a3 14 | a7 a0 | a7 a3 0e is EQL 21, data a7 a0, EQL 15", (t) => {
  const patch = Uint8Array.of(0xa7, 0xa3, 0x14, 0xa7, 0xa0, 0xa7, 0xa3, 0x0e);
  const expected = Uint8Array.from([...OLD64.subarray(0, 21), 0xa7, 0xa0, ...OLD64.subarray(23, 38)]);
  t.deepEqual(applyPatch(OLD64, patch), expected);
  t.deepEqual(janpatchModel(OLD64, patch, 'c8ad3ee'), expected);
  // janpatch 84a5786 and 19f5efb stop at offset 4: "Unsupported operator a0".
  t.is(janpatchModel(OLD64, patch, '84a5786'), 'error');
  t.is(janpatchModel(OLD64, patch, '19f5efb'), 'error');
  const error = t.throws(() => applyPatch(OLD64, patch, { dialect: 'legacy' }), { instanceOf: DecodeError });
  t.is(error?.code, 'DECODE_UNKNOWN_COMMAND');
  t.is(error?.offset, 4);
});

// Written by hand the way JOutBin.cpp (jdiff 0.8.5) writes it, and checked byte by byte against
// the operators below. Old: 0x00..0x3f.
const JDIFF_STYLE_OK = Uint8Array.of(
  0x41, 0xa7, 0x42, //                   implicit MOD at the start: "A", ESC "B" (ESC x)  old 0 -> 3
  0xa7, 0xa3, 0x04, //                   EQL 5: 03..07                                   old 3 -> 8
  0xa7, 0xa7, 0xa3, 0x43, //             implicit MOD: ESC ESC (a7 before a3), a3, "C"   old 8 -> 11
  0xa7, 0xa5, 0xa7, 0xa7, 0xa7, 0xa7, // INS a7 a7 (the second doubled as it ends the run)  old 11
  0xa7, 0xa6, 0x44, //                   MOD after INS is explicit: "D"                  old 11 -> 12
  0xa7, 0xa4, 0x02, //                   DEL 3                                           old 12 -> 15
  0xa7, 0x45, //                         implicit MOD: ESC x, x = "E" (no operator)      old 15 -> 17
  0xa7, 0xa2, 0x10, //                   BKT 17                                          old 17 -> 0
  0xa7, 0xa3, 0x01, //                   EQL 2: 00 01                                    old 0 -> 2
  0x46, //                               implicit MOD: "F"                               old 2 -> 3
);
const JDIFF_STYLE_NEW = Uint8Array.of(0x41, 0xa7, 0x42, 3, 4, 5, 6, 7, 0xa7, 0xa3, 0x43, 0xa7, 0xa7, 0x44, 0xa7, 0x45, 0, 1, 0x46);
// The same with the last EQL made 253 long (2-byte length form): past the end of the old image.
const JDIFF_STYLE = Uint8Array.from([...JDIFF_STYLE_OK.subarray(0, JDIFF_STYLE_OK.length - 4), 0xa7, 0xa3, 0xfc, 0x00]);

test('hand-checked jdiff-style patch: implicit MOD after each length operator, ESC ESC and ESC x at operator positions', (t) => {
  t.deepEqual(applyPatch(OLD64, JDIFF_STYLE_OK), JDIFF_STYLE_NEW);
  t.deepEqual(janpatchModel(OLD64, JDIFF_STYLE_OK, 'c8ad3ee'), JDIFF_STYLE_NEW);
  for (const chunkBytes of [1, 2, 5]) {
    t.deepEqual(new Uint8Array(streamed(OLD64, JDIFF_STYLE_OK, chunkBytes, 3).output), JDIFF_STYLE_NEW);
  }
  // EQL 253 from old offset 0 of a 64-byte image: refused at the operator's offset.
  const error = t.throws(() => applyPatch(OLD64, JDIFF_STYLE), { instanceOf: DecodeError });
  t.is(error?.offset, JDIFF_STYLE.length - 4);
  t.is(error?.message, `JojoDiff patch at offset ${JDIFF_STYLE.length - 4}: expected EQL within the old image (64 bytes), got 253 bytes from old offset 0`);
  // janpatch 84a5786 stops at the first byte.
  t.is(janpatchModel(OLD64, JDIFF_STYLE_OK, '84a5786'), 'error');
  t.throws(() => applyPatch(OLD64, JDIFF_STYLE_OK, { dialect: 'legacy' }), { code: 'DECODE_INVALID_VALUE', message: /offset 0: expected ESC/ });
});

// What `current` reading refuses: bounds and truncation, with the operator's patch offset.
const badCurrent: Bad[] = [
  ['ESC ending the patch at an operator position', OLD, [0x41, 0xa7, 0xa3, 0x00, 0xa7], 'DECODE_TRUNCATED', 5],
  ['implicit MOD run ending in a lone ESC', OLD, [0xa7, 0xa3, 0x00, 0x41, 0xa7], 'DECODE_TRUNCATED', 5],
  ['ESC ESC run ending in a lone ESC', OLD, [0xa7, 0xa4, 0x00, 0xa7, 0xa7, 0xa7], 'DECODE_TRUNCATED', 6],
  ['EQL past the end after an implicit MOD', OLD, [0x41, 0x42, 0xa7, 0xa3, 14], 'DECODE_INVALID_VALUE', 2],
  ['EQL past the end after ESC x advanced the old position', OLD, [0xa7, 0x00, 0xa7, 0xa3, 14], 'DECODE_INVALID_VALUE', 2],
  ['BKT before 0 after an implicit MOD', OLD, [0x41, 0xa7, 0xa2, 1], 'DECODE_INVALID_VALUE', 1],
  ['BKT before 0 after ESC ESC', OLD, [0xa7, 0xa7, 0xa7, 0xa2, 1], 'DECODE_INVALID_VALUE', 2],
  ['255 length prefix after an implicit MOD', OLD, [0x41, 0xa7, 0xa4, 255, 0, 0, 0, 0, 0, 0, 0, 1], 'DECODE_INVALID_VALUE', 3],
  ['zero length (3-byte form) after ESC x', OLD, [0xa7, 0x10, 0xa7, 0xa4, 253, 0, 0], 'DECODE_INVALID_VALUE', 4],
  ['over-long 5-byte length', OLD, [0x41, 0xa7, 0xa4, 254, 0, 0, 0, 1], 'DECODE_INVALID_VALUE', 3],
  ['truncated 3-byte length after an implicit MOD', OLD, [0x41, 0xa7, 0xa4, 253, 1], 'DECODE_TRUNCATED', 5],
  ['operator byte missing after ESC (patch ends)', OLD, [0xa7, 0xa3, 0, 0xa7], 'DECODE_TRUNCATED', 4],
];
for (const [name, old, patch, code, offset] of badCurrent) {
  test(`current reading refuses ${name}`, (t) => {
    const error = t.throws(() => applyPatch(old, Uint8Array.from(patch)), { instanceOf: DecodeError });
    t.is(error?.code, code);
    t.is(error?.offset, offset);
    t.regex(error?.message ?? '', /^JojoDiff patch at offset \d+: expected .+, got .+$/);
    // janpatch c8ad3ee does not refuse all of these, but none applies cleanly there.
    t.not(runJanpatch(old, Uint8Array.from(patch), 'c8ad3ee').kind, 'ok');
  });
}

test('a patch legacy reading accepts, current reading applies to the same bytes (property)', (t) => {
  const old = Uint8Array.from({ length: 700 }, (_, i) => (i * 7 + 3) & 0xff);
  let accepted = 0;
  fc.assert(
    fc.property(jdiffStylePatch(), (patch) => {
      let legacy: Uint8Array;
      try {
        legacy = applyPatch(old, patch, { dialect: 'legacy' });
      } catch (error) {
        return error instanceof DecodeError;
      }
      accepted++;
      return same(applyPatch(old, patch), legacy);
    }),
    { numRuns: 3000 },
  );
  t.true(accepted > 100, `legacy accepted only ${accepted} of 3000`);
});

/**
 * A corpus of jdiff-style patches: operators written `ESC op` (or left out, for an implicit MOD),
 * lengths in every prefix form (shortest, non-shortest, 255, truncated), data runs dense in
 * 0xa2..0xa8 with ESC ESC and ESC x, and runs starting with ESC at operator positions.
 */
function jdiffStylePatch(): fc.Arbitrary<Uint8Array> {
  const dataByte = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0xa0, max: 0xa8 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 255 }) });
  const data = fc.array(dataByte, { minLength: 0, maxLength: 6 });
  const length = fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: 40 }).map((n) => [n]) },
    { weight: 2, arbitrary: fc.integer({ min: 41, max: 251 }).map((n) => [n]) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 255 }).map((n) => [252, n]) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 800 }).map((n) => [253, n >> 8, n & 0xff]) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 70000 }).map((n) => [254, 0, n >>> 16, (n >> 8) & 0xff, n & 0xff]) },
    { weight: 1, arbitrary: fc.constantFrom([255, 0, 0, 0, 0, 0, 0, 0, 1], [252], [253, 1], [254, 0, 1], [254, 0xff, 0xff, 0xff, 0xff], [254, 0x80, 0, 0, 0]) },
  );
  const token = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(0xa3, 0xa4, 0xa2), length).map(([op, l]) => [0xa7, op, ...l]) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(0xa6, 0xa5), data).map(([op, d]) => [0xa7, op, ...d]) },
    { weight: 3, arbitrary: data }, // implicit MOD, or more bytes of the run before
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(0xa7, 0x00, 0x41, 0xa1, 0xa8, 0xff), data).map(([x, d]) => [0xa7, x, ...d]) },
    { weight: 1, arbitrary: fc.constant([0xa7]) },
  );
  return fc.array(token, { maxLength: 10 }).map((tokens) => Uint8Array.from(tokens.flat()));
}

for (const [dialect, build] of [['current', 'c8ad3ee'], ['legacy', '84a5786']] as const) {
  test(`our ${dialect} reading and a model of janpatch ${build} agree on every jdiff-style patch: bytes and accept/refuse (property)`, (t) => {
    const old = Uint8Array.from({ length: 700 }, (_, i) => (i * 13 + 5) & 0xff);
    const seen = { ok: 0, refused: 0, unsafe: 0 };
    fc.assert(
      fc.property(jdiffStylePatch(), fc.integer({ min: 1, max: 9 }), (patch, chunkBytes) => {
        const model = runJanpatch(old, patch, build);
        seen[model.kind]++;
        let ours: Uint8Array | undefined;
        try {
          const chunks: Uint8Array[] = [];
          const patcher = new JojoPatcher(old.length, (o, l) => old.subarray(o, o + l), (c) => chunks.push(c), { dialect, pageSizeBytes: 7 });
          for (let at = 0; at < patch.length; at += chunkBytes) patcher.push(patch.subarray(at, at + chunkBytes));
          patcher.end();
          ours = Buffer.concat(chunks);
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error;
        }
        // We accept exactly what janpatch applies cleanly; 'unsafe' (EQL past the end, BKT
        // before 0, truncation, non-shortest lengths) janpatch writes silently and we refuse.
        if (model.kind === 'ok') return ours !== undefined && same(ours, model.output);
        return ours === undefined;
      }),
      { numRuns: 4000 },
    );
    // The corpus must exercise all three outcomes, or the property proves little.
    for (const kind of ['ok', 'refused', 'unsafe'] as const) t.true(seen[kind] > 40, `${kind}: ${JSON.stringify(seen)}`);
  });
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

// Known answer from jdiff itself: the patch JojoDiff 0.8.5 (jdiff, default options; built from
// vppillai/jojodiff e17b8f5 src/, "0.8.5 (beta) 2020") wrote for jdiffFixtureImages(). It starts
// implicit MOD runs with a plain byte, with `ESC ESC` (offset 15: a7 a7 a3 ..) and with `ESC x`,
// and uses INS, EQL, DEL and BKT.
const JDIFF_085_PATCH = Buffer.from(
  'a7a34ba7a405a7a350a7a402a7a345a7a7a3e1a4a7a35ba7a7a233a7a7a7a369a7a5a712e126a7a365a7a5a72ecfa3a7' +
    'a352a7a407efb52cdea2f0b22e7885a424a7a7a2a4a2171018a6aea625a231a7f7b1a6a5a55e5f29acf173a5ada3b26d' +
    '6611a4a29ebf84a7a346a7a203a7a7a7a7a5a7a363a7a405a7a36ea76c80a44e615ea367245a20a2836ea7a7a7a7a68d' +
    'a5a747d9a4facf7cd84d32fb2b111feb754ab6e0234cf0660f9b590075664ceba6eba7a5a3b56386a759c4a5',
  'hex',
);

test('known answer: a patch jdiff 0.8.5 wrote applies byte for byte, as in janpatch c8ad3ee; older builds refuse it', (t) => {
  const { old, next } = jdiffFixtureImages();
  const patch = new Uint8Array(JDIFF_085_PATCH);
  t.is(patch.length, 188);
  t.deepEqual(applyPatch(old, patch), next);
  t.deepEqual(janpatchModel(old, patch, 'c8ad3ee'), next);
  for (const chunkBytes of [1, 3, 64]) t.deepEqual(new Uint8Array(streamed(old, patch, chunkBytes, 5).output), next);
  // ESC ESC / ESC x at an operator position: janpatch 19f5efb stops ("Unsupported operator").
  t.is(janpatchModel(old, patch, '19f5efb'), 'error');
  t.is(janpatchModel(old, patch, '84a5786'), 'error');
  const error = t.throws(() => applyPatch(old, patch, { dialect: 'legacy' }), { instanceOf: DecodeError });
  t.is(error?.offset, 16);
  t.is(error?.code, 'DECODE_UNKNOWN_COMMAND');
});
