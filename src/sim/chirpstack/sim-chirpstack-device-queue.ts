import type { TxAckStatusMap } from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import type { UnicastCommand } from '../../campaign/commands.js';
import { bytesToHex } from '../../core/hex.js';
import type { SimQueueItem } from './sim-chirpstack-command.js';
import type { SimLogEvent } from './sim-chirpstack-events.js';
import { hasUnicastExpiry, type SimChirpstackVersion } from './sim-chirpstack-version.js';
import type { SimNetworkServer } from '../sim-network-server.js';

// ChirpStack's rules for a device's class A queue, over the SimNetworkServer's queue (its hooks):
//   - an item whose id is still in the device's queue is a duplicate primary key: the insert
//     fails and ChirpStack only logs it (storage/device_queue.rs 66-73, enqueue_item);
//   - a gateway that refuses a downlink (negative txack): ChirpStack publishes a `log`
//     DOWNLINK_GATEWAY, level ERROR, description = the TxAckStatus name, no context
//     (downlink/tx_ack.rs log_tx_ack_error) and does not delete the item (it deletes only on an
//     OK txack), so the item goes out at the device's next uplink;
//   - v4.14+: an item whose expires_at has passed when the device next uplinks is deleted with a
//     `log` EXPIRED carrying queue_item_id (downlink/data.rs get_next_device_queue_item, as its
//     DOWNLINK_PAYLOAD_SIZE and F_CNT_DOWN discards); before v4.14 expires_at is ignored.

/** A gateway's negative TxAckStatus (gw.proto). */
export type SimTxAckRefusal = Exclude<keyof TxAckStatusMap, 'OK'>;

export type SimQueueLog = Pick<SimLogEvent, 'level' | 'code' | 'description' | 'context'>;

/** Wording modelled on data.rs' DOWNLINK_PAYLOAD_SIZE discard (the EXPIRED one is post-4.13, not in the index). */
export const EXPIRED_DESCRIPTION = 'Device queue-item discarded because it has expired';

export class SimChirpstackDeviceQueue {
  private readonly refusals = new Map<string, SimTxAckRefusal[]>();
  /** expires_at of queued items, by `devEui/id` (v4.14+ only). */
  private readonly expiresAtMs = new Map<string, number>();

  constructor(
    private readonly network: SimNetworkServer,
    private readonly version: SimChirpstackVersion,
    /** ChirpStack publishes `log` for the device; `kind` says why. */
    private readonly report: (downlink: UnicastCommand, kind: 'refused' | 'expired', log: SimQueueLog) => void,
  ) {}

  attach(): void {
    this.network.unicastTxAckStatus = (downlink) => this.refusals.get(downlink.devEui)?.shift() ?? 'OK';
    this.network.onUnicastRefused = (downlink, status) => this.report(downlink, 'refused', { level: 'ERROR', code: 'DOWNLINK_GATEWAY', description: status, context: {} });
    this.network.dropQueuedUnicast = (downlink) => this.dropIfExpired(downlink);
  }

  detach(): void {
    this.network.unicastTxAckStatus = () => 'OK';
    this.network.onUnicastRefused = () => {};
    this.network.dropQueuedUnicast = () => false;
  }

  /** The gateway refuses the device's next class A downlink with `status` (once per call). */
  rejectNextDownlink(devEui: string, status: SimTxAckRefusal): void {
    this.refusals.set(devEui, [...(this.refusals.get(devEui) ?? []), status]);
  }

  /** Inserts the item; false (nothing queued) when its id is still in the device's queue. */
  enqueue(item: SimQueueItem): boolean {
    if (this.network.hasQueuedUnicast(item.devEui, item.id)) return false;
    if (item.expiresAtMs !== undefined && hasUnicastExpiry(this.version)) this.expiresAtMs.set(`${item.devEui}/${item.id}`, item.expiresAtMs);
    void this.network.sendUnicast({ type: 'unicast', id: item.id, devEui: item.devEui, fPort: item.fPort, payloadHex: bytesToHex(item.data) });
    return true;
  }

  private dropIfExpired(downlink: UnicastCommand): boolean {
    const key = `${downlink.devEui}/${downlink.id}`;
    const expiresAtMs = this.expiresAtMs.get(key);
    if (expiresAtMs === undefined || expiresAtMs >= this.network.now()) return false;
    this.expiresAtMs.delete(key);
    this.report(downlink, 'expired', { level: 'ERROR', code: 'EXPIRED', description: EXPIRED_DESCRIPTION, context: { queue_item_id: downlink.id } });
    return true;
  }
}
