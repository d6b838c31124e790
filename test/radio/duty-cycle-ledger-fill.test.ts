import test from 'ava';
import fc from 'fast-check';
import { ValueError } from '../../src/core/errors.js';
import { DutyCycleLedger } from '../../src/radio/duty-cycle-ledger.js';
import { FrequencyNotInSubBandError } from '../../src/radio/radio-errors.js';
import { usageIn, type Span } from './radio-checks.js';

// fillWindow: a gateway said its duty cycle was full (DUTY_CYCLE_OVERFLOW) at some time; the
// ledger is made to believe the hour before was full, so that later sends wait until it frees.

const S = 1_000_000;
const W = 3600 * S;
const P_BAND = { frequencyHz: 869_525_000, bandwidthHz: 125_000 }; // EU868 band P, 10 %: 360 s/h
const M_BAND = { frequencyHz: 868_100_000, bandwidthHz: 125_000 }; // EU868 band M, 1 %
const E = 7200 * S;

test('known answer, empty ledger: 360 s of other traffic ending at the overflow; a 1 s frame waits until 1 s of it aged out', (t) => {
  const ledger = new DutyCycleLedger('EU868', { budgetShare: 0.5 });
  const filled = ledger.fillWindow({ gatewayId: 'g', ...P_BAND, endUs: E });
  t.deepEqual(filled, { gatewayId: 'g', subBandId: 'P', startUs: E - 360 * S, airtimeUs: 360 * S, kind: 'other' });
  t.is(ledger.usageUs('g', 'P', E - W, E), 360 * S);
  // The window holding a 1 s frame at t must start after the first second of the fill:
  // t + 1 s − 3600 s ≥ E − 359 s.
  t.is(ledger.earliestStartUs({ gatewayId: 'g', ...P_BAND, airtimeUs: 1 * S, notBeforeUs: E }), E + 3240 * S);
  t.is(ledger.earliestStartUs({ gatewayId: 'g', ...P_BAND, airtimeUs: 1 * S, notBeforeUs: E, kind: 'other' }), E + 3240 * S);
  // Another gateway, another sub-band of the same gateway: untouched.
  t.is(ledger.earliestStartUs({ gatewayId: 'h', ...P_BAND, airtimeUs: 1 * S, notBeforeUs: E }), E);
  t.is(ledger.earliestStartUs({ gatewayId: 'g', ...M_BAND, airtimeUs: 1 * S, notBeforeUs: E }), E);
});

test('known answer with our own frames in the hour: usage is a union, so the fill covers gaps only up to the full 360 s', (t) => {
  const ledger = new DutyCycleLedger('EU868', { budgetShare: 0.5 });
  ledger.record({ gatewayId: 'g', ...P_BAND, startUs: E - 1000 * S, airtimeUs: 100 * S });
  ledger.record({ gatewayId: 'g', ...P_BAND, startUs: E - 10 * S, airtimeUs: 10 * S });
  // A frame already planned after the overflow (the scheduler's look-ahead) is not in the window.
  ledger.record({ gatewayId: 'g', ...P_BAND, startUs: E + 5 * S, airtimeUs: 1 * S });
  // 110 s used: 250 s missing, found in the gap before the last 10 s frame.
  const filled = ledger.fillWindow({ gatewayId: 'g', ...P_BAND, endUs: E });
  t.like(filled, { startUs: E - 260 * S, airtimeUs: 260 * S, kind: 'other' });
  t.is(ledger.usageUs('g', 'P', E - W, E), 360 * S);
  t.is(ledger.fillWindow({ gatewayId: 'g', ...P_BAND, endUs: E }), undefined, 'a second overflow at the same time adds nothing');
});

