import test from 'ava';
import { ValueError } from '../../../src/core/errors.js';
import {
  DEFAULT_HEATSHRINK,
  DETOOLS_COMPRESSIONS,
  compressStream,
  createDecompressor,
  type DetoolsCompression,
} from '../../../src/delta/detools/compression.js';

function decompressAll(kind: DetoolsCompression, bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const d = createDecompressor(kind);
  d.push(bytes, (b) => parts.push(b));
  d.end((b) => parts.push(b));
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

test('the kinds and the default heatshrink parameters', (t) => {
  t.deepEqual([...DETOOLS_COMPRESSIONS], ['none', 'crle', 'heatshrink']);
  t.deepEqual({ ...DEFAULT_HEATSHRINK }, { windowSz2: 8, lookaheadSz2: 7 });
});

test('none: the bytes as they are', (t) => {
  const data = Uint8Array.from([1, 2, 3, 0, 255]);
  const packed = compressStream('none', data);
  t.deepEqual(packed, data);
  t.deepEqual(decompressAll('none', packed), data);
});

test('an unknown compression or bad heatshrink parameters are refused naming the field', (t) => {
  t.is(t.throws(() => compressStream('lzma' as DetoolsCompression, new Uint8Array(1)), { instanceOf: ValueError }).field, 'compression');
  t.is(t.throws(() => createDecompressor('bz2' as DetoolsCompression), { instanceOf: ValueError }).field, 'compression');
  const w = t.throws(() => compressStream('heatshrink', new Uint8Array(1), { windowSz2: 16, lookaheadSz2: 4 }), { instanceOf: ValueError });
  t.is(w.field, 'heatshrink.windowSz2');
  const l = t.throws(() => compressStream('heatshrink', new Uint8Array(1), { windowSz2: 8, lookaheadSz2: 8 }), { instanceOf: ValueError });
  t.is(l.field, 'heatshrink.lookaheadSz2');
});
