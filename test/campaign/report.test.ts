import test from 'ava';
import { campaignReport } from '../../src/campaign/report.js';
import { initialState } from '../../src/campaign/transition.js';
import { parseCampaignSpec } from '../../src/campaign/spec.js';

test('the report counts outcomes and groups the reasons, most frequent first', (t) => {
  const devices = ['01', '02', '03', '04', '05'].map((n) => ({ devEui: `00000000000000${n}`, rootKey: '11'.repeat(16) }));
  const spec = parseCampaignSpec({ id: 'r', firmware: { version: 2 }, devices, multicast: { mcKey: '00'.repeat(16) } });
  const { campaign, devices: states } = initialState(spec, 1_000);
  const finished = states.map((d, i) => {
    if (i < 2) return { ...d, outcome: 'confirmed' as const };
    if (i < 4) return { ...d, outcome: 'failed' as const, error: 'FragSessionSetupAns: NotEnoughMemory' };
    return { ...d, outcome: 'absent' as const, error: 'no answer to PackageVersionReq (TS004) after 6 attempts' };
  });
  const report = campaignReport({ ...campaign, phase: 'completed', updatedAtMs: 61_000 }, finished);
  t.deepEqual(report.outcomes, { confirmed: 2, failed: 2, absent: 1 });
  t.deepEqual(report.reasons, [
    { reason: 'FragSessionSetupAns: NotEnoughMemory', devices: 2 },
    { reason: 'no answer to PackageVersionReq (TS004) after 6 attempts', devices: 1 },
  ]);
  t.is(report.devices, 5);
  t.is(report.durationMs, 60_000);
  t.is(campaignReport(campaign, states).outcomes.open, 5);
});

test('the report of a campaign waiting for its start says until when; a finished one says nothing of it', (t) => {
  const devices = [{ devEui: '0000000000000001', rootKey: '11'.repeat(16) }];
  const spec = parseCampaignSpec({ id: 'r', firmware: { version: 2 }, devices, multicast: { mcKey: '00'.repeat(16) }, schedule: { startAt: '2026-01-05T02:00:00+01:00' } });
  const { campaign, devices: states } = initialState(spec, 1_000);
  const waiting = { ...campaign, scheduleWait: { reason: 'start' as const, untilMs: Date.UTC(2026, 0, 5, 1) } };
  t.deepEqual(campaignReport(waiting, states).scheduleWait, { reason: 'start', untilMs: Date.UTC(2026, 0, 5, 1) });
  t.false('scheduleWait' in campaignReport(campaign, states));
});
