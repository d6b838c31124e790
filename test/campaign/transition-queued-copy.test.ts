// Asks that the network server adapter answered with our copy still in the device's queue
// (src/lns/queued-unicasts.ts: TTS and ChirpStack only append, so a request asked again is not
// queued twice). Issue #17, `demo --network tts --devices 1000 --seed 7`: two LoRaMac-node
// devices heard every 10 minutes ended absent "after 12 McGroupSetupReq attempts" while their one
// copy waited 3.6 h in TTS's queue (every RX window refused by the busy gateway: duty cycle, a
// downlink already scheduled there); 11 of the 12 asks put nothing new on air.

import test from 'ava';
import { HEARD_ATTEMPTS_FACTOR } from '../../src/campaign/device-progress.js';
import { A, B, MINUTE, Script, T0, TIMING, type SentUnicast } from './script.js';

/** Reports each ask in `asks` as answered by the network server's queued copy, as the adapters do. */
function leftToQueuedCopy(s: Script, devEui: string, asks: readonly SentUnicast[]): void {
  for (const ask of asks) s.apply({ type: 'unicast-queued-copy', atMs: s.nowMs, devEui, commandId: ask.id });
}

function asksOf(s: Script, devEui: string, name: string): SentUnicast[] {
  return s.unicastsTo(devEui).filter((u) => u.command === name);
}

test('a device heard all along whose asks went to the copy the network server still held is not given up: those asks are no attempts', (t) => {
  const s = new Script({ devices: 2, timing: { setupDeadlineMs: 6 * 60 * MINUTE } });
  s.start();
  s.answerPending(A); // TS004 version: the TS005 PackageVersionReq goes next
  const asks = () => asksOf(s, A, 'PackageVersionReq');
  const before = asks().length;
  const limit = HEARD_ATTEMPTS_FACTOR * TIMING.maxAttempts;
  // The device keeps sending its application's uplinks; the gateway refuses every RX window, so
  // the copy of the first TS005 ask stays queued and each ask after it is left to that copy.
  for (let i = 0; asks().length < before + 2 * limit && i < 500; i++) {
    const seen = asks().length;
    s.advanceBy(TIMING.answerTimeoutMs / 2);
    s.raw(A, 10, '0102');
    leftToQueuedCopy(s, A, asks().slice(seen));
  }
  t.true(asks().length >= before + 2 * limit, `${asks().length - before} asks`);
  t.is(s.device(A).outcome, undefined, `asked ${asks().length - before} times, never given up`);
  t.is(s.device(A).pending?.attempts, 1, 'only the ask that was queued counts');
  t.true(s.notes(A).some((n) => n.startsWith('PackageVersionReq (TS005) asked again while the network server still held the earlier copy')));
  // The copy finally goes out in an RX window the gateway can serve, and the device answers.
  s.answerPending(A);
  t.is(s.device(A).packageVersions.ts005, 1);
  t.is(s.device(A).pending?.step, 'version-ts003');
  t.is(s.device(A).pending?.attempts, 1);
});

// Without the reports (nothing told the engine), the same device is given up as before: the
// count is the adapters' word, not a guess.
test('without reports from the network server adapter, the heard device is given up after HEARD_ATTEMPTS_FACTOR · maxAttempts asks, as before', (t) => {
  const s = new Script({ devices: 2, timing: { setupDeadlineMs: 6 * 60 * MINUTE } });
  s.start();
  s.answerPending(A);
  for (let i = 0; !s.device(A).outcome && i < 500; i++) {
    s.advanceBy(TIMING.answerTimeoutMs / 2);
    s.raw(A, 10, '0102');
  }
  t.is(s.device(A).error, `lost contact: no answer to PackageVersionReq (TS005) after ${HEARD_ATTEMPTS_FACTOR * TIMING.maxAttempts} attempts (last answer PackageVersionAns)`);
});

test('a silent device whose asks went to the queued copy (no uplink, no RX window) still counts them: absent after maxAttempts', (t) => {
  const s = new Script({ devices: 2 });
  s.start();
  for (let i = 0; i < 10 * TIMING.maxAttempts && !s.device(B).outcome; i++) {
    const seen = s.unicastsTo(B).length;
    s.advanceBy(TIMING.answerTimeoutMs / 2);
    leftToQueuedCopy(s, B, s.unicastsTo(B).slice(seen));
  }
  t.is(s.device(B).outcome, 'absent');
  t.is(s.device(B).error, `no answer to PackageVersionReq (TS004) after ${TIMING.maxAttempts} attempts`);
  t.true(s.nowMs <= T0 + (TIMING.maxAttempts + 1) * TIMING.answerTimeoutMs, 'no later than before');
});

test('a report counts once, and only for the latest ask of the pending request', (t) => {
  const s = new Script({ devices: 2, timing: { answerTimeoutMs: 60 * MINUTE } });
  s.start();
  s.answerPending(A);
  const asks = () => asksOf(s, A, 'PackageVersionReq');
  const first = asks().at(-1)!;
  s.advanceBy(5 * MINUTE);
  s.raw(A, 10, '0102');
  s.advanceBy(5 * MINUTE);
  s.raw(A, 10, '0102'); // the second uplink without the answer: asked again
  const second = asks().at(-1)!;
  t.not(second.id, first.id);
  t.is(s.device(A).pending?.attempts, 2);
  leftToQueuedCopy(s, A, [first]); // the first ask was queued, not left to a copy
  t.is(s.device(A).pending?.attempts, 2);
  leftToQueuedCopy(s, A, [second, second]);
  t.is(s.device(A).pending?.attempts, 1);
  t.is(s.notes(A).filter((n) => n.includes('still held the earlier copy')).length, 1);
  // Answered since: a late report changes nothing.
  s.answerPending(A);
  const pending = s.device(A).pending;
  leftToQueuedCopy(s, A, [second]);
  t.deepEqual(s.device(A).pending, pending);
});

test('the setup deadline still ends the wait of a device whose copy never goes out (and its follow-up wave deadline ends the campaign)', (t) => {
  const s = new Script({ devices: 2, timing: { setupDeadlineMs: 60 * MINUTE } });
  s.start();
  s.answerPending(A);
  const followUp = () => s.notes(A).some((n) => n.includes('serving it again in a follow-up wave'));
  for (let i = 0; !s.device(A).outcome && i < 1000; i++) {
    const seen = s.unicastsTo(A).length;
    s.advanceBy(TIMING.answerTimeoutMs / 2);
    s.raw(A, 10, '0102');
    leftToQueuedCopy(s, A, s.unicastsTo(A).slice(seen));
    if (s.nowMs < T0 + 60 * MINUTE) t.false(followUp(), `at ${(s.nowMs - T0) / MINUTE} min`);
  }
  // It answered before and is still heard: served again in a follow-up wave (wave-stages.ts
  // setupNotFinished), whose deadline fails it, saying it was still heard.
  t.true(followUp(), s.notes(A).join('\n'));
  t.is(s.device(A).outcome, 'failed');
  t.regex(s.device(A).error!, /^setup not finished by the deadline \(waiting for version-ts005\), though still heard: .* in its follow-up wave too/);
  t.true(s.nowMs <= T0 + 3 * 60 * MINUTE, `ended ${(s.nowMs - T0) / MINUTE} min after the start`);
});
