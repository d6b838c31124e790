import test from 'ava';
import fc from 'fast-check';
import { ValueError } from '../../src/core/errors.js';
import { nextPingSlotUs } from '../../src/radio/class-b-timing.js';
import { DutyCycleLedger } from '../../src/radio/duty-cycle-ledger.js';
import { AirtimeAboveBudgetError, DwellTimeExceededError, FrequencyNotInSubBandError, FrequencyOutsideRegionError, PayloadTooLargeError, UnknownDataRateError, UnknownRegionError } from '../../src/radio/radio-errors.js';
import { region, regionNames } from '../../src/radio/regions.js';
import { planFragmentSends, type PlanRequest, type SendPlan } from '../../src/radio/send-planner.js';
import { formatPlanSummary } from '../../src/radio/plan-summary.js';
import { maxUsage, type Span } from './radio-checks.js';

const HOUR_US = 3_600_000_000;

test('EU868 DR5, 50 000 bytes, class C: the worked example of docs/radio.md', (t) => {
  const plan = planFragmentSends({ region: 'EU868', dr: 5, blockBytes: 50_000 });
  t.is(plan.fragmentSizeBytes, 239); // N = 242 (RP002 EU868 DR5) − 3-byte DataFragment header
  t.is(plan.uncodedFragments, 210); // ceil(50000 / 239)
  t.is(plan.redundantFragments, 21); // default 10 %
  t.is(plan.phyPayloadBytes, 255);
  t.is(plan.airtimePerFragmentUs, 394_496);
  t.is(plan.frequencyHz, 869_525_000);
  t.is(plan.subBand.id, 'P');
  t.is(plan.allowedFraction, 0.05); // 10 % · default share 0.5
  // Pacing makes the plan exactly airtime / allowed share: 231 · 394.496 ms / 0.05.
  t.is(plan.airtimePerGatewayUs, 91_128_576);
  t.is(plan.durationUs, 1_822_571_520);
  t.is(plan.minimumDurationUs, 1_822_571_520);
  t.is(plan.bindingConstraint, 'duty-cycle');
  t.deepEqual(plan.sessionTimeout, { deviceClass: 'C', field: 11, seconds: 2048, covers: true });
  const sends = plan.gateways[0]!.sends;
  t.deepEqual(sends[0], { fragmentIndex: 1, startUs: 7_495_424, endUs: 7_889_920 }); // ends at 394.496 ms / 0.05
  t.is(sends.length, 231);
  t.regex(formatPlanSummary(plan), /duration +30 min 22\.572 s/);
});

test('class B sends sit on the group’s ping slots; ping slots bind when they are sparse', (t) => {
  const dense = planFragmentSends({ region: 'EU868', dr: 5, blockBytes: 50_000, deviceClass: 'B' });
  for (const send of dense.gateways[0]!.sends) t.is(nextPingSlotUs(send.startUs, 0), send.startUs);
  t.is(dense.bindingConstraint, 'duty-cycle');
  t.deepEqual(dense.sessionTimeout, { deviceClass: 'B', field: 4, seconds: 2048, covers: true });

  const sparse = planFragmentSends({ region: 'EU868', dr: 5, blockBytes: 5_000, deviceClass: 'B', periodicity: 5, pingOffsetSlots: 7 });
  for (const send of sparse.gateways[0]!.sends) t.is(nextPingSlotUs(send.startUs, 5, 7), send.startUs);
  t.is(sparse.bindingConstraint, 'ping-slots'); // a slot every 30.72 s vs 7.9 s of allowance per fragment
});

test('US915 has no duty cycle: with share 1 the fragments go back to back', (t) => {
  const plan = planFragmentSends({ region: 'US915', dr: 13, blockBytes: 2_000, budgetShare: 1, redundancy: 0, gateways: ['a', 'b'] });
  t.is(plan.bindingConstraint, 'airtime');
  t.is(plan.durationUs, plan.airtimePerGatewayUs);
  t.deepEqual(plan.gateways.map((g) => g.gatewayId), ['a', 'b']);
});

