// The device stack of each campaign entry: its own field, its profile's, then the stack's defaults
// (src/campaign/spec.ts resolveTarget), and the bad-input table for those fields.

import test from 'ava';
import { isFuotaError } from '../../src/core/errors.js';
import { parseCampaignSpec, type CampaignSpecInput } from '../../src/campaign/spec.js';

const KEY = '00112233445566778899aabbccddeeff';

function spec(devices: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): CampaignSpecInput {
  return { id: 'c', firmware: { version: 0x01010000 }, multicast: { mcKey: KEY }, devices, ...extra } as CampaignSpecInput;
}

const EUI = (i: number) => `70b3d5000000000${i}`;

test('defaults: stack spec, seed N, versions asked; LoRaMac-node: v1 known; LBM: seed N − M', (t) => {
  const parsed = parseCampaignSpec(spec([{ devEui: EUI(1), rootKey: KEY }, { devEui: EUI(2), rootKey: KEY, stack: 'loramac-node' }, { devEui: EUI(3), rootKey: KEY, stack: 'lbm' }]));
  t.like(parsed.devices[0], { stack: 'spec', v2Seed: 'N', packageVersions: {}, lorawanVersion: '1.0', reedSolomon: false });
  t.like(parsed.devices[1], { stack: 'loramac-node', packageVersions: { ts003: 1, ts004: 1, ts005: 1 } });
  t.like(parsed.devices[2], { stack: 'lbm', v2Seed: 'N-M', packageVersions: {} });
});

test('a profile fills what an entry leaves out; the entry wins; the resolved spec parses again to itself', (t) => {
  const parsed = parseCampaignSpec(
    spec(
      [
        { devEui: EUI(1), rootKey: KEY, profile: 'sensor' },
        { devEui: EUI(2), rootKey: KEY, profile: 'sensor', v2Seed: 'N', lorawanVersion: '1.0' },
      ],
      { deviceProfiles: { sensor: { stack: 'lbm', lorawanVersion: '1.1', packageVersions: { ts004: 2 } } } },
    ),
  );
  t.like(parsed.devices[0], { stack: 'lbm', lorawanVersion: '1.1', v2Seed: 'N-M', packageVersions: { ts004: 2 } });
  t.like(parsed.devices[1], { stack: 'lbm', lorawanVersion: '1.0', v2Seed: 'N' });
  t.deepEqual(parseCampaignSpec(JSON.parse(JSON.stringify(parsed))), parsed, 'what the store keeps reads back the same');
});

const bad: Array<[string, CampaignSpecInput, RegExp]> = [
  ['an unknown profile', spec([{ devEui: EUI(1), rootKey: KEY, profile: 'nope' }], { deviceProfiles: { sensor: { stack: 'lbm' } } }), /^campaign spec devices\.0\.profile: expected one of "sensor" \(deviceProfiles\), got "nope"$/],
  ['a profile with no deviceProfiles', spec([{ devEui: EUI(1), rootKey: KEY, profile: 'x' }]), /devices\.0\.profile: expected a name under deviceProfiles, which is empty, got "x"/],
  ['an unknown stack', spec([{ devEui: EUI(1), rootKey: KEY, stack: 'zephyr' }]), /devices\.0\.stack: /],
  ['LoRaMac-node with TS004 v2', spec([{ devEui: EUI(1), rootKey: KEY, stack: 'loramac-node', packageVersions: { ts004: 2 } }]), /devices\.0\.packageVersions\.ts004: expected 1 \(LoRaMac-node implements the v1 packages only\), got 2/],
  ['an unknown key in a profile', spec([{ devEui: EUI(1), rootKey: KEY }], { deviceProfiles: { s: { stak: 'lbm' } } }), /deviceProfiles\.s/],
  ['versionUplink length 5', spec([{ devEui: EUI(1), rootKey: KEY }], { firmware: { version: 1, versionUplink: { fPort: 1, offset: 0, length: 5 } } }), /firmware\.versionUplink\.length/],
  ['versionUplink with a jsonPath that is no path', spec([{ devEui: EUI(1), rootKey: KEY }], { firmware: { version: 1, versionUplink: { jsonPath: 'a..b' } } }), /firmware\.versionUplink/],
  ['versionUplink on fPort 0', spec([{ devEui: EUI(1), rootKey: KEY }], { firmware: { version: 1, versionUplink: { fPort: 0, offset: 0 } } }), /firmware\.versionUplink\.fPort/],
];

for (const [name, input, message] of bad) {
  test(`refused: ${name}`, (t) => {
    const error = t.throws(() => parseCampaignSpec(input));
    t.true(isFuotaError(error));
    t.regex(error!.message, message);
  });
}
