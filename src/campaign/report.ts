import type { CampaignState, DeviceOutcome, DeviceState } from './state.js';

/** The end-of-campaign summary an operator reads (and the service publishes). */
export interface CampaignReport {
  id: string;
  phase: CampaignState['phase'];
  haltReason?: string;
  /** Waiting for schedule.startAt or the next send window (ISO time in the status events). */
  scheduleWait?: CampaignState['scheduleWait'];
  devices: number;
  outcomes: Partial<Record<DeviceOutcome | 'open', number>>;
  /** Why devices did not confirm, most frequent first. */
  reasons: Array<{ reason: string; devices: number }>;
  waves: CampaignState['waveResults'];
  airtime: CampaignState['airtime'];
  ignoredUplinks: CampaignState['ignoredUplinks'];
  durationMs: number;
}

export function campaignReport(campaign: CampaignState, devices: Iterable<DeviceState>): CampaignReport {
  const outcomes: CampaignReport['outcomes'] = {};
  const reasons = new Map<string, number>();
  let count = 0;
  for (const device of devices) {
    count++;
    const outcome = device.outcome ?? 'open';
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (device.outcome && device.outcome !== 'confirmed' && device.error) reasons.set(device.error, (reasons.get(device.error) ?? 0) + 1);
  }
  return {
    id: campaign.id,
    phase: campaign.phase,
    ...(campaign.haltReason ? { haltReason: campaign.haltReason } : {}),
    ...(campaign.scheduleWait ? { scheduleWait: campaign.scheduleWait } : {}),
    devices: count,
    outcomes,
    reasons: [...reasons].map(([reason, n]) => ({ reason, devices: n })).sort((a, b) => b.devices - a.devices || a.reason.localeCompare(b.reason)),
    waves: campaign.waveResults,
    airtime: campaign.airtime,
    ignoredUplinks: campaign.ignoredUplinks,
    durationMs: campaign.updatedAtMs - campaign.createdAtMs,
  };
}