test('AS923 dwell time: auto fragment size stays within 400 ms; explicit sizes beyond are refused', (t) => {
  const plan = planFragmentSends({ region: 'AS923-1', dr: 2, blockBytes: 1_000 });
  t.is(plan.dwellTimeLimitMs, 400);
  t.is(plan.fragmentSizeBytes, 8); // N = 11 under DownlinkDwellTime = 1
  t.true(plan.airtimePerFragmentUs <= 400_000);
  // AU915 with the dwell limit on: DR8 (SF12/500) at N = 53 would take 616 ms, so auto shrinks.
  const au = planFragmentSends({ region: 'AU915', dr: 8, blockBytes: 1_000, dwellTimeLimited: true });
  t.is(au.fragmentSizeLimitedBy, 'dwell-time');
  t.true(au.airtimePerFragmentUs <= 400_000);
  t.throws(() => planFragmentSends({ region: 'AU915', dr: 8, blockBytes: 1_000, dwellTimeLimited: true, fragmentSize: 50 }), { instanceOf: DwellTimeExceededError, message: /expected a time on air of at most 400 ms \(downlink dwell-time limit\), got "616\.448 ms"$/ });
});

test('an existing ledger is honoured and left unchanged', (t) => {
  const ledger = new DutyCycleLedger('EU868', { budgetShare: 0.5 });
  ledger.record({ gatewayId: 'gw-1', frequencyHz: 869_525_000, bandwidthHz: 125_000, startUs: 0, airtimeUs: 170_000_000 });
  const plan = planFragmentSends({ region: 'EU868', dr: 5, blockBytes: 10_000, ledger }); // 47 frames, 18.5 s
  t.is(ledger.emissions().length, 1);
  // 10 s of FUOTA budget remain in the first hour; the rest must wait for the window to slide.
  const spans: Span[] = [[0, 170_000_000], ...plan.gateways[0]!.sends.map((s) => [s.startUs, s.endUs] as Span)];
  for (const s of plan.gateways[0]!.sends) t.true(maxUsage(spans, HOUR_US, [s.startUs, s.endUs]) <= 180_000_000);
  t.true(plan.durationUs > HOUR_US / 2);
});

// ---- properties -------------------------------------------------------------------------

function downlinkDrs(name: string): number[] {
  return region(name).dataRates.filter((rate) => rate.downlink).map((rate) => rate.dr);
}

const requestArb = fc
  .record({
    region: fc.constantFrom(...regionNames()),
    drPick: fc.nat(),
    blockBytes: fc.integer({ min: 1, max: 2_500 }),
    redundancy: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.record({ percent: fc.integer({ min: 0, max: 30 }) })),
    deviceClass: fc.constantFrom('C' as const, 'B' as const),
    periodicity: fc.integer({ min: 0, max: 7 }),
    gateways: fc.integer({ min: 1, max: 2 }),
    budgetShare: fc.double({ min: 0.05, max: 1, noNaN: true }),
    dwellTimeLimited: fc.option(fc.boolean(), { nil: undefined }),
    repeaterCompatible: fc.boolean(),
    eu868Frequency: fc.constantFrom(869_525_000, 868_100_000, 867_500_000, 869_800_000),
  })
  .map((r): PlanRequest => {
    const drs = downlinkDrs(r.region);
    const dr = drs[r.drPick % drs.length]!;
    const frequencyHz = r.region === 'EU868' ? r.eu868Frequency : r.region === 'CN470' ? 486_900_000 : undefined;
    return { region: r.region, dr, blockBytes: r.blockBytes, redundancy: r.redundancy, deviceClass: r.deviceClass, periodicity: r.periodicity, gateways: r.gateways, budgetShare: r.budgetShare, dwellTimeLimited: r.dwellTimeLimited, repeaterCompatible: r.repeaterCompatible, frequencyHz };
  });

function tryPlan(request: PlanRequest): SendPlan | null {
  try {
    return planFragmentSends(request);
  } catch (error) {
    // Legitimate refusals: a DR not defined under the dwell limit, a frame longer than a small
    // share of a 0.1 %/1 % band's budget, an emission across a sub-band edge. Anything else
    // fails the property.
    // A wide data rate (250 kHz) centred near a sub-band edge straddles two bands: refused too.
    if (error instanceof UnknownDataRateError || error instanceof AirtimeAboveBudgetError || error instanceof FrequencyNotInSubBandError) return null;
    throw error;
  }
}

