import test from 'ava';
import { CallerError } from '../../src/core/errors.js';
import type { LorawanVersion } from '../../src/lorawan/keys.js';
import { withRootKeys, type RootKeySource } from '../../src/intake/root-key-source.js';

// Filling in the rootKey a campaign file leaves out: only where missing, every device read,
// never more than the concurrency bound at once, the first failing device (file order) wins.

const euiOf = (i: number) => `70b3d57ed0${i.toString(16).padStart(6, '0')}`;
const keyOf = (devEui: string, version: LorawanVersion) => `${version === '1.0' ? 'a0' : 'b1'}${devEui}${'0'.repeat(14)}`;

/** Answers after `delayMs`, counting the calls in flight. */
function fakeSource(delayMs = 2, fail: ReadonlySet<string> = new Set()) {
  const calls: Array<{ devEui: string; lorawanVersion: LorawanVersion }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const source: RootKeySource = {
    async rootKey(devEui, lorawanVersion) {
      calls.push({ devEui, lorawanVersion });
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      inFlight--;
      if (fail.has(devEui)) throw new CallerError('ROOT_KEY_MISSING', `device ${devEui}: ChirpStack has no GenAppKey`);
      return keyOf(devEui, lorawanVersion);
    },
  };
  return { source, calls, maxInFlight: () => maxInFlight };
}

test('fills only the devices without rootKey, with the key for their LoRaWAN version (default 1.0)', async (t) => {
  const given = 'ff'.repeat(16);
  const spec = {
    id: 'c1',
    devices: [{ devEui: euiOf(1), rootKey: given }, { devEui: euiOf(2).toUpperCase() }, { devEui: euiOf(3), lorawanVersion: '1.1', tags: { site: 'x' } }],
  };
  const fake = fakeSource();
  const { spec: filled, read } = await withRootKeys(spec, fake.source);
  t.is(read, 2);
  t.deepEqual(filled['devices'], [
    { devEui: euiOf(1), rootKey: given },
    { devEui: euiOf(2).toUpperCase(), rootKey: keyOf(euiOf(2), '1.0') },
    { devEui: euiOf(3), lorawanVersion: '1.1', tags: { site: 'x' }, rootKey: keyOf(euiOf(3), '1.1') },
  ]);
  t.deepEqual(fake.calls, [{ devEui: euiOf(2), lorawanVersion: '1.0' }, { devEui: euiOf(3), lorawanVersion: '1.1' }]);
  t.false('rootKey' in spec.devices[1]!, 'the input spec is not changed');
});

test('malformed entries are left for the spec validation to name', async (t) => {
  const devices = [{ devEui: 'xyz' }, { devEui: euiOf(1), lorawanVersion: '1.2' }, 'not an object', null];
  const fake = fakeSource();
  const { spec, read } = await withRootKeys({ devices }, fake.source);
  t.is(read, 0);
  t.deepEqual(spec['devices'], devices);
  t.is(fake.calls.length, 0);
});

test('a large fleet is read 8 at a time, every device once', async (t) => {
  const devices = Array.from({ length: 50 }, (_, i) => ({ devEui: euiOf(i) }));
  const fake = fakeSource(3);
  const { spec, read } = await withRootKeys({ devices }, fake.source);
  t.is(read, 50);
  t.is(fake.maxInFlight(), 8);
  t.deepEqual(new Set(fake.calls.map((c) => c.devEui)), new Set(devices.map((d) => d.devEui)));
  t.true((spec['devices'] as Array<{ rootKey?: string }>).every((d, i) => d.rootKey === keyOf(euiOf(i), '1.0')));
});

test('a failure rejects the whole spec with the first failing device in file order, and stops reading', async (t) => {
  const devices = Array.from({ length: 40 }, (_, i) => ({ devEui: euiOf(i) }));
  const fake = fakeSource(2, new Set([euiOf(5), euiOf(3)]));
  const error = await t.throwsAsync(withRootKeys({ devices }, fake.source, 4));
  t.is(error?.message, `device ${euiOf(3)}: ChirpStack has no GenAppKey`);
  t.true(fake.calls.length < 40, `read ${fake.calls.length} of 40 after the failure`);
});
