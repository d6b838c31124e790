import test from 'ava';
import { Encoder } from 'cbor-x';
import { DecodeError, ValueError } from '../../src/core/errors.js';
import { readDetoolsHeader } from '../../src/delta/detools/detools-format.js';
import { buildPackage, type BuildOptions } from '../../src/manifest/build.js';
import { COMPACT_BODY_BYTES, decodeCompactManifest, encodeCompactBody, encodeCompactManifest } from '../../src/manifest/compact.js';
import { DEFAULT_DELTA_CAPABILITY, acceptedDeltaFormats, deltaRefusal, describeDeltaCapability, type DeltaCapability } from '../../src/manifest/delta-capability.js';
import type { DeltaCodec } from '../../src/manifest/delta-codec.js';
import { DELTA_APPLIERS, appliersFor, deltaCodecsFor } from '../../src/manifest/delta-codecs.js';
import { detoolsCodec } from '../../src/manifest/detools-delta.js';
import { JOJODIFF_CURRENT, JOJODIFF_LEGACY } from '../../src/manifest/jojodiff-delta.js';
import { verifyingKeyOf } from '../../src/manifest/keys.js';
import { decodePackage } from '../../src/manifest/package-format.js';
import { UpdateRejectedError } from '../../src/manifest/rejection.js';
import { checkManifest } from '../../src/manifest/signed-manifest.js';
import { summarizePackage, formatSummary } from '../../src/manifest/summary.js';
import { decodeSuitEnvelope, encodeSuitEnvelope, encodeSuitManifest } from '../../src/manifest/suit.js';
import { DELTA_FORMATS, type DeltaFormat, type ManifestFormat } from '../../src/manifest/types.js';
import { classIdOf, vendorIdOf } from '../../src/manifest/uuid5.js';
import { verifyPackage } from '../../src/manifest/verify.js';
import { ED25519_KEY, ES256_KEY, sampleManifest, seededBytes, seededRandom } from './fixtures.js';

// The manifest names the delta format (issue #18): its codes in compact and SUIT, old packages
// (code 1) still decoding, the signing-tool trailer refusing what it cannot say, build choosing
// the smaller patch, and verify applying with the patcher the manifest names.

const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, variableMapSize: true, tagUint8Array: false });
const CODES: Record<DeltaFormat, number> = { jojodiff: 1, 'jojodiff-implicit-mod': 2, 'detools-sequential': 3 };

/** Near-identical images: one byte differs. JojoDiff needs a few bytes; heatshrink 8/7 pays for every 128 equal bytes. */
function nearIdentical(): { oldImage: Uint8Array; newImage: Uint8Array } {
  const oldImage = seededBytes('near old', 4096);
  const newImage = oldImage.slice();
  newImage[2000] = newImage[2000]! ^ 1;
  return { oldImage, newImage };
}

/** Every 16th byte one higher (as addresses shift in recompiled code): add diffs absorb it, copy/insert cannot. */
function shifted(): { oldImage: Uint8Array; newImage: Uint8Array } {
  const oldImage = seededBytes('shift old', 4096);
  const newImage = oldImage.map((b, i) => (i % 16 === 3 ? (b + 1) & 0xff : b));
  return { oldImage, newImage };
}

const IDS = { vendorId: vendorIdOf('example.com'), classId: classIdOf('awesome-2000') };

function buildWith(deltas: readonly DeltaCodec[], pair = nearIdentical(), format: ManifestFormat = 'compact', more: Partial<BuildOptions> = {}) {
  return buildPackage({ ...pair, deltas, signingKey: ES256_KEY, ...IDS, firmwareVersion: 2, format, ...more });
}

test('compact: each delta format has its payload type code, and round-trips', (t) => {
  for (const deltaFormat of DELTA_FORMATS) {
    const m = sampleManifest({ deltaFormat });
    const body = encodeCompactBody(m, 'es256');
    t.is(body[2], CODES[deltaFormat], deltaFormat);
    t.deepEqual(decodeCompactManifest(encodeCompactManifest(m, ES256_KEY)).manifest, m, deltaFormat);
  }
  t.is(encodeCompactBody(sampleManifest({ payloadType: 'full', deltaFormat: undefined, precursor: undefined }), 'es256')[2], 0);
});

test('compact: a package built before formats were told apart (payload type 1 = delta) decodes as jojodiff', (t) => {
  // Byte 2 = 1 is what the encoder wrote for every delta (then always a legacy JojoDiff patch).
  const old = encodeCompactManifest(sampleManifest({ deltaFormat: 'jojodiff' }), ED25519_KEY);
  t.is(old[2], 1);
  const decoded = decodeCompactManifest(old).manifest;
  t.is(decoded.payloadType, 'delta');
  t.is(decoded.deltaFormat, 'jojodiff');
  t.is(old.length, COMPACT_BODY_BYTES + 64);
});

