import test from 'ava';
import fc from 'fast-check';
import { ValueError } from '../../src/core/errors.js';
import { DutyCycleLedger, type Emission } from '../../src/radio/duty-cycle-ledger.js';
import { AirtimeAboveBudgetError, FrequencyNotInSubBandError } from '../../src/radio/radio-errors.js';
import { maxUsage, type Span } from './radio-checks.js';

const S = 1_000_000;
const P_BAND = { frequencyHz: 869_525_000, bandwidthHz: 125_000 }; // EU868 band P, 10 %
const M_BAND = { frequencyHz: 868_100_000, bandwidthHz: 125_000 }; // EU868 band M, 1 %

test('known answer: after 300 s in one hour of a 10 % band, 100 s more fits when [40 s, 3640 s) holds 360 s', (t) => {
  // Budget 360 s/h. Existing [0, 300 s). A 100 s emission at t needs every window holding it to
  // keep ≤ 260 s of the rest: windows starting before 40 s hold more, so t + 100 s − 3600 s ≥ 40 s.
  const ledger = new DutyCycleLedger('EU868');
  ledger.record({ gatewayId: 'g', ...P_BAND, startUs: 0, airtimeUs: 300 * S });
  t.is(ledger.earliestStartUs({ gatewayId: 'g', ...P_BAND, airtimeUs: 100 * S, notBeforeUs: 300 * S }), 3540 * S);
  t.false(ledger.canStartAt({ gatewayId: 'g', ...P_BAND, airtimeUs: 100 * S, startUs: 3540 * S - 1 }));
  t.true(ledger.canStartAt({ gatewayId: 'g', ...P_BAND, airtimeUs: 100 * S, startUs: 3540 * S }));
  // Another gateway and another sub-band are untouched.
  t.is(ledger.earliestStartUs({ gatewayId: 'h', ...P_BAND, airtimeUs: 100 * S, notBeforeUs: 300 * S }), 300 * S);
  t.is(ledger.earliestStartUs({ gatewayId: 'g', ...M_BAND, airtimeUs: 10 * S, notBeforeUs: 300 * S }), 300 * S);
});

test('known answer with a planned emission ahead: the window holding both may not exceed the budget', (t) => {
  // Budget 360 s/h; E = [5000 s, 5300 s) is already planned. A 100 s send at t shares a window
  // with E once t + 3600 s reaches past 5000 s + 260 s, i.e. windows starting after 1660 s hold
  // more than 260 s of E. So t ≤ 1660 s works; just after, the next start is when the windows
  // holding it start at 5040 s or later: 5040 s + 3600 s − 100 s.
  const ledger = new DutyCycleLedger('EU868');
  ledger.record({ gatewayId: 'g', ...P_BAND, startUs: 5000 * S, airtimeUs: 300 * S });
  const query = { gatewayId: 'g', ...P_BAND, airtimeUs: 100 * S };
  t.is(ledger.earliestStartUs({ ...query, notBeforeUs: 0 }), 0);
  t.is(ledger.earliestStartUs({ ...query, notBeforeUs: 1660 * S }), 1660 * S);
  t.is(ledger.earliestStartUs({ ...query, notBeforeUs: 1660 * S + 1 }), 8540 * S);
  t.true(ledger.canStartAt({ ...query, startUs: 1660 * S }));
  t.false(ledger.canStartAt({ ...query, startUs: 1660 * S + 1 }));
});

test('budget share: FUOTA gets share · duty cycle, all traffic together the full duty cycle', (t) => {
  const ledger = new DutyCycleLedger('EU868', { budgetShare: 0.5 });
  ledger.record({ gatewayId: 'g', ...P_BAND, startUs: 0, airtimeUs: 150 * S, kind: 'fuota' });
  // FUOTA: 180 s budget, 150 s used in [0, 150 s): a 100 s send needs windows from 70 s on.
  t.is(ledger.earliestStartUs({ gatewayId: 'g', ...P_BAND, airtimeUs: 100 * S, notBeforeUs: 150 * S }), 3570 * S);
  // Normal downlinks are held only to the full 360 s.
  t.is(ledger.earliestStartUs({ gatewayId: 'g', ...P_BAND, airtimeUs: 100 * S, notBeforeUs: 150 * S, kind: 'other' }), 150 * S);

  const busy = new DutyCycleLedger('EU868', { budgetShare: 0.5 });
  busy.record({ gatewayId: 'g', ...P_BAND, startUs: 0, airtimeUs: 300 * S, kind: 'other' });
  // FUOTA has used nothing, but the band as a whole has 60 s left: the all-traffic limit binds.
  t.is(busy.earliestStartUs({ gatewayId: 'g', ...P_BAND, airtimeUs: 100 * S, notBeforeUs: 300 * S }), 3540 * S);
});

