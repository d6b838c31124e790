import test from 'ava';
import { createDecipheriv, verify } from 'node:crypto';
import { bytesToHex, hexToBytes } from '../../src/core/hex.js';
import { unwrapKey, wrapKey } from '../../src/manifest/key-wrap.js';
import { parsePublicKeyPem, publicKeyToPem, rawPublicKey, verifyingKeyOf } from '../../src/manifest/keys.js';
import { aes128Ctr } from '../../src/manifest/payload-cipher.js';
import { UpdateRejectedError } from '../../src/manifest/rejection.js';
import { signMessage, verifyMessage } from '../../src/manifest/signature.js';
import { ED25519_KEY, ES256_KEY, OTHER_ES256_KEY } from './fixtures.js';

const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));

test('RFC 3394 §4.1 key wrap: 128-bit key data with a 128-bit KEK', (t) => {
  const kek = hexToBytes('000102030405060708090A0B0C0D0E0F');
  const keyData = hexToBytes('00112233445566778899AABBCCDDEEFF');
  const wrapped = wrapKey(kek, keyData);
  t.is(bytesToHex(wrapped), '1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5');
  t.deepEqual(unwrapKey(kek, wrapped), keyData);
});

test('key unwrap refuses a wrong KEK and a modified blob (RFC 3394 §2.2.3 integrity check)', (t) => {
  const kek = hexToBytes('000102030405060708090A0B0C0D0E0F');
  const wrapped = hexToBytes('1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5');
  t.throws(() => unwrapKey(new Uint8Array(16), wrapped), { instanceOf: UpdateRejectedError, code: 'UPDATE_KEY_UNWRAP_FAILED' });
  for (let i = 0; i < wrapped.length; i++) {
    const bad = wrapped.slice();
    bad[i] = bad[i]! ^ 0x01;
    t.throws(() => unwrapKey(kek, bad), { code: 'UPDATE_KEY_UNWRAP_FAILED' });
  }
  t.throws(() => unwrapKey(kek, wrapped.subarray(0, 16)), { code: 'UPDATE_KEY_UNWRAP_FAILED' });
});

test('AES-128-CTR: NIST SP 800-38A F.5.1 (CTR-AES128.Encrypt), blocks 1-2', (t) => {
  const key = hexToBytes('2b7e151628aed2a6abf7158809cf4f3c');
  const iv = hexToBytes('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
  const plain = hexToBytes('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51');
  const cipher = aes128Ctr(key, iv, plain);
  t.is(bytesToHex(cipher), '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff');
  t.deepEqual(aes128Ctr(key, iv, cipher), plain);
  // Any length: no padding, so fragment counts do not change.
  t.is(aes128Ctr(key, iv, plain.subarray(0, 5)).length, 5);
  const viaNode = createDecipheriv('aes-128-ctr', key, iv).update(cipher);
  t.deepEqual(new Uint8Array(viaNode), plain);
});

test('ES256 known answer: RFC 6979 §A.2.5 (P-256, SHA-256, "sample" and "test") verifies', (t) => {
  const key = verifyingKeyOf(ES256_KEY);
  t.is(bytesToHex(rawPublicKey(key)), '04' + '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6' + '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299');
  const sample = hexToBytes('efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8');
  const testSig = hexToBytes('f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083');
  t.true(verifyMessage(key, utf8('sample'), sample, 'raw'));
  t.true(verifyMessage(key, utf8('test'), testSig, 'raw'));
  t.false(verifyMessage(key, utf8('test'), sample, 'raw'));
  t.false(verifyMessage(verifyingKeyOf(OTHER_ES256_KEY), utf8('sample'), sample, 'raw'));
});

test('Ed25519 known answer: RFC 8032 §7.1 TEST 1 (empty message) signs and verifies', (t) => {
  const signature = signMessage(ED25519_KEY, new Uint8Array(0));
  t.is(
    bytesToHex(signature),
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  );
  t.is(bytesToHex(rawPublicKey(verifyingKeyOf(ED25519_KEY))), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  t.true(verifyMessage(verifyingKeyOf(ED25519_KEY), new Uint8Array(0), signature));
});

test('our ES256 signatures (raw and DER) verify with node:crypto directly', (t) => {
  const message = utf8('firmware manifest body');
  const publicKey = verifyingKeyOf(ES256_KEY).publicKey;
  const raw = signMessage(ES256_KEY, message, 'raw');
  t.is(raw.length, 64);
  t.true(verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw));
  const der = signMessage(ES256_KEY, message, 'der');
  t.is(der[0], 0x30);
  t.true(verify('sha256', message, publicKey, der));
  t.false(verifyMessage(verifyingKeyOf(ES256_KEY), message, der.subarray(1), 'der'));
});

test('public key PEM round trip keeps the algorithm', (t) => {
  for (const key of [ES256_KEY, ED25519_KEY]) {
    const parsed = parsePublicKeyPem(publicKeyToPem(verifyingKeyOf(key)));
    t.is(parsed.algorithm, key.algorithm);
  }
  t.throws(() => parsePublicKeyPem('not a key'), { code: 'INVALID_KEY' });
});