test('compact: unassigned payload type codes are refused at offset 2', (t) => {
  const good = encodeCompactManifest(sampleManifest(), ES256_KEY);
  for (const code of [4, 5, 0x7f, 0xff]) {
    const bad = good.slice();
    bad[2] = code;
    t.throws(() => decodeCompactManifest(bad), { instanceOf: DecodeError, message: /payload type at offset 2: expected 0 \(full\), 1 \(jojodiff\), 2 \(jojodiff-implicit-mod\) or 3 \(detools-sequential\)/ }, `code ${code}`);
  }
});

test('SUIT: the payload-info type is the same code, and each format round-trips', (t) => {
  for (const deltaFormat of DELTA_FORMATS) {
    const m = sampleManifest({ deltaFormat });
    const manifest = cbor.decode(encodeSuitManifest(m)) as Map<number, unknown>;
    const install = cbor.decode(manifest.get(20) as Uint8Array) as unknown[];
    const fetchParams = install[5] as Map<number, unknown>; // after the precursor check: 20, {..}, 3, 15, 20, {fetch}
    t.is((fetchParams.get(-1) as unknown[])[0], CODES[deltaFormat], deltaFormat);
    t.deepEqual(decodeSuitEnvelope(encodeSuitEnvelope(m, ES256_KEY)).manifest, m, deltaFormat);
  }
});

test('SUIT: a payload type above 3, or a full type with a delta install sequence, is refused', (t) => {
  const envelope = encodeSuitEnvelope(sampleManifest({ deltaFormat: 'jojodiff' }), ES256_KEY);
  // payload-info: key -1 (0x20), array of 3 (0x83), the type code.
  const at = Buffer.from(envelope).indexOf(Buffer.from([0x20, 0x83, 0x01]));
  t.true(at > 0);
  for (const [code, message] of [[4, /SUIT payload type/], [0, /consistent with the install sequence/]] as const) {
    const bad = envelope.slice();
    bad[at + 2] = code;
    t.throws(() => decodeSuitEnvelope(bad), { instanceOf: DecodeError, message }, `code ${code}`);
  }
});

test('checkManifest: a delta names its format, a full image none', (t) => {
  t.throws(() => checkManifest(sampleManifest({ deltaFormat: undefined })), { instanceOf: ValueError, message: /delta format: expected one of jojodiff, jojodiff-implicit-mod, detools-sequential for a delta payload, got "none"/ });
  t.throws(() => checkManifest(sampleManifest({ deltaFormat: 'bsdiff' as DeltaFormat })), { message: /delta format: .* got "bsdiff"/ });
  t.throws(() => checkManifest(sampleManifest({ payloadType: 'full', precursor: undefined })), { message: /delta format: expected none for a full image, got "jojodiff"/ });
});

test('build picks the smaller patch among the formats given, names it in the manifest, and lists every candidate', (t) => {
  const heatshrink = detoolsCodec('heatshrink');
  const choices = new Set<DeltaFormat>();
  for (const [name, pair] of [['near-identical', nearIdentical()], ['shifted', shifted()]] as const) {
    const sizes = [JOJODIFF_LEGACY, heatshrink].map((c) => c.createPatch(pair.oldImage, pair.newImage).length);
    const built = buildWith([JOJODIFF_LEGACY, heatshrink], pair);
    t.is(built.pkg.payload.length, Math.min(...sizes), name);
    t.deepEqual(built.deltaCandidates?.map((c) => c.sizeBytes), sizes, name);
    t.deepEqual(built.deltaCandidates?.map((c) => c.format), ['jojodiff', 'detools-sequential'], name);
    const chosen = sizes[0]! <= sizes[1]! ? 'jojodiff' : 'detools-sequential';
    t.is(built.manifest.deltaFormat, chosen, name);
    t.is(decodeCompactManifest(built.pkg.manifest).manifest.deltaFormat, chosen, name);
    choices.add(chosen);
  }
  // The two pairs are built so that each format wins one: both branches of the choice ran.
  t.deepEqual([...choices].sort(), ['detools-sequential', 'jojodiff']);
});

test('build: on equal sizes the first format given wins', (t) => {
  const pair = nearIdentical();
  const patch = JOJODIFF_LEGACY.createPatch(pair.oldImage, pair.newImage);
  const twin: DeltaCodec = { ...JOJODIFF_CURRENT, createPatch: () => patch, applyPatch: JOJODIFF_LEGACY.applyPatch };
  t.is(buildWith([twin, JOJODIFF_LEGACY], pair).manifest.deltaFormat, 'jojodiff-implicit-mod');
  t.is(buildWith([JOJODIFF_LEGACY, twin], pair).manifest.deltaFormat, 'jojodiff');
});

