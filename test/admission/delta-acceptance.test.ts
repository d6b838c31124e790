import test from 'ava';
import { admitCampaign } from '../../src/admission/admit-campaign.js';
import { isFuotaError } from '../../src/core/errors.js';
import { detoolsCodec } from '../../src/manifest/detools-delta.js';
import { JOJODIFF_CURRENT } from '../../src/manifest/jojodiff-delta.js';
import { build, buildDelta, DEV_1, DEV_2, NEW_IMAGE, spec, world } from './admission-world.js';

// Admission refuses a delta a targeted device cannot apply (issue #18), naming the device, its
// profile, the package's format and what the profile accepts; nothing is stored or sent.

const IMPLICIT = buildDelta({ deltas: [JOJODIFF_CURRENT] });
const LEGACY = buildDelta();
const CRLE = buildDelta({ deltas: [detoolsCodec('crle')] });
const HEATSHRINK = buildDelta({ deltas: [detoolsCodec('heatshrink')] });
const HEATSHRINK_9_5 = buildDelta({ deltas: [detoolsCodec('heatshrink', { windowSz2: 9, lookaheadSz2: 5 })] });
const ENCRYPTED_CRLE = buildDelta({
  deltas: [detoolsCodec('crle')],
  encryptFor: [DEV_1, DEV_2].map((devEui) => ({ devEui: devEui as never, key: new Uint8Array(16).fill(1) })),
  randomBytes: (n) => new Uint8Array(n).fill(3),
});

const devices = (one: Record<string, unknown> = {}, two: Record<string, unknown> = {}) => [
  { devEui: DEV_1, rootKey: '01'.repeat(16), ...one },
  { devEui: DEV_2, rootKey: '02'.repeat(16), ...two },
];
const DETOOLS_ONLY = { formats: ['detools'] };

const refusals = [
  {
    name: 'devices that say nothing (JojoDiff, janpatch legacy) and an implicit-MOD patch',
    spec: spec(),
    pkg: IMPLICIT,
    message: /^device 70b3d57ed0000001 \(no profile\) delta: expected a package it can apply \(it accepts jojodiff \(janpatch legacy\)\), got a jojodiff-implicit-mod delta: jojodiff-implicit-mod is not among the formats it accepts \(and 1 more device\(s\)\)$/,
  },
  {
    name: 'a profile with an old janpatch, the other device current',
    spec: spec({ deviceProfiles: { 'sensor-2020': { delta: { janpatch: 'legacy' } }, 'sensor-2025': { delta: { janpatch: 'current' } } }, devices: devices({ profile: 'sensor-2025' }, { profile: 'sensor-2020' }) }),
    pkg: IMPLICIT,
    message: /^device 70b3d57ed0000002 \(profile "sensor-2020"\) delta: expected a package it can apply \(it accepts jojodiff \(janpatch legacy\)\), got a jojodiff-implicit-mod delta: jojodiff-implicit-mod is not among the formats it accepts$/,
  },
  {
    name: 'a detools patch for devices without detools',
    spec: spec(),
    pkg: HEATSHRINK,
    message: /^device 70b3d57ed0000001 \(no profile\) delta: expected .*\(it accepts jojodiff \(janpatch legacy\)\), got a detools-sequential delta \(heatshrink 8\/7\): detools-sequential is not among/,
  },
  {
    name: 'a crle patch for a detools build with heatshrink only',
    spec: spec({ deviceProfiles: { p: { delta: { formats: ['detools'], detools: { compressions: ['heatshrink'] } } } }, devices: devices({ profile: 'p' }, { profile: 'p' }) }),
    pkg: CRLE,
    message: /^device 70b3d57ed0000001 \(profile "p"\) delta: expected a package it can apply \(it accepts detools-sequential \(heatshrink 8\/7\)\), got a detools-sequential delta \(crle\): its detools build has no crle decompression \(and 1 more device\(s\)\)$/,
  },
  {
    name: 'heatshrink 9/5 for the default detools build (8/7)',
    spec: spec({ deviceProfiles: { p: { delta: DETOOLS_ONLY } }, devices: devices({ profile: 'p' }, { profile: 'p' }) }),
    pkg: HEATSHRINK_9_5,
    message: /got a detools-sequential delta \(heatshrink 9\/5\): its detools build decodes heatshrink 8\/7 only, the patch has 9\/5/,
  },
  {
    name: 'a JojoDiff patch for devices with detools only',
    spec: spec({ deviceProfiles: { p: { delta: DETOOLS_ONLY } }, devices: devices({ profile: 'p' }, { profile: 'p' }) }),
    pkg: LEGACY,
    message: /\(it accepts detools-sequential \(none, crle, heatshrink 8\/7\)\), got a jojodiff delta: jojodiff is not among/,
  },
  {
    name: 'a device entry overriding its profile with no delta at all',
    spec: spec({ deviceProfiles: { p: { delta: { janpatch: 'current' } } }, devices: devices({ profile: 'p' }, { profile: 'p', delta: { formats: [] } }) }),
    pkg: LEGACY,
    message: /^device 70b3d57ed0000002 \(profile "p"\) delta: expected a package it can apply \(it accepts full images only\), got a jojodiff delta/,
  },
];

