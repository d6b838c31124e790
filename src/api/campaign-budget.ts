import { DUTY_CYCLE_WINDOW_US, DutyCycleLedger, type LedgerSnapshot } from '../radio/duty-cycle-ledger.js';
import { region as regionByName } from '../radio/regions.js';
import type { BudgetView, SubBandBudget } from './campaign-service-types.js';

// The duty-cycle budget of one campaign's gateways over the sliding hour ending `atMs`, read
// from its ledger (the same one the fragment scheduler plans with; µs on the campaign clock).

export function budgetView(campaignId: string, snapshot: LedgerSnapshot | undefined, fallback: { region: string; budgetShare: number; gateways: readonly string[]; subBandId: string }, atMs: number): BudgetView {
  const ledger = snapshot ? DutyCycleLedger.fromJSON(snapshot) : new DutyCycleLedger(fallback.region, { budgetShare: fallback.budgetShare });
  const windowUs = snapshot?.windowUs ?? DUTY_CYCLE_WINDOW_US;
  const toUs = Math.round(atMs * 1000);
  const fromUs = toUs - windowUs;
  const subBands = new Map(regionByName(ledger.region.name).subBands.map((band) => [band.id, band]));
  const gatewayIds = [...new Set([...fallback.gateways, ...ledger.gatewayIds()])].sort();
  const gateways = gatewayIds.map((gatewayId) => {
    // The campaign's own sub-band is shown even before anything was sent there.
    const used = new Set([fallback.subBandId, ...ledger.emissions(gatewayId).map((e) => e.subBandId)]);
    const rows: SubBandBudget[] = [...used].sort().flatMap((subBandId) => {
      const band = subBands.get(subBandId);
      if (!band) return [];
      const allowedUs = ledger.budgetUs(band, 'fuota');
      const usedUs = ledger.usageUs(gatewayId, subBandId, fromUs, toUs, 'fuota');
      const otherUs = ledger.usageUs(gatewayId, subBandId, fromUs, toUs, 'other');
      return [{ subBandId, dutyCycle: band.dutyCycle, budgetShare: ledger.budgetShare, allowedMs: allowedUs / 1000, usedMs: usedUs / 1000, otherMs: otherUs / 1000, remainingMs: Math.max(0, allowedUs - usedUs) / 1000 }];
    });
    return { gatewayId, subBands: rows };
  });
  return { campaignId, atMs, windowMs: windowUs / 1000, gateways };
}
