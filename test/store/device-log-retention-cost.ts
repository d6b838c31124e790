import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import Sqlite from 'better-sqlite3';
import type { DeviceLogEntry, TransitionResult } from '../../src/campaign/draft.js';
import { SqliteCampaignStore } from '../../src/store/sqlite-campaign-store.js';
import { campaignState, createRecord, deviceState, devEuiOf, unicast } from './fixtures.js';
import { tempDir } from './temp-dir.js';

// What device-log retention costs a commit and saves on disk, by hand (not part of `ava`):
//   node --import tsx test/store/device-log-retention-cost.ts [devices] [uplinks] [keepEntries]
// Each uplink is one commit as the engine makes it: the campaign state, the device, two log
// lines (the answer up, the next request down) and one command. Uplinks go round the fleet, so
// with 1 000 devices and 200 000 uplinks each device logs 400 entries: past the default
// retention (200, compacted at 250), the steady state a long campaign reaches. A keepEntries
// beyond what a device logs measures the same run without compaction (each device is probed
// once, then the CompactionGate knows it is far from due).

const deviceCount = Number(process.argv[2] ?? 1_000);
const uplinks = Number(process.argv[3] ?? 200_000);
const keepEntries = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const T0 = 1_763_703_800_000;

function uplink(step: number): TransitionResult {
  const i = step % deviceCount;
  const atMs = T0 + step * 1_000;
  const log: DeviceLogEntry[] = [
    { devEui: devEuiOf(i), atMs, direction: 'up', fPort: 201, payloadHex: '05000000', text: step < deviceCount ? 'McGroupSetupAns' : 'FragSessionStatusAns' },
    { devEui: devEuiOf(i), atMs, direction: 'down', fPort: 201, payloadHex: '0400', text: 'FragSessionStatusReq' },
  ];
  return { campaign: campaignState('cost', step), devices: [deviceState(i, step)], log, commands: [unicast('cost', i, step)] };
}

const tmp = tempDir();
try {
  const path = tmp.file('cost.db');
  const store = SqliteCampaignStore.open(path, keepEntries === undefined ? {} : { deviceLogRetention: { keepEntries, maxAgeMs: 30 * 86_400_000 } });
  await store.create(createRecord('cost', deviceCount));
  const quarter = Math.floor(uplinks / 4);
  const perQuarterUs: string[] = [];
  const cpuPerQuarterUs: string[] = [];
  let t0 = performance.now();
  let cpu0 = process.cpuUsage();
  for (let step = 1; step <= uplinks; step += 1) {
    await store.markDone('cost', await store.commit('cost', uplink(step)));
    if (step % quarter === 0) {
      const now = performance.now();
      perQuarterUs.push(((1_000 * (now - t0)) / quarter).toFixed(1));
      const cpu = process.cpuUsage(cpu0);
      cpuPerQuarterUs.push(((cpu.user + cpu.system) / quarter).toFixed(1));
      t0 = now;
      cpu0 = process.cpuUsage();
    }
  }
  const newest = await store.deviceLog('cost', devEuiOf(0));
  await store.close();
  const db = new Sqlite(path, { readonly: true });
  const rows = db.prepare(`SELECT count(*) FROM device_log`).pluck().get() as number;
  db.close();
  const bytes = fs.statSync(path).size + (fs.existsSync(`${path}-wal`) ? fs.statSync(`${path}-wal`).size : 0);
  console.log(`${deviceCount} devices, ${uplinks} uplinks (commit + markDone each), keepEntries ${keepEntries ?? 'default'}`);
  console.log(`  µs per uplink, by quarter of the run: wall ${perQuarterUs.join(', ')}; CPU ${cpuPerQuarterUs.join(', ')}`);
  console.log(`  device_log rows at the end: ${rows}; file + WAL: ${(bytes / 1e6).toFixed(1)} MB`);
  console.log(`  device 0's log: ${newest.length} entries${newest[0]?.summary ? `, first: ${newest[0].text.slice(0, 120)}…` : ''}`);
} finally {
  await tmp.remove();
}
