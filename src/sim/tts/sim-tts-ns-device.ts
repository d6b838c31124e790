import { getPath, isJsonObject, type Json } from './sim-tts-field-mask.js';
import { SimTtsError } from './sim-tts-errors.js';

// What the simulated Network Server reads from its end device (ttnpb.EndDevice, NS fields;
// api/end_device.proto MACSettings), and the checks of its Set (pkg/networkserver
// grpc_deviceregistry.go, as ../shared/reference/network-servers.md summarises them):
//   - created with frequency_plan_id, lorawan_version and lorawan_phy_version;
//   - `multicast` cannot change after creation (field_value);
//   - a multicast device: supports_join false, supports_class_b or supports_class_c (else
//     class_a_multicast), class B only → mac_settings.ping_slot_periodicity;
//   - an ABP device (supports_join false): session.dev_addr and session.keys.f_nwk_s_int_key.
// Wrapped MAC settings are messages ({"value": …}) as in proto3 JSON; enums by name or number.
// Only EU868 frequency plans are simulated (EU_863_870*).

export type TtsDeviceClass = 'A' | 'B' | 'C';

export interface NsProfile {
  multicast: boolean;
  supportsJoin: boolean;
  deviceClass: TtsDeviceClass;
  devAddrHex?: string;
  fNwkSIntKeyHex?: string;
  /** mac_settings.rx1_delay (band default in TTS Cloud: 5 s); the NS refuses an absolute_time closer than half of it. */
  rx1DelayMs: number;
  rx2DataRateIndex: number;
  rx2FrequencyHz: number;
  /** LoRaWAN periodicity k (ping every 2^k s). */
  pingSlotPeriodicity?: number;
  pingSlotDataRateIndex: number;
  pingSlotFrequencyHz: number;
  classBCDownlinkIntervalMs: number;
}

function fieldValue(field: string): SimTtsError {
  return new SimTtsError('fieldValue', { field });
}

/** A wrapped value ({"value": x}); undefined when the field is absent. */
function wrapped(device: Json, path: string): unknown {
  const v = getPath(device, path);
  if (v === undefined || v === null) return undefined;
  if (!isJsonObject(v) || !('value' in v)) throw new SimTtsError('validation', { field: path, reason: 'expected {"value": …}' });
  return v['value'];
}

function enumIndex(value: unknown, prefix: string, max: number, field: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.startsWith(prefix) ? Number(value.slice(prefix.length)) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new SimTtsError('validation', { field, reason: `expected ${prefix}0..${max}, got ${JSON.stringify(value)}` });
  return n;
}

const PING_PERIODS = ['PING_EVERY_1S', 'PING_EVERY_2S', 'PING_EVERY_4S', 'PING_EVERY_8S', 'PING_EVERY_16S', 'PING_EVERY_32S', 'PING_EVERY_64S', 'PING_EVERY_128S'];

function periodicity(value: unknown, field: string): number {
  const n = typeof value === 'number' ? value : PING_PERIODS.indexOf(String(value));
  if (!Number.isInteger(n) || n < 0 || n > 7) throw new SimTtsError('validation', { field, reason: `expected one of ${PING_PERIODS.join(', ')}, got ${JSON.stringify(value)}` });
  return n;
}

function frequency(value: unknown, field: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 100_000) throw new SimTtsError('validation', { field, reason: `expected a frequency in Hz, got ${JSON.stringify(value)}` });
  return n;
}

/** google.protobuf.Duration JSON ("1s", "0.500s"). */
function duration(value: unknown, field: string): number {
  const m = typeof value === 'string' ? /^(\d+(?:\.\d{1,9})?)s$/.exec(value) : null;
  if (!m) throw new SimTtsError('validation', { field, reason: `expected a duration like "1s", got ${JSON.stringify(value)}` });
  return Number(m[1]) * 1000;
}

function hexField(device: Json, path: string, digits: number): string | undefined {
  const v = getPath(device, path);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !new RegExp(`^[0-9A-Fa-f]{${digits}}$`).test(v)) throw new SimTtsError('validation', { field: path, reason: `expected ${digits} hex digits, got ${JSON.stringify(v)}` });
  return v.toLowerCase();
}

