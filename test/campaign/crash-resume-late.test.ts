import test from 'ava';
import { runCrashWorld } from '../helpers/crash-world.js';

// An engine down across a wave's session start (issue #14, fault run kill-w1-session): killed
// right after the wave entered its session stage and restarted only after the SessionTime it had
// sent passed. The devices never opened that session (the requests went unanswered or answered
// "start missed"), so the restarted engine must plan a new one instead of sending the fragments
// to nobody; and the uplinks that waited meanwhile must not replay every retry it missed.

const scenario = { devices: 6, seed: 33, loss: 0, absentShare: 0, v2Share: 0.5 };

test('an engine down across the session start plans a new session and every device confirms', async (t) => {
  t.timeout(180_000);
  // Down two hours, past the default 90 min session lead: the uplinks that waited are older than
  // the engine's uplink skew, so they are timed at the restart.
  const run = await runCrashWorld({ scenario, killAtStages: ['session'], restartDelayMs: 2 * 3_600_000 });
  t.deepEqual(run.kills, ['0:session', '1:session']);
  t.is(run.phase, 'completed');
  t.deepEqual(Object.values(run.outcomes), Array(6).fill('confirmed'), JSON.stringify(run.outcomes));
});

test('an engine down a few minutes across a short session lead re-plans the session and sends no burst of past retries', async (t) => {
  t.timeout(180_000);
  // The fault run's shape: killed right after committing the session stage, its
  // McClassCSessionReqs still in the outbox; devices heard every 10 s, a 1 min lead, down 4 min
  // (within the 5 min uplink skew, so the uplinks that waited keep their own times).
  const spec = { rollout: { canaryFraction: 0.5 }, timing: { sessionLeadMs: 60_000, answerTimeoutMs: 30_000, maxAttempts: 20 } };
  const run = await runCrashWorld({ scenario: { ...scenario, uplinkIntervalMs: 10_000 }, spec, crashAtStageCommit: 'session', restartDelayMs: 4 * 60_000 });
  // McClassCSessionReq (TS005 port 200, CID 0x04) per device: the first request and its retries,
  // the re-planned session's; not one per uplink that waited while the engine was down.
  const perDevice = new Map<string, number>();
  for (const key of run.carried) {
    const [kind, , devEui, fPort, payloadHex] = key.split(' ');
    if (kind === 'unicast' && fPort === '200' && payloadHex!.startsWith('04')) perDevice.set(devEui!, (perDevice.get(devEui!) ?? 0) + 1);
  }
  t.log([...perDevice].map(([d, n]) => `${d.slice(-2)}:${n}`).join(' '));
  t.is(run.restarts, 1);
  t.is(run.phase, 'completed');
  t.deepEqual(Object.values(run.outcomes), Array(6).fill('confirmed'), JSON.stringify(run.outcomes));
  for (const [devEui, count] of perDevice) t.true(count <= 3, `${devEui}: ${count} McClassCSessionReq`);
});
