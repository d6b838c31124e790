import type { CampaignContext } from './context.js';
import type { Draft } from './draft.js';
import type { GatewayOverflowEvent } from './events.js';
import { multicastBandwidthHz, openLedger, saveLedger } from './fragment-scheduler.js';

// A gateway refused a downlink because its duty cycle was used up by traffic we did not
// schedule (the network server's own downlinks, other applications). We make the ledger believe
// that the campaign's multicast sub-band on that gateway was full at the refusal, so the next
// multicast frames on it wait until older emissions age out of the hour. The only such feedback
// is ChirpStack's DUTY_CYCLE_OVERFLOW log for a unicast: for multicast it logs nothing, so for
// multicast the ledger is the only guard. Limits:
// - the refusal names no frequency (a class A reply may have gone in RX1, in another sub-band):
//   we assume the multicast's sub-band, which may slow the campaign but never overflows it;
// - frames already handed to the network server (up to LOOKAHEAD_MS ahead) still go;
// - we cannot date the traffic that filled the gateway, so it is placed last in the hour, where it
//   ages out last (fillWindow): again slower, never over.

/**
 * The campaign's ledger gateways a refusal concerns. Gateways named: the campaign's among them.
 * None named (nobody knew who heard the device): all of the campaign's, if the device is its own
 * (conservative). A spec that lists no gateways plans on one stand-in for whatever gateways the
 * network server picks for the group: it is concerned when the device is its own (the network
 * server picks gateways that hear the group's devices), not for another campaign's device.
 */
export function overflowGateways(ctx: CampaignContext, gatewayIds: readonly string[], ownsDevice: boolean): string[] {
  if (ctx.spec.multicast.gateways.length > 0 && gatewayIds.length > 0) return ctx.gateways.filter((id) => gatewayIds.includes(id));
  return ownsDevice ? [...ctx.gateways] : [];
}

/** Counts the multicast sub-band full at the event's time on every gateway concerned. */
export function chargeGatewayOverflow(draft: Draft, ctx: CampaignContext, event: GatewayOverflowEvent): void {
  const owns = draft.has(event.devEui);
  const gateways = overflowGateways(ctx, event.gatewayIds, owns);
  if (gateways.length === 0) return;
  const ledger = openLedger(draft, ctx);
  const target = { frequencyHz: ctx.frequencyHz, bandwidthHz: multicastBandwidthHz(ctx), endUs: Math.floor(draft.nowMs * 1000) };
  let filled = false;
  const charged = gateways.map((gatewayId) => {
    const emission = ledger.fillWindow({ gatewayId, ...target });
    filled ||= emission !== undefined;
    return `${gatewayId} (${emission ? `other traffic assumed over the last ${emission.airtimeUs / 1e6} s` : 'already full'})`;
  });
  if (filled) saveLedger(draft, ledger);
  const airtime = draft.campaign.airtime;
  airtime.gatewayOverflows = (airtime.gatewayOverflows ?? 0) + 1;
  if (owns) {
    const subBand = ledger.subBand(target.frequencyHz, target.bandwidthHz).id;
    draft.note(event.devEui, `gateway duty cycle full (DUTY_CYCLE_OVERFLOW) for a downlink to this device: multicast sub-band ${subBand} counted full until now on ${charged.join(', ')}`);
  }
}
