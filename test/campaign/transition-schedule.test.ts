// Scheduling (spec schedule, rollout.successThreshold) through transition() in simulated time:
// nothing before startAt, multicast only inside the send windows (setup any time), runs that
// continue night after night, and the success threshold's halt.

import test from 'ava';
import fc from 'fast-check';
import { openWindow } from '../../src/campaign/schedule-windows.js';
import type { CampaignSpecInput } from '../../src/campaign/spec.js';
import { gpsSecondsToUnixMs } from '../../src/core/gps-time.js';
import { hexToBytes } from '../../src/core/hex.js';
import { downlinkAirtimeUs } from '../../src/radio/send-planner.js';
import { A, B, MINUTE, Script, T0, TIMING, specInput, type SpecOptions } from './script.js';

const HOUR = 60 * MINUTE;
const PARIS_NIGHT = [{ start: '01:00', end: '05:00' }];

function scheduled(options: SpecOptions, extra: Partial<CampaignSpecInput>, block?: Uint8Array): Script {
  const base = specInput(options);
  return new Script({ ...base, ...extra, rollout: { ...base.rollout, ...extra.rollout } } as CampaignSpecInput, block);
}

/**
 * A healthy fleet, except the `silent` devices: every pending request is answered at once, a
 * device in a status round reports its block complete. Runs the engine's wakes until the
 * campaign ends (bounded by `untilMs`).
 */
function runHealthy(s: Script, untilMs: number, silent: ReadonlySet<string> = new Set()): void {
  const reported = new Set<string>();
  for (let guard = 0; s.campaign.phase === 'running'; guard++) {
    if (guard > 50_000) throw new Error('runHealthy: no end');
    for (const d of s.inWave()) {
      if (silent.has(d.devEui) || d.outcome) continue;
      const key = `${d.devEui}/${s.campaign.wave?.statusRound}`;
      if (d.phase === 'receiving' && s.campaign.wave?.stage === 'status' && !reported.has(key)) {
        reported.add(key);
        s.reportComplete(d.devEui);
      } else if (d.pending && !d.pending.waitOnly) s.answerPending(d.devEui);
    }
    const wake = s.campaign.nextWakeMs;
    if (wake === undefined || wake > untilMs) break;
    s.advanceTo(wake);
  }
}

test('startAt in the future: nothing is sent until then, the engine is woken at it, then setup begins', (t) => {
  const startAt = T0 + 3 * HOUR;
  const s = scheduled({}, { schedule: { startAt: new Date(startAt).toISOString().replace('Z', '+00:00') } });
  s.start();
  t.is(s.commands.length, 0);
  t.is(s.campaign.nextWakeMs, startAt);
  t.deepEqual(s.campaign.scheduleWait, { reason: 'start', untilMs: startAt });
  t.is(s.campaign.waveIndex, -1);
  // Uplinks before the start change nothing either.
  s.advanceTo(startAt - 1);
  t.is(s.commands.length, 0);
  s.advanceTo(startAt);
  t.true(s.commands.length > 0);
  t.true(s.unicasts.every((u) => u.sentAtMs >= startAt));
  t.is(s.campaign.waveIndex, 0);
  t.is(s.campaign.scheduleWait, undefined);
});

test('startAt with an offset: +01:00 is an hour before the same clock time in UTC', (t) => {
  const s = scheduled({}, { schedule: { startAt: '2026-01-05T14:00:00+01:00' } });
  s.start();
  t.is(s.campaign.nextWakeMs, Date.UTC(2026, 0, 5, 13));
});

test('startAt already past: the campaign starts at once', (t) => {
  const s = scheduled({}, { schedule: { startAt: '2026-01-05T11:00:00Z' } });
  s.start();
  t.true(s.unicasts.length > 0);
});

/** 4 000 bytes at DR0 with a tenth of the duty cycle: about three nights of 01:00–05:00. */
const BIG_BLOCK = Uint8Array.from({ length: 4000 }, (_, i) => (i * 31 + 7) & 0xff);

function nightly(): Script {
  return scheduled({ fragmentation: { fragmentSizeBytes: 40 } }, {
    schedule: { windows: PARIS_NIGHT, timeZone: 'Europe/Paris' },
    multicast: { ...specInput().multicast, dr: 0 },
    budgetShare: 0.1,
  }, BIG_BLOCK);
}

