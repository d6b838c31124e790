// Event scripts for the campaign state machine: a fake clock, a snapshot that is merged after
// every transition exactly as the engine does it, and device answers encoded with our codecs.
// Tests drive `transition` directly with hand-written uplinks (no simulated fleet), so that
// each test pins one behaviour.

import type { DeviceStack } from '../../src/campaign/device-stack.js';
import type { CampaignCommand, MulticastCommand, MulticastFragmentCommand, UnicastCommand } from '../../src/campaign/commands.js';
import { campaignContext, type CampaignContext } from '../../src/campaign/context.js';
import type { DeviceLogEntry, TransitionResult } from '../../src/campaign/draft.js';
import type { CampaignEvent, UplinkEvent } from '../../src/campaign/events.js';
import { parseCampaignSpec, type CampaignSpecInput } from '../../src/campaign/spec.js';
import type { CampaignState, DeviceState } from '../../src/campaign/state.js';
import { initialState, transition } from '../../src/campaign/transition.js';
import { unixMsToGpsSeconds } from '../../src/core/gps-time.js';
import { hexToBytes } from '../../src/core/hex.js';
import { decodeCommands, encodeCommands, type AppCommand, type PackageSpec, type PackageVersion } from '../../src/lorawan/app-layer.js';
import { packageForPort } from '../../src/lorawan/packages.js';
import type { LedgerSnapshot } from '../../src/radio/duty-cycle-ledger.js';

/** A decoded command with every field readable (the codecs' interfaces are per command). */
export type Cmd = AppCommand & Record<string, any>;

export const PORT = { TS005: 200, TS004: 201, TS003: 202, TS006: 203 } as const;
/** PackageVersionAns PackageIdentifier per package. */
export const PACKAGE_ID = { ts003: 1, ts005: 2, ts004: 3 } as const;

/** 2026-01-05 12:00:00 UTC: a round start time, far from any leap second. */
export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

/** Devices A, B, C, D of the scripts (EUIs lower case, as the spec normalises them). */
export const A = '00000000000000a1';
export const B = '00000000000000b2';
export const C = '00000000000000c3';
export const D = '00000000000000d4';
const EUIS = [A, B, C, D];

export const MC_KEY = '0123456789abcdef0123456789abcdef';
export const MC_ADDR = 0x01fffff0;
export const FIRMWARE_VERSION = 0x00020001;
export const OLD_VERSION = 0x00010000;
export const HW_VERSION = 7;

/** Every device's root key differs (16 bytes hex). */
export function rootKeyOf(index: number): string {
  return `2b7e151628aed2a6abf7158809cf4f${(0x30 + index).toString(16)}`;
}

export type Versions = { ts003?: 1 | 2; ts004?: 1 | 2; ts005?: 1 | 2 };
export const V1: Required<Versions> = { ts003: 1, ts004: 1, ts005: 1 };
export const V2: Required<Versions> = { ts003: 2, ts004: 2, ts005: 2 };

export interface SpecOptions {
  /** 2..4 devices (default 2). */
  devices?: number;
  /** Per device: the versions the spec gives (undefined = ask with PackageVersionReq). */
  packageVersions?: Array<Versions | undefined> | Versions;
  canaryFraction?: number;
  haltFailureRate?: number;
  deviceClass?: 'C' | 'B';
  timing?: Partial<CampaignSpecInput['timing']> & object;
  fragmentation?: Partial<NonNullable<CampaignSpecInput['fragmentation']>> & object;
  gateways?: string[];
  firmwareVersionBefore?: number;
  /** Per device (or all): the device stack (default: the spec's default, 'spec'). */
  stacks?: Array<DeviceStack | undefined> | DeviceStack;
  versionUplink?: NonNullable<CampaignSpecInput['firmware']>['versionUplink'];
}

/** Small timing values: every phase is minutes, not hours. */
export const TIMING = {
  answerTimeoutMs: 2 * MINUTE,
  maxAttempts: 3,
  setupDeadlineMs: 60 * MINUTE,
  sessionLeadMs: 5 * MINUTE,
  rebootDelayMs: 1 * MINUTE,
  confirmTimeoutMs: 30 * MINUTE,
};

