import { MemoryCampaignStore } from '../../src/store/memory-campaign-store.js';
import { campaignStoreContract } from './campaign-store-contract.js';

campaignStoreContract('memory store', async (deviceLogRetention) => ({ store: new MemoryCampaignStore(deviceLogRetention ? { deviceLogRetention } : {}), cleanup: async () => undefined }));