test('windows 01:00–05:00 Europe/Paris: every multicast frame lies inside a window and inside the session the devices were told of; setup ran outside; the block takes several nights and the campaign completes', (t) => {
  const s = nightly();
  s.start();
  runHealthy(s, T0 + 14 * 24 * HOUR);
  t.is(s.campaign.phase, 'completed');
  t.is(s.device(A).outcome, 'confirmed');
  t.is(s.device(B).outcome, 'confirmed');

  const { ctx } = s;
  const fragmentMs = ctx.worstCasePlan.airtimePerFragmentUs / 1000;
  const frames = [
    ...s.fragments().map((f) => ({ atMs: f.atMs, endMs: f.atMs + fragmentMs })),
    ...s.commandsOf('multicast').map((m) => ({ atMs: m.atMs, endMs: m.atMs + downlinkAirtimeUs(ctx.region, ctx.spec.multicast.dr, hexToBytes(m.payloadHex).length) / 1000 })),
  ];
  t.true(frames.length > ctx.layout.nbFrag);
  const nights = new Set<number>();
  for (const frame of frames) {
    const window = openWindow(frame.atMs, PARIS_NIGHT, 'Europe/Paris');
    t.truthy(window, `frame at ${new Date(frame.atMs).toISOString()} inside a window`);
    if (window) {
      t.true(frame.endMs <= window.endMs, `frame at ${new Date(frame.atMs).toISOString()} ends by the window's end`);
      nights.add(window.startMs);
    }
  }
  t.true(nights.size >= 2, `the run took ${nights.size} nights`);
  t.log(`nights ${nights.size}, frames ${frames.length}, nbFrag ${ctx.layout.nbFrag}, session requests ${s.unicastsTo(A).filter((u) => u.command === "McClassCSessionReq").length}, rounds ${s.campaign.waveResults.length}`);

  // TS005: each McClassCSessionReq starts its session inside a window; the frames after it
  // (until the next request) lie within that session's 2^SessionTimeOut s.
  const sessionReqs = s.unicastsTo(A).filter((u) => u.command === 'McClassCSessionReq');
  t.true(sessionReqs.length >= nights.size);
  for (const req of sessionReqs) {
    const startMs = gpsSecondsToUnixMs(req.sessionTime);
    t.truthy(openWindow(startMs, PARIS_NIGHT, 'Europe/Paris'), `session start ${new Date(startMs).toISOString()} inside a window`);
  }
  for (const frame of frames) {
    const req = sessionReqs.filter((r) => r.sentAtMs <= frame.atMs).at(-1)!;
    const startMs = gpsSecondsToUnixMs(req.sessionTime);
    t.true(frame.atMs >= startMs && frame.endMs <= startMs + 2 ** req.sessionTimeOut * 1000, `frame at ${new Date(frame.atMs).toISOString()} in its session`);
  }

  // Setup (unicast) is not confined: T0 is 13:00 in Paris.
  t.falsy(openWindow(s.unicasts[0]!.sentAtMs, PARIS_NIGHT, 'Europe/Paris'));
  // Fragment numbers go on across nights: each N once per device session, ascending.
  const ns = s.fragments().map((f) => f.n);
  t.deepEqual(ns, [...ns].sort((x, y) => x - y));
  t.is(new Set(ns).size, ns.length);
});

test('while it waits for the next window the state says so', (t) => {
  const s = nightly();
  s.start();
  runHealthy(s, T0 + 6 * HOUR);
  t.is(s.campaign.wave?.stage, 'session');
  t.is(s.campaign.scheduleWait?.reason, 'window');
  t.is(s.campaign.scheduleWait?.untilMs, s.campaign.wave?.sessionStartMs);
  t.truthy(openWindow(s.campaign.scheduleWait!.untilMs, PARIS_NIGHT, 'Europe/Paris'));
});

test('without windows the same block runs in one session, through the day', (t) => {
  const s = scheduled({ fragmentation: { fragmentSizeBytes: 40 } }, { multicast: { ...specInput().multicast, dr: 0 }, budgetShare: 0.1 }, BIG_BLOCK);
  s.start();
  runHealthy(s, T0 + 14 * 24 * HOUR);
  t.is(s.campaign.phase, 'completed');
  t.is(s.unicastsTo(A).filter((u) => u.command === 'McClassCSessionReq').length, 1);
  t.true(s.fragments().some((f) => !openWindow(f.atMs, PARIS_NIGHT, 'Europe/Paris')));
});

