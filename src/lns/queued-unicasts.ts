// The class A downlinks of ours that a network server holds in a device's queue, by device, FPort
// and payload, so that a request asked again while its copy still waits is not queued twice.
// Both servers only append: The Things Stack's AppAs offers DownlinkQueuePush (append),
// DownlinkQueueReplace (the device's WHOLE queue: the application's own downlinks too) and
// DownlinkQueueList, no removal of one item (lorawan-stack api/applicationserver.proto service
// AppAs; pkg/applicationserver/applicationserver.go "DownlinkQueueReplace replaces the end
// device's application downlink queue"); ChirpStack v4's command/down and DeviceService.Enqueue
// insert a new row (chirpstack/src/storage/device_queue.rs enqueue_item), and its API removes
// only all of them (FlushQueue → flush_for_dev_eui; network-servers.md: Enqueue, FlushQueue,
// ListQueue). A
// second copy of a request is sent at a later uplink of its own and costs its airtime again on a
// gateway whose duty cycle is what held the first one back (issue: `demo --network tts --devices
// 1000`, the gateway ran out of duty cycle on stale copies).

interface QueuedCopy {
  devEui: string;
  key: string;
}

export class QueuedUnicasts {
  private readonly byId = new Map<string, QueuedCopy>();
  /** `devEui fPort payloadHex` → the id of our copy the server holds. */
  private readonly byKey = new Map<string, string>();

  get size(): number {
    return this.byId.size;
  }

  /** The id of our copy of this very request still in the server's queue, if any. */
  copyOf(devEui: string, fPort: number, payloadHex: string): string | undefined {
    return this.byKey.get(keyOf(devEui, fPort, payloadHex));
  }

  /** A request handed to the server (it holds it from now on, until it says otherwise). */
  add(id: string, devEui: string, fPort: number, payloadHex: string): void {
    const key = keyOf(devEui, fPort, payloadHex);
    const previous = this.byKey.get(key);
    if (previous !== undefined) this.byId.delete(previous);
    this.byId.set(id, { devEui, key });
    this.byKey.set(key, id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The item left the queue (sent, failed, dropped) or was never in it (the push failed). */
  remove(id: string): void {
    const copy = this.byId.get(id);
    if (!copy) return;
    this.byId.delete(id);
    if (this.byKey.get(copy.key) === id) this.byKey.delete(copy.key);
  }

  /** The device's queue is gone (a new session). */
  removeDevice(devEui: string): void {
    for (const [id, copy] of this.byId) if (copy.devEui === devEui) this.remove(id);
  }

  clear(): void {
    this.byId.clear();
    this.byKey.clear();
  }
}

function keyOf(devEui: string, fPort: number, payloadHex: string): string {
  return `${devEui} ${fPort} ${payloadHex.toLowerCase()}`;
}
