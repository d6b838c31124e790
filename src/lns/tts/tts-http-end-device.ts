import { CallerError } from '../../core/errors.js';
import { parseEui64 } from '../../core/eui.js';
import { checkTtsId } from './tts-ids.js';

// The three requests that register a multicast group as a virtual ABP end device in The Things
// Stack (../shared/reference/network-servers.md TTS section; TTS docs "Multicast Groups"):
// Identity Server (ids, name), Network Server (MAC and session), Application Server (AppSKey).
//
// Field names, from lorawan-stack api/ttn/lorawan/v3/end_device.proto (read 2026-12):
//   EndDevice: multicast, supports_join, supports_class_b, supports_class_c, frequency_plan_id,
//     lorawan_version (MACVersion: MAC_V1_0_3…), lorawan_phy_version (PHYVersion: PHY_V1_0_3_REV_A…),
//     session {dev_addr, keys {f_nwk_s_int_key, s_nwk_s_int_key, nwk_s_enc_key, app_s_key: {key}}}.
//   MACSettings (wrapper messages, `{"value": …}`): rx2_data_rate_index (DataRateIndexValue) and
//     desired_rx2_data_rate_index, rx2_frequency (FrequencyValue) and desired_rx2_frequency,
//     ping_slot_periodicity (PingSlotPeriodValue: PING_EVERY_1S … PING_EVERY_128S),
//     ping_slot_data_rate_index and desired_ping_slot_data_rate_index, ping_slot_frequency
//     (ZeroableFrequencyValue) and desired_ping_slot_frequency, class_b_c_downlink_interval
//     (google.protobuf.Duration, "1.5s").
// `mac_settings.x` is what the NS believes the device uses, `desired_x` what it would move the
// device to with MAC commands; a multicast group hears no MAC commands, so we set both alike.
// NS rules (pkg/networkserver/grpc_deviceregistry.go, ABP): session.dev_addr and
// session.keys.f_nwk_s_int_key.key are required; for LoRaWAN ≥ 1.1 also s_nwk_s_int_key and
// nwk_s_enc_key, for 1.0.x those two are prohibited (the 1.0 NwkSKey is f_nwk_s_int_key).

export interface TtsEndDeviceRegistration {
  deviceId: string;
  devEui?: string;
  name?: string;
  multicast: true;
  deviceClass: 'B' | 'C';
  frequencyPlanId: string;
  /** MACVersion name, e.g. MAC_V1_0_3 or MAC_V1_1. */
  lorawanVersion: string;
  /** PHYVersion name, e.g. PHY_V1_0_3_REV_A or RP002_V1_0_3. */
  lorawanPhyVersion: string;
  devAddrHex: string;
  /** McNwkSKey. */
  fNwkSIntKeyHex: string;
  /** McAppSKey. */
  appSKeyHex: string;
  /** Class C: the RX2 data rate; class B: the ping slot data rate. */
  dataRateIndex: number;
  /** Class C: the RX2 frequency; class B: the ping slot frequency. */
  frequencyHz: number;
  /** 0..7 (ping every 2^n s); required for class B. */
  pingSlotPeriodicity?: number;
  classBCDownlinkIntervalMs?: number;
}

export interface TtsEndDeviceRequest {
  end_device: Record<string, unknown>;
  field_mask: { paths: string[] };
}

function invalid(field: string, expected: string, got: unknown): CallerError {
  return new CallerError('TTS_DEVICE_INVALID', `end device ${field}: expected ${expected}, got ${typeof got === 'string' ? JSON.stringify(got) : String(got)}`);
}

function hexField(value: string, bytes: number, field: string): string {
  if (typeof value !== 'string' || !new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(value)) {
    // Never echo a key, even a malformed one: messages end up in logs.
    throw bytes === 16 && typeof value === 'string' ? new CallerError('TTS_DEVICE_INVALID', `end device ${field}: expected ${bytes * 2} hex digits, got ${value.length} characters`) : invalid(field, `${bytes * 2} hex digits`, value);
  }
  // TTS writes hex in upper case and reads either.
  return value.toUpperCase();
}

function intField(value: number | undefined, min: number, max: number, field: string): number {
  if (value === undefined || !Number.isInteger(value) || value < min || value > max) throw invalid(field, `an integer ${min}..${max}`, value);
  return value;
}

const VERSION_NAME = /^[A-Z0-9_]+$/;

/** The ids object of every request. */
export function endDeviceIds(applicationId: string, deviceId: string, devEui?: string): Record<string, unknown> {
  return {
    device_id: checkTtsId(deviceId, 'deviceId'),
    application_ids: { application_id: checkTtsId(applicationId, 'applicationId') },
    ...(devEui !== undefined ? { dev_eui: parseEui64(devEui, 'devEui').toUpperCase() } : {}),
  };
}

/** IS: CreateEndDeviceRequest `{"end_device": …}` (the IS create takes no field mask). */
export function identityServerCreate(applicationId: string, device: TtsEndDeviceRegistration, serverHost: string): Record<string, unknown> {
  return {
    end_device: {
      ids: endDeviceIds(applicationId, device.deviceId, device.devEui),
      ...(device.name !== undefined ? { name: device.name } : {}),
      // Where the Console looks the device up; the CLI fills these from its configuration too.
      network_server_address: serverHost,
      application_server_address: serverHost,
    },
  };
}

