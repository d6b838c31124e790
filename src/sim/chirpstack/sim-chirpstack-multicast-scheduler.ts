import { gpsMsToUnixMs } from '../../core/gps-time.js';
import { UnknownDataRateError } from '../../radio/radio-errors.js';
import { maxPayload } from '../../radio/regions.js';
import type { SimChirpstackGateways } from './sim-chirpstack-gateways.js';
import type { SimMulticastEmission, SimMulticastGroup, SimMulticastOutcome, SimQueueRow } from './sim-chirpstack-multicast-types.js';
import { hasMulticastExpiry, type SimChirpstackVersion } from './sim-chirpstack-version.js';
import type { SimClock } from '../sim-clock.js';
import type { SimNetworkServer } from '../sim-network-server.js';

// ChirpStack's multicast scheduler over the simulated queue rows (downlink/scheduler.rs →
// storage/multicast.rs get_schedulable_queue_items → downlink/multicast.rs
// handle_schedule_queue_item). ChirpStack's scheduler loop runs a batch, then sleeps one
// interval: modelled as passes on the interval's ticks from the sim's start, the first tick at or
// after a row's run-after (no pass while nothing is due):
//   - a row is picked when its run-after has come AND its gateway was seen recently
//     (storage/multicast.rs 694-703 post-4.19); a row of an offline gateway is not picked, so it
//     is neither sent nor checked for expiry: it waits in the queue (ListQueue shows it) until the
//     gateway is back, and is then picked at once;
//   - picking pushes its run-after 2 scheduler intervals on (get_schedulable_queue_items);
//   - expired (v4.10+: Utc::now() > expires_at) → deleted unsent (validate_expiration);
//   - the max payload for the group's DR comes from the region of the GATEWAY's region config
//     (downlink/multicast.rs 105-119 post-4.19; validate_payload_size in the indexed version):
//     data longer than N → deleted with a server log line only; a DR that region lacks is an
//     error, not an abort: the row stays and is picked again at every pass, never sent;
//   - otherwise the frame goes to the gateway, and the row stays until the gateway's ack
//     (downlink/tx_ack.rs deletes the multicast row on any ack, OK or not). With an emit time
//     (class B, class C GPS_TIME) the gateway holds the frame until then; one that is already
//     due when the frame arrives is TOO_LATE: nothing goes on air and nothing is reported. Class C
//     GPS_TIME rows run at their emit time (storage/multicast.rs enqueue), so they always end so.
// Rows picked together (same item, same instant) make one emission; a device in range of two
// of its gateways hears it once.

/** Gateway round trip from ChirpStack's downlink command to its txack (simulated; LAN-like). */
export const MULTICAST_TX_ACK_LATENCY_MS = 100;

/** ChirpStack's `network.scheduler.interval` default. */
export const DEFAULT_SCHEDULER_INTERVAL_MS = 1_000;

export interface SimMulticastSchedulerOptions {
  network: SimNetworkServer;
  clock: SimClock;
  gateways: SimChirpstackGateways;
  version: SimChirpstackVersion;
  schedulerIntervalMs: number;
  groups: () => Iterable<SimMulticastGroup>;
  emissions: SimMulticastEmission[];
  /** ChirpStack's warn/error log lines about dropped or failing rows. */
  serverLog: string[];
}

export class SimMulticastScheduler {
  private readonly passes = new Map<string, Map<number, () => void>>();
  private transientSeq = 0;
  /** The scheduler loop's phase: its ticks are firstTickMs + n × interval. */
  private readonly firstTickMs: number;

  constructor(private readonly options: SimMulticastSchedulerOptions) {
    this.firstTickMs = options.clock.now();
    options.gateways.onOnline(() => {
      for (const group of options.groups()) this.passAt(group, options.clock.now());
    });
  }

  /** scheduler_run_after as ChirpStack would show it now (a retrying row's moves on each pass). */
  runAfterMs(row: SimQueueRow): number {
    if (row.state !== 'retrying') return row.runAfterMs;
    const stepMs = 2 * this.options.schedulerIntervalMs;
    return row.retryingSinceMs! + stepMs * (Math.floor((this.options.clock.now() - row.retryingSinceMs!) / stepMs) + 1);
  }

  watch(group: SimMulticastGroup, rows: readonly SimQueueRow[]): void {
    for (const atMs of new Set(rows.map((r) => r.runAfterMs))) this.passAt(group, atMs);
  }

  forget(group: SimMulticastGroup): void {
    for (const cancel of this.passes.get(group.id)?.values() ?? []) cancel();
    this.passes.delete(group.id);
  }

  private passAt(group: SimMulticastGroup, atMs: number): void {
    const passes = this.passes.get(group.id) ?? new Map<number, () => void>();
    this.passes.set(group.id, passes);
    const intervalMs = this.options.schedulerIntervalMs;
    const from = Math.max(atMs, this.options.clock.now());
    const at = this.firstTickMs + Math.ceil((from - this.firstTickMs) / intervalMs) * intervalMs;
    if (passes.has(at)) return;
    passes.set(at, this.options.clock.at(at, () => {
      passes.delete(at);
      this.pass(group);
    }));
  }

