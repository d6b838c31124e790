import { hexToBytes } from '../core/hex.js';
import type { CreateMulticastGroupCommand, UnicastCommand } from '../campaign/commands.js';
import type { MulticastDownlink, NetworkServer, Uplink } from '../campaign/ports.js';
import { TS005 } from '../lorawan/ts005-multicast-setup.js';
import { createLossModel, type LossModel } from './loss-model.js';
import { multicastFrame } from './multicast-frame.js';
import type { Random } from './random.js';
import type { SimClock } from './sim-clock.js';
import { SimDevice, type DeviceRadio } from './sim-device.js';

interface DeviceEntry {
  device: SimDevice;
  /** Its position in the fleet: multicast reaches devices in this order, whichever way they are found. */
  ordinal: number;
  /** Shared by every device with the same gateway list (100 000 devices, a handful of lists). */
  gateways: ReadonlySet<string>;
  downlinkLoss: LossModel;
  /** Class A items waiting, oldest first; replaced, never written (NO_QUEUE while empty: a pushed-to array keeps ~17 slots). */
  queue: readonly UnicastCommand[];
  /** The item between an uplink and its RX1 (still queued, not offered twice). */
  inFlight?: UnicastCommand;
  /**
   * Uplink times already scheduled: the first in `slot` (a device has its next periodic uplink
   * scheduled nearly all the time), any more in `moreSlots` (absent while there are none).
   */
  slot?: number;
  moreSlots?: Set<number>;
  /** When its last uplink that arrived did (none yet: undefined); its gateways heard it. */
  lastUplinkAtMs?: number;
}

/** An uplink on its way to the network server (UPLINK_LATENCY_MS): one object, no closure. */
interface UplinkInFlight {
  entry: DeviceEntry;
  uplink: Uplink;
}

interface Group {
  spec: CreateMulticastGroupCommand;
  members: ReadonlySet<string>;
  /** The members' entries in fleet order. */
  memberEntries: DeviceEntry[];
  /** Per gateway list of the fleet (DeviceEntry.gateways), whether one of the group's gateways is on it. */
  inRange: Map<ReadonlySet<string>, boolean>;
  /** The group's multicast frame counter. */
  fCnt: number;
  queued: number;
  deleteWhenEmpty: boolean;
}

export interface SimNetworkStats {
  uplinks: number;
  uplinksLost: number;
  unicastQueued: number;
  unicastDelivered: number;
  unicastLost: number;
  unicastUnknownDevice: number;
  multicastSent: number;
  multicastReceptions: number;
  multicastLosses: number;
}

const NO_QUEUE: readonly UnicastCommand[] = Object.freeze([]);
const RX1_DELAY_MS = 1_000;
const UPLINK_LATENCY_MS = 200;

/**
 * A network server in simulated time: class A downlinks wait in a per-device queue and go out
 * after the device's next uplink (RX1, with FPending when more wait); multicast downlinks go out
 * at their time to every device in range of a group gateway that listens on the McAddr (a
 * broadcast, as on air: members or not), each with its own loss.
 * Like ChirpStack: a downlink for an unknown device is only counted, multicast produces no
 * events, and a group is deleted only once its queue is empty.
 */
