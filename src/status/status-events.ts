import type { CampaignReport } from '../campaign/report.js';
import type { CampaignPhase, CampaignState, DeviceOutcome, DevicePhase, DeviceState, WaveStage } from '../campaign/state.js';
import { JSON_FORM, statusTypes } from './status-proto.js';
import type protobuf from 'protobufjs';

// The status messages of proto/fuota_status.proto, built from campaign state, and their two wire
// forms. Builders are pure; the plain objects use protobufjs's names (lowerCamelCase, enums by
// name), so the JSON form is exactly what a proto3 JSON parser of those messages reads back.
// The enum maps are Records over our literal unions: a phase added to state.ts does not compile
// until it has its name in the .proto (test/status checks the names exist there).

export type StatusFormat = 'json' | 'protobuf';

export type DeviceStatusPhase = 'WAITING' | 'SETUP' | 'SETUP_DONE' | 'SESSION' | 'RECEIVING' | 'BLOCK_COMPLETE' | 'UPGRADING' | 'REBOOTING' | 'CONFIRMING' | 'DONE';
export type DeviceStatusOutcome = 'CONFIRMED' | 'DELIVERED' | 'FAILED' | 'ABSENT' | 'REJECTED' | 'HALTED' | 'CANCELLED';
export type CampaignStatusPhase = 'RUNNING' | 'PAUSED' | 'HALTED' | 'CANCELLED' | 'COMPLETED';
export type CampaignStatusStage = 'SETUP' | 'SESSION' | 'FRAGMENTS' | 'STATUS' | 'UPGRADE' | 'TEARDOWN' | 'DONE';

export const DEVICE_PHASE_NAMES: Record<DevicePhase, DeviceStatusPhase> = {
  waiting: 'WAITING',
  setup: 'SETUP',
  'setup-done': 'SETUP_DONE',
  session: 'SESSION',
  receiving: 'RECEIVING',
  'block-complete': 'BLOCK_COMPLETE',
  upgrading: 'UPGRADING',
  rebooting: 'REBOOTING',
  confirming: 'CONFIRMING',
  done: 'DONE',
};

export const DEVICE_OUTCOME_NAMES: Record<DeviceOutcome, DeviceStatusOutcome> = {
  confirmed: 'CONFIRMED',
  delivered: 'DELIVERED',
  failed: 'FAILED',
  absent: 'ABSENT',
  rejected: 'REJECTED',
  halted: 'HALTED',
  cancelled: 'CANCELLED',
};

export const CAMPAIGN_PHASE_NAMES: Record<CampaignPhase, CampaignStatusPhase> = {
  running: 'RUNNING',
  paused: 'PAUSED',
  halted: 'HALTED',
  cancelled: 'CANCELLED',
  completed: 'COMPLETED',
};

export const WAVE_STAGE_NAMES: Record<WaveStage, CampaignStatusStage> = {
  setup: 'SETUP',
  session: 'SESSION',
  fragments: 'FRAGMENTS',
  status: 'STATUS',
  upgrade: 'UPGRADE',
  teardown: 'TEARDOWN',
  done: 'DONE',
};

/** DeviceStatus as a plain object (absent keys = unset fields). */
export interface DeviceStatus {
  campaignId: string;
  devEui: string;
  wave: number;
  phase: DeviceStatusPhase;
  outcome?: DeviceStatusOutcome;
  error?: string;
  fragmentsReceived?: number;
  fragmentsMissing?: number;
  fragmentsStatusAtMs?: number;
  clockOffsetS?: number;
  firmwareBefore?: number;
  firmwareAfter?: number;
  timestamps: Partial<Record<'startedAtMs' | 'setupDoneAtMs' | 'completeAtMs' | 'rebootAtMs' | 'finishedAtMs' | 'lastUplinkAtMs', number>>;
  lastAnswer?: { command: string; atMs: number };
  pendingRequest?: string;
  pendingAttempts?: number;
  uplinks: number;
  downlinks: number;
  updatedAtMs: number;
}

export type OutcomeCounts = Partial<Record<DeviceOutcome | 'open', number>>;

