import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/manifest/build.js';
import { JOJODIFF_LEGACY } from '../../src/manifest/jojodiff-delta.js';
import { privateKeyToPem, publicKeyToPem, verifyingKeyOf } from '../../src/manifest/keys.js';
import { classIdOf, vendorIdOf } from '../../src/manifest/uuid5.js';
import { ED25519_KEY, ES256_KEY, OTHER_ES256_KEY, imagePair } from '../manifest/fixtures.js';
import { runCli } from '../helpers/run-cli.js';

// End to end through bin/fuota.js. Key files are written from fixed keys (no CLI run needed).

const dir = mkdtempSync(join(tmpdir(), 'fuota-package-cli-'));
const path = (name: string): string => join(dir, name);
const { oldImage, newImage } = imagePair(4000);
writeFileSync(path('old.bin'), oldImage);
writeFileSync(path('new.bin'), newImage);
writeFileSync(path('es256.pem'), privateKeyToPem(ES256_KEY));
writeFileSync(path('es256.pub.pem'), publicKeyToPem(verifyingKeyOf(ES256_KEY)));
writeFileSync(path('other.pub.pem'), publicKeyToPem(verifyingKeyOf(OTHER_ES256_KEY)));
writeFileSync(path('ed25519.pem'), privateKeyToPem(ED25519_KEY));
writeFileSync(path('ed25519.pub.pem'), publicKeyToPem(verifyingKeyOf(ED25519_KEY)));
writeFileSync(path('devices.csv'), 'devEui,key\n70b3d57ed0000001,000102030405060708090a0b0c0d0e0f\n70b3d57ed0000002,ffeeddccbbaa99887766554433221100\n');
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const ids = ['--vendor', 'example.com', '--class', 'awesome-2000'];

test('keys generate writes a 0600 private key, the public key and a C header; never overwrites', async (t) => {
  const out = path('keys');
  const first = await runCli(['keys', 'generate', '--out', out, '--alg', 'ed25519']);
  t.is(first.code, 0, first.stderr);
  t.deepEqual(readdirSync(out).sort(), ['update-key.pem', 'update-pub.pem', 'update-pubkey.h']);
  t.is(statSync(join(out, 'update-key.pem')).mode & 0o777, 0o600);
  t.regex(readFileSync(join(out, 'update-pubkey.h'), 'utf8'), /static const uint8_t FUOTA_UPDATE_PUBKEY\[32\]/);
  const before = readFileSync(join(out, 'update-key.pem'));
  const second = await runCli(['keys', 'generate', '--out', out]);
  t.is(second.code, 1);
  t.regex(second.stderr, /^fuota: refusing to overwrite .*update-key\.pem/);
  t.deepEqual(readFileSync(join(out, 'update-key.pem')), before);
});

test('compact delta package: build, then verify as a device reproduces the new image', async (t) => {
  const build = await runCli(['package', 'build', '--new', path('new.bin'), '--old', path('old.bin'), '--key', path('es256.pem'), ...ids, '--version', '1.2.3', '--out', path('delta.pkg')]);
  t.is(build.code, 0, build.stderr);
  t.regex(build.stdout, /compact manifest 232 B, jojodiff delta payload \d+ B/);
  const verify = await runCli(['package', 'verify', path('delta.pkg'), '--pub', path('es256.pub.pem'), '--old', path('old.bin'), ...ids, '--current-sequence', '5', '--out', path('delta.out')]);
  t.is(verify.code, 0, verify.stderr);
  t.regex(verify.stdout, /ok {2}precursor size 4000 and SHA-256/);
  t.deepEqual(new Uint8Array(readFileSync(path('delta.out'))), newImage);
});

test('encrypted SUIT package (Ed25519): inspect --json, verify with one device key', async (t) => {
  const build = await runCli(['package', 'build', '--new', path('new.bin'), '--old', path('old.bin'), '--key', path('ed25519.pem'), ...ids, '--version', '7', '--format', 'suit', '--encrypt-for', path('devices.csv'), '--out', path('enc.pkg')]);
  t.is(build.code, 0, build.stderr);
  const inspect = await runCli(['package', 'inspect', path('enc.pkg'), '--json']);
  t.is(inspect.code, 0, inspect.stderr);
  const summary = JSON.parse(inspect.stdout);
  t.like(summary, { format: 'suit', signatureAlgorithm: 'ed25519', payloadType: 'delta', sequenceNumber: 7, encryption: { algorithm: 'aes-128-ctr' } });
  t.deepEqual(summary.wrappedKeysFor, ['70b3d57ed0000001', '70b3d57ed0000002']);
  const verify = await runCli(['package', 'verify', path('enc.pkg'), '--pub', path('ed25519.pub.pem'), '--old', path('old.bin'), '--device-key', 'ffeeddccbbaa99887766554433221100', '--dev-eui', '70-b3-d5-7e-d0-00-00-02', '--out', path('enc.out')]);
  t.is(verify.code, 0, verify.stderr);
  t.deepEqual(new Uint8Array(readFileSync(path('enc.out'))), newImage);
});