export class SimNetworkServer implements NetworkServer, DeviceRadio {
  readonly stats: SimNetworkStats = { uplinks: 0, uplinksLost: 0, unicastQueued: 0, unicastDelivered: 0, unicastLost: 0, unicastUnknownDevice: 0, multicastSent: 0, multicastReceptions: 0, multicastLosses: 0 };
  private readonly devices = new Map<string, DeviceEntry>();
  private readonly groups = new Map<string, Group>();
  private readonly gatewaySets = new Map<string, ReadonlySet<string>>();
  /** Each gateway set as a list, for lastUplinkGateways (one shared array, not a copy per uplink). */
  private readonly gatewayLists = new Map<ReadonlySet<string>, readonly string[]>();
  /**
   * Devices that were sent a TS005 downlink, in fleet order: only they can hold a multicast group
   * (McGroupSetupReq, TS005 §4.3, is the only way to one), so only they may hear a frame for a group they are
   * not a member of. A frame costs its listeners, not the fleet. A device whose class decides
   * listensTo its own way (tests' recording devices) is always among them.
   */
  private readonly mayListen: DeviceEntry[] = [];
  private readonly mayListenSet = new Set<DeviceEntry>();
  /** Whether mayListen is in fleet order (devices are appended as they come, sorted when a frame needs the order). */
  private mayListenSorted = true;
  /** Where uplinks go (the engine's handleUplink, or an MQTT bridge). */
  onUplink: (uplink: Uplink) => void = () => {};
  /** A class A downlink goes on air (before its loss is drawn): ChirpStack's txack moment (sim-chirpstack-mqtt.ts). */
  onUnicastSent: (downlink: UnicastCommand) => void = () => {};
  /**
   * At RX1, the gateway's TxAckStatus for the downlink: anything but 'OK' keeps the item queued
   * for the next uplink and calls onUnicastRefused instead of onUnicastSent (a ChirpStack hook).
   */
  unicastTxAckStatus: (downlink: UnicastCommand) => string = () => 'OK';
  onUnicastRefused: (downlink: UnicastCommand, status: string) => void = () => {};
  /** At an uplink, before a queued item is offered: true drops it unsent (ChirpStack's expiry). */
  dropQueuedUnicast: (downlink: UnicastCommand) => boolean = () => false;

  constructor(
    private readonly clock: SimClock,
    private readonly random: Random,
  ) {}

  now(): number {
    return this.clock.now();
  }

  addDevice(device: SimDevice, gateways: readonly string[]): void {
    const key = gateways.join('\n');
    let gatewaySet = this.gatewaySets.get(key);
    if (!gatewaySet) {
      this.gatewaySets.set(key, (gatewaySet = new Set(gateways)));
      this.gatewayLists.set(gatewaySet, Object.freeze([...gatewaySet]));
    }
    this.devices.set(device.devEui, {
      device,
      ordinal: this.devices.size,
      gateways: gatewaySet,
      downlinkLoss: createLossModel(device.config.downlinkLoss, device.random.fork('downlink-loss')),
      queue: NO_QUEUE,
      // Every field in the literal, so that none lands in an out-of-object property array later.
      inFlight: undefined,
      slot: undefined,
      moreSlots: undefined,
      lastUplinkAtMs: undefined,
    });
    if (device.listensTo !== SimDevice.prototype.listensTo) this.mayHoldGroups(this.devices.get(device.devEui)!);
  }

  device(devEui: string): SimDevice | undefined {
    return this.devices.get(devEui)?.device;
  }

  allDevices(): SimDevice[] {
    return [...this.devices.values()].map((e) => e.device);
  }

  scheduleUplink(device: SimDevice, atMs: number): void {
    const entry = this.devices.get(device.devEui)!;
    // Exact times: a device asking twice for the same instant gets one uplink; a periodic
    // uplink must never be merged into another one (the device's period would stop).
    const slot = Math.round(atMs);
    if (entry.slot === slot || entry.moreSlots?.has(slot)) return;
    if (entry.slot === undefined) entry.slot = slot;
    else (entry.moreSlots ??= new Set()).add(slot);
    // No closure per pending uplink (~110 bytes a device): the event carries the entry, and its
    // time is the slot, unless it was asked for in the past (the clock runs it now): then the slot goes along.
    if (atMs >= this.clock.now()) this.clock.callWith(atMs, this.uplinkAt, entry);
    else this.clock.callWith(atMs, this.uplinkPast, { entry, slot });
  }

  private readonly uplinkAt = (entry: DeviceEntry, atMs: number): void => this.slotDue(entry, Math.round(atMs));
  private readonly uplinkPast = (due: { entry: DeviceEntry; slot: number }): void => this.slotDue(due.entry, due.slot);