export function specInput(options: SpecOptions = {}): CampaignSpecInput {
  const count = options.devices ?? 2;
  if (count < 1 || count > 4) throw new Error('1..4 devices');
  const versionsFor = (i: number): Versions | undefined => (Array.isArray(options.packageVersions) ? options.packageVersions[i] : options.packageVersions);
  const stackFor = (i: number): DeviceStack | undefined => (Array.isArray(options.stacks) ? options.stacks[i] : options.stacks);
  return {
    id: 'camp-1',
    firmware: { version: FIRMWARE_VERSION, ...(options.versionUplink ? { versionUplink: options.versionUplink } : {}) },
    devices: EUIS.slice(0, count).map((devEui, i) => ({
      devEui: devEui.toUpperCase(),
      rootKey: rootKeyOf(i),
      ...(versionsFor(i) ? { packageVersions: versionsFor(i) } : {}),
      ...(stackFor(i) ? { stack: stackFor(i) } : {}),
      firmwareVersion: options.firmwareVersionBefore ?? OLD_VERSION,
    })),
    rollout: { canaryFraction: options.canaryFraction ?? 0, haltFailureRate: options.haltFailureRate ?? 0.2 },
    multicast: { mcKey: MC_KEY, mcAddr: MC_ADDR, groupId: 1, class: options.deviceClass ?? 'C', gateways: options.gateways ?? ['gw-a', 'gw-b'] },
    fragmentation: { fragmentSizeBytes: 50, ...(options.fragmentation ?? {}) },
    timing: { ...TIMING, ...(options.timing ?? {}) },
  } as CampaignSpecInput;
}

/** 290 bytes: 6 fragments of 50 bytes, the last one with 10 bytes of padding. */
export const BLOCK = Uint8Array.from({ length: 290 }, (_, i) => (i * 37 + 11) & 0xff);

/** One unicast command as sent, decoded with the versions the device had when it was sent. */
export type SentUnicast = Cmd & { fPort: number; id: string; sentAtMs: number; devEui: string };

export class Script {
  readonly ctx: CampaignContext;
  campaign: CampaignState;
  readonly devices = new Map<string, DeviceState>();
  ledger?: LedgerSnapshot;
  nowMs: number;
  /** Every command of every transition, in order. */
  readonly commands: CampaignCommand[] = [];
  readonly log: DeviceLogEntry[] = [];
  /** Unicast commands, decoded at send time. */
  readonly unicasts: SentUnicast[] = [];
  readonly results: TransitionResult[] = [];

  constructor(input: CampaignSpecInput | SpecOptions = {}, block: Uint8Array = BLOCK, startMs = T0) {
    const spec = parseCampaignSpec('id' in input ? input : specInput(input as SpecOptions));
    this.ctx = campaignContext(spec, block);
    const initial = initialState(spec, startMs);
    this.campaign = initial.campaign;
    for (const device of initial.devices) this.devices.set(device.devEui, device);
    this.nowMs = startMs;
  }

  /** Runs one event through `transition` and merges its result as the engine does. */
  apply(event: CampaignEvent): TransitionResult {
    if (event.atMs < this.nowMs) throw new Error(`script: event at ${event.atMs} is before now ${this.nowMs}`);
    this.nowMs = event.atMs;
    const result = transition({ campaign: this.campaign, devices: this.devices, ...(this.ledger ? { ledger: this.ledger } : {}) }, event, this.ctx);
    this.campaign = result.campaign;
    for (const device of result.devices) this.devices.set(device.devEui, device);
    if (result.ledger) this.ledger = result.ledger;
    this.log.push(...result.log);
    for (const command of result.commands) {
      this.commands.push(command);
      if (command.type === 'unicast') this.unicasts.push(...decodeUnicast(command, this.devices.get(command.devEui), event.atMs));
    }
    this.results.push(result);
    return result;
  }

  start(): TransitionResult {
    return this.apply({ type: 'start', atMs: this.nowMs });
  }

  tick(atMs = this.nowMs): TransitionResult {
    return this.apply({ type: 'tick', atMs });
  }

