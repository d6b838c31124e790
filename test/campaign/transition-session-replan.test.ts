import test from 'ava';
import { unixMsToGpsSeconds } from '../../src/core/gps-time.js';
import { A, B, MINUTE, SECOND, Script, TIMING, V2, sessionAns } from './script.js';

// A wave whose session start passed before its devices confirmed, because the engine was not
// there to ask (down, or woken late: issue #14), plans the session again (wave-stages.ts
// sessionStartMissed); answers to the requests for the old SessionTime do not count for the new.

function lateAtStart(): { s: Script; oldStartMs: number; oldEndMs: number } {
  const s = new Script({ devices: 2, packageVersions: V2 });
  s.toSession(V2);
  s.answerPending(A);
  const oldStartMs = s.campaign.wave!.sessionStartMs!;
  const oldEndMs = s.campaign.wave!.sessionEndMs!;
  // The engine wakes 3 min after the start (the answer timeout is 2 min): B never answered.
  s.tick(oldStartMs + 3 * MINUTE);
  return { s, oldStartMs, oldEndMs };
}

test('a session start passed unconfirmed while the engine was away: a new start with the usual lead, asked again of the unconfirmed device', (t) => {
  const { s, oldStartMs, oldEndMs } = lateAtStart();
  const wave = s.campaign.wave!;
  t.is(wave.stage, 'session', 'no fragments for a session B never opened');
  t.is(wave.sessionReplans, 1);
  t.true(wave.sessionStartMs! >= s.nowMs + TIMING.sessionLeadMs);
  t.true(wave.sessionStartMs! > oldStartMs);
  const req = s.lastTo(B)!;
  t.is(req.command, 'McClassCSessionReq');
  t.is(req.sessionTime, unixMsToGpsSeconds(wave.sessionStartMs!));
  t.is(s.device(B).phase, 'session');
  t.true(s.notes(B).some((n) => n.includes('passed before its McClassC/BSessionAns came')), s.notes(B).join(' | '));
  // A confirmed the old start: it keeps that session when the new one fits in it, else it is asked again.
  const aRequests = s.unicastsTo(A).filter((u) => u.command === 'McClassCSessionReq');
  if (s.device(A).done.mcSession) {
    t.is(aRequests.length, 1);
    t.true(wave.sessionEndMs! <= oldEndMs);
  } else {
    t.is(aRequests.at(-1)!.sessionTime, unixMsToGpsSeconds(wave.sessionStartMs!));
  }
});

test('after a re-plan: an answer for the old SessionTime is stale, StartMissed is asked again, the new answer confirms and the fragments follow', (t) => {
  const { s } = lateAtStart();
  const newStartMs = s.campaign.wave!.sessionStartMs!;
  s.advanceBy(5 * SECOND);
  // Sent a minute before the old start, delivered late and timed by our clock (older than the
  // uplink skew): its TimeToStart points a minute ahead, not at the new start.
  s.answer(B, sessionAns('C', 2, { timeToStart: 60 }));
  t.is(s.device(B).pending?.step, 'mc-session');
  t.false(s.device(B).done.mcSession);
  t.is(s.campaign.ignoredUplinks.stale, 1);
  // The replayed old request reaches the device after its start: StartMissed (TS005 v2 §4.5).
  const before = s.unicastsTo(B).length;
  s.answer(B, sessionAns('C', 2, { startMissed: true }));
  t.is(s.device(B).outcome, undefined, 'not failed: the new session is still ahead');
  const again = s.unicastsTo(B).slice(before);
  t.is(again.length, 1);
  t.is(again[0]!.sessionTime, unixMsToGpsSeconds(newStartMs));
  s.advanceBy(5 * SECOND);
  s.answer(B, sessionAns('C', 2, { timeToStart: Math.round((newStartMs - s.nowMs) / 1000) }));
  t.true(s.device(B).done.mcSession);
  s.advanceTo(newStartMs);
  t.is(s.campaign.wave!.stage, 'fragments');
  t.is(s.device(B).phase, 'receiving');
  t.true(s.fragments().every((f) => f.atMs >= newStartMs));
});

test('an engine that keeps waking late re-plans at most three times, then keeps the unconfirmed device in the group', (t) => {
  const { s } = lateAtStart();
  for (let i = 0; i < 3; i++) s.tick(s.campaign.wave!.sessionStartMs! + 3 * MINUTE);
  t.is(s.campaign.wave!.sessionReplans, 3);
  t.is(s.campaign.wave!.stage, 'fragments');
  t.is(s.device(B).phase, 'receiving');
});
