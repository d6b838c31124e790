import test from 'ava';
import fc from 'fast-check';
import { DecodeError, ValueError } from '../../src/core/errors.js';
import { JojoPatcher, applyPatch } from '../../src/delta/jojo-patch.js';
import { janpatchModel } from './janpatch-model.js';

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
