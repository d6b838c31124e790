import test from 'ava';
import { parseCampaignSpec } from '../../src/campaign/spec.js';
import { matchesSelector, selectTargets } from '../../src/campaign/target-selection.js';
import { CallerError } from '../../src/core/errors.js';

const inventory: Array<{ devEui: string; tags: Record<string, string>; deviceClass: string; firmwareVersion: number }> = [
  { devEui: '0000000000000001', tags: { site: 'north', batch: '7' }, deviceClass: 'sensor-a', firmwareVersion: 0x010000 },
  { devEui: '0000000000000002', tags: { site: 'north' }, deviceClass: 'sensor-b', firmwareVersion: 0x010000 },
  { devEui: '0000000000000003', tags: { site: 'south', batch: '7' }, deviceClass: 'sensor-a', firmwareVersion: 0x010100 },
];
const euis = (list: readonly { devEui: string }[]) => list.map((d) => d.devEui.slice(-1));

const cases: Array<[string, Parameters<typeof selectTargets>[1], string[]]> = [
  ['no selector: every device', undefined, ['1', '2', '3']],
  ['by tag', { tags: { site: 'north' } }, ['1', '2']],
  ['by two tags (all must match)', { tags: { site: 'north', batch: '7' } }, ['1']],
  ['by device class', { deviceClass: 'sensor-a' }, ['1', '3']],
  ['by current firmware version', { firmwareVersion: 0x010000 }, ['1', '2']],
  ['by class and version', { deviceClass: 'sensor-a', firmwareVersion: 0x010100 }, ['3']],
];
for (const [name, selector, expected] of cases) {
  test(`selection ${name}`, (t) => {
    t.deepEqual(euis(selectTargets(inventory, selector)), expected);
  });
}

test('a device without the selected attribute does not match', (t) => {
  t.false(matchesSelector({ devEui: 'x', tags: {} }, { deviceClass: 'sensor-a' }));
  t.false(matchesSelector({ devEui: 'x', tags: {} }, { tags: { site: 'north' } }));
  t.true(matchesSelector({ devEui: 'x', tags: {} }, {}));
});

test('a selector that matches nothing is a clear error', (t) => {
  const error = t.throws(() => selectTargets(inventory, { tags: { site: 'west' } }), { instanceOf: CallerError });
  t.is(error?.code, 'NO_TARGETS');
  t.regex(error?.message ?? '', /expected at least one of the 3 devices to match \{"tags":\{"site":"west"\}\}, got none/);
});

test('the campaign spec applies the selection once: the state machine sees only the selected devices', (t) => {
  const devices = inventory.map((d, i) => ({ ...d, rootKey: `${i}`.repeat(32) }));
  const spec = parseCampaignSpec({ id: 'c', firmware: { version: 0x020000 }, devices, select: { tags: { batch: '7' } }, multicast: { mcKey: '00'.repeat(16) } });
  t.deepEqual(euis(spec.devices), ['1', '3']);
  // Parsing the stored spec again (a restart) gives the same devices.
  t.deepEqual(euis(parseCampaignSpec(JSON.parse(JSON.stringify(spec))).devices), ['1', '3']);
});
