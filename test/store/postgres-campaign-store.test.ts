import { PostgresCampaignStore } from '../../src/store/postgres-campaign-store.js';
import { campaignStoreContract } from './campaign-store-contract.js';
import { freshSchema } from './postgres-test-db.js';

campaignStoreContract('postgres store', async () => {
  const db = await freshSchema();
  const store = await PostgresCampaignStore.open({ url: db.url, schema: db.schema });
  return { store, cleanup: db.drop };
});
