// Which CampaignStore a path names (the composition root's choice).
import type { CampaignStore } from '../campaign/ports.js';
import { MemoryCampaignStore } from '../store/memory-campaign-store.js';
import { SqliteCampaignStore } from '../store/sqlite-campaign-store.js';

export function openStore(path: string): CampaignStore {
  return path === 'memory' ? new MemoryCampaignStore() : SqliteCampaignStore.open(path);
}