test('success threshold: a canary wave below it halts the campaign, naming the threshold and the share', (t) => {
  // A answers, B never does (absent: not a failure, so the failure rule alone goes on).
  const run = (successThreshold?: number) => {
    const s = scheduled({ devices: 4, canaryFraction: 0.5, haltFailureRate: 1 }, successThreshold === undefined ? {} : { rollout: { successThreshold } });
    s.start();
    runHealthy(s, T0 + 2 * 24 * HOUR, new Set([B]));
    return s;
  };
  const halted = run(0.8);
  t.is(halted.campaign.phase, 'halted');
  t.is(halted.campaign.haltReason, 'wave 0: 1 of 2 devices confirmed or delivered (50.0 % < rollout.successThreshold 80.0 %)');
  t.is(halted.campaign.waveIndex, 0);
  t.is(halted.device(A).outcome, 'confirmed');
  t.is(halted.device(B).outcome, 'absent');
  // The control: the same run without the threshold goes on to the second wave.
  const control = run(undefined);
  t.not(control.campaign.phase, 'halted');
  t.is(control.campaign.waveIndex, 1);
  // At the threshold exactly it goes on too (below, not at, halts).
  t.is(run(0.5).campaign.waveIndex, 1);
});

test('a status request that cannot go out before the session (the window) ends goes first in a new session inside a window', (t) => {
  const s = scheduled({}, { schedule: { windows: PARIS_NIGHT, timeZone: 'Europe/Paris' } });
  s.start();
  // To the first night's fragments, all of the round scheduled.
  for (let guard = 0; ; guard++) {
    if (guard > 5000) throw new Error('never scheduled the round');
    const wave = s.campaign.wave;
    if (wave?.stage === 'fragments' && wave.subSessions.every((x) => x.nextN > x.targetN)) break;
    for (const d of s.inWave()) if (d.pending && !d.pending.waitOnly) s.answerPending(d.devEui);
    s.advanceTo(s.campaign.nextWakeMs!);
  }
  const firstNight = openWindow(s.nowMs, PARIS_NIGHT, 'Europe/Paris')!;
  t.truthy(firstNight);
  // The session ends right after the last fragment, as when the window closes then: no room
  // for the request. (The window itself goes on, so the new session may be in the same night.)
  const wave = s.campaign.wave!;
  s.campaign = { ...s.campaign, wave: { ...wave, sessionEndMs: wave.lastMulticastEndMs! + 1 } };
  const mark = s.mark();
  s.advanceTo(wave.lastMulticastEndMs! + 1);
  t.is(s.multicasts(mark).length, 0, 'no FragSessionStatusReq in the closing window');
  t.is(s.campaign.wave?.stage, 'session');
  t.deepEqual(s.namesTo(A, mark), ['McClassCSessionReq']);
  const nextStart = s.campaign.wave!.sessionStartMs!;
  t.true(nextStart >= s.nowMs + TIMING.sessionLeadMs);
  t.truthy(openWindow(nextStart, PARIS_NIGHT, 'Europe/Paris'));
  // The new session: the request goes first, inside the window, and the campaign completes.
  runHealthy(s, s.nowMs + 7 * 24 * HOUR);
  const requests = s.multicasts(mark);
  t.is(requests[0]?.command, 'FragSessionStatusReq');
  t.true(requests[0]!.atMs >= nextStart);
  t.is(s.fragments(mark).length, 0, 'no fragment sent again');
  t.is(s.campaign.phase, 'completed');
});

