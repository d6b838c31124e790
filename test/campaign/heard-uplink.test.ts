// TransitionResult.heard (campaign/heard-uplink.ts): a transition may say its uplink only heard
// its device, and a store then replays hearUplink over the device as last written instead of
// rewriting it (store/sqlite-device-journal.ts). These pin both halves: the mark is set where it
// may be, and wherever it is set, the replay over the stored JSON gives the device exactly.

import test from 'ava';
import fc from 'fast-check';
import { hearUplink, heardOnly } from '../../src/campaign/heard-uplink.js';
import type { DeviceState } from '../../src/campaign/state.js';
import { copyDevice } from '../../src/campaign/state-copy.js';
import { A, B, C, MINUTE, PORT, Script } from './script.js';

const APP_PORT = 10;

function replayed(before: DeviceState, atMs: number): DeviceState {
  const stored = JSON.parse(JSON.stringify(before)) as DeviceState;
  hearUplink(stored, atMs);
  return JSON.parse(JSON.stringify(stored)) as DeviceState;
}

test('heardOnly: the device heard and nothing else; any other change, or no uplink counted, is not', (t) => {
  const s = new Script({ devices: 3 });
  s.start();
  const before = s.device(A);
  t.truthy(before.pending, 'A has a request pending (its uplinks count toward a retry)');
  const heard = copyDevice(before);
  hearUplink(heard, s.nowMs + MINUTE);
  t.true(heardOnly(before, heard, s.nowMs + MINUTE));
  t.false(heardOnly(before, heard, s.nowMs + 2 * MINUTE), 'another time');
  t.false(heardOnly(before, before, s.nowMs + MINUTE), 'not heard at all');
  const more = copyDevice(heard);
  more.counters.downlinks += 1;
  t.false(heardOnly(before, more, s.nowMs + MINUTE));
  const answered = copyDevice(heard);
  delete answered.pending;
  t.false(heardOnly(before, answered, s.nowMs + MINUTE));
  t.false(heardOnly(before, { ...heard, phase: 'setup-done' }, s.nowMs + MINUTE), 'a part hearUplink does not write');
  t.false(heardOnly(before, { ...heard, error: 'x' }, s.nowMs + MINUTE), 'a part only the new state has');
  const { fragIndex: _dropped, ...withoutFragIndex } = { ...heard, fragIndex: 3 };
  t.true(heardOnly({ ...before, fragIndex: undefined }, withoutFragIndex as DeviceState, s.nowMs + MINUTE), 'undefined parts are not JSON: absent and undefined are the same');
  t.false(heardOnly({ ...before, fragIndex: 3 }, withoutFragIndex as DeviceState, s.nowMs + MINUTE), 'a part only the old state has');
});

test('transition: an application uplink with nothing due is marked heard; an answer, or an uplink that sends, is not', (t) => {
  const s = new Script({ devices: 3 });
  s.start();
  s.nowMs += MINUTE;
  const app = s.raw(A, APP_PORT, '01');
  t.deepEqual(app.heard, { devEui: A, atMs: s.nowMs });
  t.is(app.commands.length, 0);
  const answer = s.answerPending(B);
  t.truthy(answer);
  t.is(s.results.at(-1)!.heard, undefined, 'an answer on a FUOTA port changes more than the heard time');
  // Uplinks without an answer: after UPLINKS_BEFORE_RETRY of them the request goes again.
  let sent = false;
  for (let i = 0; i < 10 && !sent; i++) {
    s.nowMs += 10 * MINUTE;
    const result = s.raw(C, APP_PORT, '01');
    sent = result.commands.length > 0;
    if (sent) t.is(result.heard, undefined, 'the uplink that repeats the request is not heard-only');
  }
  t.true(sent, 'C was asked again after enough unanswered uplinks');
});

test('property: wherever a transition marks its uplink heard, replaying it over the stored device gives the device exactly', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(A, B, C), fc.constantFrom('app', 'answer', 'wait'), fc.integer({ min: 1, max: 40 })), { minLength: 5, maxLength: 60 }), (steps) => {
      const s = new Script({ devices: 3 });
      s.start();
      let marked = 0;
      for (const [devEui, kind, minutes] of steps) {
        s.advanceBy(minutes * MINUTE);
        const before = s.device(devEui);
        let result;
        if (kind === 'app') result = s.raw(devEui, APP_PORT, '00');
        else if (kind === 'answer' && before.pending && !before.outcome) {
          try {
            s.answerPending(devEui);
          } catch {
            continue; // nothing the script can answer for this step
          }
          result = s.results.at(-1)!;
        } else continue;
        if (!result.heard) continue;
        marked++;
        t.is(result.devices.length, 1);
        t.is(result.heard.devEui, devEui);
        t.deepEqual(replayed(before, result.heard.atMs), JSON.parse(JSON.stringify(result.devices[0])));
      }
      return marked >= 0;
    }),
    { numRuns: 40 },
  );
  // And the mark is not vacuous: a plain run marks some.
  const s = new Script({ devices: 3 });
  s.start();
  s.advanceBy(MINUTE);
  t.truthy(s.raw(A, APP_PORT, '00').heard);
});

test('transition: a FUOTA port is never heard-only, even a duplicate answer', (t) => {
  const s = new Script({ devices: 3 });
  s.start();
  s.answerPending(A);
  const again = s.raw(A, PORT.TS004, '00'); // PackageVersionReq's answer again, or garbage: logged
  t.is(again.heard, undefined);
});
