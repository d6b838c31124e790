import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import test from 'ava';
import { admitCampaign, type AdmissionRequest } from '../../src/admission/admit-campaign.js';
import { vendorKeysFromConfig } from '../../src/admission/vendor-keys.js';
import { isFuotaError } from '../../src/core/errors.js';
import { bytesToHex } from '../../src/core/hex.js';
import { sha256 } from '../../src/manifest/digest.js';
import { publicKeyToPem, verifyingKeyOf } from '../../src/manifest/keys.js';
import { decodePackage, encodePackage } from '../../src/manifest/package-format.js';
import { build, buildDelta, DEV_1, MODEL, NEW_IMAGE, OLD_IMAGE, signingKey, spec, TRUSTED, VENDOR, VERSION, world, type World } from './admission-world.js';

// Admission's Bar (issue #12): a campaign whose package fails its signature, or names a file
// outside the campaigns directory, is refused with one line naming the cause; nothing is
// stored, nothing sent. Each row builds its request in a fresh world.

interface Refusal {
  name: string;
  request(w: World): AdmissionRequest | Promise<AdmissionRequest>;
  code: string;
  message: RegExp;
  /** Campaigns created before the refused one (the stale-sequence row). */
  before?(w: World): Promise<void>;
  known?: readonly string[];
}

const TAMPERED = (() => {
  const pkg = decodePackage(build());
  const payload = pkg.payload.slice();
  payload[10] ^= 0xff;
  return encodePackage({ ...pkg, payload });
})();