test('build refuses a patch that does not rebuild the new image (nothing is signed)', (t) => {
  const broken: DeltaCodec = { ...JOJODIFF_LEGACY, createPatch: () => Uint8Array.from([0xa7, 0xa3, 0x00]) };
  t.throws(() => buildWith([broken]), { code: 'DELTA_ROUND_TRIP' });
});

test('signing-tool: only a legacy JojoDiff delta; other formats are refused naming --delta and what the trailer carries', (t) => {
  for (const codec of [JOJODIFF_CURRENT, detoolsCodec('heatshrink'), detoolsCodec('none')]) {
    const error = t.throws(() => buildWith([JOJODIFF_LEGACY, codec], nearIdentical(), 'signing-tool'), { instanceOf: ValueError, code: 'UNSUPPORTED_COMBINATION' });
    t.regex(error!.message, /^--delta \(with --format signing-tool\): expected jojodiff with --janpatch legacy: the trailer's diff info says only is_diff/);
    t.true(error!.message.endsWith(`got ${JSON.stringify(codec.description)}`), error!.message);
  }
  const pair = nearIdentical();
  const built = buildWith([JOJODIFF_LEGACY], pair, 'signing-tool');
  const result = verifyPackage(decodePackage(built.bytes), { verifyingKey: verifyingKeyOf(ES256_KEY), oldImage: pair.oldImage, deltas: DELTA_APPLIERS });
  t.deepEqual(result.newImage, pair.newImage);
  t.true(result.passed.includes('delta applied (jojodiff)'));
  t.is(summarizePackage(built.pkg).deltaFormat, 'jojodiff');
});

for (const format of ['compact', 'suit'] as const) {
  for (const codec of [JOJODIFF_LEGACY, JOJODIFF_CURRENT, detoolsCodec('none'), detoolsCodec('crle'), detoolsCodec('heatshrink')]) {
    for (const encrypted of [false, true]) {
      test(`${format}: a ${codec.description}${encrypted ? ' encrypted' : ''} package verifies with the patcher its manifest names`, (t) => {
        const pair = shifted();
        const device = { devEui: '70b3d57ed0000001' as never, key: new Uint8Array(16).fill(7) };
        const built = buildWith([codec], pair, format, encrypted ? { encryptFor: [device], randomBytes: seededRandom(codec.description) } : {});
        const pkg = decodePackage(built.bytes);
        const options = { verifyingKey: verifyingKeyOf(ES256_KEY), oldImage: pair.oldImage, device };
        const result = verifyPackage(pkg, { ...options, deltas: DELTA_APPLIERS });
        t.deepEqual(result.newImage, pair.newImage);
        t.true(result.passed.includes(`delta applied (${codec.format})`));
        // A device without that patcher refuses the package, naming the format.
        const others = DELTA_APPLIERS.filter((a) => a.format !== codec.format);
        t.throws(() => verifyPackage(pkg, { ...options, deltas: others }), { instanceOf: UpdateRejectedError, code: 'UPDATE_DELTA_FORMAT_UNSUPPORTED', message: new RegExp(`got ${codec.format}$`) });
      });
    }
  }
}

test('a package saying jojodiff whose patch leaves ESC MOD out is refused as an old janpatch refuses it', (t) => {
  const pair = shifted();
  const implicit = JOJODIFF_CURRENT.createPatch(pair.oldImage, pair.newImage);
  t.notDeepEqual(implicit, JOJODIFF_LEGACY.createPatch(pair.oldImage, pair.newImage));
  // Signed as 'jojodiff' (the codec's own check passes through the current reader).
  const mislabelled: DeltaCodec = { ...JOJODIFF_LEGACY, createPatch: () => implicit, applyPatch: JOJODIFF_CURRENT.applyPatch };
  const pkg = decodePackage(buildWith([mislabelled], pair).bytes);
  t.throws(() => verifyPackage(pkg, { verifyingKey: verifyingKeyOf(ES256_KEY), oldImage: pair.oldImage, deltas: DELTA_APPLIERS }), { instanceOf: UpdateRejectedError, code: 'UPDATE_PATCH_FAILED' });
});

test('inspect shows the delta format, and a detools patch its compression when not encrypted', (t) => {
  const pair = shifted();
  const built = buildWith([detoolsCodec('heatshrink')], pair);
  const summary = summarizePackage(built.pkg);
  t.is(summary.deltaFormat, 'detools-sequential');
  t.deepEqual(summary.detools, { compression: 'heatshrink', heatshrink: { windowSz2: 8, lookaheadSz2: 7 }, toSizeBytes: pair.newImage.length });
  t.regex(formatSummary(summary), /payload: +delta patch \(detools-sequential, heatshrink 8\/7\), \d+ bytes/);
  const crle = summarizePackage(buildWith([detoolsCodec('crle')], pair).pkg);
  t.is(crle.detools?.compression, 'crle');
  const device = { devEui: '70b3d57ed0000001' as never, key: new Uint8Array(16).fill(7) };
  const encrypted = summarizePackage(buildWith([detoolsCodec('crle')], pair, 'compact', { encryptFor: [device], randomBytes: seededRandom('inspect') }).pkg);
  t.is(encrypted.detools, undefined);
  t.regex(formatSummary(encrypted), /detools-sequential, compression in the encrypted header/);
  t.regex(formatSummary(summarizePackage(buildWith([JOJODIFF_CURRENT], pair).pkg)), /delta patch \(jojodiff-implicit-mod\)/);
});

test('capability: the formats a device profile accepts, and why not', (t) => {
  t.deepEqual(acceptedDeltaFormats(DEFAULT_DELTA_CAPABILITY), ['jojodiff']);
  const all: DeltaCapability = { formats: ['jojodiff', 'detools'], janpatch: 'current', detools: { compressions: ['heatshrink'], heatshrink: { windowSz2: 8, lookaheadSz2: 7 } } };
  t.deepEqual(acceptedDeltaFormats(all), ['jojodiff', 'jojodiff-implicit-mod', 'detools-sequential']);
  t.deepEqual(acceptedDeltaFormats({ ...all, formats: [] }), []);
  t.is(deltaRefusal(DEFAULT_DELTA_CAPABILITY, 'jojodiff'), undefined);
  t.regex(deltaRefusal(DEFAULT_DELTA_CAPABILITY, 'jojodiff-implicit-mod')!, /not among the formats it accepts/);
  t.is(deltaRefusal(all, 'detools-sequential', { compression: 'heatshrink', heatshrink: { windowSz2: 8, lookaheadSz2: 7 } }), undefined);
  t.regex(deltaRefusal(all, 'detools-sequential', { compression: 'crle' })!, /no crle decompression/);
  t.regex(deltaRefusal(all, 'detools-sequential', { compression: 'heatshrink', heatshrink: { windowSz2: 11, lookaheadSz2: 10 } })!, /heatshrink 8\/7 only, the patch has 11\/10/);
  t.is(deltaRefusal(all, 'detools-sequential'), undefined); // an encrypted header: the format only
  t.is(describeDeltaCapability(DEFAULT_DELTA_CAPABILITY), 'jojodiff (janpatch legacy)');
  t.is(describeDeltaCapability(all), 'jojodiff, jojodiff-implicit-mod (janpatch current); detools-sequential (heatshrink 8/7)');
  t.is(describeDeltaCapability({ ...all, formats: [] }), 'full images only');
});

test('a device applies only what its build has: a detools build without crle refuses a crle patch', (t) => {
  const pair = shifted();
  const capability: DeltaCapability = { formats: ['detools'], janpatch: 'legacy', detools: { compressions: ['heatshrink'], heatshrink: { windowSz2: 8, lookaheadSz2: 7 } } };
  const deltas = appliersFor(capability);
  t.deepEqual(deltas.map((d) => d.format), ['detools-sequential']);
  const crle = detoolsCodec('crle').createPatch(pair.oldImage, pair.newImage);
  t.is(readDetoolsHeader(crle).compression, 'crle');
  t.throws(() => deltas[0]!.applyPatch(pair.oldImage, crle), { code: 'DELTA_COMPRESSION_UNSUPPORTED', message: /got "crle"/ });
  const other = detoolsCodec('heatshrink', { windowSz2: 9, lookaheadSz2: 5 }).createPatch(pair.oldImage, pair.newImage);
  t.throws(() => deltas[0]!.applyPatch(pair.oldImage, other), { code: 'DELTA_COMPRESSION_UNSUPPORTED', message: /got "heatshrink 9\/5"/ });
  const good = detoolsCodec('heatshrink').createPatch(pair.oldImage, pair.newImage);
  t.deepEqual(deltas[0]!.applyPatch(pair.oldImage, good), pair.newImage);
});

test('deltaCodecsFor: one codec per family in the order given', (t) => {
  const heatshrink = { windowSz2: 8, lookaheadSz2: 7 };
  t.deepEqual(deltaCodecsFor({ formats: ['detools', 'jojodiff'], janpatch: 'current', compression: 'crle', heatshrink }).map((c) => c.description), ['detools-sequential (crle)', 'jojodiff-implicit-mod (janpatch current)']);
  t.deepEqual(deltaCodecsFor({ formats: ['jojodiff'], janpatch: 'legacy', compression: 'heatshrink', heatshrink }).map((c) => c.format), ['jojodiff']);
  t.throws(() => deltaCodecsFor({ formats: [], janpatch: 'legacy', compression: 'none', heatshrink }), { instanceOf: ValueError });
});
