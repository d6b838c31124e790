import test from 'ava';
import { DecodeError, ValueError } from '../../src/core/errors.js';
import type { Eui64 } from '../../src/core/eui.js';
import { bytesToHex } from '../../src/core/hex.js';
import { decodePackage, encodePackage, type FuotaPackage } from '../../src/manifest/package-format.js';
import { seededBytes } from './fixtures.js';

const pkg: FuotaPackage = {
  format: 'suit',
  manifest: seededBytes('manifest', 40),
  payload: seededBytes('payload', 100),
  wrappedKeys: [
    { devEui: '0102030405060708' as Eui64, wrappedKey: seededBytes('k1', 24) },
    { devEui: '00000000000000ff' as Eui64, wrappedKey: seededBytes('k2', 24) },
  ],
};

test('package layout (docs/package-format.md) and round trip', (t) => {
  const bytes = encodePackage(pkg);
  t.is(bytes.length, 16 + 40 + 100 + 2 * 32);
  t.is(bytesToHex(bytes.subarray(0, 16)), '46504b47' + '01' + '02' + '0200' + '28000000' + '64000000');
  t.is(bytesToHex(bytes.subarray(156, 164)), '0102030405060708');
  t.deepEqual(decodePackage(bytes), pkg);
  const empty: FuotaPackage = { format: 'compact', manifest: new Uint8Array(0), payload: new Uint8Array(0), wrappedKeys: [] };
  t.deepEqual(decodePackage(encodePackage(empty)), empty);
});

test('a package truncated at every length is a DecodeError naming the offset', (t) => {
  const bytes = encodePackage(pkg);
  for (let length = 0; length < bytes.length; length++) {
    const error = t.throws(() => decodePackage(bytes.subarray(0, length)), { instanceOf: DecodeError, code: 'DECODE_TRUNCATED' }, `length ${length}`);
    t.true(error!.offset <= length);
  }
  t.throws(() => decodePackage(bytes.subarray(0, 20)), { message: /package manifest at offset 16: expected 40 more bytes, got 4/ });
});

test('package header, trailing bytes and duplicate devices are refused', (t) => {
  const bytes = encodePackage(pkg);
  const bad = (at: number, value: number): Uint8Array => {
    const copy = bytes.slice();
    copy[at] = value;
    return copy;
  };
  t.throws(() => decodePackage(bad(0, 0x47)), { instanceOf: DecodeError, message: /magic at offset 0/ });
  t.throws(() => decodePackage(bad(4, 2)), { message: /version at offset 4/ });
  t.throws(() => decodePackage(bad(5, 4)), { message: /manifest format at offset 5/ });
  t.throws(() => decodePackage(Uint8Array.from([...bytes, 0])), { code: 'DECODE_TRAILING_BYTES', message: /offset 220/ });
  const dup = bytes.slice();
  dup.set(dup.subarray(156, 164), 188);
  t.throws(() => decodePackage(dup), { message: /DevEUI at offset 188/ });
  t.throws(() => encodePackage({ ...pkg, wrappedKeys: [pkg.wrappedKeys[0]!, pkg.wrappedKeys[0]!] }), { instanceOf: ValueError, code: 'DUPLICATE_DEVICE' });
});
