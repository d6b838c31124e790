import test from 'ava';
import { CallerError, isFuotaError } from '../../src/core/errors.js';
import type { Eui64 } from '../../src/core/eui.js';
import { buildPackage, type BuildOptions } from '../../src/manifest/build.js';
import { decodePackage } from '../../src/manifest/package-format.js';
import { DELTA_APPLIERS } from '../../src/manifest/delta-codecs.js';
import { JOJODIFF_LEGACY } from '../../src/manifest/jojodiff-delta.js';
import { verifyingKeyOf, type SigningKey } from '../../src/manifest/keys.js';
import { UpdateRejectedError } from '../../src/manifest/rejection.js';
import type { ManifestFormat } from '../../src/manifest/types.js';
import { classIdOf, vendorIdOf } from '../../src/manifest/uuid5.js';
import { verifyPackage, type VerifyOptions } from '../../src/manifest/verify.js';
import { ED25519_KEY, ES256_KEY, OTHER_ES256_KEY, imagePair, seededRandom } from './fixtures.js';

const DEVICE = { devEui: '70b3d57ed0000001' as Eui64, key: Uint8Array.from({ length: 16 }, (_, i) => i) };
const OTHER_DEVICE = { devEui: '70b3d57ed0000002' as Eui64, key: new Uint8Array(16).fill(0xee) };

interface Case {
  format: ManifestFormat;
  key: SigningKey;
  delta: boolean;
  encrypted: boolean;
}

const cases: Case[] = [];
for (const format of ['compact', 'suit', 'signing-tool'] as const) {
  for (const key of [ES256_KEY, ED25519_KEY]) {
    for (const delta of [false, true]) {
      for (const encrypted of [false, true]) {
        if (format === 'signing-tool' && (key.algorithm !== 'es256' || encrypted)) continue;
        cases.push({ format, key, delta, encrypted });
      }
    }
  }
}
const label = (c: Case): string => `${c.format}/${c.key.algorithm}/${c.delta ? 'delta' : 'full'}${c.encrypted ? '/encrypted' : ''}`;

function build(c: Case, more: Partial<BuildOptions> = {}, imageBytes = 600) {
  const { oldImage, newImage } = imagePair(imageBytes);
  const built = buildPackage({
    newImage,
    ...(c.delta ? { oldImage, deltas: [JOJODIFF_LEGACY] } : {}),
    signingKey: c.key,
    vendorId: vendorIdOf('example.com'),
    classId: classIdOf('awesome-2000'),
    firmwareVersion: 0x01020003,
    sequenceNumber: 7,
    format: c.format,
    ...(c.encrypted ? { encryptFor: [OTHER_DEVICE, DEVICE], randomBytes: seededRandom(label(c)) } : {}),
    ...more,
  });
  const options: VerifyOptions = {
    verifyingKey: verifyingKeyOf(c.key),
    oldImage,
    deltas: DELTA_APPLIERS,
    expectedVendorId: vendorIdOf('example.com'),
    expectedClassId: classIdOf('awesome-2000'),
    currentSequenceNumber: 6,
    device: DEVICE,
  };
  return { built, oldImage, newImage, options };
}

for (const c of cases) {
  test(`round trip ${label(c)}: build, decode, verify as a device`, (t) => {
    const { built, oldImage, newImage, options } = build(c);
    const result = verifyPackage(decodePackage(built.bytes), options);
    t.deepEqual(result.newImage, newImage);
    t.deepEqual(result.unchecked, []);
    const plainPayload = c.delta ? JOJODIFF_LEGACY.createPatch(oldImage, newImage) : newImage;
    t.is(built.pkg.payload.length, plainPayload.length);
    if (c.encrypted) t.notDeepEqual(built.pkg.payload, plainPayload);
    else t.deepEqual(built.pkg.payload, plainPayload);
  });

  test(`flipping any byte of the ${label(c)} package is refused`, (t) => {
    const { built, options } = build(c, {}, 120);
    const bytes = built.bytes;
    const accepted: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const tampered = bytes.slice();
        tampered[i] = tampered[i]! ^ mask;
        try {
          verifyPackage(decodePackage(tampered), options);
          accepted.push(i);
        } catch (error) {
          if (!isFuotaError(error)) t.fail(`byte ${i}: not a FuotaError: ${String(error)}`);
        }
      }
    }
    if (c.format === 'signing-tool') {
      // The trailer's version field (trailer offset 105..108) is not signed by the tool's format;
      // only the anti-rollback check sees it, so some flips there pass. Everything else is refused.
      const versionStart = 16 + 105;
      t.true(accepted.every((i) => i >= versionStart && i < versionStart + 4), `accepted at ${accepted.join(', ')}`);
    } else if (c.encrypted) {
      // The first wrapped-key entry belongs to the other device: this device never reads it.
      const otherEntry = 16 + built.pkg.manifest.length + built.pkg.payload.length;
      t.true(accepted.every((i) => i >= otherEntry && i < otherEntry + 32), `accepted at ${accepted.join(', ')}`);
    } else {
      t.deepEqual(accepted, []);
    }
  });
}

