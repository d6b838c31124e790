// transition.ts heardUplinkOnly: an uplink that only hears its device skips the full machine. It
// must give exactly what the full path (transitionInFull) gives, wherever it is taken. Compared
// here on every device, before every step of whole scripted campaigns chosen by fast-check
// (answers, application uplinks that count toward retries, time passing, pause and resume,
// canary waves, devices that give up), so both the states where it is taken and those where it
// must not be come up.

import test from 'ava';
import fc from 'fast-check';
import type { TransitionResult } from '../../src/campaign/draft.js';
import type { UplinkEvent } from '../../src/campaign/events.js';
import { heardUplinkOnly, transition, transitionInFull } from '../../src/campaign/transition.js';
import { MINUTE, PORT, Script, specInput, T0, type SpecOptions } from './script.js';

const APP_PORT = 10;

/** What a store and the engine read of a result: its JSON, and the heard mark. */
function seen(result: TransitionResult): unknown {
  return JSON.parse(JSON.stringify({ campaign: result.campaign, devices: result.devices, commands: result.commands, log: result.log, ledger: result.ledger ?? null, heard: result.heard ?? null }));
}

interface Tally {
  shortcut: number;
  full: number;
}

/** Every device's application uplink (and one on a FUOTA port) at this instant, both ways. */
function compareEveryDevice(t: import('ava').ExecutionContext, s: Script, tally: Tally): void {
  const snapshot = { campaign: s.campaign, devices: s.devices, ...(s.ledger ? { ledger: s.ledger } : {}) };
  for (const devEui of s.devices.keys()) {
    for (const fPort of [APP_PORT, PORT.TS004]) {
      const event: UplinkEvent = { type: 'uplink', atMs: s.nowMs, devEui, fPort, payload: Uint8Array.of(1) };
      const full = transitionInFull(snapshot, event, s.ctx);
      const shortcut = heardUplinkOnly(snapshot, event, s.ctx);
      if (shortcut) {
        tally.shortcut++;
        t.deepEqual(seen(shortcut), seen(full), `${devEui} at ${s.nowMs}, phase ${s.campaign.phase}, wave ${s.campaign.waveIndex} ${s.campaign.wave?.stage}`);
        t.is(fPort, APP_PORT, 'never on a FUOTA port');
      } else tally.full++;
      t.deepEqual(seen(transition(snapshot, event, s.ctx)), seen(full));
    }
  }
}

type Action = { kind: 'answer' | 'app'; device: number } | { kind: 'advance'; minutes: number } | { kind: 'pause' | 'resume' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('answer' as const), device: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('app' as const), device: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 90 }) }) },
  { weight: 1, arbitrary: fc.constantFrom<Action>({ kind: 'pause' }, { kind: 'resume' }) },
);

interface Scenario extends SpecOptions {
  /** schedule.startAt this long after the start (the campaign waits: schedule wait, wake at it). */
  startAfterMinutes?: number;
  /** A daily multicast window (schedule.windows, UTC) of 2 h from this hour: the session waits for it. */
  windowFromHour?: number;
}

function play(t: import('ava').ExecutionContext, scenario: Scenario, actions: readonly Action[], tally: Tally): void {
  const { startAfterMinutes, windowFromHour, ...options } = scenario;
  const schedule = {
    ...(startAfterMinutes === undefined ? {} : { startAt: new Date(T0 + startAfterMinutes * MINUTE).toISOString() }),
    ...(windowFromHour === undefined ? {} : { windows: [{ start: `${String(windowFromHour).padStart(2, '0')}:00`, end: `${String(windowFromHour + 2).padStart(2, '0')}:00` }] }),
  };
  const s = new Script({ ...specInput(options), schedule });
  const devices = [...s.devices.keys()];
  compareEveryDevice(t, s, tally);
  s.start();
  for (const step of actions) {
    compareEveryDevice(t, s, tally);
    switch (step.kind) {
      case 'answer': {
        const devEui = devices[step.device % devices.length]!;
        // Only steps the script knows how to answer as a healthy device would.
        if (s.device(devEui).pending && s.campaign.phase === 'running') s.answerPending(devEui);
        break;
      }
      case 'app':
        s.raw(devices[step.device % devices.length]!, APP_PORT, '01');
        break;
      case 'advance':
        s.advanceBy(step.minutes * MINUTE);
        break;
      case 'pause':
      case 'resume':
        s.apply({ type: step.kind, atMs: s.nowMs });
        break;
    }
  }
  compareEveryDevice(t, s, tally);
}

test('wherever the shortcut is taken it gives what the full path gives, over whole scripted campaigns', (t) => {
  const tally: Tally = { shortcut: 0, full: 0 };
  fc.assert(
    fc.property(
      fc.record(
        { devices: fc.integer({ min: 2, max: 4 }), canaryFraction: fc.constantFrom(0, 0.3), startAfterMinutes: fc.constantFrom(30, 200), windowFromHour: fc.integer({ min: 0, max: 21 }) },
        { requiredKeys: ['devices', 'canaryFraction'] },
      ),
      fc.array(action, { minLength: 5, maxLength: 60 }),
      (scenario, actions) => {
        play(t, scenario, actions, tally);
      },
    ),
    { numRuns: 80, seed: 17 },
  );
  // Both kinds must come up, or the comparison proves nothing.
  t.true(tally.shortcut > 1000, `shortcut taken ${tally.shortcut} times`);
  t.true(tally.full > 1000, `full path ${tally.full} times`);
});

test('not taken where the spec reads the version from application uplinks', (t) => {
  const s = new Script({ devices: 2, versionUplink: { fPort: APP_PORT, offset: 0, length: 4 } });
  s.start();
  for (const devEui of s.devices.keys()) {
    const event: UplinkEvent = { type: 'uplink', atMs: s.nowMs, devEui, fPort: APP_PORT, payload: Uint8Array.of(0, 1, 0, 0) };
    t.is(heardUplinkOnly({ campaign: s.campaign, devices: s.devices }, event, s.ctx), undefined);
  }
});

test('taken for a device waiting for its wave; its result shares the committed parts and copies what it writes', (t) => {
  const s = new Script({ devices: 4, canaryFraction: 0.3 });
  s.start();
  const waiting = [...s.devices.values()].find((d) => d.wave !== s.campaign.waveIndex)!;
  t.truthy(waiting, 'a device of the second wave');
  s.nowMs += MINUTE;
  const event: UplinkEvent = { type: 'uplink', atMs: s.nowMs, devEui: waiting.devEui, fPort: APP_PORT, payload: Uint8Array.of(1) };
  const result = heardUplinkOnly({ campaign: s.campaign, devices: s.devices }, event, s.ctx)!;
  t.truthy(result);
  t.deepEqual(result.heard, { devEui: waiting.devEui, atMs: s.nowMs });
  const [after] = result.devices;
  t.is(after!.counters.uplinks, waiting.counters.uplinks + 1);
  t.not(after!.counters, waiting.counters);
  t.not(after!.timestamps, waiting.timestamps);
  t.is(after!.done, waiting.done);
  t.is(after!.packageVersions, waiting.packageVersions);
  t.is(result.campaign.wave, s.campaign.wave, 'the campaign copied at its top level only');
  t.not(result.campaign, s.campaign);
  t.is(result.campaign.updatedAtMs, s.nowMs);
  t.is(s.campaign.updatedAtMs < s.nowMs, true, 'the snapshot is not written');
});