/** The profile of the NS device after a Set; `previous` is the stored device (undefined: creation). */
export function nsProfile(device: Json, previous: Json | undefined, maskPaths: readonly string[]): NsProfile {
  if (!previous) {
    for (const field of ['frequency_plan_id', 'lorawan_version', 'lorawan_phy_version']) if (typeof device[field] !== 'string' || device[field] === '') throw fieldValue(field);
  }
  const plan = device['frequency_plan_id'];
  if (typeof plan !== 'string' || !plan.startsWith('EU_863_870')) throw new SimTtsError('validation', { field: 'frequency_plan_id', reason: `only EU_863_870 plans are simulated, got ${JSON.stringify(plan)}` });
  if (previous && maskPaths.includes('multicast') && Boolean(device['multicast']) !== Boolean(previous['multicast'])) throw fieldValue('multicast');
  const multicast = device['multicast'] === true;
  const supportsJoin = device['supports_join'] === true;
  const classB = device['supports_class_b'] === true;
  const classC = device['supports_class_c'] === true;
  if (multicast && supportsJoin) throw fieldValue('supports_join');
  if (multicast && !classB && !classC) throw new SimTtsError('classAMulticast');
  const devAddrHex = hexField(device, 'session.dev_addr', 8);
  const fNwkSIntKeyHex = hexField(device, 'session.keys.f_nwk_s_int_key.key', 32);
  if (!supportsJoin && devAddrHex === undefined) throw fieldValue('session.dev_addr');
  if (!supportsJoin && fNwkSIntKeyHex === undefined) throw fieldValue('session.keys.f_nwk_s_int_key.key');
  const ping = wrapped(device, 'mac_settings.ping_slot_periodicity');
  if (multicast && classB && !classC && ping === undefined) throw fieldValue('mac_settings.ping_slot_periodicity');
  const rx2Dr = wrapped(device, 'mac_settings.rx2_data_rate_index');
  const rx2Freq = wrapped(device, 'mac_settings.rx2_frequency');
  const pingDr = wrapped(device, 'mac_settings.ping_slot_data_rate_index');
  const pingFreq = wrapped(device, 'mac_settings.ping_slot_frequency');
  const rx1Delay = wrapped(device, 'mac_settings.rx1_delay');
  const interval = getPath(device, 'mac_settings.class_b_c_downlink_interval');
  // Defaults: the TTN EU868 plan's RX2 is SF9 (DR3), the band's DR0; both on 869.525 MHz; ping
  // slots DR3 on 869.525 MHz (RP002 EU868 class B defaults); class_b_c_downlink_interval 1 s.
  return {
    multicast, supportsJoin,
    // A multicast device's class: C when it supports C, else B (our reading of the NS's MAC state init).
    deviceClass: multicast ? (classC ? 'C' : 'B') : 'A',
    ...(devAddrHex === undefined ? {} : { devAddrHex }),
    ...(fNwkSIntKeyHex === undefined ? {} : { fNwkSIntKeyHex }),
    rx1DelayMs: rx1Delay === undefined ? 5000 : enumIndex(rx1Delay, 'RX_DELAY_', 15, 'mac_settings.rx1_delay') * 1000 || 1000,
    rx2DataRateIndex: rx2Dr === undefined ? (plan.endsWith('_TTN') ? 3 : 0) : enumIndex(rx2Dr, 'DATA_RATE_', 15, 'mac_settings.rx2_data_rate_index'),
    rx2FrequencyHz: rx2Freq === undefined ? 869_525_000 : frequency(rx2Freq, 'mac_settings.rx2_frequency'),
    ...(ping === undefined ? {} : { pingSlotPeriodicity: periodicity(ping, 'mac_settings.ping_slot_periodicity') }),
    pingSlotDataRateIndex: pingDr === undefined ? 3 : enumIndex(pingDr, 'DATA_RATE_', 15, 'mac_settings.ping_slot_data_rate_index'),
    pingSlotFrequencyHz: pingFreq === undefined ? 869_525_000 : frequency(pingFreq, 'mac_settings.ping_slot_frequency'),
    classBCDownlinkIntervalMs: interval === undefined ? 1000 : duration(interval, 'mac_settings.class_b_c_downlink_interval'),
  };
}

/** EU868 LoRa data rates 0..6 (RP002-1.0.3 §2.4.3): SF12..SF7 at 125 kHz, SF7 at 250 kHz. */
export function eu868LoRa(dataRateIndex: number): { spreadingFactor: number; bandwidthHz: number } {
  if (dataRateIndex === 6) return { spreadingFactor: 7, bandwidthHz: 250_000 };
  if (dataRateIndex < 0 || dataRateIndex > 5) throw new SimTtsError('validation', { field: 'data_rate_index', reason: `EU868 LoRa data rates are 0..6, got ${dataRateIndex}` });
  return { spreadingFactor: 12 - dataRateIndex, bandwidthHz: 125_000 };
}
