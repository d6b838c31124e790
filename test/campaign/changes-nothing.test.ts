import test from 'ava';
import { changesNothing, type TransitionResult } from '../../src/campaign/draft.js';
import type { CampaignState, DeviceState } from '../../src/campaign/state.js';

// draft.ts changesNothing: the engine skips committing a result that leaves the state as it was
// (engine.ts unicastQueuedCopy). Only the clock and the wake may differ.

const before: CampaignState = {
  id: 'c',
  phase: 'running',
  createdAtMs: 1_000,
  updatedAtMs: 1_000,
  waveIndex: 0,
  waveCount: 1,
  ignoredUplinks: {},
  airtime: { fragmentsSent: 0, airtimeMs: 0, unicastSent: 2 },
  waveResults: [],
  downlinkSeq: 2,
  nextWakeMs: 3_601_000,
};
const device = { devEui: '0000000000000001' } as DeviceState;

function result(campaign: Partial<CampaignState>, parts: Partial<TransitionResult> = {}): TransitionResult {
  return { campaign: { ...before, ...campaign }, devices: [], commands: [], log: [], ...parts };
}

test('only the clock and the wake moved: nothing changed', (t) => {
  t.true(changesNothing(before, result({})));
  t.true(changesNothing(before, result({ updatedAtMs: 121_000, nextWakeMs: 301_000 })));
  t.true(changesNothing(before, result({ nextWakeMs: undefined })));
});

const changed: Array<[string, TransitionResult]> = [
  ['a device', result({}, { devices: [device] })],
  ['a command', result({}, { commands: [{ kind: 'unicast', id: 'c-3', devEui: device.devEui, fPort: 201, payload: Uint8Array.of(0) } as unknown as TransitionResult['commands'][number]] })],
  ['a log line', result({}, { log: [{ devEui: device.devEui, atMs: 2_000, direction: 'note', text: 'x' }] })],
  ['a ledger', result({}, { ledger: {} as NonNullable<TransitionResult['ledger']> })],
  ['a campaign field', result({ downlinkSeq: 3 })],
  ['a nested campaign field', result({ airtime: { fragmentsSent: 0, airtimeMs: 0, unicastSent: 3 } })],
  ['a field set that was not', result({ pausedAtMs: 2_000 })],
  ['the phase', result({ phase: 'paused' })],
];
for (const [what, changedResult] of changed) {
  test(`${what}: changed`, (t) => {
    t.false(changesNothing(before, changedResult));
  });
}
