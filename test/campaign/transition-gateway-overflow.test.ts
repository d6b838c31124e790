// A gateway's DUTY_CYCLE_OVERFLOW as a state-machine event: the campaign's ledger counts the
// multicast sub-band full on the gateways concerned, so the fragments not yet handed out wait
// until the hour frees; what was already handed out still goes.

import test from 'ava';
import type { MulticastFragmentCommand } from '../../src/campaign/commands.js';
import type { CampaignSpecInput } from '../../src/campaign/spec.js';
import { LOOKAHEAD_MS } from '../../src/campaign/fragment-scheduler.js';
import { DutyCycleLedger, DUTY_CYCLE_WINDOW_US } from '../../src/radio/duty-cycle-ledger.js';
import { dataRate, occupiedBandwidthHz } from '../../src/radio/regions.js';
import { A, MINUTE, SECOND, Script, specInput } from './script.js';

const UNKNOWN = 'ffffffffffffffff';
/** 2000 bytes in 40-byte fragments at DR0 (2.47 s each): 55 fragments over about 2 min 15 s. */
const BLOCK = Uint8Array.from({ length: 2000 }, (_, i) => (i * 37 + 11) & 0xff);

function slowSpec(gateways?: string[]): CampaignSpecInput {
  const input = specInput({ fragmentation: { fragmentSizeBytes: 40 }, ...(gateways ? { gateways } : {}) });
  return { ...input, multicast: { ...input.multicast, dr: 0 } };
}

/** A script 30 s into its fragments. */
function midFragments(gateways?: string[]): Script {
  const s = new Script(slowSpec(gateways), BLOCK);
  s.toFragments();
  s.advanceBy(30 * SECOND);
  return s;
}

/** Runs the engine's wakes until the fragments are over. */
function finishFragments(s: Script): void {
  for (let i = 0; s.campaign.wave?.stage === 'fragments'; i++) {
    if (i > 1000) throw new Error('the fragments never end');
    s.advanceTo(s.campaign.nextWakeMs!);
  }
}

/** The fragments among the first `count` commands. */
function handedOutBy(s: Script, count: number): MulticastFragmentCommand[] {
  return s.commands.slice(0, count).filter((c): c is MulticastFragmentCommand => c.type === 'multicast-fragment');
}

function times(fragments: MulticastFragmentCommand[]): Array<[number, number]> {
  return fragments.map((f) => [f.n, f.atMs]);
}

/** The fragments with and without an overflow 30 s into the fragments. */
function compare(overflow: { gatewayIds: string[]; devEui: string }, gateways?: string[]) {
  const plain = midFragments(gateways);
  const hit = midFragments(gateways);
  const atMs = hit.nowMs;
  const before = hit.mark();
  const result = hit.apply({ type: 'gateway-overflow', atMs, ...overflow });
  finishFragments(plain);
  finishFragments(hit);
  return { plain, hit, atMs, before, result };
}

test('an overflow on one of the campaign gateways delays the fragments not yet handed out until the hour frees', (t) => {
  const { plain, hit, atMs, before, result } = compare({ gatewayIds: ['gw-a'], devEui: UNKNOWN });
  t.deepEqual(result.commands, [], 'nothing is sent or withdrawn');
  const handedOut = handedOutBy(hit, before);
  t.deepEqual(times(handedOut), times(handedOutBy(plain, before)));
  t.true(handedOut.some((f) => f.atMs > atMs), 'frames of the look-ahead were already handed out: they still go');
  t.true(handedOut.every((f) => f.atMs <= atMs + LOOKAHEAD_MS));

  // Without the overflow the next fragment follows the look-ahead; with it, it waits ~54 min.
  const nextPlain = plain.fragments().find((f) => f.atMs > handedOut.at(-1)!.atMs)!;
  const nextHit = hit.fragments().find((f) => f.atMs > handedOut.at(-1)!.atMs)!;
  t.is(nextHit.n, nextPlain.n, 'the same fragment, later');
  t.true(nextPlain.atMs - atMs < 2 * MINUTE);
  t.true(nextHit.atMs - atMs > 50 * MINUTE, `waited ${(nextHit.atMs - atMs) / MINUTE} min`);
  t.deepEqual(hit.fragments().map((f) => f.n), plain.fragments().map((f) => f.n), 'the same fragments go, only later');

  // Replayed on a gateway that saw the other traffic: every fragment fits its duty cycle.
  const ctx = hit.ctx;
  const bandwidthHz = occupiedBandwidthHz(dataRate(ctx.region, ctx.spec.multicast.dr));
  const gateway = new DutyCycleLedger(ctx.region, { budgetShare: ctx.spec.budgetShare });
  const other = DutyCycleLedger.fromJSON(hit.ledger!).emissions('gw-a').filter((em) => em.kind === 'other');
  t.is(other.length, 1);
  t.is(other[0]!.startUs + other[0]!.airtimeUs, atMs * 1000, 'the other traffic ends at the overflow');
  gateway.record({ gatewayId: 'gw-a', frequencyHz: ctx.frequencyHz, bandwidthHz, startUs: other[0]!.startUs, airtimeUs: other[0]!.airtimeUs, kind: 'other' });
  for (const f of hit.fragments()) {
    const tx = { gatewayId: 'gw-a', frequencyHz: ctx.frequencyHz, bandwidthHz, airtimeUs: ctx.worstCasePlan.airtimePerFragmentUs, startUs: f.atMs * 1000 };
    // Frames handed out before the overflow were already past our control.
    if (f.atMs > handedOut.at(-1)!.atMs) t.true(gateway.canStartAt(tx), `fragment ${f.n} at ${f.atMs} fits`);
    gateway.record(tx);
  }
  // Right after the overflow, gw-a's hour holds band P's whole 360 s; gw-b's only our fragments.
  const charged = DutyCycleLedger.fromJSON(result.ledger!);
  const hour = (gatewayId: string) => charged.usageUs(gatewayId, 'P', atMs * 1000 - DUTY_CYCLE_WINDOW_US, atMs * 1000);
  t.is(hour('gw-a'), 360_000_000);
  t.true(hour('gw-b') > 0 && hour('gw-b') < 40_000_000, `gw-b: ${hour('gw-b')} µs`);
  t.deepEqual(charged.emissions('gw-b').filter((em) => em.kind === 'other'), [], 'gw-b is not charged');
  t.is(hit.campaign.airtime.gatewayOverflows, 1);
  t.is(plain.campaign.airtime.gatewayOverflows, undefined);
});

