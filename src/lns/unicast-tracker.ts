import type { Clock } from '../campaign/ports.js';

// Class A downlinks handed to the network server and not yet confirmed as sent (ChirpStack: a
// txack; The Things Stack: down/sent or down/ack). A server may answer a bad downlink with
// nothing at all (ChirpStack only logs an unknown device, network-servers.md; The Things Stack's
// MQTT is QoS 0, so a push can be lost), so silence must time out. A class A downlink leaves only
// after the device's next uplink: the timeout must be longer than the devices' uplink interval.

interface Pending {
  devEui: string;
  cancel: () => void;
}

export class UnicastTracker {
  /** In send order (Map keeps insertion order): both servers send a device's queue in order. */
  private readonly pending = new Map<string, Pending>();

  /**
   * @param silence what the timeout says happened, naming the server, e.g. "no txack from
   *   ChirpStack" (the reason then reads "<silence> within <ms> ms (<why>)").
   */
  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly onFailed: (devEui: string, reason: string, id: string) => void,
    private readonly silence: { what: string; why: string },
  ) {}

  get size(): number {
    return this.pending.size;
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** The device a pending downlink is for. */
  devEuiOf(id: string): string | undefined {
    return this.pending.get(id)?.devEui;
  }

  track(id: string, devEui: string): void {
    this.pending.get(id)?.cancel();
    const cancel = this.clock.at(this.clock.now() + this.timeoutMs, () => this.fail(id, `${this.silence.what} within ${this.timeoutMs} ms (${this.silence.why})`));
    this.pending.set(id, { devEui, cancel });
  }

  /** Confirmed as sent: done. Returns whether it was ours. */
  settle(id: string): boolean {
    const entry = this.pending.get(id);
    if (!entry) return false;
    entry.cancel();
    this.pending.delete(id);
    return true;
  }

  fail(id: string, reason: string): boolean {
    const entry = this.pending.get(id);
    if (!entry) return false;
    this.settle(id);
    this.onFailed(entry.devEui, reason, id);
    return true;
  }

  /** The device's oldest downlink still waiting: the one the server is dealing with. */
  oldestOf(devEui: string): string | undefined {
    for (const [id, entry] of this.pending) if (entry.devEui === devEui) return id;
    return undefined;
  }

  close(): void {
    for (const entry of this.pending.values()) entry.cancel();
    this.pending.clear();
  }
}
