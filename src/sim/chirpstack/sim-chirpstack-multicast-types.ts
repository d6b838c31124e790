// The simulated ChirpStack's multicast records (storage/multicast.rs MulticastGroup and
// MulticastGroupQueueItem), shared by the group store (sim-chirpstack-multicast.ts) and the
// scheduler (sim-chirpstack-multicast-scheduler.ts).

export interface SimMulticastGroup {
  id: string;
  name: string;
  applicationId: string;
  createdAtMs: number;
  /** common.Region enum value, as received (the scheduler does not read it: gateways' regions count). */
  region: number;
  mcAddr: number;
  mcNwkSKeyHex: string;
  mcAppSKeyHex: string;
  /** f_cnt of the next item. */
  fCnt: number;
  groupType: 'C' | 'B';
  dr: number;
  frequencyHz: number;
  classCSchedulingType: 'DELAY' | 'GPS_TIME';
  /** MulticastGroup field 14 as received (v4.8+; what Get shows). */
  classBPingSlotPeriodicity: number;
  /** Field 12 `class_b_ping_slot_period` as received from a v4.0–4.7 client (raw bytes). */
  classBPingSlotPeriod?: number;
  /** Ping slots per beacon period as the configured version derives it; 0: none (class B enqueue fails). */
  classBPingNb: number;
  devEuis: Set<string>;
  gatewayIds: Set<string>;
  queue: SimQueueRow[];
}

export interface SimQueueRow {
  fCnt: number;
  fPort: number;
  data: Uint8Array;
  gatewayId: string;
  /** ChirpStack's scheduler_run_after (for class B the emit time − 2 scheduler intervals). */
  runAfterMs: number;
  emitAtGpsMs?: number;
  /** Unset before v4.10 (no such column). */
  expiresAtMs?: number;
  /**
   * queued: waits for its run-after (and for its gateway to be online);
   * sent: handed to the gateway, kept until the gateway's ack deletes it;
   * retrying: the scheduler fails on it at every pass (a DR the gateway's region lacks): never sent.
   */
  state: 'queued' | 'sent' | 'retrying';
  /** retrying: the pass that first failed. */
  retryingSinceMs?: number;
}

/**
 * What became of a set of rows of one item scheduled together (one gateway for DELAY, all for
 * class B): sent (atMs: when on air), or dropped by the scheduler (expired, payload-too-large),
 * the gateway (too-late) or kept forever (dr-invalid, recorded at the first failed pass).
 */
export type SimMulticastOutcome = 'sent' | 'expired' | 'too-late' | 'payload-too-large' | 'dr-invalid';

export interface SimMulticastEmission {
  groupId: string;
  fCnt: number;
  gatewayIds: string[];
  atMs: number;
  outcome: SimMulticastOutcome;
}