test('one transmit chain per gateway: a send waits for the radio whatever the sub-band', (t) => {
  const ledger = new DutyCycleLedger('EU868');
  ledger.record({ gatewayId: 'g', ...M_BAND, startUs: 1000, airtimeUs: 1000 });
  t.is(ledger.earliestStartUs({ gatewayId: 'g', ...P_BAND, airtimeUs: 10, notBeforeUs: 995 }), 2000);
  t.is(ledger.earliestStartUs({ gatewayId: 'g', ...P_BAND, airtimeUs: 10, notBeforeUs: 980 }), 980);
  t.is(ledger.earliestStartUs({ gatewayId: 'g', ...P_BAND, airtimeUs: 10, notBeforeUs: 991 }), 2000);
});

test('serialises: a restored ledger answers the same and prune forgets only what no longer counts', (t) => {
  const ledger = new DutyCycleLedger('EU868', { budgetShare: 0.25 });
  ledger.record({ gatewayId: 'g', ...P_BAND, startUs: 0, airtimeUs: 50 * S });
  ledger.record({ gatewayId: 'g', ...M_BAND, startUs: 60 * S, airtimeUs: 5 * S, kind: 'other' });
  ledger.record({ gatewayId: 'h', ...P_BAND, startUs: 10 * S, airtimeUs: 1 * S });
  const restored = DutyCycleLedger.fromJSON(JSON.parse(JSON.stringify(ledger)));
  t.deepEqual(restored.toJSON(), ledger.toJSON());
  const query = { gatewayId: 'g', ...P_BAND, airtimeUs: 50 * S, notBeforeUs: 70 * S };
  t.is(restored.earliestStartUs(query), ledger.earliestStartUs(query));
  // FUOTA budget 0.1 · 0.25 · 3600 s = 90 s; 50 s used in [0, 50 s): windows holding the new 50 s
  // must start at 10 s or later, so t ≥ 10 s + 3600 s − 50 s.
  t.is(ledger.earliestStartUs(query), 3560 * S);
  t.is(restored.usageUs('g', 'P', 0, 3600 * S), 50 * S);
  // Before 3660 s − 1 h = 60 s: g's [0, 50 s) and h's [10 s, 11 s) ended; g's [60 s, 65 s) did not.
  t.is(restored.prune(3660 * S), 2);
  t.deepEqual(restored.emissions().map((em) => em.startUs), [60 * S]);
});

test('bad input', (t) => {
  const ledger = new DutyCycleLedger('EU868', { budgetShare: 0.5 });
  const k = { gatewayId: 'g', frequencyHz: 864_000_000, bandwidthHz: 125_000 };
  // Band K: 0.1 % of an hour is 3.6 s; half of it is 1.8 s.
  const tooLong = t.throws(() => ledger.earliestStartUs({ ...k, airtimeUs: 2 * S, notBeforeUs: 0 }), { instanceOf: AirtimeAboveBudgetError });
  t.is(tooLong?.code, 'RADIO_AIRTIME_ABOVE_BUDGET');
  t.regex(tooLong?.message ?? '', /^airtime: expected a time on air within the sub-band budget of 1800 ms per 3600 s in sub-band K \(duty cycle 0\.1 %, FUOTA share 0\.5\), got "2000 ms"$/);
  t.throws(() => ledger.record({ gatewayId: 'g', frequencyHz: 868_650_000, bandwidthHz: 125_000, startUs: 0, airtimeUs: 1 }), { instanceOf: FrequencyNotInSubBandError });
  t.throws(() => new DutyCycleLedger('EU868', { budgetShare: 0 }), { instanceOf: ValueError, message: /^budgetShare: expected a number in \(0, 1\], got 0$/ });
  t.throws(() => new DutyCycleLedger('EU868', { budgetShare: 1.5 }), { instanceOf: ValueError });
  t.throws(() => ledger.record({ gatewayId: '', ...P_BAND, startUs: 0, airtimeUs: 1 }), { instanceOf: ValueError, message: /^gatewayId:/ });
  t.throws(() => ledger.record({ gatewayId: 'g', ...P_BAND, startUs: 0.5, airtimeUs: 1 }), { instanceOf: ValueError, message: /^startUs:/ });
  t.throws(() => ledger.record({ gatewayId: 'g', ...P_BAND, startUs: 0, airtimeUs: 0 }), { instanceOf: ValueError, message: /^airtimeUs:/ });
  t.throws(() => DutyCycleLedger.fromJSON({ format: 'x' } as never), { instanceOf: ValueError, message: /^ledger snapshot:/ });
  t.throws(() => DutyCycleLedger.fromJSON({ ...ledger.toJSON(), emissions: [{ gatewayId: 'g', subBandId: 'Z', startUs: 0, airtimeUs: 1, kind: 'fuota' }] }), { instanceOf: ValueError, message: /subBandId/ });
});

