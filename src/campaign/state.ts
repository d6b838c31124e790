import type { FecScheme } from '../fec/scheme.js';

// The campaign's persisted state. Split in two so that a fleet of 100 000 devices costs O(1) per
// answer: one small CampaignState, and one DeviceState per device that a transition replaces
// only when that device changes. Everything here is JSON (hex for bytes) so the store can keep it.

export type CampaignPhase = 'running' | 'paused' | 'halted' | 'cancelled' | 'completed';

/** A wave goes through these stages once; canary first, then the rest. */
export type WaveStage = 'setup' | 'session' | 'fragments' | 'status' | 'upgrade' | 'teardown' | 'done';

export type DevicePhase =
  | 'waiting' // in a later wave
  | 'setup' // package versions, McGroupSetup, FragSessionSetup, clock sync
  | 'setup-done'
  | 'session' // McClassC/BSessionReq sent
  | 'receiving' // in the multicast session
  | 'block-complete'
  | 'upgrading' // DevUpgradeImageReq / DevRebootTimeReq
  | 'rebooting'
  | 'confirming' // DevVersionReq after the reboot
  | 'done';

/**
 * 'delivered': the device holds the whole block, but its stack cannot say which version it runs
 * afterwards (no TS006, e.g. LoRaMac-node) and the campaign names no uplink that would: the
 * application installs it on its own. 'confirmed' always means the new version was reported.
 */
export type DeviceOutcome = 'confirmed' | 'delivered' | 'failed' | 'absent' | 'rejected' | 'halted' | 'cancelled';

/** One request a device must answer; class A devices answer only after their own uplink. */
export type DeviceStep =
  | 'version-ts004'
  | 'version-ts005'
  | 'version-ts003'
  | 'mc-group-setup'
  | 'frag-session-setup'
  | 'clock-sync'
  | 'mc-session'
  | 'frag-status' // unicast FragSessionStatusReq after the session, for a stack without TS006
  | 'upgrade-image'
  | 'reboot-time'
  | 'dev-version';

export interface PendingRequest {
  step: DeviceStep;
  attempts: number;
  sentAtMs: number;
  /** Ask again (or give up) at this time. */
  retryAtMs: number;
  /** Uplinks seen since it was sent: class A devices get it after one and answer in the next. */
  uplinksSince?: number;
  lastCountedUplinkMs?: number;
  /** A wait before asking again (nothing in flight): only retryAtMs counts, not uplinks. */
  waitOnly?: boolean;
  /** The id of the unicast command of the latest ask (UnicastCommand.id): the network server adapter's reports name it. */
  askId?: string;
  /**
   * This ask repeats the step's previous one after the device was heard in between: the network
   * server had RX windows for the previous copy. If that copy is still queued, they went unused
   * and the ask is no attempt (device-progress.ts answeredByQueuedCopy).
   */
  heardSincePreviousAsk?: boolean;
}

export interface DeviceState {
  devEui: string;
  wave: number;
  phase: DevicePhase;
  outcome?: DeviceOutcome;
  /** Why it failed, as decoded: "FragSessionSetupAns: NotEnoughMemory". */
  error?: string;
  packageVersions: { ts003?: 1 | 2; ts004?: 1 | 2; ts005?: 1 | 2 };
  fecScheme?: FecScheme;
  fragIndex?: number;
  done: { mcGroupSetup: boolean; fragSessionSetup: boolean; clockSync: boolean; mcSession: boolean };
  pending?: PendingRequest;
  /** Device clock minus our clock, seconds, from its last AppTimeReq. */
  clockOffsetS?: number;
  /** As the device reported them (received, missing: the raw fields), and what they mean for its stack (frag-status-reading.ts). */
  fragments: { received?: number; missing?: number; needed?: number; tailFragments?: number; lossShare?: number; completeBy?: 'status' | 'block-received'; statusAtMs?: number; memoryError?: boolean };
  /** TS004 v2 seed learnt from a MICError (the other seed served it in a follow-up session). */
  v2Seed?: 'N' | 'N-M';
  /** SessionCnt of its latest FragSessionSetupReq when it differs from the spec's (follow-up sessions). */
  sessionCnt?: number;
  /** To be served again in a follow-up wave (another v2 seed; a live device that missed the session or the setup deadline: follow-up-wave.ts); false once moved. */
  followUp?: boolean;
  /** The version its application's own uplinks reported last (spec firmware.versionUplink). */
  firmwareReported?: number;
  /** The reboot time of the latest DevRebootTimeReq sent (an older request may still be queued). */
  rebootRequestedMs?: number;
  /** The reboot time of the first DevRebootTimeReq of the current round of them: once past, the device may have rebooted on it. */
  firstRebootRequestedMs?: number;
  /**
   * Its version is asked because an LBM DevRebootTimeAns 0 may come from a device that rebooted
   * already (device-answers.ts): the old version sends it back to DevRebootTimeReq, not to failure.
   */
  versionBeforeRebootAgain?: boolean;
  /** Its multicast group and fragmentation session were deleted on the device already. */
  released?: boolean;
  firmwareBefore?: number;
  firmwareAfter?: number;
  nextFirmwareVersion?: number;
  timestamps: {
    startedAtMs?: number;
    setupDoneAtMs?: number;
    completeAtMs?: number;
    rebootAtMs?: number;
    finishedAtMs?: number;
    lastUplinkAtMs?: number;
  };
  lastAnswer?: { command: string; atMs: number };
  counters: { uplinks: number; downlinks: number; ignored: number; clockCorrections?: number; versionChecks?: number };
}