test('an overflow on a gateway the campaign does not use, or for a stranger device with no gateway, changes nothing', (t) => {
  for (const overflow of [{ gatewayIds: ['gw-z'], devEui: A }, { gatewayIds: [], devEui: UNKNOWN }]) {
    const { plain, hit, result } = compare(overflow);
    t.is(result.ledger, undefined);
    t.deepEqual(times(hit.fragments()), times(plain.fragments()));
    t.is(hit.campaign.airtime.gatewayOverflows, undefined);
  }
});

test('no gateway known for one of our devices: every campaign gateway is counted full (conservative), noted in its log', (t) => {
  const { plain, hit, atMs } = compare({ gatewayIds: [], devEui: A });
  const ledger = DutyCycleLedger.fromJSON(hit.ledger!);
  t.deepEqual(['gw-a', 'gw-b'].map((g) => ledger.emissions(g).filter((em) => em.kind === 'other').length), [1, 1]);
  t.true(hit.fragments().at(-1)!.atMs - plain.fragments().at(-1)!.atMs > 50 * MINUTE);
  const note = hit.log.find((l) => l.devEui === A && l.atMs === atMs && l.direction === 'note');
  t.regex(note?.text ?? '', /^gateway duty cycle full \(DUTY_CYCLE_OVERFLOW\) for a downlink to this device: multicast sub-band P counted full until now on gw-a \(other traffic assumed over the last \d+(\.\d+)? s\), gw-b \(other traffic assumed over the last \d+(\.\d+)? s\)$/);
});

test('a spec that lists no gateways: an overflow for one of its devices charges the stand-in gateway; for a stranger, nothing', (t) => {
  const mine = compare({ gatewayIds: ['0016c001ff10b001'], devEui: A }, []);
  t.deepEqual(mine.hit.ctx.gateways, ['gw-1']);
  t.is(DutyCycleLedger.fromJSON(mine.hit.ledger!).emissions('gw-1').filter((em) => em.kind === 'other').length, 1);
  t.true(mine.hit.fragments().at(-1)!.atMs - mine.plain.fragments().at(-1)!.atMs > 50 * MINUTE);
  const stranger = compare({ gatewayIds: ['0016c001ff10b001'], devEui: UNKNOWN }, []);
  t.deepEqual(times(stranger.hit.fragments()), times(stranger.plain.fragments()));
});

test('a second overflow while the hour is still full adds no airtime but is counted; a paused campaign is charged, a cancelled one not', (t) => {
  const s = midFragments();
  s.apply({ type: 'gateway-overflow', atMs: s.nowMs, gatewayIds: ['gw-a'], devEui: UNKNOWN });
  const again = s.apply({ type: 'gateway-overflow', atMs: s.nowMs + SECOND, gatewayIds: ['gw-a'], devEui: UNKNOWN });
  t.is(again.ledger, undefined, 'already full: the ledger is not rewritten');
  t.is(s.campaign.airtime.gatewayOverflows, 2);

  s.apply({ type: 'pause', atMs: s.nowMs });
  const paused = s.apply({ type: 'gateway-overflow', atMs: s.nowMs, gatewayIds: ['gw-b'], devEui: UNKNOWN });
  t.not(paused.ledger, undefined);
  t.is(s.campaign.airtime.gatewayOverflows, 3);
  s.apply({ type: 'cancel', atMs: s.nowMs });
  s.apply({ type: 'gateway-overflow', atMs: s.nowMs + MINUTE, gatewayIds: ['gw-a', 'gw-b'], devEui: UNKNOWN });
  t.is(s.campaign.airtime.gatewayOverflows, 3);
});
