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

// Issue #18: --delta builds a patch in each format the devices accept and sends the smaller.
test('package build --delta jojodiff,detools picks the smaller patch, says which and both sizes; verify and inspect follow the format', async (t) => {
  const near = new Uint8Array(oldImage);
  near[2000] = near[2000]! ^ 1; // one byte: JojoDiff needs a few bytes, heatshrink 8/7 pays per 128 equal bytes
  const shiftedImage = oldImage.map((b, i) => (i % 16 === 3 ? (b + 1) & 0xff : b)); // add diffs absorb it
  writeFileSync(path('near.bin'), near);
  writeFileSync(path('shifted.bin'), shiftedImage);
  const build = (image: string, out: string, extra: string[]) =>
    runCli(['package', 'build', '--new', path(image), '--old', path('old.bin'), '--key', path('es256.pem'), ...ids, '--version', '3', '--out', path(out), ...extra]);
  const [nearBuild, shiftedBuild, crleBuild] = await Promise.all([
    build('near.bin', 'near.pkg', ['--delta', 'jojodiff,detools']),
    build('shifted.bin', 'shifted.pkg', ['--delta', 'jojodiff,detools', '--janpatch', 'current', '--compression', 'heatshrink', '--heatshrink', '8,7']),
    build('shifted.bin', 'crle.pkg', ['--delta', 'detools', '--compression', 'crle', '--format', 'suit']),
  ]);
  t.is(nearBuild.code, 0, nearBuild.stderr);
  const near_ = /delta: chose jojodiff \(janpatch legacy\), (\d+) B; built jojodiff \(janpatch legacy\) (\d+) B, detools-sequential \(heatshrink 8\/7\) (\d+) B\n/.exec(nearBuild.stdout);
  t.truthy(near_, nearBuild.stdout);
  t.true(Number(near_![2]) < Number(near_![3]));
  t.regex(nearBuild.stdout, new RegExp(`jojodiff delta payload ${near_![1]} B`));
  t.is(shiftedBuild.code, 0, shiftedBuild.stderr);
  const shifted_ = /delta: chose detools-sequential \(heatshrink 8\/7\), (\d+) B; built jojodiff-implicit-mod \(janpatch current\) (\d+) B, detools-sequential \(heatshrink 8\/7\) (\d+) B\n/.exec(shiftedBuild.stdout);
  t.truthy(shifted_, shiftedBuild.stdout);
  t.true(Number(shifted_![3]) < Number(shifted_![2]));
  t.is(crleBuild.code, 0, crleBuild.stderr);
  t.regex(crleBuild.stdout, /detools-sequential delta payload \d+ B/);
  t.notRegex(crleBuild.stdout, /delta: chose/, 'one format: nothing to choose');

  const verify = (pkg: string, out: string) => runCli(['package', 'verify', path(pkg), '--pub', path('es256.pub.pem'), '--old', path('old.bin'), '--out', path(out)]);
  const [v1, v2, v3, inspect, inspectCrle] = await Promise.all([
    verify('near.pkg', 'near.out'),
    verify('shifted.pkg', 'shifted.out'),
    verify('crle.pkg', 'crle.out'),
    runCli(['package', 'inspect', path('shifted.pkg')]),
    runCli(['package', 'inspect', path('crle.pkg'), '--json']),
  ]);
  for (const [result, out, image, format] of [[v1, 'near.out', near, 'jojodiff'], [v2, 'shifted.out', shiftedImage, 'detools-sequential'], [v3, 'crle.out', shiftedImage, 'detools-sequential']] as const) {
    t.is(result.code, 0, result.stderr);
    t.regex(result.stdout, new RegExp(`ok {2}delta applied \\(${format}\\)`));
    t.deepEqual(new Uint8Array(readFileSync(path(out))), image);
  }
  t.is(inspect.code, 0, inspect.stderr);
  t.regex(inspect.stdout, /payload: +delta patch \(detools-sequential, heatshrink 8\/7\), \d+ bytes/);
  t.like(JSON.parse(inspectCrle.stdout), { format: 'suit', payloadType: 'delta', deltaFormat: 'detools-sequential', detools: { compression: 'crle', toSizeBytes: shiftedImage.length } });
});

test('package build refuses delta flags that would change nothing or that the format cannot carry, one line each', async (t) => {
  const build = (extra: string[]) => ['package', 'build', '--new', path('new.bin'), '--key', path('es256.pem'), ...ids, '--version', '2', '--out', path('refused-delta.pkg'), ...extra];
  const old = ['--old', path('old.bin')];
  const rows: Array<[string, string[], RegExp]> = [
    ['--delta without --old', build(['--delta', 'detools']), /^fuota: --delta: expected with --old \(a delta from the image the devices run\), got no --old\n$/],
    ['--heatshrink without --old', build(['--heatshrink', '8,7']), /^fuota: --heatshrink: expected with --old/],
    ['an unknown format', build([...old, '--delta', 'jojodiff,bsdiff']), /^fuota: --delta: expected a comma list of jojodiff, detools, got "jojodiff,bsdiff"\n$/],
    ['a format twice', build([...old, '--delta', 'detools,detools']), /^fuota: --delta: expected each format once, got "detools,detools"\n$/],
    ['--compression without detools', build([...old, '--compression', 'crle']), /^fuota: --compression: expected detools in --delta, got --delta jojodiff \(the default\)\n$/],
    ['--janpatch without jojodiff', build([...old, '--delta', 'detools', '--janpatch', 'current']), /^fuota: --janpatch: expected jojodiff in --delta, got --delta detools\n$/],
    ['--heatshrink with crle', build([...old, '--delta', 'detools', '--compression', 'crle', '--heatshrink', '8,7']), /^fuota: --heatshrink: expected --compression heatshrink, got --compression crle\n$/],
    ['--heatshrink lookahead not below window', build([...old, '--delta', 'detools', '--heatshrink', '8,8']), /^fuota: --heatshrink: expected <window>,<lookahead> in bits: window 4\.\.15, lookahead 3 up to below the window .*, got "8,8"\n$/],
    ['--heatshrink not two numbers', build([...old, '--delta', 'detools', '--heatshrink', '8']), /^fuota: --heatshrink: expected <window>,<lookahead>/],
    ['signing-tool with implicit MOD', build([...old, '--format', 'signing-tool', '--janpatch', 'current']), /^fuota: --delta \(with --format signing-tool\): expected jojodiff with --janpatch legacy: the trailer's diff info says only is_diff.*, got "jojodiff-implicit-mod \(janpatch current\)"\n$/],
    ['signing-tool with detools', build([...old, '--format', 'signing-tool', '--delta', 'jojodiff,detools']), /^fuota: --delta \(with --format signing-tool\): expected jojodiff with --janpatch legacy.*, got "detools-sequential \(heatshrink 8\/7\)"\n$/],
  ];
  const results = await Promise.all(rows.map(([, args]) => runCli(args)));
  rows.forEach(([name, , message], i) => {
    t.is(results[i]!.code, 1, name);
    t.regex(results[i]!.stderr, message, name);
    t.is(results[i]!.stderr.split('\n').length, 2, `${name}: one line`);
  });
  t.false(existsSync(path('refused-delta.pkg')));
});
