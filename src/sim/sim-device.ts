import { unixMsToGpsMs } from '../core/gps-time.js';
import { encodeCommands, type AppCommand, type PackageSpec } from '../lorawan/app-layer.js';
import { NO_UPGRADE, type DeviceUpgrade } from './device-application.js';
import { FragIndexTable } from './frag-index-table.js';
import type { Random } from './random.js';
import type { SimDeviceConfig } from './sim-device-config.js';
import type { DeviceMcGroup } from './sim-mc-group.js';
import { openMulticastFrame, readMulticastFrame } from './multicast-frame.js';
import { createStackModel } from './stacks/create-stack-model.js';
import type { StackModel } from './stacks/stack-model.js';

/** How a device reaches the (simulated) network server. */
export interface DeviceRadio {
  /** Asks the network server to take an uplink from this device at `atMs`. */
  scheduleUplink(device: SimDevice, atMs: number): void;
  now(): number;
}

export interface UplinkFrame {
  fPort: number;
  payload: Uint8Array;
}

/** The application's own uplinks: fPort 1, `01` then the running firmware version (u32 little-endian). */
export const APPLICATION_FPORT = 1;

/**
 * The application uplink of each firmware version, built once: ~80 % of a campaign's uplinks are
 * these, and a new frame, its bytes and a DataView (which made V8 move the bytes off-heap) per
 * uplink were ~2 % of a demo's CPU (issue #17). Shared by every device and uplink: never written
 * (the engine and the simulated ChirpStack only read an uplink's payload). Bounded, in case
 * something runs through many versions.
 */
const applicationFrames = new Map<number, UplinkFrame>();
const MAX_APPLICATION_FRAMES = 64;

function applicationFrame(firmwareVersion: number): UplinkFrame {
  const version = firmwareVersion >>> 0;
  const known = applicationFrames.get(version);
  if (known) return known;
  const payload = Uint8Array.of(0x01, version & 0xff, (version >>> 8) & 0xff, (version >>> 16) & 0xff, version >>> 24);
  const frame: UplinkFrame = Object.freeze({ fPort: APPLICATION_FPORT, payload });
  if (applicationFrames.size < MAX_APPLICATION_FRAMES) applicationFrames.set(version, frame);
  return frame;
}

/**
 * unixMsToGpsMs of the last time asked: a multicast frame asks it for every device in reach at
 * the same instant (whether its session is open), and the leap-second table walk per device was
 * most of that check.
 */
let lastUnixMs = Number.NaN;
let lastGpsMs = Number.NaN;

function gpsMsAt(unixMs: number): number {
  if (unixMs !== lastUnixMs) {
    lastGpsMs = unixMsToGpsMs(unixMs);
    lastUnixMs = unixMs;
  }
  return lastGpsMs;
}

/**
 * A simulated end device: radio timing, its own clock (offset and drift until corrected), the
 * multicast groups it holds, its application (periodic uplinks, the image it runs) and the
 * package code of its device stack (`stackModel`, chosen by `config.stack`), which answers
 * TS003/TS004/TS005/TS006 the way that stack does.
 */
export class SimDevice {
  readonly groups: (DeviceMcGroup | undefined)[] = [undefined, undefined, undefined, undefined];
  upgrade: DeviceUpgrade = NO_UPGRADE;
  firmwareVersion: number;
  image: Uint8Array;
  reboots = 0;
  /** Multicast frames it heard (a group with their McAddr, its session open). */
  multicastHeard = 0;
  /** Multicast frames it dropped: counter outside its group's range or replayed, or a wrong MIC. */
  multicastRejected = 0;
  /** Restarts after a fault in the stack's own code (LoRaMac-node, stacks/loramac-node/loramac-node-ts004.ts). */
  crashes = 0;
  /**
   * Per FragIndex, the N of the fragment at which its application got the whole block: the
   * rebuilding one, except on LoRaMac-node, which hands the block over (OnDone) at the next
   * fragment after it (LmhpFragmentation.c DataFragment case).
   */
  readonly completedAtN = new FragIndexTable();
  /** Per FragIndex, the N at which the decoder rebuilt the block (LoRaMac-node; elsewhere completedAtN). */
  readonly rebuiltAtN = new FragIndexTable();
  /** The MAC's DeviceTimeAns (LoRaWAN 1.0.3 §5.9) set the clock since the last boot. */
  networkTimeValid = false;
  readonly stackModel: StackModel;
  /**
   * Frames to send, built at transmission (AppTimeReq carries the time it leaves); undefined =
   * nothing after all. The queue exists only while it holds something: an emptied array keeps
   * its grown backing store, ~180 bytes a device of a 100 000-device fleet (issue #17).
   */
  private answers: Array<() => UplinkFrame | undefined> | undefined;
  private clockOffsetMs: number;
  private readonly driftStartMs: number;
  private nextPeriodicMs = 0;
  private rebootTimer?: number;
  private networkTimeRequested = false;

