import { once } from 'node:events';
import { SqliteCampaignStore } from '../../src/store/sqlite-campaign-store.js';
import { campaignState, createRecord, deviceState, logLine, unicast } from './fixtures.js';

// Run by the crash test: commits transitions to the store at argv[2] as fast as it can and
// prints each step number right after its commit returned, until it is killed (SIGKILL).
// Step k sets the campaign step, every device's uplink counter to k, one log line, one command,
// so the parent can check that what it reloads is one whole transition.

const DEVICE_COUNT = 3;
const MAX_STEPS = 1_000_000; // a bound in case the parent never kills us

const file = process.argv[2]!;
const store = SqliteCampaignStore.open(file);
await store.create(createRecord('crash', DEVICE_COUNT));
for (let step = 1; step <= MAX_STEPS; step += 1) {
  await store.commit('crash', {
    campaign: campaignState('crash', step),
    devices: Array.from({ length: DEVICE_COUNT }, (_, i) => ({ ...deviceState(i, step), counters: { uplinks: step, downlinks: 0, ignored: 0 } })),
    log: [logLine(step % DEVICE_COUNT, step)],
    commands: [unicast('crash', 0, step)],
  });
  // Reported only after the commit returned; wait when the pipe is full (the parent may be busy).
  if (!process.stdout.write(`${step}\n`)) await once(process.stdout, 'drain');
}