  /**
   * Lets time pass to `ms`, waking the state machine whenever it asked to be woken
   * (campaign.nextWakeMs), as the engine does. Returns the commands of those ticks.
   */
  advanceTo(ms: number): CampaignCommand[] {
    const from = this.commands.length;
    for (let guard = 0; ; guard++) {
      if (guard > 100_000) throw new Error('script: advanceTo does not converge');
      const wake = this.campaign.nextWakeMs;
      if (wake === undefined || wake > ms) break;
      this.tick(Math.max(wake, this.nowMs));
    }
    this.nowMs = Math.max(this.nowMs, ms);
    return this.commands.slice(from);
  }

  advanceBy(ms: number): CampaignCommand[] {
    return this.advanceTo(this.nowMs + ms);
  }

  /** An uplink from a device, encoded with our codecs (uplink direction). */
  uplink(devEui: string, fPort: number, version: PackageVersion, commands: readonly Cmd[]): TransitionResult {
    return this.apply(this.uplinkEvent(devEui, fPort, version, commands));
  }

  /** The uplink event of `uplink` (not applied). */
  uplinkEvent(devEui: string, fPort: number, version: PackageVersion, commands: readonly Cmd[], atMs = this.nowMs): UplinkEvent {
    return { type: 'uplink', atMs, devEui, fPort, payload: encodeCommands(packageForPort(fPort), version, 'uplink', commands) };
  }

  /** An uplink with the given bytes (malformed payloads, application traffic). */
  raw(devEui: string, fPort: number, payload: Uint8Array | string): TransitionResult {
    const bytes = typeof payload === 'string' ? hexToBytes(payload) : payload;
    return this.apply({ type: 'uplink', atMs: this.nowMs, devEui, fPort, payload: bytes });
  }

  /**
   * A device answer on the port of its package, encoded with the version the campaign knows
   * for the device (v1 when it does not know yet; TS006 is always v1).
   */
  answer(devEui: string, ...commands: Cmd[]): TransitionResult {
    return this.apply(this.answerEvent(devEui, commands));
  }

  /** The uplink event of `answer` (not applied). */
  answerEvent(devEui: string, commands: readonly Cmd[], atMs = this.nowMs): UplinkEvent {
    const pkg = packageOf(commands[0]!);
    const known = this.devices.get(devEui)?.packageVersions ?? {};
    const version: PackageVersion = pkg === 'ts006' ? 1 : (known[pkg] ?? 1);
    return this.uplinkEvent(devEui, portOf(pkg), version, commands, atMs);
  }

  device(devEui: string): DeviceState {
    const device = this.devices.get(devEui);
    if (!device) throw new Error(`script: no device ${devEui}`);
    return device;
  }

  /** Number of commands so far: pass it to the `*Since` helpers. */
  mark(): number {
    return this.commands.length;
  }

  /** The unicast commands sent to a device (decoded), optionally since a mark. */
  unicastsTo(devEui: string, since = 0): SentUnicast[] {
    const ids = new Set(this.commands.slice(since).flatMap((c) => (c.type === 'unicast' ? [c.id] : [])));
    return this.unicasts.filter((u) => u.devEui === devEui && ids.has(u.id));
  }

  /** "McGroupSetupReq"... the names of the unicasts to a device, in order. */
  namesTo(devEui: string, since = 0): string[] {
    return this.unicastsTo(devEui, since).map((u) => u.command);
  }

  /** The last unicast sent to a device. */
  lastTo(devEui: string): SentUnicast | undefined {
    const all = this.unicastsTo(devEui);
    return all[all.length - 1];
  }

  commandsOf<T extends CampaignCommand['type']>(type: T, since = 0): Extract<CampaignCommand, { type: T }>[] {
    return this.commands.slice(since).filter((c): c is Extract<CampaignCommand, { type: T }> => c.type === type);
  }

  fragments(since = 0): MulticastFragmentCommand[] {
    return this.commandsOf('multicast-fragment', since);
  }

  /** Multicast frames other than fragments, decoded (TS004 v1 downlink: FragSessionStatusReq). */
  multicasts(since = 0): Array<Cmd & { atMs: number; fPort: number }> {
    return this.commandsOf('multicast', since).flatMap((m: MulticastCommand) =>
      decodeCommands<Cmd>(packageForPort(m.fPort), 1, 'downlink', hexToBytes(m.payloadHex)).map((c) => ({ ...c, atMs: m.atMs, fPort: m.fPort })),
    );
  }

  /** Notes logged for a device (finish reasons, ignored answers...). */
  notes(devEui: string): string[] {
    return this.log.filter((l) => l.devEui === devEui && l.direction === 'note').map((l) => l.text);
  }

