import test from 'ava';
import Sqlite from 'better-sqlite3';
import type { CampaignCommand } from '../../src/campaign/commands.js';
import type { TransitionResult } from '../../src/campaign/draft.js';
import type { CampaignState } from '../../src/campaign/state.js';
import { InternalError } from '../../src/core/errors.js';
import { sameBeyondClock } from '../../src/store/sqlite-campaign-clock.js';
import { SqliteCampaignStore } from '../../src/store/sqlite-campaign-store.js';
import { campaignState, createRecord, deviceState, devEuiOf } from './fixtures.js';
import { tempDir } from './temp-dir.js';

// The campaign's state row is not rewritten by a commit that changed only its clock
// (sqlite-campaign-clock.ts): the clock goes with the device rows, and reads give it back as if.

/** A transition of campaign `id` that changed device `i` and, of the campaign, only its clock (to `atMs`). */
function clockOnly(campaign: CampaignState, i: number, atMs: number): TransitionResult {
  return { campaign: { ...campaign, updatedAtMs: atMs }, devices: [deviceState(i, atMs % 1000)], commands: [], log: [] };
}

function stateRow(path: string): { updatedAtMs: number; seq: number } {
  const db = new Sqlite(path, { readonly: true });
  try {
    const [json, seq] = db.prepare(`SELECT state_json, commit_seq FROM campaign_states WHERE campaign_id = 'c1'`).raw().get() as [string, number];
    return { updatedAtMs: (JSON.parse(json) as CampaignState).updatedAtMs, seq };
  } finally {
    db.close();
  }
}

test('sameBeyondClock: equal but for updatedAtMs and undefined properties; any other difference counts', (t) => {
  const a = campaignState('c1', 3);
  t.true(sameBeyondClock(a, { ...a, updatedAtMs: a.updatedAtMs + 5 }));
  t.true(sameBeyondClock(a, { ...a, haltReason: undefined }), 'JSON leaves an undefined property out');
  t.false(sameBeyondClock(a, { ...a, ignoredUplinks: { ...a.ignoredUplinks, stale: 13 } }));
  t.false(sameBeyondClock(a, { ...a, waveResults: [] }));
  t.false(sameBeyondClock(a, { ...a, haltReason: 'x' }));
  const { nextWakeMs: _dropped, ...withoutWake } = a;
  t.false(sameBeyondClock(a, withoutWake as CampaignState));
  const wave = a.wave!;
  t.false(sameBeyondClock(a, { ...a, wave: { ...wave, subSessions: [wave.subSessions[0]!, { ...wave.subSessions[1]!, nextN: 2 }] } }));
});

test('sqlite store: a commit that changed only the clock leaves the state row; load and list give the new clock, here and from a fresh connection', async (t) => {
  const tmp = tempDir();
  try {
    const path = tmp.file('campaigns.db');
    const store = SqliteCampaignStore.open(path);
    const record = createRecord('c1', 3);
    await store.create(record);
    const changed = { ...record.campaign, downlinkSeq: record.campaign.downlinkSeq + 1, updatedAtMs: record.campaign.updatedAtMs + 1_000 };
    await store.commit('c1', { campaign: changed, devices: [deviceState(0, 1)], commands: [], log: [] });
    const written = stateRow(path);
    t.is(written.updatedAtMs, changed.updatedAtMs, 'a changed state is written');

    const later = clockOnly(changed, 2, changed.updatedAtMs + 60_000);
    await store.commit('c1', later);
    t.deepEqual(stateRow(path), written, 'the state row is not rewritten');
    t.deepEqual((await store.load('c1'))!.campaign, later.campaign);
    t.is((await store.list())[0]!.updatedAtMs, later.campaign.updatedAtMs);

    // The clock may go back (an uplink dated earlier): the last commit wins, not the latest time.
    const earlier = clockOnly(changed, 1, changed.updatedAtMs + 30_000);
    await store.commitBatch([{ campaignId: 'c1', result: clockOnly(changed, 0, changed.updatedAtMs + 90_000) }, { campaignId: 'c1', result: earlier }]);
    t.deepEqual(stateRow(path), written);
    t.deepEqual((await store.load('c1'))!.campaign, earlier.campaign);
    const fresh = SqliteCampaignStore.open(path);
    t.deepEqual(await fresh.load('c1'), await store.load('c1'), 'a second connection sees the same');
    t.deepEqual(await fresh.list(), await store.list());
    await fresh.close();

    // A change beyond the clock is written, and its clock is the row's again.
    const paused = { ...changed, phase: 'paused' as const, updatedAtMs: changed.updatedAtMs + 120_000 };
    await store.commit('c1', { campaign: paused, devices: [], commands: [], log: [] });
    t.is(stateRow(path).updatedAtMs, paused.updatedAtMs);
    t.deepEqual((await store.load('c1'))!.campaign, paused);
    t.is((await store.list())[0]!.updatedAtMs, paused.updatedAtMs);
    await store.close();

    const reopened = SqliteCampaignStore.open(path);
    await reopened.commit('c1', clockOnly(paused, 2, paused.updatedAtMs + 1_000));
    t.is((await reopened.load('c1'))!.campaign.updatedAtMs, paused.updatedAtMs + 1_000, 'after a reopen, the seq goes on from the stored one');
    await reopened.close();
  } finally {
    await tmp.remove();
  }
});

test('sqlite store: a commit that rolled back is not taken for written (the next one with the same state writes the row)', async (t) => {
  const tmp = tempDir();
  try {
    const path = tmp.file('campaigns.db');
    const store = SqliteCampaignStore.open(path);
    const record = createRecord('c1', 2);
    await store.create(record);
    const changed = { ...record.campaign, downlinkSeq: record.campaign.downlinkSeq + 7, updatedAtMs: record.campaign.updatedAtMs + 1_000 };
    // JSON cannot hold a BigInt: the command fails after the state row was written, and the whole commit rolls back.
    const poisoned = { type: 'unicast', id: 'x', devEui: devEuiOf(1), fPort: 201, payloadHex: '', bad: 1n } as unknown as CampaignCommand;
    const error = await t.throwsAsync(store.commit('c1', { campaign: changed, devices: [deviceState(1, 1)], commands: [poisoned], log: [] }), { instanceOf: InternalError });
    t.is(error?.code, 'STORE_FAILED');
    t.deepEqual((await store.load('c1'))!.campaign, record.campaign);

    const again = clockOnly(changed, 1, changed.updatedAtMs + 5_000);
    await store.commit('c1', again);
    t.deepEqual((await store.load('c1'))!.campaign, again.campaign);
    t.is(stateRow(path).updatedAtMs, again.campaign.updatedAtMs, 'written: the rolled-back state never reached the row');
    await store.close();
  } finally {
    await tmp.remove();
  }
});
