import test from 'ava';
import { CampaignEngine } from '../../src/campaign/engine.js';
import type { NetworkServer } from '../../src/campaign/ports.js';
import { DEFAULT_MAX_UPLINK_SKEW_MS, UPLINK_FUTURE_TOLERANCE_MS, uplinkTime } from '../../src/campaign/uplink-time.js';
import { parseRfc3339Ms } from '../../src/core/rfc3339.js';
import { MemoryCampaignStore } from '../../src/store/memory-campaign-store.js';

// The engine's clock is ours; a network server's uplink time is only a hint (issue #12).

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const SKEW = DEFAULT_MAX_UPLINK_SKEW_MS;
const FORGED = parseRfc3339Ms('9999-12-31T23:59:59Z')!;

const rows: Array<{ name: string; eventMs: number; atMs: number; rejected?: string }> = [
  { name: 'a plausible time, a second ago', eventMs: NOW - 1_000, atMs: NOW - 1_000 },
  { name: 'exactly the allowed skew ago', eventMs: NOW - SKEW, atMs: NOW - SKEW },
  { name: 'just past the allowed skew', eventMs: NOW - SKEW - 1, atMs: NOW, rejected: 'stale' },
  { name: '1970', eventMs: 0, atMs: NOW, rejected: 'stale' },
  { name: 'now', eventMs: NOW, atMs: NOW },
  { name: 'slightly ahead (clock difference): ours, not counted', eventMs: NOW + UPLINK_FUTURE_TOLERANCE_MS, atMs: NOW },
  { name: 'ahead beyond the tolerance', eventMs: NOW + UPLINK_FUTURE_TOLERANCE_MS + 1, atMs: NOW, rejected: 'future' },
  { name: 'a forged 9999-12-31', eventMs: FORGED, atMs: NOW, rejected: 'future' },
  { name: 'NaN', eventMs: Number.NaN, atMs: NOW, rejected: 'invalid' },
  { name: 'Infinity', eventMs: Number.POSITIVE_INFINITY, atMs: NOW, rejected: 'invalid' },
];

for (const row of rows) {
  test(`uplinkTime: ${row.name}`, (t) => {
    t.deepEqual(uplinkTime(row.eventMs, NOW, SKEW), row.rejected ? { atMs: row.atMs, rejected: row.rejected } : { atMs: row.atMs });
  });
}

test('a forged 9999-12-31 uplink is timed by the engine clock and counted; a plausible one keeps its time', async (t) => {
  const store = new MemoryCampaignStore();
  const network: NetworkServer = { sendUnicast: async () => {}, createMulticastGroup: async () => {}, sendMulticast: async () => {}, deleteMulticastGroup: async () => {} };
  const engine = new CampaignEngine({ store, network, clock: { now: () => NOW, at: () => () => {} } });
  t.teardown(() => engine.close());
  const devEui = '70b3d57ed0000001';
  await engine.create({ id: 'c', firmware: { version: '1.1.0' }, devices: [{ devEui, rootKey: '01'.repeat(16) }], multicast: { mcKey: 'ab'.repeat(16) } }, new Uint8Array(100).fill(1));
  await engine.handleUplink({ devEui, fPort: 10, payload: Uint8Array.of(1), atMs: FORGED });
  t.is(engine.view('c')!.devices.get(devEui)!.timestamps.lastUplinkAtMs, NOW);
  t.deepEqual(engine.uplinkTimes.replaced, { future: 1, stale: 0, invalid: 0 });
  await engine.handleUplink({ devEui, fPort: 10, payload: Uint8Array.of(1), atMs: NOW - 500 });
  t.is(engine.view('c')!.devices.get(devEui)!.timestamps.lastUplinkAtMs, NOW - 500);
  t.is(engine.uplinkTimes.taken, 1);
  t.true(engine.view('c')!.campaign.nextWakeMs! < FORGED, 'no deadline moved to year 9999');
});
