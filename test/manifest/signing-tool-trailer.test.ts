import test from 'ava';
import { verify } from 'node:crypto';
import { DecodeError, ValueError } from '../../src/core/errors.js';
import { bytesToHex, hexToBytes } from '../../src/core/hex.js';
import { verifyingKeyOf } from '../../src/manifest/keys.js';
import { signMessage } from '../../src/manifest/signature.js';
import {
  TRAILER_BYTES,
  decodeSigningToolTrailer,
  encodeSigningToolTrailer,
  signImageForTrailer,
  verifyTrailerSignature,
  type SigningToolTrailer,
} from '../../src/manifest/signing-tool-trailer.js';
import { classIdOf, vendorIdOf } from '../../src/manifest/uuid5.js';
import { ED25519_KEY, ES256_KEY, seededBytes } from './fixtures.js';

const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

function derInteger(value: bigint): number[] {
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const bytes = [...hexToBytes(hex)];
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return [0x02, bytes.length, ...bytes];
}

/** DER Ecdsa-Sig-Value (RFC 3279 §2.2.3) of integers r and s. */
function der(r: bigint, s: bigint): Uint8Array {
  const body = [...derInteger(r), ...derInteger(s)];
  return Uint8Array.from([0x30, body.length, ...body]);
}

function rsOf(raw: Uint8Array): [bigint, bigint] {
  return [BigInt('0x' + bytesToHex(raw.subarray(0, 32))), BigInt('0x' + bytesToHex(raw.subarray(32)))];
}

const trailer = (derSignature: Uint8Array, more: Partial<SigningToolTrailer> = {}): SigningToolTrailer => ({
  derSignature,
  vendorId: vendorIdOf('example.com'),
  classId: classIdOf('awesome-2000'),
  firmwareVersion: 0x01020304,
  isDiff: true,
  oldImageSizeBytes: 0x012345,
  ...more,
});

test('trailer layout known answer: built the way lorawan-fota-signing-tool concatenates it', (t) => {
  // RFC 6979 §A.2.5 "sample" signature: r and s both have the top bit set, so DER is 72 bytes.
  const [r, s] = rsOf(hexToBytes('efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8'));
  const signature = der(r, s);
  t.is(signature.length, 72);
  const bytes = encodeSigningToolTrailer(trailer(signature));
  // cli.js _createManifest: [sigLength] + signature (padded to 72) + manufacturer UUID +
  // device-class UUID + version (LE) + [is_diff, old size >> 16, >> 8, & 0xff].
  const expected = Buffer.concat([
    Buffer.from([72]),
    signature,
    vendorIdOf('example.com'),
    classIdOf('awesome-2000'),
    Buffer.from([0x04, 0x03, 0x02, 0x01]),
    Buffer.from([1, 0x01, 0x23, 0x45]),
  ]);
  t.is(bytes.length, TRAILER_BYTES);
  t.is(bytesToHex(bytes), expected.toString('hex'));
  t.is(bytesToHex(bytes.subarray(73, 89)), 'a5cf6e8e4cfa5f31a8046de6d1245e26');
  t.deepEqual(decodeSigningToolTrailer(bytes), trailer(signature));
});

test('every DER signature length from 8 to 72 is zero padded to 72 and round-trips', (t) => {
  for (let length = 8; length <= 72; length++) {
    // Structure does not matter to the layout; a recognisable pattern does.
    const signature = seededBytes(`der ${length}`, length);
    signature[0] = 0x30;
    const bytes = encodeSigningToolTrailer(trailer(signature));
    t.is(bytes.length, TRAILER_BYTES, `length ${length}`);
    t.is(bytes[0], length);
    t.true(bytes.subarray(1 + length, 73).every((b) => b === 0), `padding after ${length}`);
    t.deepEqual(decodeSigningToolTrailer(bytes).derSignature, signature);
  }
  t.throws(() => encodeSigningToolTrailer(trailer(new Uint8Array(73))), { instanceOf: ValueError });
  t.throws(() => encodeSigningToolTrailer(trailer(new Uint8Array(7))), { instanceOf: ValueError });
});