test('property: any windows and zone - every multicast frame inside a window, and the campaign completes', (t) => {
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  // Windows on a 5-minute grid, 30 min to 20 h long; starts spread over the year (DST changes included).
  const windowArb = fc.tuple(fc.integer({ min: 0, max: 287 }), fc.integer({ min: 6, max: 240 })).map(([s, len]) => ({ start: hhmm(s * 5), end: hhmm(((s + len) % 288) * 5) }));
  fc.assert(
    fc.property(
      fc.array(windowArb, { minLength: 1, maxLength: 2 }),
      fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata'),
      fc.integer({ min: 0, max: 364 }),
      (windows, timeZone, day) => {
        const base = specInput({ fragmentation: { fragmentSizeBytes: 40 } });
        const s = new Script({ ...base, schedule: { windows, timeZone }, multicast: { ...base.multicast, dr: 0 }, budgetShare: 0.1 } as CampaignSpecInput, BIG_BLOCK.subarray(0, 1500), T0 + day * 24 * HOUR);
        s.start();
        runHealthy(s, s.nowMs + 30 * 24 * HOUR);
        const fragmentMs = s.ctx.worstCasePlan.airtimePerFragmentUs / 1000;
        const inside = (atMs: number, endMs: number) => {
          const w = openWindow(atMs, windows, timeZone);
          return w !== undefined && endMs <= w.endMs;
        };
        return (
          s.campaign.phase === 'completed' &&
          s.fragments().every((f) => inside(f.atMs, f.atMs + fragmentMs)) &&
          s.commandsOf('multicast').every((m) => inside(m.atMs, m.atMs + 1))
        );
      },
    ),
    { numRuns: 25 },
  );
  t.pass();
});

/** Multicast frames (fragments and others) that do not lie wholly inside a window. */
function framesOutside(s: Script, windows: typeof PARIS_NIGHT, timeZone: string): string[] {
  const { ctx } = s;
  const fragmentMs = ctx.worstCasePlan.airtimePerFragmentUs / 1000;
  const frames = [
    ...s.fragments().map((f) => ({ atMs: f.atMs, endMs: f.atMs + fragmentMs })),
    ...s.commandsOf('multicast').map((m) => ({ atMs: m.atMs, endMs: m.atMs + downlinkAirtimeUs(ctx.region, ctx.spec.multicast.dr, hexToBytes(m.payloadHex).length) / 1000 })),
  ];
  return frames.filter((f) => !(openWindow(f.atMs, windows, timeZone) && f.endMs <= openWindow(f.atMs, windows, timeZone)!.endMs)).map((f) => new Date(f.atMs).toISOString());
}

test('class B in windows: sessions start on a beacon boundary inside a window; every frame inside a window; completes', (t) => {
  const base = specInput({ deviceClass: 'B', fragmentation: { fragmentSizeBytes: 40 } });
  const s = new Script({ ...base, schedule: { windows: PARIS_NIGHT, timeZone: 'Europe/Paris' } } as CampaignSpecInput, BIG_BLOCK.subarray(0, 1200));
  s.start();
  runHealthy(s, T0 + 14 * 24 * HOUR);
  t.is(s.campaign.phase, 'completed');
  t.true(s.fragments().length > 0);
  t.deepEqual(framesOutside(s, PARIS_NIGHT, 'Europe/Paris'), []);
  for (const req of s.unicastsTo(A).filter((u) => u.command === 'McClassBSessionReq')) {
    t.is(req.sessionTime % 128, 0, 'a beacon period boundary');
    t.truthy(openWindow(gpsSecondsToUnixMs(req.sessionTime), PARIS_NIGHT, 'Europe/Paris'));
  }
});

test('paused in the night, resumed in the afternoon: the rest goes in a new session in the next window', (t) => {
  const s = nightly();
  s.start();
  // Into the first night's fragments.
  for (let guard = 0; s.fragments().length < 10; guard++) {
    if (guard > 5000) throw new Error('no fragments');
    for (const d of s.inWave()) if (d.pending && !d.pending.waitOnly) s.answerPending(d.devEui);
    s.advanceTo(s.campaign.nextWakeMs!);
  }
  const night = openWindow(s.nowMs, PARIS_NIGHT, 'Europe/Paris')!;
  s.apply({ type: 'pause', atMs: s.nowMs });
  const afternoon = night.endMs + 10 * HOUR;
  s.apply({ type: 'resume', atMs: afternoon });
  t.is(s.campaign.wave?.stage, 'session');
  t.true(s.campaign.wave!.sessionStartMs! > afternoon);
  t.truthy(openWindow(s.campaign.wave!.sessionStartMs!, PARIS_NIGHT, 'Europe/Paris'));
  runHealthy(s, s.nowMs + 14 * 24 * HOUR);
  t.is(s.campaign.phase, 'completed');
  t.deepEqual(framesOutside(s, PARIS_NIGHT, 'Europe/Paris'), []);
});
