import { unixMsToGpsMs } from '../../core/gps-time.js';
import { decodeCommands, encodeCommands, type AppCommand, type PackageSpec } from '../../lorawan/app-layer.js';
import { packageForPort } from '../../lorawan/packages.js';
import { TS003 } from '../../lorawan/ts003-clock-sync.js';
import type { FecDecoder } from '../../fec/codec.js';
import { handleTs004, type DeviceFragSession } from './sim-device-ts004.js';
import { handleTs005, type DeviceMcGroup } from './sim-device-ts005.js';
import { handleTs006, type DeviceUpgrade } from './sim-device-ts006.js';
import type { SimDeviceConfig } from './sim-device-config.js';
import type { Random } from './random.js';

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

type AnyCommand = AppCommand & Record<string, any>;

/**
 * A simulated end device running the device side of TS003/TS004/TS005/TS006 with our own codecs,
 * FEC decoder and (through `verifyImage`) patcher and manifest verification. Time inside the
 * device is its own clock: offset and drift until TS003 corrects it.
 */
export class SimDevice {
  readonly groups: (DeviceMcGroup | undefined)[] = [undefined, undefined, undefined, undefined];
  readonly fragSessions: (DeviceFragSession | undefined)[] = [undefined, undefined, undefined, undefined];
  upgrade: DeviceUpgrade = { status: 'none' };
  firmwareVersion: number;
  image: Uint8Array;
  reboots = 0;
  /** Fragments the network sent to this device's group (heard or not) when its block completed, per FragIndex. */
  readonly completedAtN = new Map<number, number>();
  /** Frames to send, built at transmission (AppTimeReq carries the time it leaves). */
  private readonly answers: Array<() => UplinkFrame> = [];
  private clockOffsetMs: number;
  private readonly driftStartMs: number;
  private tokenReq = 0;
  private nextPeriodicMs = 0;
  private rebootTimer?: number;

  constructor(
    readonly config: SimDeviceConfig,
    private readonly radio: DeviceRadio,
    readonly random: Random,
  ) {
    this.firmwareVersion = config.firmwareVersion;
    this.image = config.image;
    this.clockOffsetMs = config.clockOffsetMs;
    this.driftStartMs = radio.now();
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
    return unixMsToGpsMs(trueMs) + this.clockOffsetMs + drift;
  }

  /** True time at which the device's clock shows `gpsS`. */
  trueMsForDeviceGps(gpsS: number): number {
    const now = this.radio.now();
    return now + (gpsS * 1000 - this.deviceGpsMs(now));
  }

  correctClock(correctionS: number): void {
    this.clockOffsetMs += correctionS * 1000;
  }

  /** The network server takes an uplink now: a queued answer, else the application's own. */
  takeUplink(nowMs: number): UplinkFrame | undefined {
    if (this.config.absent) return undefined;
    this.maybeReboot(nowMs);
    if (nowMs >= this.nextPeriodicMs) {
      this.nextPeriodicMs = nowMs + this.config.uplinkIntervalMs;
      this.radio.scheduleUplink(this, this.nextPeriodicMs);
    }
    const answer = this.answers.shift();
    if (this.answers.length > 0) this.radio.scheduleUplink(this, nowMs + this.random.int(2_000, 8_000));
    return answer ? answer() : { fPort: 1, payload: Uint8Array.of(0x01, this.firmwareVersion & 0xff) };
  }

  /** A class A downlink in RX1/RX2 after an uplink; `fPending` when more are queued. */
  receiveUnicast(fPort: number, payload: Uint8Array, fPending: boolean): void {
    this.handleFrame(fPort, payload, false);
    if (fPending && this.answers.length === 0) this.radio.scheduleUplink(this, this.radio.now() + this.random.int(2_000, 8_000));
  }

  /** A multicast downlink addressed to McAddr, heard only inside an open session of that group. */
  receiveMulticast(mcAddr: number, fPort: number, payload: Uint8Array): void {
    const nowMs = this.radio.now();
    const listening = this.groups.some((g) => g && g.mcAddr === mcAddr && g.session && this.inSession(g, nowMs));
    if (listening) this.handleFrame(fPort, payload, true);
  }

  private inSession(group: DeviceMcGroup, trueMs: number): boolean {
    const session = group.session!;
    const deviceS = this.deviceGpsMs(trueMs) / 1000;
    return deviceS >= session.startGpsS && deviceS < session.startGpsS + session.durationS;
  }