  constructor(
    readonly config: SimDeviceConfig,
    private readonly radio: DeviceRadio,
    readonly random: Random,
  ) {
    this.firmwareVersion = config.firmwareVersion;
    this.image = config.image;
    this.clockOffsetMs = config.clockOffsetMs;
    this.driftStartMs = radio.now();
    this.stackModel = createStackModel(this);
  }

  get devEui(): string {
    return this.config.devEui;
  }

  /** True (simulated) time now. */
  trueNowMs(): number {
    return this.radio.now();
  }

  /** Starts the application's periodic uplinks (a random phase, so devices do not all talk at once). */
  boot(): void {
    if (this.config.absent) return;
    this.nextPeriodicMs = this.radio.now() + this.random.int(1_000, this.config.uplinkIntervalMs);
    this.radio.scheduleUplink(this, this.nextPeriodicMs);
  }

  /** The device's idea of GPS time, in ms. */
  deviceGpsMs(trueMs: number): number {
    const drift = ((trueMs - this.driftStartMs) * this.config.clockDriftPpm) / 1e6;
    return gpsMsAt(trueMs) + this.clockOffsetMs + drift;
  }

  /** The device's GPS time now, whole seconds. */
  deviceGpsS(): number {
    return Math.floor(this.deviceGpsMs(this.radio.now()) / 1000);
  }

  /** True time at which the device's clock shows `gpsS`. */
  trueMsForDeviceGps(gpsS: number): number {
    const now = this.radio.now();
    return now + (gpsS * 1000 - this.deviceGpsMs(now));
  }

  correctClock(correctionS: number): void {
    this.clockOffsetMs += correctionS * 1000;
  }

  /**
   * The stack asks the MAC for the network time (DeviceTimeReq, LoRaWAN 1.0.3 §5.9): it rides on
   * the next uplink and the DeviceTimeAns of that uplink sets the clock.
   */
  requestNetworkTime(): void {
    if (this.networkTimeRequested) return;
    this.networkTimeRequested = true;
    this.radio.scheduleUplink(this, this.radio.now() + this.random.int(2_000, 8_000));
  }

  /** The network server takes an uplink now: a queued answer, else the application's own. */
  takeUplink(nowMs: number): UplinkFrame | undefined {
    if (this.config.absent) return undefined;
    this.maybeReboot(nowMs);
    if (nowMs >= this.nextPeriodicMs) {
      this.nextPeriodicMs = nowMs + this.config.uplinkIntervalMs;
      this.radio.scheduleUplink(this, this.nextPeriodicMs);
    }
    let frame: UplinkFrame | undefined;
    while (!frame && this.answers) {
      const build = this.answers.shift()!;
      if (this.answers.length === 0) this.answers = undefined;
      frame = build();
    }
    if (this.answers) this.radio.scheduleUplink(this, nowMs + this.random.int(2_000, 8_000));
    if (this.networkTimeRequested) {
      this.networkTimeRequested = false;
      this.networkTimeValid = true;
      this.clockOffsetMs -= this.deviceGpsMs(nowMs) - unixMsToGpsMs(nowMs);
    }
    return frame ?? this.applicationUplink();
  }

  private applicationUplink(): UplinkFrame {
    return applicationFrame(this.firmwareVersion);
  }

  /** A class A downlink in RX1/RX2 after an uplink; `fPending` when more are queued. */
  receiveUnicast(fPort: number, payload: Uint8Array, fPending: boolean): void {
    this.stackModel.receive(fPort, payload, undefined);
    if (fPending && !this.answers) this.radio.scheduleUplink(this, this.radio.now() + this.random.int(2_000, 8_000));
  }

