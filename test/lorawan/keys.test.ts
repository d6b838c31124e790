import test from 'ava';
import fc from 'fast-check';
import { aes128Encrypt } from '../../src/lorawan/aes.js';
import { decodeCommands, encodeCommands } from '../../src/lorawan/app-layer.js';
import { decryptMcKey, deriveMcKEKey, deriveMcRootKey, deriveMcSessionKeys, encryptMcKey } from '../../src/lorawan/keys.js';
import { TS005, type McGroupSetupReq } from '../../src/lorawan/ts005-multicast-setup.js';
import { ValueError } from '../../src/core/errors.js';
import { bytesToHex, hexToBytes } from '../../src/core/hex.js';

// Inputs of brocaar/lorawan applayer/multicastsetup/keys_test.go (MIT); the same inputs and
// expected values appear in chirpstack lrwn/src/applayer/multicastsetup/v1.rs and v2.rs tests (MIT).
const BROCAAR_KEYS = 'brocaar/lorawan applayer/multicastsetup/keys_test.go (MIT)';
const keyStartingWith = (first: number) => Uint8Array.from([first, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
const MC_KEY = keyStartingWith(1);
const APP_KEY = keyStartingWith(2);
const GEN_APP_KEY = keyStartingWith(3);
const MC_ROOT_KEY = keyStartingWith(4);
/** lorawan.DevAddr{1, 2, 3, 4}: DevAddr 01020304, sent on the air as 04 03 02 01. */
const MC_ADDR = 0x01020304;

test(`McRootKey from GenAppKey (LoRaWAN 1.0.x) — ${BROCAAR_KEYS}`, (t) => {
  t.is(bytesToHex(deriveMcRootKey({ lorawanVersion: '1.0', genAppKey: GEN_APP_KEY })), '55344e82570eaec8bf03b99962d1f445');
});

test(`McRootKey from AppKey (LoRaWAN 1.1) — ${BROCAAR_KEYS}`, (t) => {
  t.is(bytesToHex(deriveMcRootKey({ lorawanVersion: '1.1', appKey: APP_KEY })), '264fd859583fcc670241ac071cc9f5bb');
});

test(`McKEKey check value 9083bebf… — ${BROCAAR_KEYS}`, (t) => {
  t.is(bytesToHex(deriveMcKEKey(MC_ROOT_KEY)), '9083bebf704257883160dbfcde33ad71');
});

test(`McAppSKey 95cb45… and McNwkSKey c3f6b3… — ${BROCAAR_KEYS}`, (t) => {
  const keys = deriveMcSessionKeys(MC_KEY, MC_ADDR);
  t.is(bytesToHex(keys.mcAppSKey), '95cb4518ee375606735bbacbdce837fa');
  t.is(bytesToHex(keys.mcNwkSKey), 'c3f6b388bad6c000b23291ad52c11c7b');
});

test('McKey_encrypted known answer — chirpstack lrwn/src/applayer/multicastsetup/v2.rs test_encrypt_mc_key (MIT)', (t) => {
  // McKEKey 01×16, McKey 02×16 → [52, 55, 214, 226, 49, 215, 2, 65, 155, 81, 180, 148, 114, 113, 182, 17].
  const encrypted = encryptMcKey(new Uint8Array(16).fill(1), new Uint8Array(16).fill(2));
  t.is(bytesToHex(encrypted), '3437d6e231d702419b51b4947271b611');
  t.is(bytesToHex(decryptMcKey(new Uint8Array(16).fill(1), encrypted)), '02'.repeat(16));
});

test('McAddr goes into the derivation block little-endian (TS005 v1.0.0 §4.3)', (t) => {
  // Build the block by hand: 01 | 04 03 02 01 | 11 zero bytes.
  const manual = aes128Encrypt(MC_KEY, hexToBytes('01' + '04030201' + '00'.repeat(11)));
  t.is(bytesToHex(deriveMcSessionKeys(MC_KEY, MC_ADDR).mcAppSKey), bytesToHex(manual));
  // The big-endian block gives a different key: a byte-order slip would not go unnoticed here.
  const bigEndian = aes128Encrypt(MC_KEY, hexToBytes('01' + '01020304' + '00'.repeat(11)));
  t.not(bytesToHex(deriveMcSessionKeys(MC_KEY, MC_ADDR).mcAppSKey), bytesToHex(bigEndian));
});

test('encryptMcKey is the AES decrypt direction (server side), decryptMcKey the encrypt direction (device side)', (t) => {
  // A device computes McKey = aes128_encrypt(McKEKey, McKey_encrypted) (TS005 v2.0.0 §4.3).
  const mcKEKey = deriveMcKEKey(MC_ROOT_KEY);
  const sent = encryptMcKey(mcKEKey, MC_KEY);
  t.is(bytesToHex(aes128Encrypt(mcKEKey, sent)), bytesToHex(MC_KEY));
  // Using AES encrypt on the server side would give bytes the device turns into a different key.
  t.not(bytesToHex(aes128Encrypt(mcKEKey, MC_KEY)), bytesToHex(sent));
});

test('decryptMcKey(encryptMcKey(k)) = k and encryptMcKey(decryptMcKey(k)) = k (property)', (t) => {
  const key = fc.uint8Array({ minLength: 16, maxLength: 16 });
  fc.assert(
    fc.property(key, key, (mcKEKey, mcKey) => {
      return (
        bytesToHex(decryptMcKey(mcKEKey, encryptMcKey(mcKEKey, mcKey))) === bytesToHex(mcKey) &&
        bytesToHex(encryptMcKey(mcKEKey, decryptMcKey(mcKEKey, mcKey))) === bytesToHex(mcKey)
      );
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('McAppSKey and McNwkSKey differ, and depend on McAddr (property)', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 0xfffffffe }), (mcKey, mcAddr) => {
      const a = deriveMcSessionKeys(mcKey, mcAddr);
      const b = deriveMcSessionKeys(mcKey, mcAddr + 1);
      return bytesToHex(a.mcAppSKey) !== bytesToHex(a.mcNwkSKey) && bytesToHex(a.mcAppSKey) !== bytesToHex(b.mcAppSKey);
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('server to device, end to end: GenAppKey → McGroupSetupReq bytes → device recovers McKey and session keys', (t) => {
  const mcKEKey = deriveMcKEKey(deriveMcRootKey({ lorawanVersion: '1.0', genAppKey: GEN_APP_KEY }));
  const setup: McGroupSetupReq = {
    command: 'McGroupSetupReq',
    mcGroupId: 0,
    mcAddr: MC_ADDR,
    mcKeyEncrypted: encryptMcKey(mcKEKey, MC_KEY),
    minMcFCount: 0,
    maxMcFCount: 0xffffffff,
  };
  const frame = encodeCommands(TS005, 2, 'downlink', [setup]);
  // The device side: decode, then derive with its own copy of GenAppKey.
  const [received] = decodeCommands<McGroupSetupReq>(TS005, 2, 'downlink', frame);
  const deviceKEKey = deriveMcKEKey(deriveMcRootKey({ lorawanVersion: '1.0', genAppKey: GEN_APP_KEY }));
  const deviceMcKey = decryptMcKey(deviceKEKey, received!.mcKeyEncrypted);
  t.is(bytesToHex(deviceMcKey), bytesToHex(MC_KEY));
  const keys = deriveMcSessionKeys(deviceMcKey, received!.mcAddr);
  t.is(bytesToHex(keys.mcAppSKey), '95cb4518ee375606735bbacbdce837fa');
  t.is(bytesToHex(keys.mcNwkSKey), 'c3f6b388bad6c000b23291ad52c11c7b');
});

test('the derivations return fresh arrays and leave their inputs alone', (t) => {
  const root = Uint8Array.from(MC_ROOT_KEY);
  const kek = deriveMcKEKey(root);
  kek.fill(0);
  t.is(bytesToHex(root), bytesToHex(MC_ROOT_KEY));
  t.is(bytesToHex(deriveMcKEKey(root)), '9083bebf704257883160dbfcde33ad71');
});

// Bad inputs: each throws a ValueError naming the key and saying what was expected.
const bad: Array<{ title: string; call: () => unknown; field: string; code: string }> = [
  { title: '1.0 without GenAppKey', call: () => deriveMcRootKey({ lorawanVersion: '1.0' }), field: 'genAppKey', code: 'MISSING_KEY' },
  { title: '1.0 with only an AppKey', call: () => deriveMcRootKey({ lorawanVersion: '1.0', appKey: APP_KEY }), field: 'genAppKey', code: 'MISSING_KEY' },
  { title: '1.1 without AppKey', call: () => deriveMcRootKey({ lorawanVersion: '1.1' }), field: 'appKey', code: 'MISSING_KEY' },
  { title: '1.1 with only a GenAppKey', call: () => deriveMcRootKey({ lorawanVersion: '1.1', genAppKey: GEN_APP_KEY }), field: 'appKey', code: 'MISSING_KEY' },
  { title: 'unknown LoRaWAN version', call: () => deriveMcRootKey({ lorawanVersion: '1.0.4' as never, genAppKey: GEN_APP_KEY }), field: 'lorawanVersion', code: 'UNKNOWN_LORAWAN_VERSION' },
  { title: '15-byte GenAppKey', call: () => deriveMcRootKey({ lorawanVersion: '1.0', genAppKey: new Uint8Array(15) }), field: 'genAppKey', code: 'INVALID_KEY_LENGTH' },
  { title: '17-byte AppKey', call: () => deriveMcRootKey({ lorawanVersion: '1.1', appKey: new Uint8Array(17) }), field: 'appKey', code: 'INVALID_KEY_LENGTH' },
  { title: 'hex string as McRootKey', call: () => deriveMcKEKey('9083bebf704257883160dbfcde33ad71' as never), field: 'mcRootKey', code: 'INVALID_KEY_LENGTH' },
  { title: '32-byte McKey to encrypt', call: () => encryptMcKey(new Uint8Array(16), new Uint8Array(32)), field: 'mcKey', code: 'INVALID_KEY_LENGTH' },
  { title: 'short McKEKey to encrypt with', call: () => encryptMcKey(new Uint8Array(8), new Uint8Array(16)), field: 'mcKEKey', code: 'INVALID_KEY_LENGTH' },
  { title: 'empty McKey_encrypted', call: () => decryptMcKey(new Uint8Array(16), new Uint8Array(0)), field: 'mcKeyEncrypted', code: 'INVALID_KEY_LENGTH' },
  { title: 'missing McKEKey to decrypt with', call: () => decryptMcKey(undefined as never, new Uint8Array(16)), field: 'mcKEKey', code: 'INVALID_KEY_LENGTH' },
  { title: 'short McKey for session keys', call: () => deriveMcSessionKeys(new Uint8Array(4), 1), field: 'mcKey', code: 'INVALID_KEY_LENGTH' },
  { title: 'McAddr above 32 bits', call: () => deriveMcSessionKeys(MC_KEY, 2 ** 32), field: 'mcAddr', code: 'VALUE_OUT_OF_RANGE' },
  { title: 'negative McAddr', call: () => deriveMcSessionKeys(MC_KEY, -1), field: 'mcAddr', code: 'VALUE_OUT_OF_RANGE' },
  { title: 'fractional McAddr', call: () => deriveMcSessionKeys(MC_KEY, 1.5), field: 'mcAddr', code: 'VALUE_OUT_OF_RANGE' },
];
for (const c of bad) {
  test(`bad input refused: ${c.title}`, (t) => {
    const error = t.throws(c.call, { instanceOf: ValueError });
    t.is(error?.field, c.field);
    t.is(error?.code, c.code);
  });
}