test('already full, or no duty cycle: nothing is recorded', (t) => {
  const ledger = new DutyCycleLedger('EU868');
  ledger.record({ gatewayId: 'g', ...P_BAND, startUs: E - 400 * S, airtimeUs: 360 * S, kind: 'other' });
  t.is(ledger.fillWindow({ gatewayId: 'g', ...P_BAND, endUs: E }), undefined);
  t.is(ledger.emissions().length, 1);
  // One microsecond of it aged out: that microsecond goes right before the overflow.
  const later = E - 400 * S + 1 + W;
  t.like(ledger.fillWindow({ gatewayId: 'g', ...P_BAND, endUs: later }), { startUs: later - 1, airtimeUs: 1 });

  const us = new DutyCycleLedger('US915');
  t.is(us.fillWindow({ gatewayId: 'g', frequencyHz: 923_300_000, bandwidthHz: 500_000, endUs: E }), undefined);
  t.is(us.emissions().length, 0);
});

test('bad input names the field', (t) => {
  const ledger = new DutyCycleLedger('EU868');
  t.throws(() => ledger.fillWindow({ gatewayId: 'g', ...P_BAND, endUs: 0.5 }), { instanceOf: ValueError, message: /^endUs: expected an integer number of microseconds, got 0\.5$/ });
  t.throws(() => ledger.fillWindow({ gatewayId: '', ...P_BAND, endUs: E }), { instanceOf: ValueError, message: /^gatewayId:/ });
  t.throws(() => ledger.fillWindow({ gatewayId: 'g', frequencyHz: 868_650_000, bandwidthHz: 125_000, endUs: E }), { instanceOf: FrequencyNotInSubBandError });
});

// Property, on a 10 ms window (band P at 10 %: 1 ms per window): after a fill at E, the window
// ending at E holds the whole allowance (exactly, if it held less), and a send of T µs from E on
// waits until at least T µs of that window's usage has aged out, whatever the kind and whatever
// was recorded before, around or after E.
const emissionArb = fc.record({
  startUs: fc.integer({ min: 0, max: 40_000 }),
  airtimeUs: fc.integer({ min: 1, max: 400 }),
  kind: fc.constantFrom('fuota' as const, 'other' as const),
  band: fc.constantFrom('P', 'M'),
});

test('after a fill, the window is full and a later send starts no earlier than the window frees (property)', (t) => {
  const w = 10_000;
  const allBudget = Math.floor(0.1 * w);
  fc.assert(
    fc.property(
      fc.array(emissionArb, { maxLength: 12 }),
      fc.double({ min: 0.05, max: 1, noNaN: true }),
      fc.integer({ min: 0, max: 45_000 }),
      fc.integer({ min: 1, max: 50 }),
      fc.constantFrom('fuota' as const, 'other' as const),
      (existing, share, endUs, airtimeUs, kind) => {
        const ledger = new DutyCycleLedger('EU868', { windowUs: w, budgetShare: share });
        for (const e of existing) ledger.record({ gatewayId: 'g', ...(e.band === 'P' ? P_BAND : M_BAND), startUs: e.startUs, airtimeUs: e.airtimeUs, kind: e.kind });
        const spansP = (): Span[] => ledger.emissions('g').filter((em) => em.subBandId === 'P').map((em) => [em.startUs, em.startUs + em.airtimeUs]);
        const before = usageIn(spansP(), endUs - w, w);
        const others = ledger.emissions('g').filter((em) => em.subBandId === 'M').length;
        const filled = ledger.fillWindow({ gatewayId: 'g', ...P_BAND, endUs });
        const after = usageIn(spansP(), endUs - w, w);
        if (before >= allBudget) {
          if (filled !== undefined || after !== before) return false;
        } else {
          if (filled === undefined || after !== allBudget) return false;
          if (filled.kind !== 'other' || filled.startUs + filled.airtimeUs !== endUs || filled.startUs < endUs - w) return false;
        }
        if (ledger.emissions('g').filter((em) => em.subBandId === 'M').length !== others) return false;
        if (kind === 'fuota' && airtimeUs > Math.floor(0.1 * share * w)) return true;
        const startUs = ledger.earliestStartUs({ gatewayId: 'g', ...P_BAND, airtimeUs, notBeforeUs: endUs, kind });
        // The windows holding the send start at startUs + T − w or later: at least T of the full
        // window [endUs − w, endUs) must lie before that.
        return usageIn(spansP(), endUs - w, startUs + airtimeUs - endUs) >= airtimeUs;
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});