  /** A multicast downlink addressed to McAddr, heard only inside an open session of that group. */
  receiveMulticast(mcAddr: number, fPort: number, payload: Uint8Array): void {
    const mcGroupId = this.stackModel.listeningGroup(mcAddr, this.radio.now());
    if (mcGroupId === undefined) return;
    this.heardOn(mcGroupId, fPort, payload);
  }

  private heardOn(mcGroupId: number, fPort: number, payload: Uint8Array): void {
    this.multicastHeard += 1;
    this.stackModel.receive(fPort, payload, mcGroupId);
  }

  /**
   * A multicast frame on air (multicast-frame.ts): opened with the keys of the group listening on
   * its address, dropped (and counted) when its counter or MIC fails. `sent` is what the network
   * server put in it, for recording devices in tests; a device reads only the bytes.
   */
  receiveMulticastFrame(bytes: Uint8Array, _sent: { mcAddr: number; fPort: number; payload: Uint8Array }): void {
    const frame = readMulticastFrame(bytes);
    if (!frame) {
      this.multicastRejected += 1;
      return;
    }
    const mcAddr = frame.devAddr;
    const mcGroupId = this.stackModel.listeningGroup(mcAddr, this.radio.now());
    if (mcGroupId === undefined) return;
    const opened = openMulticastFrame(this.groups[mcGroupId]!, bytes, frame);
    if (!opened.ok) {
      this.multicastRejected += 1;
      return;
    }
    // Opening it changed only the group's counter: the group listening is still mcGroupId.
    this.heardOn(mcGroupId, opened.fPort, opened.payload);
  }

  /** Whether a multicast frame to McAddr sent now would be heard (a group with that address, its session open). */
  listensTo(mcAddr: number): boolean {
    return this.stackModel.listeningGroup(mcAddr, this.radio.now()) !== undefined;
  }

  /** Queues an answer frame encoded by our codec, sent at the next uplink opportunity (soon, or after `delayMs`). */
  answer(spec: PackageSpec, version: 1 | 2, commands: AppCommand[], delayMs?: number): void {
    if (commands.length === 0) return;
    this.sendFrame(spec.fPort, encodeCommands(spec, version, 'uplink', commands), delayMs);
  }

  /** Queues an uplink of exactly these bytes (the stacks that build their answers byte by byte). */
  sendFrame(fPort: number, payload: Uint8Array, delayMs?: number): void {
    const frame = { fPort, payload };
    this.queueFrame(() => frame, delayMs);
  }

  /** Queues a frame built when it is sent (it may carry the time it leaves, or decide to send nothing). */
  queueFrame(build: () => UplinkFrame | undefined, delayMs?: number): void {
    (this.answers ??= []).push(build);
    this.radio.scheduleUplink(this, this.radio.now() + (delayMs ?? this.random.int(2_000, 8_000)));
  }

  scheduleReboot(trueMs: number): void {
    this.rebootTimer = trueMs;
    this.radio.scheduleUplink(this, trueMs);
  }

  cancelReboot(): void {
    this.rebootTimer = undefined;
  }

  get rebootScheduled(): boolean {
    return this.rebootTimer !== undefined;
  }

  /** The stack's code faulted: the device restarts with the image it runs and nothing in RAM. */
  crash(): void {
    this.crashes += 1;
    this.restart(this.radio.now());
  }

  /** Reboots when the scheduled time has come (checked at every uplink slot), into the new image if one is valid. */
  private maybeReboot(nowMs: number): void {
    if (this.rebootTimer === undefined || nowMs < this.rebootTimer) return;
    if (this.upgrade.status === 'valid') {
      this.firmwareVersion = this.upgrade.version;
      this.image = this.upgrade.image;
    }
    this.reboots += 1;
    this.restart(nowMs);
  }

  private restart(nowMs: number): void {
    this.rebootTimer = undefined;
    this.upgrade = NO_UPGRADE;
    this.groups.fill(undefined);
    this.answers = undefined;
    this.networkTimeRequested = false;
    this.networkTimeValid = false;
    this.stackModel.reset();
    this.radio.scheduleUplink(this, nowMs + this.random.int(10_000, 30_000));
  }
}
