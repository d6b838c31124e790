import test from 'ava';
import { parseCampaignSpec } from '../../src/campaign/spec.js';
import { isFuotaError } from '../../src/core/errors.js';

// Unknown keys in a campaign spec are errors (as in the config): "rolout" must not silently
// become the default rollout. Firmware versions take "major.minor.patch" as every CLI command
// does, packed as src/manifest/firmware-version.ts packs them; the integer form stays.

const BASE = { id: 'c', firmware: { version: 1 }, devices: [{ devEui: '70b3d57ed0000001', rootKey: '01'.repeat(16) }], multicast: { mcKey: 'ab'.repeat(16) } };

const unknown: Array<{ name: string; spec: Record<string, unknown>; message: string }> = [
  { name: 'a misspelt top-level key', spec: { ...BASE, rolout: { canaryFraction: 0.5 } }, message: 'campaign spec rolout: expected no such key (unknown keys are errors; see docs/campaign.md), got "rolout"' },
  { name: 'in firmware', spec: { ...BASE, firmware: { version: 1, descripter: '01020304' } }, message: 'campaign spec firmware.descripter: expected no such key (unknown keys are errors; see docs/campaign.md), got "descripter"' },
  { name: 'in a device', spec: { ...BASE, devices: [{ ...BASE.devices[0], rootkey: 'x' }] }, message: 'campaign spec devices.0.rootkey: expected no such key (unknown keys are errors; see docs/campaign.md), got "rootkey"' },
  { name: 'in rollout', spec: { ...BASE, rollout: { canary: 0.5 } }, message: 'campaign spec rollout.canary: expected no such key (unknown keys are errors; see docs/campaign.md), got "canary"' },
  { name: 'in multicast', spec: { ...BASE, multicast: { mcKey: 'ab'.repeat(16), datarate: 3 } }, message: 'campaign spec multicast.datarate: expected no such key (unknown keys are errors; see docs/campaign.md), got "datarate"' },
  { name: 'in fragmentation', spec: { ...BASE, fragmentation: { redundancy: 1 } }, message: 'campaign spec fragmentation.redundancy: expected no such key (unknown keys are errors; see docs/campaign.md), got "redundancy"' },
  { name: 'in timing', spec: { ...BASE, timing: { timeoutMs: 1 } }, message: 'campaign spec timing.timeoutMs: expected no such key (unknown keys are errors; see docs/campaign.md), got "timeoutMs"' },
  { name: 'in select', spec: { ...BASE, select: { tag: {} } }, message: 'campaign spec select.tag: expected no such key (unknown keys are errors; see docs/campaign.md), got "tag"' },
];

for (const row of unknown) {
  test(`unknown key refused: ${row.name}`, (t) => {
    const error = t.throws(() => parseCampaignSpec(row.spec));
    t.true(isFuotaError(error));
    t.is((error as { code?: string }).code, 'UNKNOWN_CAMPAIGN_SPEC_KEY');
    t.is(error!.message, row.message);
  });
}

test('versions: "1.1.0" packs as the CLI packs it; the integer form stays; device and select versions too', (t) => {
  const spec = parseCampaignSpec({
    ...BASE,
    firmware: { version: '1.1.0' },
    devices: [{ ...BASE.devices[0], firmwareVersion: '1.0.0' }, { devEui: '70b3d57ed0000002', rootKey: '02'.repeat(16), firmwareVersion: 0x01010000 }],
    select: { firmwareVersion: '1.0.0' },
  });
  t.is(spec.firmware.version, 0x01010000);
  t.deepEqual(spec.devices.map((d) => [d.devEui, d.firmwareVersion]), [['70b3d57ed0000001', 0x01000000]]);
  t.is(parseCampaignSpec(BASE).firmware.version, 1);
});

const FORMS = /^campaign spec firmware\.version: an integer in 0\.\.4294967295 or "major\.minor\.patch"$/;
const badVersions: Array<[unknown, RegExp]> = [
  ['1.1', FORMS],
  ['v1.1.0', FORMS],
  ['256.0.0', /^campaign spec firmware\.version: major\.minor\.patch with major, minor <= 255 and patch <= 65535$/],
  ['1.0.65536', /^campaign spec firmware\.version: major\.minor\.patch with major, minor <= 255/],
  [-1, FORMS],
  [2 ** 32, FORMS],
  [1.5, FORMS],
  [null, FORMS],
];

for (const [version, message] of badVersions) {
  test(`bad firmware.version ${JSON.stringify(version)} refused`, (t) => {
    const error = t.throws(() => parseCampaignSpec({ ...BASE, firmware: { version } }));
    t.regex(error!.message, message);
  });
}

test('firmwareSha256: 32 bytes of hex, lower-cased; anything else refused', (t) => {
  const digest = 'AB'.repeat(32);
  t.is(parseCampaignSpec({ ...BASE, devices: [{ ...BASE.devices[0], firmwareSha256: digest }] }).devices[0]!.firmwareSha256, digest.toLowerCase());
  const error = t.throws(() => parseCampaignSpec({ ...BASE, devices: [{ ...BASE.devices[0], firmwareSha256: 'ab'.repeat(31) }] }));
  t.regex(error!.message, /^campaign spec devices\.0\.firmwareSha256: 32 bytes as hex$/);
});