  private pass(group: SimMulticastGroup): void {
    const now = this.options.clock.now();
    const due = group.queue.filter((r) => r.state === 'queued' && r.runAfterMs <= now && this.options.gateways.isOnline(r.gatewayId));
    const byFCnt = new Map<number, SimQueueRow[]>();
    for (const row of due) byFCnt.set(row.fCnt, [...(byFCnt.get(row.fCnt) ?? []), row]);
    for (const rows of byFCnt.values()) this.schedule(group, rows, now);
  }

  private schedule(group: SimMulticastGroup, rows: SimQueueRow[], now: number): void {
    const byOutcome = new Map<SimMulticastOutcome, SimQueueRow[]>();
    for (const row of rows) {
      row.runAfterMs = now + 2 * this.options.schedulerIntervalMs;
      const outcome = this.check(group, row, now);
      byOutcome.set(outcome, [...(byOutcome.get(outcome) ?? []), row]);
    }
    for (const [outcome, batch] of byOutcome) {
      const emitAtMs = batch[0]!.emitAtGpsMs === undefined ? now : gpsMsToUnixMs(batch[0]!.emitAtGpsMs);
      if (outcome === 'sent') this.emit(group, batch, emitAtMs);
      if (outcome === 'sent' || outcome === 'too-late') this.options.clock.at(now + MULTICAST_TX_ACK_LATENCY_MS, () => remove(group, batch));
      this.options.emissions.push({ groupId: group.id, fCnt: batch[0]!.fCnt, gatewayIds: batch.map((r) => r.gatewayId), atMs: outcome === 'sent' ? emitAtMs : now, outcome });
    }
  }

  /** handle_schedule_queue_item's checks, in its order; the row's state follows. */
  private check(group: SimMulticastGroup, row: SimQueueRow, now: number): SimMulticastOutcome {
    const { gateways, serverLog, version } = this.options;
    if (hasMulticastExpiry(version) && row.expiresAtMs !== undefined && now > row.expiresAtMs) {
      remove(group, [row]);
      serverLog.push(`Discarding multicast-group queue item because it has expired (multicast_group_id: ${group.id}, f_cnt: ${row.fCnt})`);
      return 'expired';
    }
    let maxBytes: number;
    try {
      maxBytes = maxPayload(gateways.region(row.gatewayId), group.dr).frmPayloadBytes;
    } catch (error) {
      if (!(error instanceof UnknownDataRateError)) throw error;
      row.state = 'retrying';
      row.retryingSinceMs = now;
      serverLog.push(`Schedule multicast-group queue item error: DR${group.dr} not in region config ${gateways.regionConfigId(row.gatewayId)} (multicast_group_id: ${group.id}, f_cnt: ${row.fCnt})`);
      return 'dr-invalid';
    }
    if (row.data.length > maxBytes) {
      remove(group, [row]);
      serverLog.push(`Discarding multicast-group queue item because it exceeds max. payload size (dr: ${group.dr}, max_pl_size: ${maxBytes}, pl_size: ${row.data.length})`);
      return 'payload-too-large';
    }
    row.state = 'sent';
    // The frame reaches the gateway after `now`: an emit time not after it is already past.
    return row.emitAtGpsMs !== undefined && gpsMsToUnixMs(row.emitAtGpsMs) <= now ? 'too-late' : 'sent';
  }

  /** The gateways transmit at `atMs` to the members of this moment, through a one-off SimNetworkServer group. */
  private emit(group: SimMulticastGroup, rows: SimQueueRow[], atMs: number): void {
    const { network } = this.options;
    const first = rows[0]!;
    const name = `chirpstack:${group.id}:${first.fCnt}:${this.transientSeq++}`;
    void network.createMulticastGroup({
      type: 'create-multicast-group',
      groupName: name,
      mcAddr: group.mcAddr,
      mcAppSKeyHex: group.mcAppSKeyHex,
      mcNwkSKeyHex: group.mcNwkSKeyHex,
      deviceClass: group.groupType,
      dr: group.dr,
      frequencyHz: group.frequencyHz,
      periodicity: periodicityOf(group.classBPingNb),
      devEuis: [...group.devEuis],
      gateways: rows.map((r) => r.gatewayId),
    });
    // On air with the group's own counter (MulticastGroupQueueItem.f_cnt).
    void network.sendMulticast({ id: `${group.id}:${first.fCnt}`, groupName: name, fPort: first.fPort, payload: first.data, atMs, fCnt: first.fCnt });
    void network.deleteMulticastGroup(name);
  }
}

function remove(group: SimMulticastGroup, rows: readonly SimQueueRow[]): void {
  group.queue = group.queue.filter((row) => !rows.includes(row));
}

/** LoRaWAN periodicity k of ping_nb = 2^(7−k); 0 when ping_nb is no such power (class C groups). */
function periodicityOf(pingNb: number): number {
  const k = 7 - Math.log2(pingNb);
  return Number.isInteger(k) && k >= 0 && k <= 7 ? k : 0;
}
