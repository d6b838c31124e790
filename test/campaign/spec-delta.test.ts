// A device's delta capability: its entry's `delta` keys, then its profile's, then the default
// (JojoDiff, janpatch legacy: what every campaign meant before delta formats existed), and the
// bad-input table for those fields (src/campaign/delta-profile.ts).

import test from 'ava';
import { deltaCapabilityOf } from '../../src/campaign/delta-profile.js';
import { parseCampaignSpec, type CampaignSpecInput } from '../../src/campaign/spec.js';
import { isFuotaError } from '../../src/core/errors.js';
import { DEFAULT_DELTA_CAPABILITY, acceptedDeltaFormats } from '../../src/manifest/delta-capability.js';

const KEY = '00112233445566778899aabbccddeeff';
const EUI = (i: number) => `70b3d5000000000${i}`;

function spec(devices: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): CampaignSpecInput {
  return { id: 'c', firmware: { version: 0x01010000 }, multicast: { mcKey: KEY }, devices, ...extra } as CampaignSpecInput;
}

test('a campaign that says nothing: no delta on the targets, and the default is JojoDiff for every janpatch', (t) => {
  const parsed = parseCampaignSpec(spec([{ devEui: EUI(1), rootKey: KEY }], { deviceProfiles: { sensor: { stack: 'lbm' } } }));
  t.false('delta' in parsed.devices[0]!);
  t.is(deltaCapabilityOf(parsed.devices[0]!), DEFAULT_DELTA_CAPABILITY);
  t.deepEqual(acceptedDeltaFormats(deltaCapabilityOf(parsed.devices[0]!)), ['jojodiff']);
  t.deepEqual(DEFAULT_DELTA_CAPABILITY, { formats: ['jojodiff'], janpatch: 'legacy', detools: { compressions: ['none', 'crle', 'heatshrink'], heatshrink: { windowSz2: 8, lookaheadSz2: 7 } } });
});

test('a profile fills what an entry leaves out, key by key; devices of one profile share one object; the resolved spec parses again to itself', (t) => {
  const parsed = parseCampaignSpec(
    spec(
      [
        { devEui: EUI(1), rootKey: KEY, profile: 'tracker' },
        { devEui: EUI(2), rootKey: KEY, profile: 'tracker' },
        { devEui: EUI(3), rootKey: KEY, profile: 'tracker', delta: { janpatch: 'legacy', detools: { compressions: ['crle'] } } },
        { devEui: EUI(4), rootKey: KEY, delta: { janpatch: 'current' } },
      ],
      { deviceProfiles: { tracker: { delta: { formats: ['jojodiff', 'detools'], janpatch: 'current', detools: { heatshrink: { windowSz2: 11, lookaheadSz2: 10 } } } } } },
    ),
  );
  const [one, two, three, four] = parsed.devices;
  t.deepEqual(one!.delta, { formats: ['jojodiff', 'detools'], janpatch: 'current', detools: { compressions: ['none', 'crle', 'heatshrink'], heatshrink: { windowSz2: 11, lookaheadSz2: 10 } } });
  t.is(one!.delta, two!.delta, 'shared');
  t.deepEqual(three!.delta, { formats: ['jojodiff', 'detools'], janpatch: 'legacy', detools: { compressions: ['crle'], heatshrink: { windowSz2: 11, lookaheadSz2: 10 } } });
  t.deepEqual(four!.delta, { ...DEFAULT_DELTA_CAPABILITY, janpatch: 'current' });
  t.deepEqual(acceptedDeltaFormats(four!.delta!), ['jojodiff', 'jojodiff-implicit-mod']);
  t.deepEqual(JSON.parse(JSON.stringify(parseCampaignSpec(JSON.parse(JSON.stringify(parsed))))), JSON.parse(JSON.stringify(parsed)), 'what the store keeps reads back the same');
});

test('formats: [] is a device that takes full images only', (t) => {
  const parsed = parseCampaignSpec(spec([{ devEui: EUI(1), rootKey: KEY, delta: { formats: [] } }]));
  t.deepEqual(acceptedDeltaFormats(deltaCapabilityOf(parsed.devices[0]!)), []);
});

const bad: Array<[string, CampaignSpecInput, string, RegExp]> = [
  ['an unknown format', spec([{ devEui: EUI(1), rootKey: KEY, delta: { formats: ['bsdiff'] } }]), 'INVALID_CAMPAIGN_SPEC', /^campaign spec devices\.0\.delta\.formats\.0: /],
  ['an unknown janpatch dialect', spec([{ devEui: EUI(1), rootKey: KEY }], { deviceProfiles: { p: { delta: { janpatch: 'new' } } } }), 'INVALID_CAMPAIGN_SPEC', /^campaign spec deviceProfiles\.p\.delta\.janpatch: /],
  ['an unknown compression', spec([{ devEui: EUI(1), rootKey: KEY, delta: { detools: { compressions: ['lzma'] } } }]), 'INVALID_CAMPAIGN_SPEC', /^campaign spec devices\.0\.delta\.detools\.compressions\.0: /],
  ['a heatshrink lookahead not below the window', spec([{ devEui: EUI(1), rootKey: KEY, delta: { detools: { heatshrink: { windowSz2: 8, lookaheadSz2: 8 } } } }]), 'INVALID_CAMPAIGN_SPEC', /^campaign spec devices\.0\.delta\.detools\.heatshrink\.lookaheadSz2: lookaheadSz2 below windowSz2$/],
  ['a heatshrink window above 15', spec([{ devEui: EUI(1), rootKey: KEY, delta: { detools: { heatshrink: { windowSz2: 16, lookaheadSz2: 7 } } } }]), 'INVALID_CAMPAIGN_SPEC', /^campaign spec devices\.0\.delta\.detools\.heatshrink\.windowSz2: /],
  ['a misspelt key', spec([{ devEui: EUI(1), rootKey: KEY, delta: { janpach: 'current' } }]), 'UNKNOWN_CAMPAIGN_SPEC_KEY', /^campaign spec devices\.0\.delta\.janpach: expected no such key/],
  ['a misspelt detools key', spec([{ devEui: EUI(1), rootKey: KEY }], { deviceProfiles: { p: { delta: { detools: { compression: ['crle'] } } } } }), 'UNKNOWN_CAMPAIGN_SPEC_KEY', /^campaign spec deviceProfiles\.p\.delta\.detools\.compression: expected no such key/],
];

for (const [name, input, code, message] of bad) {
  test(`refused: ${name}`, (t) => {
    const error = t.throws(() => parseCampaignSpec(input));
    t.true(isFuotaError(error));
    t.is((error as { code?: string }).code, code);
    t.regex(error!.message, message);
  });
}
