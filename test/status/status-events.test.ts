import test from 'ava';
import type protobuf from 'protobufjs';
import { campaignReport } from '../../src/campaign/report.js';
import type { CampaignState, DeviceState } from '../../src/campaign/state.js';
import {
  CAMPAIGN_PHASE_NAMES,
  campaignStatus,
  campaignStatusFromReport,
  DEVICE_OUTCOME_NAMES,
  DEVICE_PHASE_NAMES,
  deviceStatus,
  encodeCampaignStatus,
  encodeDeviceStatus,
  WAVE_STAGE_NAMES,
} from '../../src/status/status-events.js';
import { campaignState, deviceState } from '../store/fixtures.js';
import { onWire, types } from './wire.js';

const asObject = (type: protobuf.Type, bytes: Uint8Array) => type.toObject(type.decode(bytes), { enums: String, longs: Number });
const fromJson = (type: protobuf.Type, bytes: Uint8Array) => {
  const json = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  return { json, decoded: type.toObject(type.fromObject(json), { enums: String, longs: Number }) };
};
const DeviceStatusType = types.device;
const CampaignStatusType = types.campaign;

const CAMPAIGN = 'fw-1.2.4';

function finishedDevice(): DeviceState {
  const device = deviceState(7, 40);
  return {
    ...device,
    phase: 'done',
    outcome: 'failed',
    error: 'DevUpgradeImageAns: image corrupt or signature invalid',
    clockOffsetS: 0,
    fragments: { received: 1_200, missing: 0, statusAtMs: 1_763_703_900_000 },
    firmwareAfter: 0,
    timestamps: { ...device.timestamps, finishedAtMs: 1_763_705_000_000 },
  };
}

test('DeviceStatus carries the device state', (t) => {
  const device = deviceState(3, 25);
  const status = deviceStatus(CAMPAIGN, device, 1_763_703_999_000);
  t.deepEqual(status, {
    campaignId: CAMPAIGN,
    devEui: device.devEui,
    wave: 0,
    phase: 'RECEIVING',
    fragmentsReceived: 25,
    fragmentsMissing: 1_175,
    fragmentsStatusAtMs: 1_763_703_900_000,
    clockOffsetS: -2,
    firmwareBefore: 0x0102_0300,
    lastAnswer: { command: 'FragSessionStatusAns', atMs: 1_763_703_800_025 },
    pendingRequest: 'mc-session',
    pendingAttempts: 2,
    timestamps: { startedAtMs: 1_763_700_100_000, setupDoneAtMs: 1_763_701_100_000, lastUplinkAtMs: 1_763_703_800_025 },
    uplinks: 37,
    downlinks: 34,
    updatedAtMs: 1_763_703_999_000,
  });
});

test('DeviceStatus: outcome, error and meaningful zeros', (t) => {
  const status = deviceStatus(CAMPAIGN, finishedDevice(), 1);
  t.like(status, { phase: 'DONE', outcome: 'FAILED', error: 'DevUpgradeImageAns: image corrupt or signature invalid', clockOffsetS: 0, fragmentsMissing: 0, firmwareAfter: 0 });
  t.false('pendingRequest' in deviceStatus(CAMPAIGN, { ...finishedDevice(), pending: undefined }, 1));
});

test('DeviceStatus Protobuf round trip, zeros kept apart from unset', (t) => {
  const status = deviceStatus(CAMPAIGN, finishedDevice(), 1_763_705_000_001);
  const decoded = asObject(DeviceStatusType, encodeDeviceStatus(status, 'protobuf'));
  t.deepEqual(decoded, onWire(DeviceStatusType, status));
  t.false('wave' in decoded, 'wave 0 is a proto3 default');
  t.like(decoded, { clockOffsetS: 0, fragmentsMissing: 0, firmwareAfter: 0 });
  const open = deviceStatus(CAMPAIGN, { ...deviceState(1), clockOffsetS: undefined, firmwareBefore: undefined }, 5);
  const back = asObject(DeviceStatusType, encodeDeviceStatus(open, 'protobuf'));
  t.false('clockOffsetS' in back);
  t.false('firmwareBefore' in back);
  t.false('outcome' in back);
});

