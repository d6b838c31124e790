import type { TransitionResult } from '../campaign/draft.js';
import type { BatchCommit } from '../campaign/ports.js';
import type { DeviceState } from '../campaign/state.js';

/** What a group commit writes of one campaign: its state, ledger and devices as the batch's last transition touching each left them. */
export interface LastStates {
  result: TransitionResult;
  ledger?: TransitionResult['ledger'];
  devices: Map<string, DeviceState>;
}

/**
 * Per campaign of a group commit (issue #17), the latest of everything that is overwritten rather
 * than appended: earlier versions would be replaced within the same transaction, so they are not
 * written at all. Log lines and commands are appended in order by the store itself.
 */
export function lastStatesByCampaign(entries: readonly BatchCommit[]): Map<string, LastStates> {
  const campaigns = new Map<string, LastStates>();
  for (const { campaignId: id, result } of entries) {
    let last = campaigns.get(id);
    if (!last) campaigns.set(id, (last = { result, devices: new Map() }));
    last.result = result;
    if (result.ledger) last.ledger = result.ledger;
    for (const device of result.devices) last.devices.set(device.devEui, device);
  }
  return campaigns;
}
