import type { Clock } from '../../campaign/ports.js';

// Class A downlinks sent over MQTT and not yet confirmed by a txack. ChirpStack answers a bad
// command (unknown devEui, a device outside the application) with nothing at all, only a line in
// its own log (network-servers.md), so silence must time out. A class A downlink leaves only
// after the device's next uplink: the timeout must be longer than the devices' uplink interval.

interface Pending {
  devEui: string;
  cancel: () => void;
}

export class UnicastTracker {
  /** In send order (Map keeps insertion order): ChirpStack sends a device's queue in order. */
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly clock: Clock,
    private readonly txAckTimeoutMs: number,
    private readonly onFailed: (devEui: string, reason: string, id: string) => void,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  track(id: string, devEui: string): void {
    this.pending.get(id)?.cancel();
    const cancel = this.clock.at(this.clock.now() + this.txAckTimeoutMs, () =>
      this.fail(id, `no txack from ChirpStack within ${this.txAckTimeoutMs} ms (ChirpStack only logs an unknown device or application; or the device sent no uplink)`),
    );
    this.pending.set(id, { devEui, cancel });
  }

  /** A txack or ack for `id`: done. Returns whether it was ours. */
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

  /** The device's oldest downlink still waiting: the one ChirpStack is dealing with. */
  oldestOf(devEui: string): string | undefined {
    for (const [id, entry] of this.pending) if (entry.devEui === devEui) return id;
    return undefined;
  }

  close(): void {
    for (const entry of this.pending.values()) entry.cancel();
    this.pending.clear();
  }
}