  /** GPS seconds of the fake clock, as a device with a right clock reports them. */
  gpsNow(): number {
    return unixMsToGpsSeconds(this.nowMs);
  }

  // ------------------------------------------------------------------------------------------
  // Scenario steps: a well-behaved device answering what it was asked.

  /** Answers the device's pending request as a healthy device would; returns the step answered. */
  answerPending(devEui: string, versions: Versions = V1): string {
    const step = this.device(devEui).pending?.step;
    this.apply(this.pendingAnswerEvent(devEui, versions));
    return step!;
  }

  /** The uplink a healthy device sends to answer its pending request (not applied). */
  pendingAnswerEvent(devEui: string, versions: Versions = V1, atMs = this.nowMs): UplinkEvent {
    const device = this.device(devEui);
    const gpsNow = unixMsToGpsSeconds(atMs);
    const versionAns = (fPort: number, pkg: keyof typeof PACKAGE_ID) =>
      this.uplinkEvent(devEui, fPort, 1, [{ command: 'PackageVersionAns', packageIdentifier: PACKAGE_ID[pkg], packageVersion: versions[pkg] ?? 1 }], atMs);
    const answer = (command: Cmd) => this.answerEvent(devEui, [command], atMs);
    switch (device.pending?.step) {
      case 'version-ts004':
        return versionAns(PORT.TS004, 'ts004');
      case 'version-ts005':
        return versionAns(PORT.TS005, 'ts005');
      case 'version-ts003':
        return versionAns(PORT.TS003, 'ts003');
      case 'mc-group-setup':
        return answer({ command: 'McGroupSetupAns', mcGroupId: this.ctx.spec.multicast.groupId, idError: false });
      case 'frag-session-setup':
        return answer(fragSessionSetupAns(device.fragIndex!, device.packageVersions.ts004 ?? 1));
      case 'clock-sync':
        return answer(appTimeReq(gpsNow, 1));
      case 'mc-session':
        return answer(sessionAns(this.ctx.spec.multicast.class, device.packageVersions.ts005 ?? 1, { timeToStart: 100 }));
      case 'upgrade-image':
        return answer({ command: 'DevUpgradeImageAns', upImageStatus: 3, nextFirmwareVersion: this.ctx.spec.firmware.version });
      case 'reboot-time':
        // The last DevRebootTimeReq (an AppTimeAns or other answer may have gone out since).
        return answer({ command: 'DevRebootTimeAns', rebootTime: this.unicastsTo(devEui).filter((c) => c.command === 'DevRebootTimeReq').at(-1)!.rebootTime });
      case 'dev-version':
        return answer({ command: 'DevVersionAns', fwVersion: this.ctx.spec.firmware.version, hwVersion: HW_VERSION });
      default:
        throw new Error(`script: ${devEui} has nothing pending (phase ${device.phase})`);
    }
  }

  /** Answers a device's pending requests until `step` is the one pending. */
  answerUntil(devEui: string, step: string, versions: Versions = V1): void {
    for (let i = 0; this.device(devEui).pending?.step !== step; i++) {
      if (i > 10) throw new Error(`script: ${devEui} never reached ${step}`);
      this.advanceBy(5 * SECOND);
      this.answerPending(devEui, versions);
    }
  }

  /** Runs the campaign's own wake-ups until `done` holds (at most 1 000 of them). */
  wakeUntil(done: () => boolean): void {
    for (let i = 0; !done() && i < 1000; i++) this.advanceTo(this.campaign.nextWakeMs!);
  }

  /**
   * From the device's DevUpgradeImageReq (pending) to its confirmation: answers up to and
   * including DevRebootTimeReq, waits for DevVersionReq after the reboot and answers it.
   */
  confirmUpgrade(devEui: string): void {
    this.answerUntil(devEui, 'reboot-time');
    this.advanceBy(5 * SECOND);
    this.answerPending(devEui);
    this.wakeUntil(() => this.device(devEui).pending?.step === 'dev-version');
    this.answerPending(devEui);
    this.advanceBy(60 * SECOND);
  }