test('signing-tool package: the trailer format verifies; refusals write nothing to --out', async (t) => {
  const build = await runCli(['package', 'build', '--new', path('new.bin'), '--old', path('old.bin'), '--key', path('es256.pem'), ...ids, '--version', '1600000000', '--format', 'signing-tool', '--out', path('st.pkg')]);
  t.is(build.code, 0, build.stderr);
  const bytes = readFileSync(path('st.pkg'));
  const tampered = Buffer.from(bytes);
  tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0x01; // last payload byte
  writeFileSync(path('st-tampered.pkg'), tampered);
  const refusals: Array<[string, string[], RegExp]> = [
    ['tampered payload', [path('st-tampered.pkg'), '--pub', path('es256.pub.pem'), '--old', path('old.bin')], /signature over the new image does not verify|patch/],
    ['wrong key', [path('st.pkg'), '--pub', path('other.pub.pem'), '--old', path('old.bin'), '--vendor', 'example.com', '--class', 'awesome-2000'], /does not verify with the given public key/],
  ];
  for (const [name, args, message] of refusals) {
    const out = path(`refused-${name.replace(/ /g, '-')}.bin`);
    const result = await runCli(['package', 'verify', ...args, '--out', out]);
    t.is(result.code, 1, name);
    t.regex(result.stderr, new RegExp(`^fuota: .*(${message.source}).*\\n$`), name);
    t.is(result.stderr.split('\n').length, 2, `${name}: one line`);
    t.false(existsSync(out), `${name}: nothing written`);
  }
  t.false(readdirSync(dir).some((name) => name.endsWith('.tmp')), 'no temporary files left');
});

test('wrong precursor and truncated packages are refused with one line', async (t) => {
  // Built in-process: only the refusals need the binary.
  const built = buildPackage({ newImage, oldImage, deltas: [JOJODIFF_LEGACY], signingKey: ES256_KEY, vendorId: vendorIdOf('example.com'), classId: classIdOf('awesome-2000'), firmwareVersion: 2, format: 'compact' });
  writeFileSync(path('p.pkg'), built.bytes);
  writeFileSync(path('short.pkg'), built.bytes.subarray(0, 100));
  const [wrongOld, truncated] = await Promise.all([
    runCli(['package', 'verify', path('p.pkg'), '--pub', path('es256.pub.pem'), '--old', path('new.bin'), '--out', path('p.out')]),
    runCli(['package', 'verify', path('short.pkg'), '--pub', path('es256.pub.pem'), '--old', path('old.bin'), '--out', path('p.out')]),
  ]);
  t.is(wrongOld.code, 1);
  t.regex(wrongOld.stderr, /^fuota: old image \(precursor\): expected 4000 bytes, got 4016\n$/);
  t.is(truncated.code, 1);
  t.regex(truncated.stderr, /^fuota: package manifest at offset 16: expected 232 more bytes, got 84\n$/);
  t.false(existsSync(path('p.out')));
});

// Issue #14: each refusal is one line naming the option, and nothing is written to --out.
test('package build and verify refuse an empty image, an empty delta, a private key for --pub and a too-large --current-sequence', async (t) => {
  writeFileSync(path('empty.bin'), new Uint8Array(0));
  const built = buildPackage({ newImage, signingKey: ES256_KEY, vendorId: vendorIdOf('example.com'), classId: classIdOf('awesome-2000'), firmwareVersion: 2, format: 'compact' });
  writeFileSync(path('full.pkg'), built.bytes);
  const build = (extra: string[]) => ['package', 'build', '--key', path('es256.pem'), ...ids, '--version', '2', '--out', path('refused.pkg'), ...extra];
  const [empty, same, privatePub, sequence, version] = await Promise.all([
    runCli(build(['--new', path('empty.bin')])),
    runCli(build(['--old', path('new.bin'), '--new', path('new.bin')])),
    runCli(['package', 'verify', path('full.pkg'), '--pub', path('es256.pem'), '--out', path('refused.out')]),
    runCli(['package', 'verify', path('full.pkg'), '--pub', path('es256.pub.pem'), '--current-sequence', '99999999999', '--out', path('refused.out')]),
    runCli(['package', 'build', '--key', path('es256.pem'), ...ids, '--version', '1e300', '--new', path('new.bin'), '--out', path('refused.pkg')]),
  ]);
  t.is(empty.code, 1);
  t.regex(empty.stderr, /^fuota: --new .*empty\.bin: expected a firmware image, got an empty file \(0 bytes\)\n$/);
  t.is(same.code, 1);
  t.regex(same.stderr, /^fuota: --old and --new: expected two different images, got the same bytes \(nothing to update\)\n$/);
  t.is(privatePub.code, 1);
  t.regex(privatePub.stderr, /^fuota: --pub .*es256\.pem: expected a public key \(BEGIN PUBLIC KEY\), got a private key \(it stays with the signer\)\n$/);
  t.is(sequence.code, 1);
  t.regex(sequence.stderr, /^fuota: --current-sequence: expected an integer in 0\.\.4294967295, got "99999999999"\n$/);
  // A packed firmware version is a u32: the limit named is 4294967295, not JavaScript's largest safe integer.
  t.is(version.code, 1);
  t.regex(version.stderr, /^fuota: firmware version: expected an integer in 0\.\.4294967295 or major\.minor\.patch, got "1e300"\n$/);
  t.false(existsSync(path('refused.pkg')));
  t.false(existsSync(path('refused.out')));
});
