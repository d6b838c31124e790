// The copy-on-write copies (src/campaign/state-copy.ts) are deep: filled with every field the
// state types have (Required<…>: a field added to state.ts must be added here, or this does not
// compile), a copy equals its original and shares no object with it.

import test from 'ava';
import { copyCampaign, copyDevice } from '../../src/campaign/state-copy.js';
import type { CampaignState, DeviceState, PendingRequest, SubSession, WaveState } from '../../src/campaign/state.js';

const pending: Required<PendingRequest> = { step: 'mc-session', attempts: 2, sentAtMs: 1, retryAtMs: 2, uplinksSince: 1, lastCountedUplinkMs: 3, waitOnly: false, askId: 'c-1', heardSincePreviousAsk: true };

const device: Required<DeviceState> = {
  devEui: '70b3d50000000001',
  wave: 1,
  phase: 'receiving',
  outcome: 'failed',
  error: 'x',
  packageVersions: { ts003: 1, ts004: 2, ts005: 1 },
  fecScheme: 'rs',
  fragIndex: 1,
  done: { mcGroupSetup: true, fragSessionSetup: true, clockSync: false, mcSession: true },
  pending,
  clockOffsetS: 3,
  fragments: { received: 1, missing: 2, needed: 3, tailFragments: 4, lossShare: 0.1, completeBy: 'status', statusAtMs: 5, memoryError: false },
  v2Seed: 'N-M',
  sessionCnt: 2,
  followUp: true,
  firmwareReported: 7,
  rebootRequestedMs: 8,
  firstRebootRequestedMs: 8,
  versionBeforeRebootAgain: true,
  released: false,
  firmwareBefore: 1,
  firmwareAfter: 2,
  nextFirmwareVersion: 2,
  timestamps: { startedAtMs: 1, setupDoneAtMs: 2, completeAtMs: 3, rebootAtMs: 4, finishedAtMs: 5, lastUplinkAtMs: 6 },
  lastAnswer: { command: 'DevVersionAns', atMs: 9 },
  counters: { uplinks: 1, downlinks: 2, ignored: 3, clockCorrections: 4, versionChecks: 5 },
};

const session: Required<SubSession> = {
  scheme: 'rs', fragIndex: 0, groupName: 'g', mcAddr: 1, groupCreated: true, groupDeleted: false, nbFrag: 10, fragmentSizeBytes: 50,
  paddingBytes: 0, maxN: 40, nextN: 3, targetN: 11, nextAtMs: 5, statusSentN: 2, lossStats: { lost: 1, seen: 9 },
};

const wave: Required<WaveState> = {
  index: 1, stage: 'fragments', startedAtMs: 1, setupDeadlineMs: 2, sessionStartMs: 3, sessionEndMs: 4, sessionTimeOut: 5, subSessions: [session],
  lastMulticastEndMs: 6, lastMulticastAtMs: 7, statusRound: 1, statusDeadlineMs: 8, extraDecidedAtMs: 9, rebootAtMs: 10, upgradeDeadlineMs: 11,
  windowClosed: false, sessionReplans: 1, sessionPlannedAtMs: 12, followUpOf: 0,
};

const campaign: Required<CampaignState> = {
  id: 'c', phase: 'running', createdAtMs: 1, updatedAtMs: 2, waveIndex: 1, waveCount: 3, wave, nextWakeMs: 4, ignoredUplinks: { stale: 1 },
  airtime: { fragmentsSent: 1, airtimeMs: 2, unicastSent: 3, gatewayOverflows: 4 },
  waveResults: [{ index: 0, participants: 1, confirmed: 1, failed: 0, delivered: 0, followUpOf: 0 }], followUpWaves: [2], haltReason: 'h',
  scheduleWait: { reason: 'window', untilMs: 5 }, pausedAtMs: 6, downlinkSeq: 7,
};

/** Every object reachable from `value`. */
function objects(value: unknown, out = new Set<object>()): Set<object> {
  if (typeof value === 'object' && value !== null) {
    out.add(value);
    for (const v of Object.values(value)) objects(v, out);
  }
  return out;
}

function sharesNothing(original: unknown, copy: unknown): boolean {
  const mine = objects(original);
  for (const o of objects(copy)) if (mine.has(o)) return false;
  return true;
}

test('a device copy equals its original and shares no object with it', (t) => {
  const copy = copyDevice(device);
  t.deepEqual(copy, device);
  t.true(sharesNothing(device, copy));
});

test('a campaign copy equals its original and shares no object with it', (t) => {
  const copy = copyCampaign(campaign);
  t.deepEqual(copy, campaign);
  t.true(sharesNothing(campaign, copy));
});

test('absent optional objects stay absent in the copy', (t) => {
  const { pending: _p, lastAnswer: _l, ...bare } = device;
  const copy = copyDevice(bare as DeviceState);
  t.false('pending' in copy);
  t.false('lastAnswer' in copy);
});
