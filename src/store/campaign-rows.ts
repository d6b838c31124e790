import type { CampaignSummary } from '../campaign/ports.js';
import type { CampaignState } from '../campaign/state.js';

// How a campaign's state becomes a row and a row a summary, for both SQL stores (SQLite,
// PostgreSQL): phase, updated_at_ms and next_wake_ms copy fields of the state so that list()
// and wake-up scans never parse the JSON.

/** The parameters of an insert or update of campaign_states, in this order: state_json, phase, updated_at_ms, next_wake_ms, campaign_id. */
export function stateColumns(campaign: CampaignState): [string, string, number, number | null, string] {
  return [JSON.stringify(campaign), campaign.phase, campaign.updatedAtMs, campaign.nextWakeMs ?? null, campaign.id];
}

/** A list() entry: nextWakeMs only when set (as the memory store gives it). */
export function campaignSummary(id: string, phase: CampaignState['phase'], updatedAtMs: number, nextWakeMs: number | null): CampaignSummary {
  const summary: CampaignSummary = { id, phase, updatedAtMs };
  if (nextWakeMs !== null) summary.nextWakeMs = nextWakeMs;
  return summary;
}
