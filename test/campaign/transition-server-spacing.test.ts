// The network server's own class C pacing: ChirpStack runs a multicast item one
// multicast_class_c_margin after the previous item's last row, one row per gateway a margin
// apart (storage/multicast.rs enqueue, DELAY; config.rs 236: default 5 s). Planned closer, the
// frames would only pile up in ChirpStack's queue and go out later than the plan says.

import test from 'ava';
import type { CampaignSpecInput } from '../../src/campaign/spec.js';
import { planFragmentSends } from '../../src/radio/send-planner.js';
import { SECOND, Script, specInput } from './script.js';

const BLOCK = Uint8Array.from({ length: 3000 }, (_, i) => (i * 53 + 7) & 0xff);

function spec(classCMarginMs: number, gateways: string[]): CampaignSpecInput {
  const input = specInput({ gateways });
  return { ...input, multicast: { ...input.multicast, classCMarginMs } };
}

function fragmentStarts(s: Script): number[] {
  s.toFragments();
  for (let i = 0; s.campaign.wave?.stage === 'fragments'; i++) {
    if (i > 2000) throw new Error('the fragments never end');
    s.advanceTo(s.campaign.nextWakeMs!);
  }
  return s.fragments().map((f) => f.atMs);
}

function gaps(starts: number[]): number[] {
  return starts.slice(1).map((at, i) => at - starts[i]!);
}

test('class C frames are planned at least margin × gateways apart, and no further apart than pacing needs', (t) => {
  const free = gaps(fragmentStarts(new Script(spec(0, ['gw-a', 'gw-b', 'gw-c']), BLOCK)));
  const spaced = gaps(fragmentStarts(new Script(spec(5_000, ['gw-a', 'gw-b', 'gw-c']), BLOCK)));
  // Without the margin the duty cycle alone paces DR5 frames: well under 15 s apart.
  t.true(Math.min(...free) < 15 * SECOND, `free gaps from ${Math.min(...free)} ms`);
  t.true(spaced.length > 10);
  t.true(spaced.every((gap) => gap >= 15 * SECOND), `spaced gaps from ${Math.min(...spaced)} ms`);
  t.true(spaced.every((gap) => gap < 15 * SECOND + 1_000), 'the margin binds, nothing else waits');
});

test('one gateway: frames a margin (5 s) apart; the ledger alone would let them go back to back within the hour', (t) => {
  const free = gaps(fragmentStarts(new Script(spec(0, ['gw-a']), BLOCK)));
  const spaced = gaps(fragmentStarts(new Script(spec(5_000, ['gw-a']), BLOCK)));
  t.true(Math.min(...free) < 5 * SECOND);
  t.true(spaced.every((gap) => gap >= 5 * SECOND));
});

test('the session length covers margin-paced sending (the plan knows the spacing)', (t) => {
  const s = new Script(spec(20_000, ['gw-a', 'gw-b']), BLOCK);
  const plan = s.ctx.worstCasePlan;
  t.is(plan.bindingConstraint, 'server-spacing');
  t.true(plan.durationUs >= (plan.totalFragments - 1) * 40 * 1_000_000);
  t.true(s.ctx.sessionTimeout.seconds * 1_000_000 >= plan.durationUs);
});

test('send plan: frameSpacingUs spaces the starts on every gateway and is reported as the binding wait', (t) => {
  const base = { region: 'EU868', dr: 5, blockBytes: 5_000, gateways: 2 } as const;
  const free = planFragmentSends(base);
  const spaced = planFragmentSends({ ...base, frameSpacingUs: 20_000_000 });
  t.is(free.waitsUs.serverSpacing, 0);
  t.is(spaced.bindingConstraint, 'server-spacing');
  t.true(spaced.waitsUs.serverSpacing > 0);
  for (const gateway of spaced.gateways) {
    for (const [i, send] of gateway.sends.entries()) if (i > 0) t.true(send.startUs - gateway.sends[i - 1]!.startUs >= 20_000_000);
  }
  t.is(spaced.durationUs, (spaced.totalFragments - 1) * 20_000_000 + spaced.gateways[0]!.sends[0]!.endUs);
  t.throws(() => planFragmentSends({ ...base, frameSpacingUs: -1 }), { message: /frameSpacingUs/ });
});