/** CampaignStatus as a plain object. */
export interface CampaignStatus {
  id: string;
  phase: CampaignStatusPhase;
  haltReason?: string;
  wave: number;
  waveCount: number;
  stage?: CampaignStatusStage;
  statusRound?: number;
  devices: number;
  outcomes: OutcomeCounts;
  airtime: { fragmentsSent: number; airtimeMs: number; unicastSent: number; gatewayOverflows: number };
  createdAtMs: number;
  updatedAtMs: number;
  /** Waiting for schedule.startAt ('start') or the next send window ('window'), until scheduleWaitUntilMs. */
  scheduleWait?: 'start' | 'window';
  scheduleWaitUntilMs?: number;
}

/** Copies only the keys whose value is defined (unset fields stay unset on the wire). A loop, not entries/fromEntries: this runs for every device a transition touches (issue #17). */
function defined<T extends object>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const key in fields) {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
    const value = fields[key];
    if (value !== undefined) out[key] = value;
  }
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** One device's status; `updatedAtMs` is the campaign's clock at the transition. */
export function deviceStatus(campaignId: string, device: DeviceState, updatedAtMs: number): DeviceStatus {
  return {
    campaignId,
    devEui: device.devEui,
    wave: device.wave,
    phase: DEVICE_PHASE_NAMES[device.phase],
    ...defined({
      outcome: device.outcome && DEVICE_OUTCOME_NAMES[device.outcome],
      error: device.error,
      fragmentsReceived: device.fragments.received,
      fragmentsMissing: device.fragments.missing,
      fragmentsStatusAtMs: device.fragments.statusAtMs,
      clockOffsetS: device.clockOffsetS,
      firmwareBefore: device.firmwareBefore,
      firmwareAfter: device.firmwareAfter,
      lastAnswer: device.lastAnswer && { command: device.lastAnswer.command, atMs: device.lastAnswer.atMs },
      pendingRequest: device.pending?.step,
      pendingAttempts: device.pending?.attempts,
    }),
    timestamps: defined(device.timestamps),
    uplinks: device.counters.uplinks,
    downlinks: device.counters.downlinks,
    updatedAtMs,
  };
}

/** The campaign's status; the counts come from a CampaignReport or a running tally. */
export function campaignStatus(campaign: CampaignState, counts: { devices: number; outcomes: OutcomeCounts }): CampaignStatus {
  return {
    id: campaign.id,
    phase: CAMPAIGN_PHASE_NAMES[campaign.phase],
    ...defined({
      haltReason: campaign.haltReason,
      stage: campaign.wave && WAVE_STAGE_NAMES[campaign.wave.stage],
      statusRound: campaign.wave?.statusRound,
    }),
    wave: campaign.waveIndex,
    waveCount: campaign.waveCount,
    devices: counts.devices,
    outcomes: defined({ ...counts.outcomes }),
    airtime: { fragmentsSent: campaign.airtime.fragmentsSent, airtimeMs: campaign.airtime.airtimeMs, unicastSent: campaign.airtime.unicastSent, gatewayOverflows: campaign.airtime.gatewayOverflows ?? 0 },
    createdAtMs: campaign.createdAtMs,
    updatedAtMs: campaign.updatedAtMs,
    ...defined({ scheduleWait: campaign.scheduleWait?.reason, scheduleWaitUntilMs: campaign.scheduleWait?.untilMs }),
  };
}

export function campaignStatusFromReport(campaign: CampaignState, report: CampaignReport): CampaignStatus {
  return campaignStatus(campaign, { devices: report.devices, outcomes: report.outcomes });
}

function encode(type: protobuf.Type, fields: object, format: StatusFormat): Uint8Array {
  // fromObject checks and converts every field (a wrong enum name would become 0 silently, but
  // the Records above only hold names the .proto has: test/status checks that).
  const message = type.fromObject(fields as Record<string, unknown>);
  if (format === 'protobuf') return type.encode(message).finish();
  return new TextEncoder().encode(JSON.stringify(type.toObject(message, JSON_FORM)));
}

export function encodeDeviceStatus(status: DeviceStatus, format: StatusFormat): Uint8Array {
  return encode(statusTypes().deviceStatus, status, format);
}

export function encodeCampaignStatus(status: CampaignStatus, format: StatusFormat): Uint8Array {
  return encode(statusTypes().campaignStatus, status, format);
}