  /** Answers every setup request of a device, a few seconds apart, until it is set up. */
  completeSetup(devEui: string, versions: Versions = V1): string[] {
    const steps: string[] = [];
    while (this.device(devEui).phase === 'setup' && this.device(devEui).pending) {
      this.advanceBy(5 * SECOND);
      steps.push(this.answerPending(devEui, versions));
      if (steps.length > 20) throw new Error('script: setup does not end');
    }
    return steps;
  }

  /** Starts, sets every device up and lets the wave reach the session stage. */
  toSession(versions: Versions | Versions[] = V1): void {
    if (this.campaign.waveIndex < 0) this.start();
    const wave = this.campaign.waveIndex;
    [...this.devices.values()]
      .filter((d) => d.wave === wave)
      .forEach((d, i) => this.completeSetup(d.devEui, Array.isArray(versions) ? versions[i] : versions));
    this.advanceBy(30 * SECOND);
    if (this.campaign.wave?.stage !== 'session') throw new Error(`script: expected the session stage, got ${this.campaign.wave?.stage}`);
  }

  /** ... then every device answers its session request and time runs to the session start. */
  toFragments(versions: Versions | Versions[] = V1): void {
    this.toSession(versions);
    for (const d of this.inWave()) if (d.pending?.step === 'mc-session') this.answerPending(d.devEui);
    this.advanceTo(this.campaign.wave!.sessionStartMs!);
    if (this.campaign.wave?.stage !== 'fragments') throw new Error(`script: expected the fragments stage, got ${this.campaign.wave?.stage}`);
  }

  /** ... then the first round of fragments goes out and the FragSessionStatusReq follows. */
  toStatus(versions: Versions | Versions[] = V1): void {
    this.toFragments(versions);
    for (let i = 0; this.campaign.wave?.stage === 'fragments'; i++) {
      if (i > 1000) throw new Error('script: the fragments never end');
      this.advanceTo(this.campaign.nextWakeMs!);
    }
    if (this.campaign.wave?.stage !== 'status') throw new Error(`script: expected the status stage, got ${this.campaign.wave?.stage}`);
  }

  /** A device reports its block complete: FragSessionStatusAns (v1) or FragDataBlockReceivedReq (v2). */
  reportComplete(devEui: string): TransitionResult {
    const device = this.device(devEui);
    const received = this.campaign.wave!.subSessions.find((x) => x.fragIndex === device.fragIndex)!.nextN - 1;
    if ((device.packageVersions.ts004 ?? 1) === 2) return this.answer(devEui, { command: 'FragDataBlockReceivedReq', fragIndex: device.fragIndex!, micError: false });
    if (this.ctx.targets.get(devEui)!.stack === 'loramac-node') {
      // LoRaMac-node: rebuilt at the first coded fragment, nothing lost (its last N then stays
      // M + 1); the fragments after it hand the block over (frag-status-reading.ts).
      const m = this.ctx.layout.nbFrag;
      if (received < m + 3) throw new Error('script: a LoRaMac-node device needs fragments after M + 1 (raise initialRedundancy)');
      return this.answer(devEui, statusAnsV1(device.fragIndex!, m + 1, 0));
    }
    return this.answer(devEui, statusAnsV1(device.fragIndex!, received, 0));
  }

  /** ... every device of the wave reports its block complete and the status round ends. */
  toUpgrade(versions: Versions | Versions[] = V1): void {
    this.toStatus(versions);
    this.advanceBy(10 * SECOND);
    for (const d of this.inWave()) if (d.phase === 'receiving') this.reportComplete(d.devEui);
    this.advanceTo(this.campaign.wave!.statusDeadlineMs!);
    if (this.campaign.wave?.stage !== 'upgrade') throw new Error(`script: expected the upgrade stage, got ${this.campaign.wave?.stage}`);
  }

  inWave(): DeviceState[] {
    return [...this.devices.values()].filter((d) => d.wave === this.campaign.waveIndex);
  }
}

/** Decodes a unicast with the package version the device had at send time (TS006: v1). */
function decodeUnicast(command: UnicastCommand, device: DeviceState | undefined, atMs: number): SentUnicast[] {
  const spec: PackageSpec = packageForPort(command.fPort);
  const key = spec.name.toLowerCase() as 'ts003' | 'ts004' | 'ts005' | 'ts006';
  const version: PackageVersion = key === 'ts006' ? 1 : (device?.packageVersions[key] ?? 1);
  const decoded = decodeCommands<Cmd>(spec, version, 'downlink', hexToBytes(command.payloadHex));
  return decoded.map((c) => ({ ...c, fPort: command.fPort, id: command.id, sentAtMs: atMs, devEui: command.devEui }));
}