/**
 * One fragmentation session of a wave: one per FEC scheme present (v1 and v2 do not mix), each in
 * a multicast group of its own, so that a device never hears fragments of a session it did not
 * set up (LoRaMac-node's zeroed session slots read such a fragment as "finished" and crash:
 * ../shared/reference/device-stacks.md, LmhpFragmentation.c DataFragment case).
 */
export interface SubSession {
  scheme: FecScheme;
  fragIndex: number;
  /** The network-server multicast group and its McAddr (TS005 McGroupSetupReq). */
  groupName: string;
  mcAddr: number;
  groupCreated?: boolean;
  groupDeleted?: boolean;
  nbFrag: number;
  fragmentSizeBytes: number;
  paddingBytes: number;
  /** Most N allowed (M + max redundancy, ≤ 16383). */
  maxN: number;
  /** Next fragment N to send (1..). */
  nextN: number;
  /** Send up to this N in the current round. */
  targetN: number;
  /** Planned send time of the next fragment. */
  nextAtMs?: number;
  /** The highest N sent when the latest FragSessionStatusReq went out (how its answers read). */
  statusSentN?: number;
  /** Losses its devices' status answers reported, pooled (fragments lost of those seen). */
  lossStats?: { lost: number; seen: number };
}

export interface WaveState {
  index: number;
  stage: WaveStage;
  startedAtMs: number;
  setupDeadlineMs: number;
  sessionStartMs?: number;
  sessionEndMs?: number;
  /** TS005 SessionTimeOut field sent (class C: 2^t s; class B: 128·2^t s). */
  sessionTimeOut?: number;
  subSessions: SubSession[];
  /** When the last multicast frame scheduled so far ends on air. */
  lastMulticastEndMs?: number;
  /** When the last multicast frame scheduled so far starts (the network server's class C margin counts from it). */
  lastMulticastAtMs?: number;
  statusRound: number;
  statusDeadlineMs?: number;
  /** When the latest extra fragments were decided (status answers before it are older than them). */
  extraDecidedAtMs?: number;
  rebootAtMs?: number;
  upgradeDeadlineMs?: number;
  /** The send window (spec schedule.windows) closed before the run ended: the rest goes in the next window's session. */
  windowClosed?: boolean;
  /** Sessions planned again because the start passed while devices were still unconfirmed and the engine was not there to ask (sessionStartMissed in wave-stages.ts). */
  sessionReplans?: number;
  /** When the current session was planned (its McClassC/BSessionReq first sent). */
  sessionPlannedAtMs?: number;
  /** A follow-up wave: devices of wave `followUpOf` served again with the other TS004 v2 seed. */
  followUpOf?: number;
}

export interface CampaignState {
  id: string;
  phase: CampaignPhase;
  createdAtMs: number;
  updatedAtMs: number;
  waveIndex: number;
  waveCount: number;
  wave?: WaveState;
  /** Wake the engine at this time (the store's run-after). */
  nextWakeMs?: number;
  /** Uplinks that changed nothing, by reason (unknown device, malformed, stale, duplicate...). */
  ignoredUplinks: Record<string, number>;
  airtime: {
    fragmentsSent: number;
    airtimeMs: number;
    unicastSent: number;
    /** Gateway duty-cycle overflows charged to the ledger (gateway-overflow.ts); absent until the first, and in states stored before it existed. */
    gatewayOverflows?: number;
  };
  /** Per-wave outcome counts, for the halt rule and the report. */
  waveResults: Array<{ index: number; participants: number; confirmed: number; failed: number; delivered?: number; followUpOf?: number }>;
  /** Wave indices that are follow-ups (another v2 seed) of the wave before them. */
  followUpWaves?: number[];
  haltReason?: string;
  /** Waiting for schedule.startAt, or for the next send window's session start (schedule.windows). */
  scheduleWait?: { reason: 'start' | 'window'; untilMs: number };
  /** When the operator paused it (deadlines move on by the pause on resume). */
  pausedAtMs?: number;
  downlinkSeq: number;
}

/** The network-server multicast group of one fragmentation session of a wave. */
export function multicastGroupName(campaignId: string, wave: number, fragIndex: number): string {
  return `${campaignId}-w${wave}-f${fragIndex}`;
}
