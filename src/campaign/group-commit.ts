import type { LedgerSnapshot } from '../radio/duty-cycle-ledger.js';
import type { TransitionResult } from './draft.js';
import type { CampaignEvent } from './events.js';
import { snapshotOf, TERMINAL, type LiveCampaign } from './live-campaign.js';
import type { CampaignStore, Uplink } from './ports.js';
import type { CampaignState, DeviceState } from './state.js';
import { transition } from './transition.js';
import { UplinkNotCommittedError } from './uplink-not-committed.js';
import { uplinkTime, type UplinkTimeCounters } from './uplink-time.js';

// Group commit of uplinks (issue #17; engine.ts): uplinks that arrive while a commit runs wait in
// an open batch; the batch's transitions then run one after another in memory, each on the state
// the one before left, and go to the store in ONE transaction (CampaignStore.commitBatch). Each
// uplink's promise settles only after that transaction: resolved when it committed, rejected (and
// the live state rolled back to before the batch) when it did not, so the MQTT layer acks an
// uplink only once it is durable and lets the broker redeliver the others.

export interface PendingUplink {
  uplink: Uplink;
  inboxKey?: string;
  resolve: (routed: boolean) => void;
  reject: (error: unknown) => void;
}

/** What the group commit asks of the engine. */
export interface GroupCommitHost {
  store: CampaignStore;
  nowMs(): number;
  maxUplinkSkewMs: number;
  uplinkTimes: UplinkTimeCounters;
  /** The campaign the device is in, if it runs here. */
  campaignOf(devEui: string): string | undefined;
  live(id: string): LiveCampaign | undefined;
  /** After the commit: outbox, device index and listeners, for one transition. */
  committed(id: string, live: LiveCampaign, result: TransitionResult, seqs: readonly number[]): void;
  /** After the commit, once per campaign of the batch: flush its outbox, schedule its wake. */
  touched(id: string): void;
}

/** What a batch changed in memory before its commit, to put back if the commit fails. */
interface Undo {
  live: LiveCampaign;
  campaign: CampaignState;
  ledger: LedgerSnapshot | undefined;
  /** devEui → the state before the batch (undefined: the device was not there). */
  devices: Map<string, DeviceState | undefined>;
}

interface Entry {
  id: string;
  live: LiveCampaign;
  result: TransitionResult;
  pending: PendingUplink;
}

/**
 * Every uplink of the batch through its campaign's transition, in order, each on the state the
 * previous one left (applied to the live state, remembered in `undo`), then one store transaction
 * for them all. Committed: listeners, outboxes, wakes, then the uplinks' promises. Not committed:
 * the live state goes back to before the batch and every uplink of the batch is rejected (nothing
 * of it happened; the broker redelivers them).
 */
export async function runGroupCommit(batch: readonly PendingUplink[], host: GroupCommitHost): Promise<void> {
  const undo = new Map<string, Undo>();
  const entries: Entry[] = [];
  const unrouted: PendingUplink[] = [];
  for (const pending of batch) {
    const { uplink } = pending;
    const id = host.campaignOf(uplink.devEui);
    const live = id === undefined ? undefined : host.live(id);
    // Not a device of any running campaign (or its campaign ended earlier in this batch): the application's business.
    if (id === undefined || !live || TERMINAL.has(live.campaign.phase)) {
      unrouted.push(pending);
      continue;
    }
    const time = uplinkTime(uplink.atMs, host.nowMs(), host.maxUplinkSkewMs);
    if (time.rejected) host.uplinkTimes.replaced[time.rejected]++;
    else host.uplinkTimes.taken++;
    const event: CampaignEvent = { type: 'uplink', atMs: time.atMs, devEui: uplink.devEui, fPort: uplink.fPort, payload: uplink.payload };
    if (uplink.object !== undefined) event.object = uplink.object;
    let result: TransitionResult;
    try {
      result = transition(snapshotOf(live), event, live.ctx);
    } catch (error) {
      pending.reject(error); // pure: nothing changed
      continue;
    }
    let before = undo.get(id);
    if (!before) undo.set(id, (before = { live, campaign: live.campaign, ledger: live.ledger, devices: new Map() }));
    for (const device of result.devices) {
      if (!before.devices.has(device.devEui)) before.devices.set(device.devEui, live.devices.get(device.devEui));
      live.devices.set(device.devEui, device);
    }
    live.campaign = result.campaign;
    if (result.ledger) live.ledger = result.ledger;
    entries.push({ id, live, result, pending });
  }
  let seqs: number[][];
  try {
    seqs = await commitEntries(host.store, entries);
  } catch (error) {
    rollBack(undo.values());
    for (const entry of entries) entry.pending.reject(new UplinkNotCommittedError(entry.pending.uplink.devEui, entries.length, error));
    for (const pending of unrouted) pending.resolve(false);
    return;
  }
  entries.forEach((entry, i) => host.committed(entry.id, entry.live, entry.result, seqs[i]!));
  for (const id of undo.keys()) if (host.live(id)) host.touched(id);
  for (const entry of entries) entry.pending.resolve(true);
  for (const pending of unrouted) pending.resolve(false);
}

/** One transaction for the batch: a plain commit for one transition, a group commit for more. */
async function commitEntries(store: CampaignStore, entries: readonly Entry[]): Promise<number[][]> {
  if (entries.length === 0) return [];
  if (entries.length === 1) {
    const only = entries[0]!;
    return [await store.commit(only.id, only.result, only.pending.inboxKey === undefined ? undefined : { consumedUplinkKey: only.pending.inboxKey })];
  }
  return store.commitBatch(entries.map((e) => ({ campaignId: e.id, result: e.result, ...(e.pending.inboxKey === undefined ? {} : { consumedUplinkKey: e.pending.inboxKey }) })));
}

function rollBack(undos: Iterable<Undo>): void {
  for (const before of undos) {
    before.live.campaign = before.campaign;
    if (before.ledger === undefined) delete before.live.ledger;
    else before.live.ledger = before.ledger;
    for (const [devEui, device] of before.devices) {
      if (device === undefined) before.live.devices.delete(devEui);
      else before.live.devices.set(devEui, device);
    }
  }
}