const COMMAND_PACKAGE: Record<string, 'ts003' | 'ts004' | 'ts005' | 'ts006'> = {
  AppTimeReq: 'ts003',
  DeviceAppTimePeriodicityAns: 'ts003',
  FragSessionStatusAns: 'ts004',
  FragSessionSetupAns: 'ts004',
  FragSessionDeleteAns: 'ts004',
  FragDataBlockReceivedReq: 'ts004',
  McGroupStatusAns: 'ts005',
  McGroupSetupAns: 'ts005',
  McGroupDeleteAns: 'ts005',
  McClassCSessionAns: 'ts005',
  McClassBSessionAns: 'ts005',
  DevVersionAns: 'ts006',
  DevRebootTimeAns: 'ts006',
  DevRebootCountdownAns: 'ts006',
  DevUpgradeImageAns: 'ts006',
  DevDeleteImageAns: 'ts006',
};

function packageOf(command: Cmd): 'ts003' | 'ts004' | 'ts005' | 'ts006' {
  const pkg = COMMAND_PACKAGE[command.command];
  if (!pkg) throw new Error(`script: say which port ${command.command} goes on (use uplink())`);
  return pkg;
}

function portOf(pkg: 'ts003' | 'ts004' | 'ts005' | 'ts006'): number {
  return { ts003: PORT.TS003, ts004: PORT.TS004, ts005: PORT.TS005, ts006: PORT.TS006 }[pkg];
}

// ------------------------------------------------------------------------------------------
// Device answers, flags false unless given.

export function fragSessionSetupAns(fragIndex: number, version: 1 | 2, flags: Partial<Record<'fragAlgoUnsupported' | 'notEnoughMemory' | 'fragIndexUnsupported' | 'wrongDescriptor' | 'sessionCntReplay', boolean>> = {}): Cmd {
  return {
    command: 'FragSessionSetupAns',
    fragIndex,
    fragAlgoUnsupported: flags.fragAlgoUnsupported ?? false,
    notEnoughMemory: flags.notEnoughMemory ?? false,
    fragIndexUnsupported: flags.fragIndexUnsupported ?? false,
    wrongDescriptor: flags.wrongDescriptor ?? false,
    ...(version === 2 ? { sessionCntReplay: flags.sessionCntReplay ?? false } : {}),
  };
}

export function appTimeReq(deviceTime: number, tokenReq: number, ansRequired = false): Cmd {
  return { command: 'AppTimeReq', deviceTime, tokenReq, ansRequired };
}

export function sessionAns(
  deviceClass: 'C' | 'B',
  version: 1 | 2,
  fields: { mcGroupId?: number; drError?: boolean; freqError?: boolean; mcGroupUndefined?: boolean; startMissed?: boolean; timeToStart?: number },
): Cmd {
  return {
    command: deviceClass === 'B' ? 'McClassBSessionAns' : 'McClassCSessionAns',
    mcGroupId: fields.mcGroupId ?? 1,
    drError: fields.drError ?? false,
    freqError: fields.freqError ?? false,
    mcGroupUndefined: fields.mcGroupUndefined ?? false,
    ...(version === 2 ? { startMissed: fields.startMissed ?? false } : {}),
    ...(fields.timeToStart !== undefined ? { timeToStart: fields.timeToStart } : {}),
  };
}

export function statusAnsV1(fragIndex: number, nbFragReceived: number, missingFrag: number, notEnoughMatrixMemory = false): Cmd {
  return { command: 'FragSessionStatusAns', fragIndex, nbFragReceived, missingFrag, notEnoughMatrixMemory };
}

export function statusAnsV2(fields: { fragIndex?: number; nbFragReceived?: number; missingFrag?: number; memoryError?: boolean; micError?: boolean; sessionDoesNotExist?: boolean }): Cmd {
  const { memoryError = false, micError = false, sessionDoesNotExist = false, ...rest } = fields;
  return { command: 'FragSessionStatusAns', memoryError, micError, sessionDoesNotExist, ...rest };
}