for (const row of refusals) {
  test(`refused: ${row.name}`, async (t) => {
    const w = world(t);
    const error = await t.throwsAsync(w.submit({ spec: row.spec, packageBytes: row.pkg }));
    t.true(isFuotaError(error), String(error));
    t.is((error as { code?: string }).code, 'DELTA_FORMAT_NOT_ACCEPTED');
    t.regex(error!.message, row.message!);
    t.deepEqual(await w.store.list(), [], 'nothing stored');
    t.deepEqual(w.sent, [], 'nothing sent');
  });
}

test('admitted: each format for devices whose profile accepts it; a campaign that says nothing still takes legacy JojoDiff', async (t) => {
  const w = world(t);
  const all = { formats: ['jojodiff', 'detools'], janpatch: 'current' };
  const cases = [
    { id: 'legacy-default', spec: spec({ id: 'legacy-default' }), pkg: LEGACY, format: 'jojodiff' },
    { id: 'legacy-on-current', spec: spec({ id: 'legacy-on-current', deviceProfiles: { p: { delta: all } }, devices: devices({ profile: 'p' }, { profile: 'p' }) }), pkg: LEGACY, format: 'jojodiff' },
    { id: 'implicit', spec: spec({ id: 'implicit', deviceProfiles: { p: { delta: { janpatch: 'current' } } }, devices: devices({ profile: 'p' }, { delta: { janpatch: 'current' } }) }), pkg: IMPLICIT, format: 'jojodiff-implicit-mod' },
    { id: 'heatshrink', spec: spec({ id: 'heatshrink', deviceProfiles: { p: { delta: all } }, devices: devices({ profile: 'p' }, { profile: 'p' }) }), pkg: HEATSHRINK, format: 'detools-sequential' },
    { id: 'heatshrink-9-5', spec: spec({ id: 'heatshrink-9-5', deviceProfiles: { p: { delta: { formats: ['detools'], detools: { heatshrink: { windowSz2: 9, lookaheadSz2: 5 } } } } }, devices: devices({ profile: 'p' }, { profile: 'p' }) }), pkg: HEATSHRINK_9_5, format: 'detools-sequential' },
    { id: 'full-for-no-patcher', spec: spec({ id: 'full-for-no-patcher', devices: devices({ delta: { formats: [] } }, { delta: { formats: [] } }) }), pkg: build(), format: undefined },
  ];
  for (const c of cases) {
    // admitCampaign stores nothing, so the packages' equal sequence numbers do not meet.
    const admitted = await admitCampaign({ spec: c.spec, packageBytes: c.pkg }, w.deps);
    t.is(admitted.spec['id'], c.id);
    t.is(admitted.package.deltaFormat as string | undefined, c.format, c.id);
  }
});

test('an encrypted detools delta: the format is checked, the compression reported unchecked', async (t) => {
  const w = world(t);
  const s = spec({ deviceProfiles: { p: { delta: { formats: ['detools'], detools: { compressions: ['heatshrink'] } } } }, devices: devices({ profile: 'p' }, { profile: 'p' }) });
  const admitted = await admitCampaign({ spec: s, packageBytes: ENCRYPTED_CRLE }, w.deps);
  t.true(admitted.unchecked.includes('detools compression of the encrypted delta (its header is encrypted)'), admitted.unchecked.join('; '));
  // The same package for devices without detools is refused on the format alone.
  const error = await t.throwsAsync(admitCampaign({ spec: spec(), packageBytes: ENCRYPTED_CRLE }, w.deps));
  t.is((error as { code?: string }).code, 'DELTA_FORMAT_NOT_ACCEPTED');
  t.regex(error!.message, /got a detools-sequential delta: detools-sequential is not among/);
});

test('a detools delta whose header does not parse is refused as not decodable, before any device is looked at', async (t) => {
  // Signed as detools-sequential; the codec's own check is made to pass so that build signs it.
  const garbage = buildDelta({ deltas: [{ ...detoolsCodec('heatshrink'), createPatch: () => Uint8Array.of(0x77, 0x01), applyPatch: () => NEW_IMAGE }] });
  const w = world(t);
  const error = await t.throwsAsync(w.submit({ spec: spec({ devices: devices({ delta: DETOOLS_ONLY }, { delta: DETOOLS_ONLY }) }), packageBytes: garbage }));
  t.is((error as { code?: string }).code, 'PACKAGE_NOT_DECODABLE');
  t.regex(error!.message, /^package payload: expected a detools sequential patch as the manifest says, got detools patch at offset 0: /);
  t.deepEqual(await w.store.list(), []);
});
