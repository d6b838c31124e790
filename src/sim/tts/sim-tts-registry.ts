import type { TtsDownlink } from './sim-tts-downlink.js';
import type { Json } from './sim-tts-field-mask.js';
import type { NsProfile } from './sim-tts-ns-device.js';

// The simulated TTS's end device registries. TTS keeps one end device in four places (Identity
// Server, Join Server, Network Server, Application Server), each created, read and deleted on
// its own (the Console and the CLI walk them in turn): so do we, one map per component, keyed by
// device id. The NS record carries the downlink queue (Session.queued_application_downlinks).

export interface ComponentRecord {
  /** The stored end device (its fields as set, ids included). */
  device: Json;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface NsRecord extends ComponentRecord {
  profile: NsProfile;
  /** Session.queued_application_downlinks, in order. */
  queue: TtsDownlink[];
  /** The fleet device behind the id (lowercase DevEUI); undefined for virtual (multicast) devices. */
  fleetDevEui?: string;
  /** Start of the last class B/C transmission (class_b_c_downlink_interval counts from it). */
  lastTxStartMs?: number;
  /** Frames sent (a fresh session's first downlink has FCnt 0). */
  downlinksSent: number;
}

export interface AsRecord extends ComponentRecord {
  /** The AS's session AFCntDown of the last item it encrypted (undefined: none yet). */
  lastAFCntDown?: number;
  appSKeyHex?: string;
}

export class SimTtsRegistry {
  readonly is = new Map<string, ComponentRecord>();
  readonly js = new Map<string, ComponentRecord>();
  readonly ns = new Map<string, NsRecord>();
  readonly as = new Map<string, AsRecord>();
  /** Fleet DevEUI (lowercase) → device id. */
  readonly idOfDevEui = new Map<string, string>();

  /** The device ids known to any component. */
  deviceIds(): string[] {
    return [...new Set([...this.is.keys(), ...this.js.keys(), ...this.ns.keys(), ...this.as.keys()])].sort();
  }

  /** The multicast devices (NS records with multicast), for the demo and tests. */
  multicastDevices(): Array<{ deviceId: string; record: NsRecord }> {
    return [...this.ns.entries()].filter(([, r]) => r.profile.multicast).map(([deviceId, record]) => ({ deviceId, record }));
  }
}

/** ids of a stored device as every component returns them. */
export function idsJson(applicationId: string, deviceId: string, devEui?: string, joinEui?: string): Json {
  return {
    device_id: deviceId,
    application_ids: { application_id: applicationId },
    ...(devEui ? { dev_eui: devEui.toUpperCase() } : {}),
    ...(joinEui ? { join_eui: joinEui.toUpperCase() } : {}),
  };
}