test('DeviceStatus JSON round trip: proto3 JSON names, enums by name', (t) => {
  const status = deviceStatus(CAMPAIGN, finishedDevice(), 1_763_705_000_001);
  const { json, decoded } = fromJson(DeviceStatusType, encodeDeviceStatus(status, 'json'));
  t.is(json.devEui, status.devEui);
  t.is(json.outcome, 'FAILED');
  t.is(json.fragmentsMissing, 0);
  t.is(json.updatedAtMs, 1_763_705_000_001);
  t.deepEqual(decoded, onWire(DeviceStatusType, status));
  t.deepEqual(json, onWire(DeviceStatusType, status));
});

function campaign(): CampaignState {
  return { ...campaignState(CAMPAIGN, 12), phase: 'halted', haltReason: 'wave 0: 3 of 10 devices failed (30 % > 20 %)' };
}

test('CampaignStatus from the state and a report', (t) => {
  const devices = [deviceState(1), finishedDevice(), { ...deviceState(2), outcome: 'confirmed' as const }];
  const state = campaign();
  const status = campaignStatusFromReport(state, campaignReport(state, devices));
  t.deepEqual(status, {
    id: CAMPAIGN,
    phase: 'HALTED',
    haltReason: 'wave 0: 3 of 10 devices failed (30 % > 20 %)',
    wave: 1,
    waveCount: 2,
    stage: 'FRAGMENTS',
    statusRound: 0,
    devices: 3,
    outcomes: { open: 1, failed: 1, confirmed: 1 },
    airtime: { fragmentsSent: 12, airtimeMs: 12 * 370.5, unicastSent: 400_000, gatewayOverflows: 0 },
    createdAtMs: 1_763_700_000_000,
    updatedAtMs: 1_763_700_012_000,
  });
  const noWave = campaignStatus({ ...state, wave: undefined }, { devices: 0, outcomes: {} });
  t.false('stage' in noWave);
});

test('CampaignStatus Protobuf and JSON round trips', (t) => {
  const state = campaign();
  const status = campaignStatus({ ...state, airtime: { ...state.airtime, gatewayOverflows: 2 } }, { devices: 10, outcomes: { confirmed: 7, failed: 3 } });
  const fromBinary = asObject(CampaignStatusType, encodeCampaignStatus(status, 'protobuf'));
  const { json, decoded } = fromJson(CampaignStatusType, encodeCampaignStatus(status, 'json'));
  const wire = onWire(CampaignStatusType, status);
  t.false('statusRound' in wire, 'status round 0 is a proto3 default: not on the wire, not in the JSON');
  t.deepEqual(fromBinary, wire);
  t.deepEqual(decoded, wire);
  t.deepEqual(json, wire);
  t.is(json.phase, 'HALTED');
  t.deepEqual(json.airtime, { fragmentsSent: 12, airtimeMs: 4_446, unicastSent: 400_000, gatewayOverflows: 2 });
});

test('every enum name we map to exists in the .proto (and the reverse)', (t) => {
  const names = (type: protobuf.Type, nested: string) => Object.keys((type.lookupEnum(nested)).values).filter((n) => !n.endsWith('_UNSPECIFIED')).sort();
  t.deepEqual(Object.values(DEVICE_PHASE_NAMES).sort(), names(DeviceStatusType, 'Phase'));
  t.deepEqual(Object.values(DEVICE_OUTCOME_NAMES).sort(), names(DeviceStatusType, 'Outcome'));
  t.deepEqual(Object.values(CAMPAIGN_PHASE_NAMES).sort(), names(CampaignStatusType, 'Phase'));
  t.deepEqual(Object.values(WAVE_STAGE_NAMES).sort(), names(CampaignStatusType, 'Stage'));
});

test('CampaignStatus says what a scheduled campaign waits for, and it survives both wire forms', (t) => {
  const untilMs = 1_763_780_400_000;
  const state: CampaignState = { ...campaign(), phase: 'running', haltReason: undefined, scheduleWait: { reason: 'window', untilMs } };
  const status = campaignStatus(state, { devices: 10, outcomes: {} });
  t.is(status.scheduleWait, 'window');
  t.is(status.scheduleWaitUntilMs, untilMs);
  const wire = onWire(CampaignStatusType, status);
  t.deepEqual(asObject(CampaignStatusType, encodeCampaignStatus(status, 'protobuf')), wire);
  t.deepEqual(fromJson(CampaignStatusType, encodeCampaignStatus(status, 'json')).decoded, wire);
  t.false('scheduleWait' in campaignStatus(campaign(), { devices: 10, outcomes: {} }));
});
