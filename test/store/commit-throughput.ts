import { performance } from 'node:perf_hooks';
import type { TransitionResult } from '../../src/campaign/draft.js';
import type { CampaignStore } from '../../src/campaign/ports.js';
import type { DeviceState } from '../../src/campaign/state.js';
import { MemoryCampaignStore } from '../../src/store/memory-campaign-store.js';
import { SqliteCampaignStore } from '../../src/store/sqlite-campaign-store.js';
import { campaignState, createRecord, deviceState, logLine, unicast } from './fixtures.js';
import { tempDir } from './temp-dir.js';

// Commit throughput of the campaign stores, by hand (not part of `ava`):
//   node --import tsx test/store/commit-throughput.ts [typicalCommits] [bulkCommits]
// typical: one answer = campaign state (~1 KB) + one device (~1 KB) + one log line + one command,
//          then markDone of that command, as the engine does after carrying it out;
// bulk:    10 000 changed devices in one commit (a wave start or a status round).

const FLEET_DEVICES = 100_000;
const BULK_DEVICES = 10_000;
const DEVICE_JSON_BYTES = 1_024;

const typicalCommits = Number(process.argv[2] ?? 50_000);
const bulkCommits = Number(process.argv[3] ?? 10);

/** A device padded (with an `error` text) to ~1 KB of JSON, the size the brief assumes. */
function kilobyteDevice(i: number, step: number): DeviceState {
  const device = deviceState(i, step);
  const padding = DEVICE_JSON_BYTES - JSON.stringify({ ...device, error: '' }).length;
  return { ...device, error: 'x'.repeat(Math.max(0, padding)) };
}

function typical(step: number): TransitionResult {
  const i = (step * 7_919) % FLEET_DEVICES; // spread over the fleet, as answers are
  return { campaign: campaignState('bench', step), devices: [kilobyteDevice(i, step)], log: [logLine(i, step)], commands: [unicast('bench', i, step)] };
}

/** Wall time and CPU time (user + system) of `work`, in ms. */
async function timed(work: () => Promise<void>): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1_000 };
}

function rate(label: string, count: number, time: { wallMs: number; cpuMs: number }, unit: string): string {
  const perS = (ms: number): string => Math.round((count * 1_000) / ms).toLocaleString('en');
  return `  ${label.padEnd(34)} ${perS(time.wallMs)} ${unit}/s wall (${((time.wallMs * 1_000) / count).toFixed(1)} µs each), ${perS(time.cpuMs)} ${unit}/s of CPU`;
}

// Inputs are built before timing: only the store's work is measured.
const typicalInputs = Array.from({ length: 10_000 }, (_, k) => typical(k + 1));
const bulkInputs = Array.from({ length: bulkCommits }, (_, round) =>
  Array.from({ length: BULK_DEVICES }, (_, k) => kilobyteDevice((round * BULK_DEVICES + k) % FLEET_DEVICES, round + 1)),
);
const fleet = Array.from({ length: FLEET_DEVICES }, (_, i) => kilobyteDevice(i, 0));

async function measure(name: string, store: CampaignStore): Promise<void> {
  const record = { ...createRecord('bench', 0), devices: fleet };
  const create = await timed(() => store.create(record));
  const commit = await timed(async () => {
    for (let k = 0; k < typicalCommits; k += 1) await store.commit('bench', typicalInputs[k % typicalInputs.length]!);
  });
  const commitDone = await timed(async () => {
    for (let k = 0; k < typicalCommits; k += 1) await store.markDone('bench', await store.commit('bench', typicalInputs[k % typicalInputs.length]!));
  });
  const bulk = await timed(async () => {
    for (const devices of bulkInputs) await store.commit('bench', { campaign: campaignState('bench', 1), devices, log: [], commands: [] });
  });
  let loaded: Awaited<ReturnType<CampaignStore['load']>>;
  const load = await timed(async () => {
    loaded = await store.load('bench');
  });
  console.log(name);
  console.log(`  create (${FLEET_DEVICES} devices)                 ${create.wallMs.toFixed(0)} ms`);
  console.log(rate('typical commit', typicalCommits, commit, 'commits'));
  console.log(rate('typical commit + markDone', typicalCommits, commitDone, 'transitions'));
  console.log(rate(`bulk commit (${BULK_DEVICES} devices)`, bulkCommits, bulk, 'commits'));
  console.log(`  bulk: ${(bulk.wallMs / bulkCommits).toFixed(0)} ms per commit, ${Math.round((bulkCommits * BULK_DEVICES * 1_000) / bulk.wallMs).toLocaleString('en')} devices/s`);
  console.log(`  load (${loaded!.devices.length} devices, ${loaded!.outbox.length} outbox)     ${load.wallMs.toFixed(0)} ms`);
  await store.close();
}

console.log(`campaign state ${JSON.stringify(campaignState('bench', 1)).length} B JSON, device ${JSON.stringify(kilobyteDevice(1, 1)).length} B JSON`);
const tmp = tempDir();
try {
  await measure(`sqlite file (${tmp.dir})`, SqliteCampaignStore.open(tmp.file('bench.db')));
  await measure('sqlite :memory:', SqliteCampaignStore.open(':memory:'));
  await measure('memory store', new MemoryCampaignStore());
} finally {
  await tmp.remove();
}