const refusals: Refusal[] = [
  { name: 'a package signed by a key not in the config', request: (w) => ({ spec: spec(), packagePath: w.put('evil.fpkg', build({ signingKey: signingKey() })) }), code: 'PACKAGE_SIGNATURE_INVALID', message: /^package manifest signature \(es256, compact\): expected it to verify with a key of vendor example\.com/ },
  { name: 'random bytes as the package file', request: (w) => ({ spec: spec(), packagePath: w.put('random.bin', Uint8Array.from({ length: 300 }, (_, i) => (i * 131) & 0xff)) }), code: 'PACKAGE_NOT_DECODABLE', message: /^package: expected a package as fuota package build writes it .*got package header magic at offset 0: expected "FPKG"/ },
  { name: 'random bytes uploaded', request: () => ({ spec: spec(), packageBytes: Uint8Array.of(1, 2, 3) }), code: 'PACKAGE_NOT_DECODABLE', message: /^package: expected a package/ },
  { name: 'the config file as the package', request: () => ({ spec: spec(), packagePath: 'fuota.yaml' }), code: 'PACKAGE_PATH_REFUSED', message: /^package path "fuota\.yaml": expected a package file, got the service's own configuration or store$/ },
  { name: 'a path with ..', request: (w) => { writeFileSync(join(dirname(w.dir), 'x'), build()); return { spec: spec(), packagePath: '../x' }; }, code: 'PACKAGE_PATH_REFUSED', message: /^package path "\.\.\/x": expected a path inside campaigns\.directory without "\.\.", got a "\.\." segment$/ },
  { name: 'an absolute path outside the directory', request: (w) => { const outside = join(dirname(w.dir), 'outside.fpkg'); writeFileSync(outside, build()); return { spec: spec(), packagePath: outside }; }, code: 'PACKAGE_PATH_REFUSED', message: /^package path ".*outside\.fpkg": expected a file inside campaigns\.directory .*, got ".*outside\.fpkg", outside it$/ },
  { name: 'a symlink inside pointing out', request: (w) => { const outside = join(dirname(w.dir), 'target.fpkg'); writeFileSync(outside, build()); symlinkSync(outside, join(w.dir, 'link.fpkg')); return { spec: spec(), packagePath: 'link.fpkg' }; }, code: 'PACKAGE_PATH_REFUSED', message: /^package path "link\.fpkg": expected a file inside campaigns\.directory .*, got ".*target\.fpkg", outside it$/ },
  { name: 'a missing file', request: () => ({ spec: spec(), packagePath: 'missing.fpkg' }), code: 'PACKAGE_UNREADABLE', message: /^package path "missing\.fpkg": expected a readable file inside campaigns\.directory, got ENOENT$/ },
  { name: 'a directory', request: (w) => { mkdirSync(join(w.dir, 'sub')); return { spec: spec(), packagePath: 'sub' }; }, code: 'PACKAGE_PATH_REFUSED', message: /expected a regular file, got a directory/ },
  { name: 'a payload altered after signing', request: () => ({ spec: spec(), packageBytes: TAMPERED }), code: 'PACKAGE_PAYLOAD_MISMATCH', message: /^package payload: expected the 600 bytes the manifest signs/ },
  { name: 'a version that is not the manifest\'s', request: () => ({ spec: spec({ firmware: { version: '1.2.0' } }), packageBytes: build() }), code: 'FIRMWARE_VERSION_MISMATCH', message: /^campaign spec firmware\.version: expected the package's 16842752 \(0x01010000; 1\.1\.0 if packed\), got "1\.2\.0"$/ },
  { name: 'a version as an integer that is not the manifest\'s', request: () => ({ spec: spec({ firmware: { version: VERSION + 1 } }), packageBytes: build() }), code: 'FIRMWARE_VERSION_MISMATCH', message: /got 16842753$/ },
  {
    name: 'a sequence number not newer than the last accepted',
    before: async (w) => void (await w.submit({ spec: spec({ id: 'first' }), packageBytes: build({ sequenceNumber: 7 }) })),
    request: () => ({ spec: spec({ id: 'second' }), packageBytes: build({ sequenceNumber: 6 }) }),
    code: 'PACKAGE_SEQUENCE_NOT_NEWER',
    message: /^package sequence number: expected more than 7 \(the last accepted for vendor .* class .*, campaign first\), got 6$/,
  },
  {
    name: 'an equal sequence number with another manifest',
    before: async (w) => void (await w.submit({ spec: spec({ id: 'first' }), packageBytes: build({ sequenceNumber: 7 }) })),
    request: () => ({ spec: spec({ id: 'second' }), packageBytes: build({ sequenceNumber: 7, newImage: OLD_IMAGE }) }),
    code: 'PACKAGE_SEQUENCE_NOT_NEWER',
    message: /expected more than 7 .*got 7$/,
  },
  { name: 'an unknown spec key ("rolout")', request: () => ({ spec: spec({ rolout: { canaryFraction: 0.5 } }), packageBytes: build() }), code: 'UNKNOWN_CAMPAIGN_SPEC_KEY', message: /^campaign spec rolout: expected no such key .*, got "rolout"$/ },
  { name: 'an unknown nested key', request: () => ({ spec: spec({ multicast: { mcKey: 'ab'.repeat(16), dataRate: 3 } }), packageBytes: build() }), code: 'UNKNOWN_CAMPAIGN_SPEC_KEY', message: /^campaign spec multicast\.dataRate: expected no such key/ },
  { name: 'a vendor without a configured key', request: () => ({ spec: spec(), packageBytes: build({ vendorId: new Uint8Array(16).fill(9) }) }), code: 'PACKAGE_VENDOR_UNKNOWN', message: /^package vendor ID: expected a vendor of campaigns\.vendorKeys \(example\.com\), got 09090909-/ },
  { name: 'a device of another class', request: () => ({ spec: spec({ devices: [{ devEui: DEV_1, rootKey: '01'.repeat(16), deviceClass: 'other-model' }] }), packageBytes: build() }), code: 'DEVICE_CLASS_MISMATCH', message: /^device 70b3d57ed0000001 deviceClass: expected the package's class .*, got "other-model"/ },
  { name: 'a delta for another image than the inventory says', request: () => ({ spec: spec({ devices: [{ devEui: DEV_1, rootKey: '01'.repeat(16), firmwareSha256: bytesToHex(sha256(NEW_IMAGE)) }] }), packageBytes: buildDelta() }), code: 'PRECURSOR_MISMATCH', message: new RegExp(`^device 70b3d57ed0000001 firmwareSha256: expected the delta's precursor ${bytesToHex(sha256(OLD_IMAGE))}, got ${bytesToHex(sha256(NEW_IMAGE))}$`) },
  { name: 'a device the network server does not know', known: [DEV_1], request: () => ({ spec: spec(), packageBytes: build() }), code: 'DEVICE_UNKNOWN_TO_NETWORK_SERVER', message: /^campaign spec devices: expected devices the network server knows, got 70b3d57ed0000002 unknown to it/ },
  { name: 'a signing-tool delta (unverifiable before patching)', request: () => ({ spec: spec(), packageBytes: buildDelta({ format: 'signing-tool' }) }), code: 'PACKAGE_UNVERIFIABLE', message: /^package: expected a package the server can authenticate, got a signing-tool delta/ },
  { name: 'an encrypted package without a key for a device', request: () => ({ spec: spec(), packageBytes: build({ encryptFor: [{ devEui: DEV_1 as never, key: new Uint8Array(16).fill(1) }], randomBytes: (n) => new Uint8Array(n).fill(3) }) }), code: 'PACKAGE_NO_KEY_FOR_DEVICE', message: /^device 70b3d57ed0000002: expected a content key wrapped for it/ },
  { name: 'both a path and bytes', request: () => ({ spec: spec(), packageBytes: build(), packagePath: 'x' }), code: 'PACKAGE_SOURCE', message: /got both$/ },
  { name: 'neither a path nor bytes', request: () => ({ spec: spec() }), code: 'PACKAGE_SOURCE', message: /got neither$/ },
  { name: 'a spec that is not an object', request: () => ({ spec: [1], packageBytes: build() }), code: 'INVALID_CAMPAIGN_SPEC', message: /^campaign spec: expected an object, got an array$/ },
];

for (const row of refusals) {
  test(`refused: ${row.name}`, async (t) => {
    const w = world(t, row.known ? { known: row.known } : {});
    await row.before?.(w);
    const storedBefore = (await w.store.list()).length;
    const sentBefore = w.sent.length;
    const error = await t.throwsAsync(async () => w.submit(await row.request(w)));
    t.true(isFuotaError(error), String(error));
    t.is((error as { code?: string }).code, row.code, error?.message);
    t.regex(error!.message, row.message);
    t.false(error!.message.includes('\n'), 'one line');
    t.is((await w.store.list()).length, storedBefore, 'nothing stored');
    t.is(w.sent.length, sentBefore, 'nothing sent');
  });
}

test('no vendor keys configured: every package is refused', async (t) => {
  const w = world(t, { vendorKeys: [] });
  const error = await t.throwsAsync(w.submit({ spec: spec(), packageBytes: build() }));
  t.regex(error!.message, /^package vendor ID: expected a vendor of campaigns\.vendorKeys, which is empty, got /);
  t.deepEqual(await w.store.list(), []);
});

test('a key limited to other device classes does not admit this one', async (t) => {
  const w = world(t, { vendorKeys: vendorKeysFromConfig([{ vendor: VENDOR, publicKey: publicKeyToPem(verifyingKeyOf(TRUSTED)), deviceClasses: ['other-model'] }]) });
  const error = await t.throwsAsync(w.submit({ spec: spec(), packageBytes: build() }));
  t.is((error as { code?: string }).code, 'PACKAGE_CLASS_NOT_ALLOWED');
  t.deepEqual(await w.store.list(), []);
});

test('admitted: the version comes from the manifest, the package from the directory', async (t) => {
  const w = world(t);
  const admitted = await admitCampaign({ spec: spec(), packagePath: w.put('update.fpkg', build()) }, w.deps);
  t.is((admitted.spec['firmware'] as { version: number }).version, VERSION);
  t.is(admitted.block.length, build().length);
  t.deepEqual(admitted.unchecked, ['device class of 2 device(s) without deviceClass']);
  t.is(await w.engine.create(admitted.spec, admitted.block), 'fw-1-1-0');
  t.is((await w.store.list()).length, 1);
});

test('admitted: "1.1.0", the integer form, a matching class and precursor; an absolute path inside; a symlink inside', async (t) => {
  const w = world(t);
  const devices = [{ devEui: DEV_1, rootKey: '01'.repeat(16), deviceClass: MODEL, firmwareSha256: bytesToHex(sha256(OLD_IMAGE)) }];
  w.put('delta.fpkg', buildDelta());
  symlinkSync(join(w.dir, 'delta.fpkg'), join(w.dir, 'current.fpkg'));
  t.is(await w.submit({ spec: spec({ id: 'a', firmware: { version: '1.1.0' }, devices }), packagePath: join(w.dir, 'delta.fpkg') }), 'a');
  await w.engine.cancel('a');
  t.is(await w.submit({ spec: spec({ id: 'b', firmware: { version: VERSION }, devices }), packagePath: 'current.fpkg' }), 'b');
});

test('admitted: the same package again (a retry campaign), then a newer one', async (t) => {
  const w = world(t);
  const first = build({ sequenceNumber: 7 });
  await w.submit({ spec: spec({ id: 'first' }), packageBytes: first });
  await w.engine.cancel('first');
  await w.submit({ spec: spec({ id: 'retry' }), packageBytes: first });
  await w.engine.cancel('retry');
  await w.submit({ spec: spec({ id: 'newer' }), packageBytes: build({ sequenceNumber: 8 }) });
  t.deepEqual((await w.store.list()).map((c) => c.id).sort(), ['first', 'newer', 'retry']);
});

test('admitted: a full image with a signing-tool trailer', async (t) => {
  const w = world(t);
  t.is(await w.submit({ spec: spec(), packageBytes: build({ format: 'signing-tool' }) }), 'fw-1-1-0');
});

test('root keys are read only after every local check passed', async (t) => {
  const w = world(t);
  const asked: string[] = [];
  const deps = { ...w.deps, rootKeys: { rootKey: async (devEui: string) => (asked.push(devEui), '0f'.repeat(16)) } };
  const devices = [{ devEui: DEV_1 }, { devEui: '70b3d57ed0000002', rootKey: '02'.repeat(16) }];
  await t.throwsAsync(admitCampaign({ spec: spec({ devices, rolout: {} }), packageBytes: build() }, deps), { message: /rolout/ });
  t.deepEqual(asked, [], 'no network call for a spec that is refused anyway');
  const admitted = await admitCampaign({ spec: spec({ devices }), packageBytes: build() }, deps);
  t.deepEqual(asked, [DEV_1]);
  t.is(admitted.rootKeysRead, 1);
  t.is((admitted.spec['devices'] as Array<{ rootKey: string }>)[0]!.rootKey, '0f'.repeat(16));
});

test('campaigns stored before admission existed (a raw block) do not count as accepted packages', async (t) => {
  const w = world(t);
  await w.engine.create({ ...spec({ id: 'old' }), firmware: { version: 1 } }, Uint8Array.of(1, 2, 3, 4));
  await w.engine.cancel('old');
  t.is(await w.submit({ spec: spec({ id: 'new' }), packageBytes: build({ sequenceNumber: 1 }) }), 'new');
});