/** NS: SetEndDeviceRequest for the multicast group. */
export function networkServerSet(applicationId: string, device: TtsEndDeviceRegistration): TtsEndDeviceRequest {
  if (device.multicast !== true) throw invalid('multicast', 'true', device.multicast);
  if (device.deviceClass !== 'B' && device.deviceClass !== 'C') throw invalid('deviceClass', "'B' or 'C'", device.deviceClass);
  if (typeof device.frequencyPlanId !== 'string' || device.frequencyPlanId === '') throw invalid('frequencyPlanId', 'a frequency plan id (e.g. EU_863_870)', device.frequencyPlanId);
  if (!VERSION_NAME.test(device.lorawanVersion) || !device.lorawanVersion.startsWith('MAC_V')) throw invalid('lorawanVersion', 'a MACVersion name like MAC_V1_0_3', device.lorawanVersion);
  if (!VERSION_NAME.test(device.lorawanPhyVersion)) throw invalid('lorawanPhyVersion', 'a PHYVersion name like PHY_V1_0_3_REV_A', device.lorawanPhyVersion);
  const dataRate = intField(device.dataRateIndex, 0, 15, 'dataRateIndex');
  const frequency = intField(device.frequencyHz, 100_000, 10_000_000_000, 'frequencyHz');
  const nwkKey = hexField(device.fNwkSIntKeyHex, 16, 'fNwkSIntKeyHex');
  const is11 = !/^MAC_V1_0/.test(device.lorawanVersion);

  const paths = ['frequency_plan_id', 'lorawan_version', 'lorawan_phy_version', 'multicast', 'supports_join'];
  if (device.devEui !== undefined) paths.push('ids.dev_eui');
  const keys: Record<string, unknown> = { f_nwk_s_int_key: { key: nwkKey } };
  paths.push('session.dev_addr', 'session.keys.f_nwk_s_int_key.key');
  if (is11) {
    // A multicast group has one network key (McNwkSKey): TTS needs all three 1.1 slots filled.
    keys['s_nwk_s_int_key'] = { key: nwkKey };
    keys['nwk_s_enc_key'] = { key: nwkKey };
    paths.push('session.keys.s_nwk_s_int_key.key', 'session.keys.nwk_s_enc_key.key');
  }
  const mac: Record<string, unknown> = {};
  if (device.deviceClass === 'C') {
    paths.push('supports_class_c');
    Object.assign(mac, {
      rx2_data_rate_index: { value: dataRate },
      desired_rx2_data_rate_index: { value: dataRate },
      rx2_frequency: { value: frequency },
      desired_rx2_frequency: { value: frequency },
    });
  } else {
    paths.push('supports_class_b');
    const periodicity = intField(device.pingSlotPeriodicity, 0, 7, 'pingSlotPeriodicity');
    Object.assign(mac, {
      ping_slot_periodicity: { value: `PING_EVERY_${2 ** periodicity}S` },
      ping_slot_data_rate_index: { value: dataRate },
      desired_ping_slot_data_rate_index: { value: dataRate },
      ping_slot_frequency: { value: frequency },
      desired_ping_slot_frequency: { value: frequency },
    });
  }
  if (device.classBCDownlinkIntervalMs !== undefined) {
    const ms = intField(device.classBCDownlinkIntervalMs, 1, 86_400_000, 'classBCDownlinkIntervalMs');
    mac['class_b_c_downlink_interval'] = `${ms / 1000}s`;
  }
  paths.push(...Object.keys(mac).map((key) => `mac_settings.${key}`));
  return {
    end_device: {
      ids: endDeviceIds(applicationId, device.deviceId, device.devEui),
      frequency_plan_id: device.frequencyPlanId,
      lorawan_version: device.lorawanVersion,
      lorawan_phy_version: device.lorawanPhyVersion,
      multicast: true,
      supports_join: false,
      ...(device.deviceClass === 'C' ? { supports_class_c: true } : { supports_class_b: true }),
      session: { dev_addr: hexField(device.devAddrHex, 4, 'devAddrHex'), keys },
      mac_settings: mac,
    },
    field_mask: { paths },
  };
}

/** AS: SetEndDeviceRequest with the session's AppSKey. */
export function applicationServerSet(applicationId: string, device: TtsEndDeviceRegistration): TtsEndDeviceRequest {
  const paths = ['session.dev_addr', 'session.keys.app_s_key.key'];
  if (device.devEui !== undefined) paths.unshift('ids.dev_eui');
  return {
    end_device: {
      ids: endDeviceIds(applicationId, device.deviceId, device.devEui),
      session: { dev_addr: hexField(device.devAddrHex, 4, 'devAddrHex'), keys: { app_s_key: { key: hexField(device.appSKeyHex, 16, 'appSKeyHex') } } },
    },
    field_mask: { paths },
  };
}
