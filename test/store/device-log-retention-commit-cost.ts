import fs from 'node:fs';
import type { TransitionResult } from '../../src/campaign/draft.js';
import { SqliteCampaignStore } from '../../src/store/sqlite-campaign-store.js';
import { campaignState, createRecord, deviceState, devEuiOf, unicast } from './fixtures.js';
import { tempDir } from './temp-dir.js';

// What device-log retention adds to a commit on the SQLite store, by hand (not part of `ava`):
//   node --import tsx test/store/device-log-retention-commit-cost.ts [devices] [uplinksPerStore]
// Two stores in one process, one with retention out of reach (keepEntries 10^9: each device is
// probed once, then never) and one with the default, fed the same uplinks in alternating chunks,
// so that a busy machine slows both alike; CPU time per uplink (commit + markDone) for each.
// With 200 devices and 80 000 uplinks each device logs 800 entries: compacted every 25 uplinks.

const devices = Number(process.argv[2] ?? 200);
const perStore = Number(process.argv[3] ?? 80_000);
const CHUNK = 2_000;
const T0 = 1_763_703_800_000;

function uplink(step: number): TransitionResult {
  const i = step % devices;
  const atMs = T0 + step * 1_000;
  return {
    campaign: campaignState('ab', step),
    devices: [deviceState(i, step)],
    log: [
      { devEui: devEuiOf(i), atMs, direction: 'up', fPort: 201, payloadHex: '05000000', text: 'FragSessionStatusAns' },
      { devEui: devEuiOf(i), atMs, direction: 'down', fPort: 201, payloadHex: '0400', text: 'FragSessionStatusReq' },
    ],
    commands: [unicast('ab', i, step)],
  };
}

const tmp = tempDir();
try {
  const stores = {
    off: SqliteCampaignStore.open(tmp.file('off.db'), { deviceLogRetention: { keepEntries: 1e9, maxAgeMs: 30 * 86_400_000 } }),
    default: SqliteCampaignStore.open(tmp.file('default.db')),
  };
  const cpuUs = { off: 0, default: 0 };
  for (const store of Object.values(stores)) await store.create(createRecord('ab', devices));
  for (let base = 1; base <= perStore; base += CHUNK) {
    const order = (base - 1) % (2 * CHUNK) === 0 ? (['off', 'default'] as const) : (['default', 'off'] as const);
    for (const name of order) {
      const cpu0 = process.cpuUsage();
      for (let step = base; step < base + CHUNK; step += 1) await stores[name].markDone('ab', await stores[name].commit('ab', uplink(step)));
      const cpu = process.cpuUsage(cpu0);
      cpuUs[name] += cpu.user + cpu.system;
    }
  }
  for (const store of Object.values(stores)) await store.close();
  const size = (file: string): string => (fs.statSync(tmp.file(file)).size / 1e6).toFixed(1);
  console.log(`${devices} devices, ${perStore} uplinks per store (${(2 * perStore) / devices} log entries per device), chunks of ${CHUNK} alternated`);
  console.log(`CPU µs per uplink (commit + markDone): retention off ${(cpuUs.off / perStore).toFixed(1)}, default ${(cpuUs.default / perStore).toFixed(1)}`);
  console.log(`file (WAL checkpointed at close): off ${size('off.db')} MB, default ${size('default.db')} MB`);
} finally {
  await tmp.remove();
}
