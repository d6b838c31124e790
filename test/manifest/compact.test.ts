import test from 'ava';
import { verify } from 'node:crypto';
import { DecodeError } from '../../src/core/errors.js';
import { bytesToHex } from '../../src/core/hex.js';
import { COMPACT_BODY_BYTES, COMPACT_MANIFEST_BYTES, decodeCompactManifest, encodeCompactBody, encodeCompactManifest } from '../../src/manifest/compact.js';
import { verifyingKeyOf } from '../../src/manifest/keys.js';
import { ED25519_KEY, ES256_KEY, sampleManifest } from './fixtures.js';

const le32 = (bytes: Uint8Array, at: number): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);

test('compact layout: every field at its documented offset (docs/manifest-compact.md)', (t) => {
  const m = sampleManifest();
  const body = encodeCompactBody(m, 'es256');
  t.is(body.length, COMPACT_BODY_BYTES);
  t.deepEqual([...body.subarray(0, 4)], [1, 1, 1, 1]);
  t.is(le32(body, 4), 0x11223344);
  t.is(le32(body, 8), 0x01020003);
  t.deepEqual(body.subarray(12, 28), m.vendorId);
  t.deepEqual(body.subarray(28, 44), m.classId);
  t.is(le32(body, 44), 87808);
  t.deepEqual(body.subarray(48, 80), m.newImage.sha256);
  t.is(le32(body, 80), 340);
  t.deepEqual(body.subarray(84, 116), m.payload.sha256);
  t.is(le32(body, 116), 86960);
  t.deepEqual(body.subarray(120, 152), m.precursor!.sha256);
  t.deepEqual(body.subarray(152, 168), m.encryption!.iv);
  const full = encodeCompactBody(sampleManifest({ payloadType: 'full', deltaFormat: undefined, precursor: undefined, encryption: undefined }), 'ed25519');
  t.deepEqual([...full.subarray(0, 4)], [1, 2, 0, 0]);
  t.true(full.subarray(116).every((b) => b === 0));
});

for (const key of [ES256_KEY, ED25519_KEY]) {
  test(`compact round trip and signature over the 168-byte body (${key.algorithm})`, (t) => {
    for (const m of [sampleManifest(), sampleManifest({ payloadType: 'full', deltaFormat: undefined, precursor: undefined, encryption: undefined })]) {
      const bytes = encodeCompactManifest(m, key);
      t.is(bytes.length, COMPACT_MANIFEST_BYTES);
      const decoded = decodeCompactManifest(bytes);
      t.deepEqual(decoded.manifest, m);
      t.is(decoded.algorithm, key.algorithm);
      const publicKey = verifyingKeyOf(key).publicKey;
      const body = bytes.subarray(0, COMPACT_BODY_BYTES);
      const signature = bytes.subarray(COMPACT_BODY_BYTES);
      const ok = key.algorithm === 'es256'
        ? verify('sha256', body, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
        : verify(null, body, publicKey, signature);
      t.true(ok);
    }
  });
}

test('compact decoding is strict and names offsets', (t) => {
  const good = encodeCompactManifest(sampleManifest({ payloadType: 'full', deltaFormat: undefined, precursor: undefined, encryption: undefined }), ES256_KEY);
  const bad = (at: number, value: number): Uint8Array => {
    const copy = good.slice();
    copy[at] = value;
    return copy;
  };
  t.throws(() => decodeCompactManifest(bad(0, 2)), { instanceOf: DecodeError, message: /format version at offset 0/ });
  t.throws(() => decodeCompactManifest(bad(1, 3)), { message: /signature algorithm at offset 1/ });
  for (const code of [4, 0x80, 0xff]) t.throws(() => decodeCompactManifest(bad(2, code)), { message: /payload type at offset 2: expected 0 \(full\), 1 \(jojodiff\)/ }, `code ${code}`);
  t.throws(() => decodeCompactManifest(bad(3, 2)), { message: /encryption at offset 3/ });
  t.throws(() => decodeCompactManifest(bad(130, 1)), { message: /precursor at offset 116/ });
  t.throws(() => decodeCompactManifest(bad(160, 1)), { message: /encryption IV at offset 152/ });
  t.throws(() => decodeCompactManifest(Uint8Array.from([...good, 0])), { code: 'DECODE_TRAILING_BYTES' });
  for (let length = 0; length < good.length; length++) {
    t.throws(() => decodeCompactManifest(good.subarray(0, length)), { code: 'DECODE_TRUNCATED' }, `length ${length}`);
  }
  t.is(bytesToHex(good.subarray(0, 4)), '01010000');
});
