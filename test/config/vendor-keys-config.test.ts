import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { vendorKeysFromConfig } from '../../src/admission/vendor-keys.js';
import { ConfigError } from '../../src/config/config-issues.js';
import { loadConfig } from '../../src/config/load-config.js';
import { publicKeyToPem, rawPublicKey, verifyingKeyOf } from '../../src/manifest/keys.js';
import { bytesToHex } from '../../src/core/hex.js';

// campaigns.vendorKeys: a PEM file (relative to the config file) or the raw key in hex; every
// bad key is a ConfigError naming campaigns.vendorKeys.N.<field>.

const ENV = { FUOTA_CHIRPSTACK_API_TOKEN: 't' };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-vendor-keys-'));
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;

const EC = { algorithm: 'es256' as const, privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
const ED = { algorithm: 'ed25519' as const, privateKey: generateKeyPairSync('ed25519').privateKey };
const EC_RAW = bytesToHex(rawPublicKey(verifyingKeyOf(EC)));
const ED_RAW = bytesToHex(rawPublicKey(verifyingKeyOf(ED)));
const RSA_PEM = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();

function write(keys: string, extra: Record<string, string> = {}): string {
  const sub = path.join(dir, String(n++));
  fs.mkdirSync(sub);
  for (const [name, text] of Object.entries(extra)) fs.writeFileSync(path.join(sub, name), text);
  const file = path.join(sub, 'fuota.yaml');
  fs.writeFileSync(file, `networkServer:\n  kind: chirpstack\n  applicationId: 6d3b2c1a-0000-4000-8000-00000000c0de\ncampaigns:\n  vendorKeys:\n${keys}`);
  return file;
}

test('a PEM file beside the config, raw P-256 hex (04||X||Y and X||Y) and raw Ed25519 hex all load and verify', async (t) => {
  const file = write(
    [
      '    - { vendor: example.com, publicKey: ./update-pub.pem, deviceClasses: [sensor-node-v1] }',
      `    - { vendor: example.com, publicKey: "${EC_RAW}" }`,
      `    - { vendor: example.com, publicKey: "${EC_RAW.slice(2)}" }`,
      `    - { vendor: 6ba7b811-9dad-11d1-80b4-00c04fd430c8, publicKey: "${ED_RAW}" }`,
      '',
    ].join('\n'),
    { 'update-pub.pem': publicKeyToPem(verifyingKeyOf(EC)) },
  );
  const config = await loadConfig(file, { env: ENV });
  const keys = vendorKeysFromConfig(config.campaigns.vendorKeys);
  t.deepEqual(keys.map((k) => k.key.algorithm), ['es256', 'es256', 'es256', 'ed25519']);
  for (const k of keys.slice(0, 3)) t.true(k.key.publicKey.equals(verifyingKeyOf(EC).publicKey));
  t.is(keys[0]!.classIds?.length, 1);
});

const bad: Array<{ name: string; keys: string; extra?: Record<string, string>; path: string; message: RegExp }> = [
  { name: 'a missing PEM file', keys: '    - { vendor: example.com, publicKey: ./missing.pem }\n', path: 'campaigns.vendorKeys[0].publicKey', message: /expected a readable file ".*missing\.pem", got ENOENT/ },
  { name: 'a file that is not PEM', keys: '    - { vendor: example.com, publicKey: ./key.pem }\n', extra: { 'key.pem': 'hello' }, path: 'campaigns.vendorKeys[0].publicKey', message: /expected a PEM public key \(P-256 or Ed25519\) in ".*key\.pem", got/ },
  { name: 'an RSA key', keys: '    - { vendor: example.com, publicKey: ./rsa.pem }\n', extra: { 'rsa.pem': RSA_PEM }, path: 'campaigns.vendorKeys[0].publicKey', message: /expected a PEM public key .*got "rsa"/ },
  { name: 'hex that is not a point on P-256', keys: `    - { vendor: example.com, publicKey: "04${'11'.repeat(64)}" }\n`, path: 'campaigns.vendorKeys[0].publicKey', message: /expected a valid public key/ },
  { name: 'hex of 65 bytes not starting with 04', keys: `    - { vendor: example.com, publicKey: "05${EC_RAW.slice(2)}" }\n`, path: 'campaigns.vendorKeys[0].publicKey', message: /not 0x04 \(uncompressed\)/ },
  { name: 'no vendor', keys: `    - { publicKey: "${EC_RAW}" }\n`, path: 'campaigns.vendorKeys[0].vendor', message: /expected a vendor domain or UUID/ },
  { name: 'an unknown key', keys: `    - { vendor: example.com, publickey: "${EC_RAW}", publicKey: "${EC_RAW}" }\n`, path: 'campaigns.vendorKeys[0].publickey', message: /expected a known key/ },
  { name: 'an empty class list', keys: `    - { vendor: example.com, publicKey: "${EC_RAW}", deviceClasses: [] }\n`, path: 'campaigns.vendorKeys[0].deviceClasses', message: /expected at least one device class/ },
  { name: 'not a list', keys: '    example.com\n', path: 'campaigns.vendorKeys', message: /expected a list of \{ vendor, publicKey \}/ },
];

for (const row of bad) {
  test(`refused: ${row.name}`, async (t) => {
    const error = (await t.throwsAsync(loadConfig(write(row.keys, row.extra), { env: ENV }), { instanceOf: ConfigError })) as ConfigError;
    t.deepEqual(error.issues.map((i) => i.path), [row.path], error.message);
    t.regex(error.message, row.message);
  });
}
