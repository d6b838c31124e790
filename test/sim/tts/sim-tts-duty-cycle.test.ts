import test from 'ava';
import { DUTY_CYCLE_CEILINGS, GatewayDutyCycle } from '../../../src/sim/tts/sim-tts-duty-cycle.js';
import { TTS_PRIORITIES } from '../../../src/sim/tts/sim-tts-downlink.js';

// pkg/gatewayserver/scheduling/sub_band.go: refused when (airtime in the 1 h window + the
// emission) / 1 h > duty cycle × ceiling(priority). 868.1 MHz is in 868.0–868.6 MHz, 1 %
// (pkg/band/eu_863_870.go): 36 s an hour, NORMAL 70 % of it = 25.2 s, HIGHEST 36 s.

const F_1PCT = 868_100_000;
const F_10PCT = 869_525_000;
const T0 = 1_000_000_000;

/** Books 1 s emissions, one per 2 s, until the gateway refuses; returns how many it took. */
function fill(dc: GatewayDutyCycle, frequencyHz: number, priority: (typeof TTS_PRIORITIES)[number], startMs = T0): number {
  let n = 0;
  for (;;) {
    const at = startMs + n * 2_000;
    if (dc.check(frequencyHz, at, 1_000, priority)) return n;
    dc.record(frequencyHz, at, 1_000, at);
    n++;
    if (n > 10_000) throw new Error('never refused');
  }
}

test('NORMAL: refused once 70 % of 1 % of an hour (25.2 s) would be passed on the sub-band', (t) => {
  const dc = new GatewayDutyCycle(true);
  t.is(fill(dc, F_1PCT, 'NORMAL'), 25);
  const refusal = dc.check(F_1PCT, T0 + 60_000, 1_000, 'NORMAL');
  t.is(refusal?.definition.name, 'duty_cycle');
  t.is(refusal?.definition.grpcCode, 8);
  t.is(refusal?.attributes['usable'], '0.7');
  t.is(refusal?.attributes['priority'], 'NORMAL');
});

test('each priority gets its ceiling: LOWEST 40 % … HIGHEST 100 % of the 36 s', (t) => {
  for (const priority of TTS_PRIORITIES) {
    const dc = new GatewayDutyCycle(true);
    t.is(fill(dc, F_1PCT, priority), Math.floor(36 * DUTY_CYCLE_CEILINGS[priority] + 1e-9), priority);
  }
});

test('HIGHEST still fits where NORMAL is refused (the reserve of the higher priorities)', (t) => {
  const dc = new GatewayDutyCycle(true);
  fill(dc, F_1PCT, 'NORMAL');
  const at = T0 + 100_000;
  t.truthy(dc.check(F_1PCT, at, 1_000, 'NORMAL'));
  t.is(dc.check(F_1PCT, at, 1_000, 'HIGHEST'), undefined);
});

test('sub-bands are separate: a full 868.0–868.6 band leaves 869.4–869.65 (10 %) free', (t) => {
  const dc = new GatewayDutyCycle(true);
  fill(dc, F_1PCT, 'NORMAL');
  t.is(dc.check(F_10PCT, T0 + 100_000, 1_000, 'NORMAL'), undefined);
});

test('rolling window: an hour after the emissions the band has room again', (t) => {
  const dc = new GatewayDutyCycle(true);
  fill(dc, F_1PCT, 'NORMAL');
  t.truthy(dc.check(F_1PCT, T0 + 60_000, 1_000, 'NORMAL'));
  t.is(dc.check(F_1PCT, T0 + 60_000 + 3_600_000, 1_000, 'NORMAL'), undefined);
});

test('enforce_duty_cycle off: never refused', (t) => {
  const dc = new GatewayDutyCycle(false);
  for (let i = 0; i < 100; i++) {
    t.is(dc.check(F_1PCT, T0 + i * 1_000, 1_000, 'LOWEST'), undefined);
    dc.record(F_1PCT, T0 + i * 1_000, 1_000, T0);
  }
});

test('anytime (class B/C without a time): moved to when the window has room, refused only when one frame alone exceeds', (t) => {
  const dc = new GatewayDutyCycle(true);
  fill(dc, F_1PCT, 'NORMAL');
  const now = T0 + 60_000;
  const start = dc.earliestStart(F_1PCT, now, 1_000, 'NORMAL');
  t.is(typeof start, 'number');
  t.true((start as number) > now);
  t.is(dc.check(F_1PCT, start as number, 1_000, 'NORMAL'), undefined);
  const tooLong = dc.earliestStart(F_1PCT, now, 30_000, 'NORMAL');
  t.is(typeof tooLong === 'number' ? 'number' : tooLong.definition.name, 'duty_cycle');
});

test('a frequency outside every sub-band: no_sub_band', (t) => {
  const dc = new GatewayDutyCycle(true);
  const error = t.throws(() => dc.check(868_650_000, T0, 100, 'NORMAL'));
  t.is((error as { definition?: { name: string } }).definition?.name, 'no_sub_band');
});
