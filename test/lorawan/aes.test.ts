import test from 'ava';
import fc from 'fast-check';
import { createCipheriv } from 'node:crypto';
import { aes128Decrypt, aes128Encrypt, aesCmac } from '../../src/lorawan/aes.js';
import { bytesToHex, hexToBytes } from '../../src/core/hex.js';
import { ValueError } from '../../src/core/errors.js';

// RFC 4493 §4 test vectors (AES-CMAC with K = 2b7e1516 28aed2a6 abf71588 09cf4f3c).
const K = hexToBytes('2b7e151628aed2a6abf7158809cf4f3c');
const M = hexToBytes(
  '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
);
const rfc4493: Array<[number, string]> = [
  [0, 'bb1d6929e95937287fa37d129b756746'],
  [16, '070a16b46b4d4144f79bdd9dd04a287c'],
  [40, 'dfa66747de9ae63030ca32611497c827'],
  [64, '51f0bebf7e3b9d92fc49741779363cfe'],
];
for (const [length, tag] of rfc4493) {
  test(`AES-CMAC RFC 4493 example, ${length}-byte message`, (t) => {
    t.is(bytesToHex(aesCmac(K, M.subarray(0, length))), tag);
  });
}

// FIPS-197 Appendix C.1 (AES-128).
test('AES-128 FIPS-197 C.1 known answer', (t) => {
  const key = hexToBytes('000102030405060708090a0b0c0d0e0f');
  const plain = hexToBytes('00112233445566778899aabbccddeeff');
  t.is(bytesToHex(aes128Encrypt(key, plain)), '69c4e0d86a7b0430d8cdb78070b4c55a');
  t.is(bytesToHex(aes128Decrypt(key, hexToBytes('69c4e0d86a7b0430d8cdb78070b4c55a'))), '00112233445566778899aabbccddeeff');
});

test('CMAC agrees with a direct CBC-MAC computation on complete blocks (property)', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 1, max: 4 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), (key, blocks, data) => {
      const message = data.subarray(0, blocks * 16);
      // K1 derivation, then CBC-MAC with the last block xored by K1.
      const l = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false).update(new Uint8Array(16));
      const k1 = Buffer.alloc(16);
      for (let i = 0; i < 16; i++) k1[i] = ((l[i]! << 1) | (i < 15 ? l[i + 1]! >> 7 : 0)) & 0xff;
      if (l[0]! & 0x80) k1[15]! ^= 0x87;
      const last = Buffer.from(message.subarray(message.length - 16));
      for (let i = 0; i < 16; i++) last[i]! ^= k1[i]!;
      const cbc = createCipheriv('aes-128-cbc', key, Buffer.alloc(16)).setAutoPadding(false);
      const out = Buffer.concat([cbc.update(Buffer.concat([message.subarray(0, message.length - 16), last])), cbc.final()]);
      return bytesToHex(out.subarray(out.length - 16)) === bytesToHex(aesCmac(key, message));
    }),
  );
  t.pass();
});

test('bad keys and lengths are refused', (t) => {
  t.throws(() => aes128Encrypt(new Uint8Array(15), new Uint8Array(16), 'McKEKey'), { instanceOf: ValueError, message: /McKEKey: expected 16 bytes/ });
  t.throws(() => aes128Encrypt(new Uint8Array(16), new Uint8Array(15)), { instanceOf: ValueError });
  t.throws(() => aesCmac(new Uint8Array(8), new Uint8Array(1)), { instanceOf: ValueError });
});