  private slotDue(entry: DeviceEntry, slot: number): void {
    if (entry.slot === slot) entry.slot = undefined;
    else {
      entry.moreSlots!.delete(slot);
      if (entry.moreSlots!.size === 0) entry.moreSlots = undefined;
    }
    this.uplink(entry);
  }

  private uplink(entry: DeviceEntry): void {
    const frame = entry.device.takeUplink(this.clock.now());
    if (!frame) return;
    this.stats.uplinks++;
    if (this.random.next() < entry.device.config.uplinkLossRate) {
      this.stats.uplinksLost++;
      return;
    }
    const uplink: Uplink = { devEui: entry.device.devEui, fPort: frame.fPort, payload: frame.payload, atMs: this.clock.now() + UPLINK_LATENCY_MS };
    const arriving: UplinkInFlight = { entry, uplink };
    this.clock.callWith(uplink.atMs, this.uplinkArrives, arriving);
    if (entry.inFlight) return;
    if (entry.queue.length === 0) return;
    entry.queue = remaining(entry.queue.filter((queued) => !this.dropQueuedUnicast(queued)));
    const downlink = entry.queue[0];
    if (!downlink) return;
    entry.inFlight = downlink;
    this.clock.callWith(this.clock.now() + RX1_DELAY_MS, this.rx1, entry);
  }

  private readonly uplinkArrives = ({ entry, uplink }: UplinkInFlight): void => {
    entry.lastUplinkAtMs = uplink.atMs;
    this.onUplink(uplink);
  };

  /**
   * RX1 of the uplink that took `entry.inFlight` (set there, cleared only here). The item leaves
   * the queue when the gateway takes it (ChirpStack deletes it on a positive txack).
   */
  private readonly rx1 = (entry: DeviceEntry): void => {
    const downlink = entry.inFlight!;
    entry.inFlight = undefined;
    if (!entry.queue.includes(downlink)) return;
    const status = this.unicastTxAckStatus(downlink);
    if (status !== 'OK') {
      this.onUnicastRefused(downlink, status);
      return;
    }
    entry.queue = remaining(entry.queue.filter((queued) => queued !== downlink));
    this.onUnicastSent(downlink);
    if (entry.downlinkLoss.lost()) {
      this.stats.unicastLost++;
      return;
    }
    this.stats.unicastDelivered++;
    if (downlink.fPort === TS005.fPort) this.mayHoldGroups(entry);
    entry.device.receiveUnicast(downlink.fPort, hexToBytes(downlink.payloadHex), entry.queue.length > 0);
  };

  /** Whether a class A item with this id is still in the device's queue (ChirpStack's device_queue_item primary key). */
  hasQueuedUnicast(devEui: string, id: string): boolean {
    return this.devices.get(devEui)?.queue.some((queued) => queued.id === id) ?? false;
  }

  /** The gateways that heard the device's last uplink ChirpStack received (its device_gateway rx info). */
  lastUplinkGateways(devEui: string): readonly string[] | undefined {
    const entry = this.devices.get(devEui);
    return entry?.lastUplinkAtMs === undefined ? undefined : this.gatewayLists.get(entry.gateways);
  }

  lastUplinkAtMs(devEui: string): number | undefined {
    return this.devices.get(devEui)?.lastUplinkAtMs;
  }

  async sendUnicast(downlink: UnicastCommand): Promise<void> {
    const entry = this.devices.get(downlink.devEui);
    if (!entry) {
      this.stats.unicastUnknownDevice++;
      return;
    }
    this.stats.unicastQueued++;
    entry.queue = [...entry.queue, downlink];
  }

  async createMulticastGroup(group: CreateMulticastGroupCommand): Promise<void> {
    if (this.groups.has(group.groupName)) return;
    const memberEntries: DeviceEntry[] = [];
    for (const devEui of new Set(group.devEuis)) {
      const entry = this.devices.get(devEui);
      if (entry) memberEntries.push(entry);
    }
    memberEntries.sort((a, b) => a.ordinal - b.ordinal);
    this.groups.set(group.groupName, { spec: group, members: new Set(group.devEuis), memberEntries, inRange: new Map(), fCnt: 0, queued: 0, deleteWhenEmpty: false });
  }

