import assert from 'node:assert/strict';
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import type { CampaignCommand } from '../../src/campaign/commands.js';
import type { TransitionResult } from '../../src/campaign/draft.js';
import type { CampaignStore } from '../../src/campaign/ports.js';
import { CallerError, InternalError, ValueError } from '../../src/core/errors.js';
import type { DeviceLogRetention } from '../../src/store/device-log-retention.js';
import { CampaignModel } from './campaign-model.js';
import { deviceLogRetentionContract } from './device-log-retention-contract.js';
import { campaignState, createRecord, deviceState, devEuiOf, ledger, logLine, typicalResult, unicast } from './fixtures.js';

// The behaviour every CampaignStore must have, run against each implementation by its own test
// file (memory-campaign-store.test.ts, sqlite-campaign-store.test.ts, postgres-campaign-store.test.ts).
// `open` gives a fresh store, with the default device-log retention unless given one.

export interface StoreHarness {
  store: CampaignStore;
  cleanup(): Promise<void>;
}

type Body = (t: ExecutionContext, store: CampaignStore) => Promise<void>;

export function campaignStoreContract(name: string, open: (deviceLogRetention?: DeviceLogRetention) => Promise<StoreHarness>): void {
  deviceLogRetentionContract(name, open);
  const contract = (title: string, body: Body): void => {
    test(`${name}: ${title}`, async (t) => {
      const harness = await open();
      try {
        await body(t, harness.store);
      } finally {
        await harness.store.close();
        await harness.cleanup();
      }
    });
  };

  contract('create then load gives the record back, with an empty outbox and no ledger', async (t, store) => {
    const record = createRecord('c1', 3);
    await store.create(record);
    const loaded = await store.load('c1');
    t.deepEqual(loaded, { specJson: record.specJson, block: record.block, campaign: record.campaign, devices: record.devices, outbox: [] });
    t.true(loaded!.block instanceof Uint8Array);
  });

  contract('load of an unknown id is undefined', async (t, store) => {
    t.is(await store.load('nope'), undefined);
  });

  contract('create of an existing id fails with CAMPAIGN_EXISTS and keeps the first', async (t, store) => {
    await store.create(createRecord('c1', 2));
    const error = await t.throwsAsync(store.create(createRecord('c1', 5)), { instanceOf: CallerError });
    t.is(error?.code, 'CAMPAIGN_EXISTS');
    t.regex(error!.message, /campaign c1 already exists/);
    t.is((await store.load('c1'))!.devices.length, 2);
  });

  contract('create → commit × N → load equals the model (devices, ledger, outbox minus done)', async (t, store) => {
    const model = new CampaignModel(createRecord('c1', 10));
    await store.create(model.record);
    for (let step = 1; step <= 60; step += 1) {
      const result: TransitionResult = {
        campaign: campaignState('c1', step),
        // Some transitions change nothing, some several devices, some a device not created with the campaign.
        devices: Array.from({ length: step % 4 }, (_, k) => deviceState((step * 3 + k) % 12, step)),
        log: Array.from({ length: step % 3 }, (_, k) => logLine(step % 12, step, `note ${k}`)),
        commands: Array.from({ length: step % 5 }, (_, k) => unicast('c1', k, step)),
      };
      if (step % 7 === 0) result.ledger = ledger(step);
      model.commit(result, await store.commit('c1', result));
      if (step % 6 === 0) {
        const done = model.outbox.filter((_, i) => i % 2 === 0).map((item) => item.seq);
        await store.markDone('c1', done);
        model.markDone(done);
      }
    }
    t.deepEqual(await store.load('c1'), model.stored());
  });

  contract('commit returns one seq per command, in order, increasing across commits and campaigns', async (t, store) => {
    await store.create(createRecord('a', 1));
    await store.create(createRecord('b', 1));
    const commands = (id: string, step: number): CampaignCommand[] => [unicast(id, 0, step), { type: 'delete-multicast-group', groupName: `${id}-w0` }, unicast(id, 0, step + 1)];
    const a1 = await store.commit('a', { ...typicalResult('a', 0, 1), commands: commands('a', 1) });
    const b1 = await store.commit('b', { ...typicalResult('b', 0, 1), commands: commands('b', 1) });
    const none = await store.commit('a', { ...typicalResult('a', 0, 2), commands: [] });
    const a2 = await store.commit('a', { ...typicalResult('a', 0, 3), commands: commands('a', 3) });
    t.deepEqual(none, []);
    const all = [...a1, ...b1, ...a2];
    t.is(all.length, 9);
    t.deepEqual(all, [...all].sort((x, y) => x - y));
    t.is(new Set(all).size, all.length);
    const loaded = await store.load('a');
    t.deepEqual(loaded!.outbox, [...commands('a', 1).map((command, i) => ({ seq: a1[i]!, command })), ...commands('a', 3).map((command, i) => ({ seq: a2[i]!, command }))]);
  });

  contract('markDone removes only those seqs of that campaign; unknown seqs are ignored; seqs are never reused', async (t, store) => {
    await store.create(createRecord('a', 1));
    await store.create(createRecord('b', 1));
    const seqsA = await store.commit('a', { ...typicalResult('a', 0, 1), commands: [unicast('a', 0, 1), unicast('a', 0, 2), unicast('a', 0, 3)] });
    const seqsB = await store.commit('b', typicalResult('b', 0, 1));
    await store.markDone('a', [seqsA[0]!, seqsA[2]!, seqsB[0]!, 999_999]);
    t.deepEqual((await store.load('a'))!.outbox.map((item) => item.seq), [seqsA[1]]);
    t.deepEqual((await store.load('b'))!.outbox.map((item) => item.seq), seqsB, "another campaign's seq is not touched");
    await store.markDone('a', [seqsA[1]!, seqsA[1]!]);
    t.deepEqual((await store.load('a'))!.outbox, []);
    const [next] = await store.commit('a', typicalResult('a', 0, 2));
    t.true(next! > Math.max(...seqsA, ...seqsB), `seq ${next} after ${[...seqsA, ...seqsB]} were handed out`);
  });

  contract('a commit without a ledger keeps the stored one', async (t, store) => {
    await store.create(createRecord('c1', 1));
    await store.commit('c1', { ...typicalResult('c1', 0, 1), ledger: ledger(1) });
    await store.commit('c1', typicalResult('c1', 0, 2));
    t.deepEqual((await store.load('c1'))!.ledger, ledger(1));
    await store.commit('c1', { ...typicalResult('c1', 0, 3), ledger: ledger(3) });
    t.deepEqual((await store.load('c1'))!.ledger, ledger(3));
  });

  contract('devices come back in creation order; a device first seen in a commit is appended', async (t, store) => {
    await store.create(createRecord('c1', 3));
    await store.commit('c1', { ...typicalResult('c1', 2, 1), devices: [deviceState(7, 1), deviceState(0, 1)] });
    t.deepEqual((await store.load('c1'))!.devices, [deviceState(0, 1), deviceState(1), deviceState(2), deviceState(7, 1)]);
  });

  contract('commit, markDone and deviceLog of an unknown campaign fail with CAMPAIGN_NOT_FOUND', async (t, store) => {
    for (const attempt of [() => store.commit('ghost', typicalResult('ghost', 0, 1)), () => store.markDone('ghost', [1]), () => store.deviceLog('ghost', devEuiOf(0))]) {
      const error = await t.throwsAsync(attempt, { instanceOf: CallerError });
      t.is(error?.code, 'CAMPAIGN_NOT_FOUND');
      t.regex(error!.message, /campaign ghost not found/);
    }
    t.deepEqual(await store.list(), []);
  });

  contract('commit of a result for another campaign fails with CAMPAIGN_ID_MISMATCH', async (t, store) => {
    await store.create(createRecord('a', 1));
    await store.create(createRecord('b', 1));
    const error = await t.throwsAsync(store.commit('a', typicalResult('b', 0, 1)), { instanceOf: InternalError });
    t.is(error?.code, 'CAMPAIGN_ID_MISMATCH');
    t.regex(error!.message, /commit to campaign a: expected a result for a, got one for b/);
    t.deepEqual((await store.load('a'))!.outbox, []);
  });

  contract('a commit that fails half-way changes nothing', async (t, store) => {
    await store.create(createRecord('c1', 2));
    await store.commit('c1', typicalResult('c1', 0, 1));
    const before = await store.load('c1');
    // JSON cannot hold a BigInt: the last command fails after the state, devices and log were written.
    const poisoned = { type: 'unicast', id: 'x', devEui: devEuiOf(1), fPort: 201, payloadHex: '', bad: 1n } as unknown as CampaignCommand;
    const result: TransitionResult = { ...typicalResult('c1', 1, 2), ledger: ledger(2), commands: [unicast('c1', 1, 2), poisoned] };
    const error = await t.throwsAsync(store.commit('c1', result), { instanceOf: InternalError });
    t.is(error?.code, 'STORE_FAILED');
    t.regex(error!.message, /commit to campaign c1 failed: .*BigInt/);
    t.deepEqual(await store.load('c1'), before);
    t.deepEqual(await store.deviceLog('c1', devEuiOf(1)), []);
  });

  contract('list gives one summary per campaign in creation order; nextWakeMs only when set', async (t, store) => {
    await store.create(createRecord('b', 1));
    await store.create(createRecord('a', 1));
    const finished = { ...campaignState('b', 9), phase: 'completed' as const };
    delete finished.nextWakeMs;
    await store.commit('b', { campaign: finished, devices: [], log: [], commands: [] });
    const a = campaignState('a');
    t.deepEqual(await store.list(), [
      { id: 'b', phase: 'completed', updatedAtMs: finished.updatedAtMs },
      { id: 'a', phase: 'running', updatedAtMs: a.updatedAtMs, nextWakeMs: a.nextWakeMs },
    ]);
  });

  contract('deviceLog returns that device only, newest last, the newest `limit` (default 200)', async (t, store) => {
    await store.create(createRecord('c1', 2));
    await store.create(createRecord('c2', 2));
    for (let step = 1; step <= 250; step += 1) {
      const log = [logLine(0, step), logLine(1, step, `other ${step}`)];
      await store.commit('c1', { campaign: campaignState('c1', step), devices: [], log, commands: [] });
    }
    await store.commit('c2', { campaign: campaignState('c2', 1), devices: [], log: [logLine(0, 1, 'in c2')], commands: [] });
    const texts = async (limit?: number): Promise<string[]> => (await store.deviceLog('c1', devEuiOf(0), limit)).map((entry) => entry.text);
    t.deepEqual(await texts(3), ['step 248', 'step 249', 'step 250']);
    const all = await texts();
    t.is(all.length, 200);
    t.is(all[0], 'step 51');
    t.is(all[199], 'step 250');
    t.is((await texts(1_000)).length, 250);
    t.deepEqual((await store.deviceLog('c1', devEuiOf(0), 1))[0], logLine(0, 250));
    t.deepEqual(await store.deviceLog('c2', devEuiOf(0)), [logLine(0, 1, 'in c2')]);
    t.deepEqual(await store.deviceLog('c1', devEuiOf(55)), [], 'a device without entries');
  });

  contract('deviceLog keeps absent optional fields absent', async (t, store) => {
    await store.create(createRecord('c1', 1));
    const note = { devEui: devEuiOf(0), atMs: 5, direction: 'note' as const, text: 'why' };
    await store.commit('c1', { campaign: campaignState('c1', 1), devices: [], log: [note, { ...note, fPort: undefined, text: 'again' }], commands: [] });
    t.deepEqual(await store.deviceLog('c1', devEuiOf(0)), [note, { ...note, text: 'again' }]);
  });

  contract('deviceLog text keeps any Unicode; a lone surrogate comes back as U+FFFD', async (t, store) => {
    await store.create(createRecord('c1', 1));
    const texts = ['plain', 'émoji 😀 ok', 'lone \ud800 high', 'lone \udc00 low', ''];
    await store.commit('c1', { campaign: campaignState('c1', 1), devices: [], log: texts.map((text) => logLine(0, 1, text)), commands: [] });
    t.deepEqual(
      (await store.deviceLog('c1', devEuiOf(0))).map((entry) => entry.text),
      ['plain', 'émoji 😀 ok', 'lone \ufffd high', 'lone \ufffd low', ''],
    );
  });

  contract('deviceLog limit must be a positive integer', async (t, store) => {
    await store.create(createRecord('c1', 1));
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      const error = await t.throwsAsync(store.deviceLog('c1', devEuiOf(0), limit), { instanceOf: ValueError });
      t.is(error?.code, 'VALUE_OUT_OF_RANGE');
    }
  });

  contract('values are copied in and out: mutating them later changes nothing stored', async (t, store) => {
    const record = createRecord('c1', 1);
    await store.create(record);
    record.campaign.phase = 'halted';
    record.devices[0]!.phase = 'done';
    record.block[0] = 0xee;
    const result = typicalResult('c1', 0, 1);
    await store.commit('c1', result);
    result.campaign.downlinkSeq = -1;
    result.devices[0]!.counters.uplinks = -1;
    result.log[0]!.text = 'changed';
    const loaded = (await store.load('c1'))!;
    t.is(loaded.campaign.downlinkSeq, campaignState('c1', 1).downlinkSeq);
    t.is(loaded.devices[0]!.counters.uplinks, deviceState(0, 1).counters.uplinks);
    t.is(loaded.block[0], 0);
    loaded.devices[0]!.phase = 'done';
    loaded.block[0] = 0xee;
    const again = (await store.load('c1'))!;
    t.is(again.devices[0]!.phase, 'receiving');
    t.is(again.block[0], 0);
    t.is((await store.deviceLog('c1', devEuiOf(0)))[0]!.text, 'step 1');
  });

  contract('a commit of 10 000 changed devices round-trips', async (t, store) => {
    await store.create(createRecord('c1', 10_000));
    const changed = Array.from({ length: 10_000 }, (_, i) => deviceState(i, 1));
    await store.commit('c1', { campaign: campaignState('c1', 1), devices: changed, log: [], commands: [] });
    t.deepEqual((await store.load('c1'))!.devices, changed);
  });

  contract('every operation after close fails with STORE_CLOSED; closing twice is fine', async (t, store) => {
    await store.create(createRecord('c1', 1));
    await store.close();
    await store.close();
    const attempts = [
      () => store.load('c1'),
      () => store.list(),
      () => store.commit('c1', typicalResult('c1', 0, 1)),
      () => store.markDone('c1', [1]),
      () => store.deviceLog('c1', devEuiOf(0)),
      () => store.create(createRecord('c2', 1)),
    ];
    for (const attempt of attempts) {
      const error = await t.throwsAsync(attempt, { instanceOf: InternalError });
      t.is(error?.code, 'STORE_CLOSED');
    }
  });

  test(`${name}: property: after any sequence of commits and markDones, load gives the last state of everything`, async (t) => {
    const deviceCount = 6;
    const commitArb = fc.record({
      kind: fc.constant('commit' as const),
      devices: fc.uniqueArray(fc.record({ i: fc.nat(deviceCount + 1), uplinks: fc.nat(1_000), phase: fc.constantFrom('setup' as const, 'receiving' as const, 'done' as const) }), { maxLength: deviceCount, selector: (d) => d.i }),
      ledgerStep: fc.option(fc.nat(100), { nil: undefined }),
      log: fc.array(fc.record({ i: fc.nat(deviceCount - 1), text: fc.string({ maxLength: 8 }) }), { maxLength: 3 }),
      commandCount: fc.nat(3),
      wakeMs: fc.option(fc.nat(1e9), { nil: undefined }),
    });
    const markDoneArb = fc.record({ kind: fc.constant('markDone' as const), pick: fc.array(fc.nat(20), { maxLength: 4 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(commitArb, commitArb, markDoneArb), { maxLength: 25 }), async (ops) => {
        const harness = await open();
        try {
          const { store } = harness;
          const model = new CampaignModel(createRecord('p', deviceCount));
          await store.create(model.record);
          let step = 0;
          for (const op of ops) {
            if (op.kind === 'markDone') {
              const seqs = op.pick.map((k) => model.outbox[k]?.seq ?? 1_000_000 + k);
              await store.markDone('p', seqs);
              model.markDone(seqs);
              continue;
            }
            step += 1;
            const campaign = campaignState('p', step);
            if (op.wakeMs === undefined) delete campaign.nextWakeMs;
            else campaign.nextWakeMs = op.wakeMs;
            const result: TransitionResult = {
              campaign,
              devices: op.devices.map((d) => ({ ...deviceState(d.i, step), phase: d.phase, counters: { uplinks: d.uplinks, downlinks: 0, ignored: 0 } })),
              log: op.log.map((l) => logLine(l.i, step, l.text)),
              commands: Array.from({ length: op.commandCount }, (_, k) => unicast('p', k, step)),
            };
            if (op.ledgerStep !== undefined) result.ledger = ledger(op.ledgerStep);
            model.commit(result, await store.commit('p', result));
          }
          // node:assert, not t: a failure must throw so that fast-check can shrink it.
          assert.deepStrictEqual(await store.load('p'), model.stored());
          assert.strictEqual((await store.list())[0]!.nextWakeMs, model.campaign.nextWakeMs);
          for (let i = 0; i < deviceCount; i += 1) assert.deepStrictEqual(await store.deviceLog('p', devEuiOf(i), 1_000), model.log(devEuiOf(i)));
        } finally {
          await harness.store.close();
          await harness.cleanup();
        }
      }),
      { numRuns: 60 },
    );
    t.pass();
  });
}