test('no plan exceeds a sub-band duty cycle (nor its FUOTA share) in any window, nor a dwell time, nor is shorter than airtime / allowed share (property)', (t) => {
  let planned = 0;
  fc.assert(
    fc.property(requestArb, (request) => {
      const plan = tryPlan(request);
      if (plan === null) return true;
      planned++;
      const budget = Math.floor(plan.subBand.dutyCycle * plan.budgetShare * HOUR_US);
      for (const g of plan.gateways) {
        const spans: Span[] = g.sends.map((s) => [s.startUs, s.endUs]);
        for (let i = 1; i < spans.length; i++) if (spans[i]![0] < spans[i - 1]![1]) return false; // one transmit chain
        if (plan.subBand.dutyCycle < 1 || plan.budgetShare < 1) {
          if (maxUsage(spans, HOUR_US) > budget) return false;
        }
        for (const s of g.sends) {
          if (s.endUs - s.startUs !== plan.airtimePerFragmentUs) return false;
          if (plan.dwellTimeLimitMs !== null && s.endUs - s.startUs > plan.dwellTimeLimitMs * 1000) return false;
          if (plan.deviceClass === 'B' && nextPingSlotUs(s.startUs, plan.periodicity!) !== s.startUs) return false;
        }
      }
      const airtime = plan.totalFragments * plan.airtimePerFragmentUs;
      return plan.durationUs >= airtime / plan.allowedFraction - 1 && plan.sessionTimeout.covers === plan.sessionTimeout.seconds * 1e6 >= plan.durationUs;
    }),
    { numRuns: 120 },
  );
  t.true(planned > 40, `only ${planned} plans were made`);
});

// ---- bad input --------------------------------------------------------------------------

const BAD: Array<[string, Partial<PlanRequest>, Function, RegExp]> = [
  ['unknown region', { region: 'EU999' }, UnknownRegionError, /^region: expected one of/],
  ['DR not in region', { dr: 9 }, UnknownDataRateError, /^EU868 data rate: expected a EU868 downlink data rate \(DR0, .*DR7\), got "DR9"$/],
  ['fragment above the DR maximum', { dr: 0, fragmentSize: 49 }, PayloadTooLargeError, /^fragment size: expected at most 48 bytes \(EU868 DR0 maximum FRMPayload 51 − 3-byte DataFragment header\), got "49 bytes"$/],
  ['frequency outside the region', { frequencyHz: 902_300_000 }, FrequencyOutsideRegionError, /^frequency: expected a frequency inside EU868 \(863-870 MHz\)/],
  ['frequency in no sub-band', { frequencyHz: 869_300_000 }, FrequencyNotInSubBandError, /^frequency: expected an emission/],
  ['budget share 0', { budgetShare: 0 }, ValueError, /^budget share: expected a number in \(0, 1\], got 0$/],
  ['too many fragments', { dr: 0, blockBytes: 1_000_000 }, ValueError, /^fragments: expected at most 16383 fragments in total \(TS004 14-bit FragIndex\)/],
  ['class A', { deviceClass: 'A' as 'C' }, ValueError, /^class: expected C or B, got "A"$/],
  ['periodicity 8', { deviceClass: 'B', periodicity: 8 }, ValueError, /^periodicity: expected an integer in 0\.\.7, got 8$/],
  ['empty block', { blockBytes: 0 }, ValueError, /^block size: expected an integer in 1\.\./],
  ['redundancy -1', { redundancy: -1 }, ValueError, /^redundancy: expected an integer in 0\.\.16383, got -1$/],
  ['frame above the FUOTA budget', { dr: 0, frequencyHz: 864_000_000, budgetShare: 0.1, fragmentSize: 48 }, ValueError, /^airtime: expected a time on air within the sub-band budget of 360 ms/],
];
for (const [name, override, type, message] of BAD) {
  test(`planner refuses ${name}`, (t) => {
    const error = t.throws(() => planFragmentSends({ region: 'EU868', dr: 5, blockBytes: 1_000, ...override }), { message });
    t.true(error instanceof type, error?.constructor.name);
  });
}
