import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValueError } from '../../src/core/errors.js';
import { bytesToHex } from '../../src/core/hex.js';
import { buildPackage } from '../../src/manifest/build.js';
import { publicKeyCHeader } from '../../src/manifest/c-header.js';
import { parseDevicesCsv } from '../../src/manifest/devices-csv.js';
import { parseFirmwareVersion } from '../../src/manifest/firmware-version.js';
import { parsePrivateKeyPem, parsePublicKeyPem, privateKeyToPem, rawPublicKey, verifyingKeyOf } from '../../src/manifest/keys.js';
import { decodeSigningToolTrailer, encodeSigningToolTrailer, verifyTrailerSignature } from '../../src/manifest/signing-tool-trailer.js';
import { classIdOf, vendorIdOf } from '../../src/manifest/uuid5.js';
import { ED25519_KEY, ES256_KEY, seededBytes } from './fixtures.js';

test('C header embeds the raw public key bytes', (t) => {
  const es = publicKeyCHeader(verifyingKeyOf(ES256_KEY));
  t.regex(es, /static const uint8_t FUOTA_UPDATE_PUBKEY\[65\] = \{/);
  t.regex(es, /^ {4}0x04, 0x60, 0xfe, 0xd4, 0xba,/m); // RFC 6979 A.2.5 Ux begins 60FED4BA
  const hexInHeader = [...es.matchAll(/0x([0-9a-f]{2})/g)].map((m) => m[1]).join('');
  t.is(hexInHeader, bytesToHex(rawPublicKey(verifyingKeyOf(ES256_KEY))));
  const ed = publicKeyCHeader(verifyingKeyOf(ED25519_KEY), 'MY_KEY');
  t.regex(ed, /static const uint8_t MY_KEY\[32\]/);
  t.regex(ed, /0xd7, 0x5a, 0x98, 0x01/);
});

test('private key PEM: PKCS#8 round trip; non-P-256 curves are refused', (t) => {
  t.is(parsePrivateKeyPem(privateKeyToPem(ED25519_KEY)).algorithm, 'ed25519');
  t.is(parsePrivateKeyPem(privateKeyToPem(ES256_KEY)).algorithm, 'es256');
  t.throws(() => parsePrivateKeyPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), { instanceOf: ValueError, code: 'INVALID_KEY' });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  t.throws(() => parsePrivateKeyPem(p384), { code: 'UNSUPPORTED_KEY', message: /secp384r1/ });
});

/** `openssl version`, or undefined when there is no openssl on PATH. */
function opensslVersion(): string | undefined {
  try {
    return execFileSync('openssl', ['version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return undefined;
  }
}

// Interoperability with what lorawan-fota-signing-tool runs: `openssl ecparam -genkey` keys and
// `openssl dgst -sha256 -sign` signatures over the new image. The test suite needs the openssl CLI
// anyway (the MQTT TLS tests make their certificates with it; .ci/run installs it): without it
// this test fails with one line saying so, never skips.
const OPENSSL = opensslVersion();
test('signing-tool interoperability with openssl keys and signatures', (t) => {
  if (OPENSSL === undefined) {
    t.fail('no openssl on PATH: the tests need the openssl CLI (apt-get install openssl; .ci/run installs it)');
    return;
  }
  t.log(OPENSSL);
  opensslInterop(t);
});

function opensslInterop(t: ExecutionContext): void {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-openssl-'));
  try {
    const keyPath = join(dir, 'update.key');
    execFileSync('openssl', ['ecparam', '-genkey', '-name', 'prime256v1', '-out', keyPath], { stdio: 'ignore' });
    const pubPem = execFileSync('openssl', ['ec', '-in', keyPath, '-pubout'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const signingKey = parsePrivateKeyPem(readFileSync(keyPath, 'utf8'));
    t.is(signingKey.algorithm, 'es256');
    const image = seededBytes('openssl image', 3000);
    const imagePath = join(dir, 'new.bin');
    writeFileSync(imagePath, image);

    // Our trailer signature verifies with openssl dgst -verify.
    const built = buildPackage({ newImage: image, signingKey, vendorId: vendorIdOf('example.com'), classId: classIdOf('m'), firmwareVersion: 1, format: 'signing-tool' });
    const ours = decodeSigningToolTrailer(built.pkg.manifest);
    writeFileSync(join(dir, 'sig.der'), ours.derSignature);
    writeFileSync(join(dir, 'pub.pem'), pubPem);
    const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.der'), imagePath]).toString();
    t.regex(out, /Verified OK/);

    // An openssl signature in a trailer verifies with our code.
    const theirs = new Uint8Array(execFileSync('openssl', ['dgst', '-sha256', '-sign', keyPath, imagePath]));
    const trailer = decodeSigningToolTrailer(encodeSigningToolTrailer({ ...ours, derSignature: theirs }));
    t.true(verifyTrailerSignature(parsePublicKeyPem(pubPem), trailer, image));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('devices CSV: header, EUI formats, comments; errors name the line', (t) => {
  const devices = parseDevicesCsv('devEui,key\n# fleet A\n70b3d57ed0000001,000102030405060708090a0b0c0d0e0f\r\n70-B3-D5-7E-D0-00-00-02 , FFEEDDCCBBAA99887766554433221100\n\n');
  t.deepEqual(devices.map((d) => d.devEui), ['70b3d57ed0000001', '70b3d57ed0000002']);
  t.is(bytesToHex(devices[1]!.key), 'ffeeddccbbaa99887766554433221100');
  t.deepEqual(parseDevicesCsv('key,DevEUI\n000102030405060708090a0b0c0d0e0f,0000000000000001')[0]!.devEui, '0000000000000001');
  t.throws(() => parseDevicesCsv(''), { code: 'INVALID_CSV' });
  t.throws(() => parseDevicesCsv('eui,key\n'), { code: 'INVALID_CSV' });
  t.throws(() => parseDevicesCsv('devEui,key\n0102,00'), { message: /line 2 devEui/ });
  t.throws(() => parseDevicesCsv('devEui,key\n0000000000000001,0011'), { message: /line 2 key: expected 16 bytes/ });
  t.throws(() => parseDevicesCsv('devEui,key\n0000000000000001,000102030405060708090a0b0c0d0e0f\n0000000000000001,000102030405060708090a0b0c0d0e0f'), { code: 'DUPLICATE_DEVICE' });
});

test('firmware versions: integers and packed major.minor.patch', (t) => {
  t.is(parseFirmwareVersion('1.2.3'), 0x01020003);
  t.is(parseFirmwareVersion('255.255.65535'), 0xffffffff);
  t.is(parseFirmwareVersion('1600000000'), 1600000000);
  t.is(parseFirmwareVersion('0x10'), 16);
  for (const bad of ['', '1.2', '256.0.0', '4294967296', '-1', 'v1']) {
    t.throws(() => parseFirmwareVersion(bad), { code: 'INVALID_VERSION' }, bad);
  }
});