test('real ES256 signatures of DER length 72, 71, 70 and shorter verify from the trailer', (t) => {
  const image = seededBytes('trailer image', 1000);
  const key = verifyingKeyOf(ES256_KEY);
  const byLength = new Map<number, Uint8Array>();
  // (r, s) and (r, n - s) are both valid ECDSA signatures (FIPS 186-4 §6.4), so each signing
  // yields two DER lengths; DER is shorter than 70 only when r or s < 2^248 (about 1 in 128).
  for (let i = 0; i < 20000 && !(byLength.has(70) && byLength.has(71) && byLength.has(72) && [...byLength.keys()].some((l) => l < 70)); i++) {
    const [r, s] = rsOf(signMessage(ES256_KEY, image, 'raw'));
    for (const candidate of [der(r, s), der(r, P256_N - s)]) {
      if (!byLength.has(candidate.length)) byLength.set(candidate.length, candidate);
    }
  }
  const lengths = [...byLength.keys()].sort();
  t.true(lengths.includes(70) && lengths.includes(71) && lengths.includes(72), `lengths found: ${lengths.join(', ')}`);
  t.true(lengths.some((l) => l < 70), `a short signature found: ${lengths.join(', ')}`);
  for (const [length, signature] of byLength) {
    t.true(verify('sha256', image, key.publicKey, signature), `node verifies the ${length}-byte DER`);
    const decoded = decodeSigningToolTrailer(encodeSigningToolTrailer(trailer(signature)));
    t.is(decoded.derSignature.length, length);
    t.true(verify('sha256', image, key.publicKey, decoded.derSignature));
    t.true(verifyTrailerSignature(key, decoded, image));
    t.false(verifyTrailerSignature(key, decoded, image.subarray(1)));
  }
});

test('signImageForTrailer signs the full new image with DER ECDSA; Ed25519 is refused', (t) => {
  const image = seededBytes('image', 300);
  const signature = signImageForTrailer(ES256_KEY, image);
  t.true(verify('sha256', image, verifyingKeyOf(ES256_KEY).publicKey, signature));
  t.throws(() => signImageForTrailer(ED25519_KEY, image), { instanceOf: ValueError, code: 'UNSUPPORTED_KEY' });
});

test('trailer decoding refuses bad lengths, padding, flags and sizes', (t) => {
  const good = encodeSigningToolTrailer(trailer(seededBytes('sig', 70)));
  const mutate = (at: number, value: number): Uint8Array => {
    const bad = good.slice();
    bad[at] = value;
    return bad;
  };
  for (const length of [0, 7, 73, 255]) {
    t.throws(() => decodeSigningToolTrailer(mutate(0, length)), { instanceOf: DecodeError, code: 'DECODE_INVALID_VALUE' });
  }
  t.throws(() => decodeSigningToolTrailer(mutate(72, 1)), { message: /signature padding at offset 72/ });
  t.throws(() => decodeSigningToolTrailer(mutate(109, 2)), { message: /is_diff/ });
  const full = encodeSigningToolTrailer(trailer(seededBytes('sig', 70), { isDiff: false }));
  t.is(bytesToHex(full.subarray(109)), '00000000');
  full[112] = 1;
  t.throws(() => decodeSigningToolTrailer(full), { message: /old image size/ });
  t.throws(() => decodeSigningToolTrailer(good.subarray(0, 112)), { code: 'DECODE_TRUNCATED' });
  t.throws(() => decodeSigningToolTrailer(Uint8Array.from([...good, 0])), { code: 'DECODE_TRAILING_BYTES' });
  t.throws(() => encodeSigningToolTrailer(trailer(seededBytes('sig', 70), { oldImageSizeBytes: 0x1000000 })), { instanceOf: ValueError });
});
