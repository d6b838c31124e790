import test from 'ava';
import fc from 'fast-check';
import { ByteReader } from '../../src/core/byte-reader.js';
import { ByteWriter } from '../../src/core/byte-writer.js';
import { DecodeError, ValueError } from '../../src/core/errors.js';

test('reads little-endian fields', (t) => {
  const reader = new ByteReader(Uint8Array.from([0x01, 0x34, 0x12, 0x56, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff]), 'T');
  t.is(reader.u8(), 0x01);
  t.is(reader.u16(), 0x1234);
  t.is(reader.u24(), 0x123456);
  t.is(reader.u32(), 0x12345678);
  t.is(reader.i32(), -1);
  t.true(reader.atEnd);
});

test('u32 keeps values above 2^31 positive', (t) => {
  t.is(new ByteReader(Uint8Array.from([0xff, 0xff, 0xff, 0xff]), 'T').u32(), 0xffffffff);
});

test('truncation names context, offset, expected and actual', (t) => {
  const reader = new ByteReader(Uint8Array.from([1, 2, 3]), 'TS004 FragSessionSetupReq');
  reader.u8();
  const error = t.throws(() => reader.need(9, '9 bytes'), { instanceOf: DecodeError });
  t.is(error?.code, 'DECODE_TRUNCATED');
  t.is(error?.offset, 1);
  t.is(error?.message, 'TS004 FragSessionSetupReq at offset 1: expected 9 bytes, got 2');
});

const truncations: Array<[string, (r: ByteReader) => unknown, number]> = [
  ['u8', (r) => r.u8(), 0],
  ['u16', (r) => r.u16(), 1],
  ['u24', (r) => r.u24(), 2],
  ['u32', (r) => r.u32(), 3],
  ['i32', (r) => r.i32(), 3],
  ['bytesOf', (r) => r.bytesOf(5), 4],
  ['peek', (r) => r.peek(), 0],
];
for (const [name, read, available] of truncations) {
  test(`${name} throws DECODE_TRUNCATED with ${available} bytes left`, (t) => {
    const reader = new ByteReader(new Uint8Array(available), 'T');
    t.throws(() => read(reader), { instanceOf: DecodeError, code: 'DECODE_TRUNCATED' });
  });
}

test('writer rejects out-of-range and non-integer values naming the field', (t) => {
  const writer = new ByteWriter('TS004 FragSessionSetupReq');
  const error = t.throws(() => writer.u16(70000, 'NbFrag'), { instanceOf: ValueError });
  t.is(error?.message, 'TS004 FragSessionSetupReq NbFrag: expected an integer in 0..65535, got 70000');
  t.throws(() => writer.u8(1.5, 'x'), { instanceOf: ValueError });
  t.throws(() => writer.u8(-1, 'x'), { instanceOf: ValueError });
  t.throws(() => writer.i32(2 ** 31, 'x'), { instanceOf: ValueError });
  t.throws(() => writer.bytes(new Uint8Array(3), 'Descriptor', 4), { instanceOf: ValueError });
});

test('writer and reader round-trip every field width (property)', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xff }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0xffffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      fc.uint8Array({ maxLength: 40 }),
      (a, b, c, d, e, bytes) => {
        const w = new ByteWriter('T', 1).u8(a, 'a').u16(b, 'b').u24(c, 'c').u32(d, 'd').i32(e, 'e').bytes(bytes, 'f');
        const r = new ByteReader(w.toBytes(), 'T');
        return r.u8() === a && r.u16() === b && r.u24() === c && r.u32() === d && r.i32() === e
          && Buffer.from(r.bytesOf(bytes.length)).equals(Buffer.from(bytes)) && r.atEnd;
      },
    ),
  );
  t.pass();
});
