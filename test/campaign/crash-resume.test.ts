import test from 'ava';
import { runCrashWorld } from '../helpers/crash-world.js';

// Crash-resume: the engine runs in a child process with its SQLite file and is SIGKILLed the
// first time each wave stage is reached, and once between a commit and carrying out its
// commands. Restarted from the file, it must bring every device to the same outcome as an
// uninterrupted run of the same simulated world.

const scenario = { devices: 12, seed: 21, loss: 0.1, absentShare: 0.1, v2Share: 0.5 };

test('a campaign killed in every phase ends with the same per-device outcomes as an uninterrupted one', async (t) => {
  t.timeout(180_000);
  const clean = await runCrashWorld({ scenario });
  t.is(clean.phase, 'completed');
  t.is(clean.restarts, 0);
  const crashed = await runCrashWorld({ scenario, killAtStages: ['setup', 'session', 'fragments', 'status', 'upgrade', 'done'], crashAfterCommit: 25 });
  t.is(crashed.phase, 'completed');
  // Every stage of both waves was reached and killed, plus the commit crash.
  for (const stage of ['setup', 'session', 'fragments', 'status', 'upgrade']) t.true(crashed.kills.includes(`0:${stage}`) && crashed.kills.includes(`1:${stage}`), `${stage}: ${crashed.kills.join(' ')}`);
  t.true(crashed.restarts >= 11, `restarts ${crashed.restarts}`);
  t.deepEqual(crashed.outcomes, clean.outcomes);
  t.is(Object.values(clean.outcomes).filter((o) => o === 'confirmed').length, 12 - 1, JSON.stringify(clean.outcomes));
});
