import type { CampaignCommand } from '../../src/campaign/commands.js';
import type { DeviceLogEntry, TransitionResult } from '../../src/campaign/draft.js';
import type { CampaignState, DeviceState } from '../../src/campaign/state.js';
import type { LedgerSnapshot } from '../../src/radio/duty-cycle-ledger.js';

// Realistic campaign values for the store tests and the commit benchmark: a campaign state of
// ~1 KB in the middle of a fragment wave, and devices that have been through setup (~0.8 KB).

export function devEuiOf(i: number): string {
  return (0x70b3d57ed0000000n + BigInt(i)).toString(16).padStart(16, '0');
}

export function campaignState(id: string, step = 0): CampaignState {
  const nowMs = 1_763_700_000_000 + step * 1_000;
  return {
    id,
    phase: 'running',
    createdAtMs: 1_763_700_000_000,
    updatedAtMs: nowMs,
    waveIndex: 1,
    waveCount: 2,
    wave: {
      index: 1,
      stage: 'fragments',
      startedAtMs: 1_763_700_100_000,
      setupDeadlineMs: 1_763_703_700_000,
      sessionStartMs: 1_763_703_800_000,
      sessionEndMs: 1_763_707_400_000,
      sessionTimeOut: 12,
      subSessions: [
        { scheme: 'v1', fragIndex: 0, groupName: 'c-w0-f0', mcAddr: 0x01fffff0, groupCreated: true, nbFrag: 1_200, fragmentSizeBytes: 200, paddingBytes: 17, maxN: 2_400, nextN: 1 + step, targetN: 1_500, nextAtMs: nowMs + 2_000 },
        { scheme: 'v2', fragIndex: 1, groupName: 'c-w0-f1', mcAddr: 0x01fffff1, groupCreated: true, nbFrag: 1_200, fragmentSizeBytes: 200, paddingBytes: 17, maxN: 2_400, nextN: 1, targetN: 1_500 },
      ],
      lastMulticastEndMs: nowMs + 1_500,
      statusRound: 0,
    },
    nextWakeMs: nowMs + 2_000,
    ignoredUplinks: { 'unknown-device': 3, malformed: 1, stale: 12, duplicate: 40 },
    airtime: { fragmentsSent: step, airtimeMs: step * 370.5, unicastSent: 4 * 100_000 },
    waveResults: [{ index: 0, participants: 1_000, confirmed: 990, failed: 10 }],
    downlinkSeq: 400_000 + step,
  };
}

export function deviceState(i: number, step = 0): DeviceState {
  return {
    devEui: devEuiOf(i),
    wave: i < 1_000 ? 0 : 1,
    phase: 'receiving',
    packageVersions: { ts003: 2, ts004: 2, ts005: 2 },
    fecScheme: 'v2',
    fragIndex: 1,
    done: { mcGroupSetup: true, fragSessionSetup: true, clockSync: true, mcSession: true },
    pending: { step: 'mc-session', attempts: 1 + (step % 3), sentAtMs: 1_763_703_700_000 + step, retryAtMs: 1_763_703_760_000 + step },
    clockOffsetS: -2,
    fragments: { received: step, missing: 1_200 - Math.min(step, 1_200), statusAtMs: 1_763_703_900_000 },
    firmwareBefore: 0x0102_0300,
    nextFirmwareVersion: 0x0102_0400,
    timestamps: {
      startedAtMs: 1_763_700_100_000,
      setupDoneAtMs: 1_763_701_100_000,
      lastUplinkAtMs: 1_763_703_800_000 + step,
    },
    lastAnswer: { command: 'FragSessionStatusAns', atMs: 1_763_703_800_000 + step },
    counters: { uplinks: 12 + step, downlinks: 9 + step, ignored: 0 },
  };
}

export function ledger(step: number): LedgerSnapshot {
  return {
    format: 'fuota-duty-cycle-ledger',
    version: 1,
    region: 'EU868',
    windowUs: 3_600_000_000,
    budgetShare: 0.5,
    emissions: [{ gatewayId: '0016c001ff10a235', subBandId: 'g1', startUs: step * 1_000_000, airtimeUs: 370_000, kind: 'fuota' }],
  };
}

export function unicast(campaignId: string, i: number, step: number): CampaignCommand {
  return { type: 'unicast', id: `${campaignId}-${step}`, devEui: devEuiOf(i), fPort: 201, payloadHex: '0200010203' };
}

export function logLine(i: number, step: number, text = `step ${step}`): DeviceLogEntry {
  return { devEui: devEuiOf(i), atMs: 1_763_703_800_000 + step, direction: 'up', fPort: 201, payloadHex: '01ff', text };
}

/** One answer from device `i`: the campaign, that device, one log line, one downlink. */
export function typicalResult(campaignId: string, i: number, step: number): TransitionResult {
  return {
    campaign: campaignState(campaignId, step),
    devices: [deviceState(i, step)],
    log: [logLine(i, step)],
    commands: [unicast(campaignId, i, step)],
  };
}

export function devices(count: number, step = 0): DeviceState[] {
  return Array.from({ length: count }, (_, i) => deviceState(i, step));
}

export function createRecord(campaignId: string, deviceCount: number): { specJson: string; block: Uint8Array; campaign: CampaignState; devices: DeviceState[] } {
  const block = Uint8Array.from({ length: 4_096 }, (_, i) => (i * 31) & 0xff);
  return { specJson: JSON.stringify({ id: campaignId, devices: deviceCount }), block, campaign: campaignState(campaignId), devices: devices(deviceCount) };
}