  /** `fCnt`: the frame counter to send with, when the caller keeps the group's (the simulated ChirpStack does). */
  async sendMulticast(downlink: MulticastDownlink & { fCnt?: number }): Promise<void> {
    const group = this.groups.get(downlink.groupName);
    if (!group || group.deleteWhenEmpty) return;
    group.queued++;
    this.clock.at(downlink.atMs, () => {
      group.queued--;
      this.stats.multicastSent++;
      // ChirpStack counts a group's frames from 0 (MulticastGroup.f_cnt), one per frame sent.
      const fCnt = downlink.fCnt ?? group.fCnt++;
      const frame = multicastFrame(group.spec, fCnt, downlink.fPort, downlink.payload);
      const sent = { mcAddr: group.spec.mcAddr, fPort: downlink.fPort, payload: downlink.payload };
      // A multicast frame is a broadcast: the group's members get it (and keep it if they
      // listen), and so does every other device in range that set up a group with this McAddr
      // and has its session open — as on air. A device that kept a group it should have deleted
      // hears it too.
      // The group's members and every device that may hold a group, once each, in fleet order.
      const a = group.memberEntries;
      const b = this.listenersInFleetOrder();
      let i = 0;
      let j = 0;
      while (i < a.length || j < b.length) {
        const x = a[i];
        const y = b[j];
        let entry: DeviceEntry;
        let member: boolean;
        if (y === undefined || (x !== undefined && x.ordinal < y.ordinal)) {
          i++;
          entry = x!;
          member = true;
        } else if (x === undefined || y.ordinal < x.ordinal) {
          j++;
          entry = y;
          member = false;
        } else {
          i++;
          j++;
          entry = x;
          member = true;
        }
        if (!this.inRange(group, entry.gateways)) continue;
        if (!member && !group.members.has(entry.device.devEui) && !entry.device.listensTo(group.spec.mcAddr)) continue;
        if (entry.downlinkLoss.lost()) {
          this.stats.multicastLosses++;
          continue;
        }
        this.stats.multicastReceptions++;
        entry.device.receiveMulticastFrame(frame, sent);
      }
      if (group.deleteWhenEmpty && group.queued === 0) this.groups.delete(downlink.groupName);
    });
  }

  private mayHoldGroups(entry: DeviceEntry): void {
    if (this.mayListenSet.has(entry)) return;
    this.mayListenSet.add(entry);
    // Appended, not inserted in place: an insert moved half the list, and at 100 000 devices those
    // moves were ~3 % of a benchmark run (perf, issue #17). Sorted once before the next frame.
    this.mayListen.push(entry);
    this.mayListenSorted = false;
  }

  /** mayListen, sorted into fleet order if devices were added since the last frame (a sorted run and the few added: TimSort sorts those and merges, about linear). */
  private listenersInFleetOrder(): readonly DeviceEntry[] {
    if (!this.mayListenSorted) {
      this.mayListen.sort((a, b) => a.ordinal - b.ordinal);
      this.mayListenSorted = true;
    }
    return this.mayListen;
  }

  /** Whether a device heard by these gateways is in range of one of the group's (asked once per gateway list: a fleet has a handful). */
  private inRange(group: Group, gateways: ReadonlySet<string>): boolean {
    let near = group.inRange.get(gateways);
    if (near === undefined) group.inRange.set(gateways, (near = group.spec.gateways.some((g) => gateways.has(g))));
    return near;
  }

  async deleteMulticastGroup(groupName: string): Promise<void> {
    const group = this.groups.get(groupName);
    if (!group) return;
    if (group.queued === 0) this.groups.delete(groupName);
    else group.deleteWhenEmpty = true;
  }

  hasGroup(groupName: string): boolean {
    return this.groups.has(groupName);
  }
}

/** A queue after removals: the shared empty one when nothing is left. */
function remaining(queue: readonly UnicastCommand[]): readonly UnicastCommand[] {
  return queue.length === 0 ? NO_QUEUE : queue;
}
