import { randomBytes } from 'node:crypto';
import { bytesToHex } from '../core/hex.js';

// What `fuota serve` fills into a spec that leaves it out, the same for campaign files, REST and
// gRPC: campaigns.defaults, networkServer.gateways for multicast.gateways (the ledger then
// budgets each of them), networkServer.multicastClassCMarginMs, and a random McKey.

export interface CampaignDefaults {
  region: string;
  dr: number;
  budgetShare: number;
  gateways?: readonly string[];
  classCMarginMs?: number;
}

/** The defaults where the spec leaves them out; a random McKey when it gives none. */
export function withDefaults(spec: Record<string, unknown>, defaults: CampaignDefaults): Record<string, unknown> {
  const given = spec['multicast'];
  const multicast = given !== null && typeof given === 'object' && !Array.isArray(given) ? (given as Record<string, unknown>) : {};
  if (given !== undefined && multicast !== given) return spec; // let the spec's own validation name the problem
  return {
    ...spec,
    budgetShare: spec['budgetShare'] ?? defaults.budgetShare,
    multicast: {
      ...multicast,
      region: multicast['region'] ?? defaults.region,
      dr: multicast['dr'] ?? defaults.dr,
      mcKey: multicast['mcKey'] ?? bytesToHex(randomBytes(16)),
      ...(multicast['classCMarginMs'] === undefined && defaults.classCMarginMs !== undefined ? { classCMarginMs: defaults.classCMarginMs } : {}),
      ...(multicast['gateways'] === undefined && defaults.gateways !== undefined && defaults.gateways.length > 0 ? { gateways: [...defaults.gateways] } : {}),
    },
  };
}