// Property: on a small window (10 ms, band P at 10 %: 1 ms per window, FUOTA share s), the
// earliest start keeps every window that holds the new emission within both limits, never
// overlaps the gateway's other emissions, and no earlier start ≥ notBefore would have.
const emissionArb = fc.record({
  startUs: fc.integer({ min: 0, max: 40_000 }),
  airtimeUs: fc.integer({ min: 1, max: 400 }),
  kind: fc.constantFrom('fuota' as const, 'other' as const),
  band: fc.constantFrom('P', 'M'),
});

for (const afterEverything of [false, true]) {
test(`earliest start is feasible and minimal (property, naive window check${afterEverything ? ', notBefore after every recorded end' : ''})`, (t) => {
  const w = 10_000;
  fc.assert(
    fc.property(
      fc.array(emissionArb, { maxLength: 12 }),
      fc.double({ min: 0.05, max: 1, noNaN: true }),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 0, max: 45_000 }),
      (existing, share, airtimeUs, notBeforeRaw) => {
        // Both ledger paths: the general sweep, and the fast tail path used when nothing
        // recorded on the gateway ends after notBefore.
        const lastEnd = Math.max(0, ...existing.map((e) => e.startUs + e.airtimeUs));
        const notBeforeUs = afterEverything ? lastEnd + (notBeforeRaw % 12_000) : notBeforeRaw;
        const ledger = new DutyCycleLedger('EU868', { windowUs: w, budgetShare: share });
        for (const e of existing) ledger.record({ gatewayId: 'g', ...(e.band === 'P' ? P_BAND : M_BAND), startUs: e.startUs, airtimeUs: e.airtimeUs, kind: e.kind });
        const fuotaBudget = Math.floor(0.1 * share * w);
        const allBudget = Math.floor(0.1 * w);
        if (airtimeUs > fuotaBudget) return true;
        const spans = (kind?: Emission['kind']): Span[] =>
          ledger.emissions('g').filter((em) => em.subBandId === 'P' && (kind === undefined || em.kind === kind)).map((em) => [em.startUs, em.startUs + em.airtimeUs]);
        const radio: Span[] = ledger.emissions('g').map((em) => [em.startUs, em.startUs + em.airtimeUs]);
        const feasible = (start: number) => {
          const mine: Span = [start, start + airtimeUs];
          if (radio.some(([s, e]) => s < mine[1] && e > mine[0])) return false;
          return maxUsage([...spans('fuota'), mine], w, mine) <= fuotaBudget && maxUsage([...spans(), mine], w, mine) <= allBudget;
        };
        const start = ledger.earliestStartUs({ gatewayId: 'g', ...P_BAND, airtimeUs, notBeforeUs });
        if (start < notBeforeUs || !feasible(start)) return false;
        if (ledger.canStartAt({ gatewayId: 'g', ...P_BAND, airtimeUs, startUs: start }) !== true) return false;
        // Minimal: sample earlier candidates (all of them when the gap is small).
        const gap = start - notBeforeUs;
        const step = Math.max(1, Math.floor(gap / 400));
        for (let s = notBeforeUs; s < start; s += step) if (feasible(s)) return false;
        if (gap > 0 && feasible(start - 1)) return false;
        return true;
      },
    ),
    { numRuns: 150 },
  );
  t.pass();
});
}
