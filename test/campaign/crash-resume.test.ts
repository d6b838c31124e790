import test from 'ava';
import { runCrashWorld, type CrashRunResult } from '../helpers/crash-world.js';
import type { CommandCrash } from '../helpers/ipc-protocol.js';

// Crash-resume: the engine runs in a child process with its SQLite file and is SIGKILLed the
// first time each wave stage is reached, and once between a commit and carrying out its
// commands. Restarted from the file, it must bring every device to the same outcome as an
// uninterrupted run of the same simulated world.

const scenario = { devices: 12, seed: 21, loss: 0.1, absentShare: 0.1, v2Share: 0.5 };
/** The uninterrupted run both tests compare with (run once). */
let cleanRun: Promise<CrashRunResult> | undefined;
const uninterrupted = () => (cleanRun ??= runCrashWorld({ scenario }));

test('a campaign killed in every phase ends with the same per-device outcomes as an uninterrupted one', async (t) => {
  t.timeout(180_000);
  const clean = await uninterrupted();
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

// The outbox (src/campaign/engine.ts): each transition's commands are committed with its state,
// carried out, and only then marked done. So an engine killed while carrying out a command —
// after the commit and before the network server got the call, or after it got it and before
// the mark — must, once restarted, carry out every command it had committed: none lost; one
// whose call had gone out may go out again (at least once). Each engine process here kills
// itself at its first call of one kind, on both sides of the send, through both waves; and in
// each process the first other unicast fails once (the network server unreachable a moment), so
// that a failed call must stay in the outbox too.
const COMMAND_CRASHES: CommandCrash[] = [
  { kind: 'unicast', when: 'before-send' },
  { kind: 'unicast', when: 'after-send' },
  { kind: 'create-group', when: 'before-send' },
  { kind: 'create-group', when: 'after-send' },
  { kind: 'multicast', when: 'before-send' },
  { kind: 'multicast', when: 'after-send' },
  { kind: 'delete-group', when: 'before-send' },
  { kind: 'delete-group', when: 'after-send' },
  { kind: 'create-group', when: 'before-send' },
  { kind: 'multicast', when: 'before-send' },
  { kind: 'delete-group', when: 'before-send' },
];

test('an engine killed while carrying out a command, before or after the network server got it, carries out every committed command once restarted', async (t) => {
  t.timeout(180_000);
  const run = await runCrashWorld({ scenario, commandCrashes: COMMAND_CRASHES, failOnce: 'unicast' });
  const carried = new Set(run.carried);
  t.deepEqual(run.decided.filter((key) => !carried.has(key)), [], 'committed commands that never reached the network server');
  t.is(run.restarts, COMMAND_CRASHES.length, 'every planned kill happened (each process reached a call of its kind)');
  t.is(run.phase, 'completed');
  t.true(run.decided.length > 100, `only ${run.decided.length} commands decided`);
  const decided = new Set(run.decided);
  t.deepEqual(run.carried.filter((key) => !decided.has(key)), [], 'calls for commands that were never committed');
  t.is(decided.size, run.decided.length, 'each command is committed once');
  t.true(run.failedCalls.length >= 2, `only ${run.failedCalls.length} failed calls`);
  for (const { key, at } of run.failedCalls) t.not(run.carried.indexOf(key, at), -1, `a failed call that was never retried: ${key}`);
  // A call killed after it went out is still in the outbox (not marked done): the restart sends it again.
  const repeated = run.carried.filter((key, i) => run.carried.indexOf(key) !== i);
  t.true(repeated.length >= COMMAND_CRASHES.filter((c) => c.when === 'after-send').length, `replayed calls: ${repeated.join(' | ')}`);
  t.deepEqual(run.outcomes, (await uninterrupted()).outcomes, 'the same per-device outcomes as an uninterrupted run');
  t.log(`${run.decided.length} commands committed, ${run.carried.length} calls carried out (${repeated.length} replayed), ${run.failedCalls.length} failed and retried, ${run.restarts} restarts`);
});