  /** Queues an answer frame, sent at the next uplink opportunity (soon, or after `delayMs`). */
  answer(spec: PackageSpec, version: 1 | 2, commands: AppCommand[], delayMs?: number): void {
    if (commands.length === 0) return;
    const frame = { fPort: spec.fPort, payload: encodeCommands(spec, version, 'uplink', commands) };
    this.queueFrame(() => frame, delayMs);
  }

  private queueFrame(build: () => UplinkFrame, delayMs?: number): void {
    this.answers.push(build);
    this.radio.scheduleUplink(this, this.radio.now() + (delayMs ?? this.random.int(2_000, 8_000)));
  }

  /** TS003: AppTimeReq with AnsRequired (after ForceDeviceResync, or at boot). */
  requestTime(): void {
    this.tokenReq = (this.tokenReq + 1) % 16;
    const tokenReq = this.tokenReq;
    const version = this.config.packageVersions.ts003;
    this.queueFrame(() => {
      const deviceTime = Math.floor(this.deviceGpsMs(this.radio.now()) / 1000) % 2 ** 32;
      return { fPort: TS003.fPort, payload: encodeCommands(TS003, version, 'uplink', [{ command: 'AppTimeReq', deviceTime, tokenReq, ansRequired: true } as AppCommand]) };
    });
  }

  scheduleReboot(trueMs: number): void {
    this.rebootTimer = trueMs;
    this.radio.scheduleUplink(this, trueMs);
  }

  cancelReboot(): void {
    this.rebootTimer = undefined;
  }

  /** Reboots into the new image when the scheduled time has come (checked at every uplink slot). */
  private maybeReboot(nowMs: number): void {
    if (this.rebootTimer === undefined || nowMs < this.rebootTimer) return;
    this.rebootTimer = undefined;
    if (this.upgrade.status === 'valid') {
      this.firmwareVersion = this.upgrade.version;
      this.image = this.upgrade.image;
    }
    this.reboots += 1;
    this.upgrade = { status: 'none' };
    this.groups.fill(undefined);
    this.fragSessions.fill(undefined);
    this.answers.length = 0;
    this.radio.scheduleUplink(this, nowMs + this.random.int(10_000, 30_000));
  }

  decoderOf(fragIndex: number): FecDecoder | undefined {
    return this.fragSessions[fragIndex]?.decoder;
  }

  private handleFrame(fPort: number, payload: Uint8Array, multicast: boolean): void {
    let spec: PackageSpec;
    try {
      spec = packageForPort(fPort);
    } catch {
      return; // not an application-layer package port
    }
    const version = spec.name === 'TS006' ? 1 : this.config.packageVersions[spec.name.toLowerCase() as 'ts003' | 'ts004' | 'ts005'];
    let commands: AnyCommand[];
    try {
      commands = decodeCommands(spec, version, 'downlink', payload) as AnyCommand[];
    } catch {
      return; // a device drops frames it cannot parse
    }
    for (const command of commands) {
      // Devices ignore setup and management commands received over multicast (TS004/TS005 §3).
      if (multicast && command.command !== 'DataFragment' && command.command !== 'FragSessionStatusReq') continue;
      if (command.command === 'PackageVersionReq') {
        this.answer(spec, version, [{ command: 'PackageVersionAns', packageIdentifier: spec.packageIdentifier, packageVersion: version } as AppCommand]);
        continue;
      }
      switch (spec.name) {
        case 'TS003':
          this.handleTs003(command, version);
          break;
        case 'TS004':
          handleTs004(this, command, version);
          break;
        case 'TS005':
          handleTs005(this, command, version);
          break;
        case 'TS006':
          handleTs006(this, command);
          break;
      }
    }
  }

  private handleTs003(command: AnyCommand, version: 1 | 2): void {
    switch (command.command) {
      case 'AppTimeAns':
        if (command.tokenAns === this.tokenReq) this.correctClock(command.timeCorrection);
        break;
      case 'ForceDeviceResyncReq':
      case 'ForceDeviceResyncCmd':
        this.requestTime();
        break;
      case 'DeviceAppTimePeriodicityReq':
        // As LoRaMac-node: periodic sync is not supported.
        this.answer(TS003, version, [{ command: 'DeviceAppTimePeriodicityAns', notSupported: true, time: Math.floor(this.deviceGpsMs(this.radio.now()) / 1000) % 2 ** 32 } as AppCommand]);
        break;
    }
  }
}