test('a package signed by another key, or with another algorithm, is refused', (t) => {
  for (const c of cases.filter((x) => !x.encrypted && !x.delta)) {
    const { built, options } = build(c);
    const other = c.key.algorithm === 'es256' ? OTHER_ES256_KEY : ES256_KEY;
    const code = other.algorithm === c.key.algorithm ? 'UPDATE_SIGNATURE_INVALID' : 'UPDATE_KEY_ALGORITHM_MISMATCH';
    t.throws(() => verifyPackage(built.pkg, { ...options, verifyingKey: verifyingKeyOf(other) }), { instanceOf: UpdateRejectedError, code }, label(c));
  }
});

test('a delta against another precursor image is refused before patching', (t) => {
  for (const c of cases.filter((x) => x.delta)) {
    const { built, oldImage, options } = build(c);
    const sameSize = oldImage.slice();
    sameSize[5] = sameSize[5]! ^ 1;
    const code = c.format === 'signing-tool' ? 'UPDATE_SIGNATURE_INVALID' : 'UPDATE_WRONG_PRECURSOR';
    t.throws(() => verifyPackage(built.pkg, { ...options, oldImage: sameSize }), { code }, `${label(c)} same size`);
    t.throws(() => verifyPackage(built.pkg, { ...options, oldImage: oldImage.subarray(1) }), { code: 'UPDATE_WRONG_PRECURSOR' }, `${label(c)} shorter`);
    const { oldImage: _, ...withoutOld } = options;
    t.throws(() => verifyPackage(built.pkg, withoutOld), { instanceOf: CallerError, code: 'OLD_IMAGE_REQUIRED' });
  }
});

test('wrong vendor or device class is refused; absent expectations are reported unchecked', (t) => {
  for (const c of cases.filter((x) => !x.encrypted && !x.delta)) {
    const { built, options } = build(c);
    t.throws(() => verifyPackage(built.pkg, { ...options, expectedVendorId: vendorIdOf('example.org') }), { code: 'UPDATE_WRONG_VENDOR' });
    t.throws(() => verifyPackage(built.pkg, { ...options, expectedClassId: classIdOf('awesome-3000') }), { code: 'UPDATE_WRONG_CLASS' });
    t.throws(() => verifyPackage(built.pkg, { ...options, currentSequenceNumber: c.format === 'signing-tool' ? 0x01020003 : 7 }), { code: 'UPDATE_SEQUENCE_NOT_NEWER' });
    const { expectedVendorId: _v, expectedClassId: _c, currentSequenceNumber: _s, ...bare } = options;
    t.deepEqual(verifyPackage(built.pkg, bare).unchecked.length, 3);
  }
});

test('encrypted packages need this device key, its DevEUI in the package, and the right key', (t) => {
  const c: Case = { format: 'compact', key: ES256_KEY, delta: true, encrypted: true };
  const { built, options } = build(c);
  t.is(built.pkg.wrappedKeys.length, 2);
  const { device: _, ...noDevice } = options;
  t.throws(() => verifyPackage(built.pkg, noDevice), { instanceOf: CallerError, code: 'DEVICE_KEY_REQUIRED' });
  t.throws(() => verifyPackage(built.pkg, { ...options, device: { ...DEVICE, devEui: '70b3d57ed0000003' as Eui64 } }), { code: 'UPDATE_NO_KEY_FOR_DEVICE' });
  t.throws(() => verifyPackage(built.pkg, { ...options, device: { ...DEVICE, key: new Uint8Array(16) } }), { code: 'UPDATE_KEY_UNWRAP_FAILED' });
  // The other device decrypts the same payload with its own key.
  t.deepEqual(verifyPackage(built.pkg, { ...options, device: OTHER_DEVICE }).newImage, verifyPackage(built.pkg, options).newImage);
  // Same random source, same package: builds are reproducible.
  t.deepEqual(build(c).built.pkg.payload, built.pkg.payload);
});

test('a signed patch that reads past the old image is refused (UPDATE_PATCH_FAILED)', (t) => {
  // ESC EQL length 200 (JojoDiff: [n-1]) against a 120-byte old image.
  const evil = Uint8Array.from([0xa7, 0xa3, 199]);
  for (const format of ['compact', 'suit', 'signing-tool'] as const) {
    const c: Case = { format, key: ES256_KEY, delta: true, encrypted: false };
    // The codec's own apply pretends success, so that build (which checks its patch) signs it.
    const { built, options } = build(c, { deltas: [{ format: 'jojodiff', description: 'evil', createPatch: () => evil, applyPatch: (_old, _patch) => imagePair(120).newImage }] }, 120);
    t.throws(() => verifyPackage(built.pkg, options), { instanceOf: UpdateRejectedError, code: 'UPDATE_PATCH_FAILED' }, format);
  }
});

test('build refuses combinations the formats cannot carry', (t) => {
  const c: Case = { format: 'signing-tool', key: ES256_KEY, delta: false, encrypted: true };
  t.throws(() => build(c), { code: 'UNSUPPORTED_COMBINATION' });
  t.throws(() => build({ ...c, key: ED25519_KEY, encrypted: false }), { code: 'UNSUPPORTED_KEY' });
  t.throws(() => build({ ...c, format: 'compact' }, { randomBytes: () => new Uint8Array(3) }), { code: 'VALUE_OUT_OF_RANGE' });
});
