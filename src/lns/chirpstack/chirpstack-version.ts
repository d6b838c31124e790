import { CallerError } from '../../core/errors.js';

// What a ChirpStack v4 release can do for us, by version (chirpstack/chirpstack tags; the api
// protos under api/proto/api/ at each tag):
//   - multicast `expires_at` on MulticastGroupQueueItem: v4.10 (older servers ignore the field);
//   - unicast `expires_at` on DeviceQueueItem / command/down: v4.14;
//   - MQTT 5 integration client: v4.7;
//   - class B ping-slot field of MulticastGroup: v4.0–4.7 field 12 `class_b_ping_slot_period`
//     (ping period in 30 ms slots, pingNb = 4096 / period: storage/multicast.rs enqueue),
//     v4.8–4.12 field 14 `class_b_ping_slot_nb_k` (pingNb = 2^k), v4.13+ field 14
//     `class_b_ping_slot_periodicity` (LoRaWAN periodicity, pingNb = 2^(7−k)).
// Class C GPS_TIME is usable in no release we know of: enqueue sets scheduler_run_after equal
// to the emit time (storage/multicast.rs, class C branch), so the frame reaches the gateway after
// the time it must go out and the gateway answers TOO_LATE (row deleted, nothing reported).

export interface ChirpstackVersion {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

/** How field 14 / field 12 of MulticastGroup carries the class B ping-slot setting. */
export type ClassBPingSlotField = 'period-field-12' | 'nb-k-field-14' | 'periodicity-field-14';

const VERSION = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/;

/** "4.13.0", "v4.13.0", "4.13", "4.13.0-test.1" (what InternalService.GetVersion and tags show). */
export function parseChirpstackVersion(text: string, field = 'networkServer.version'): ChirpstackVersion {
  const m = typeof text === 'string' ? VERSION.exec(text.trim()) : null;
  if (m === null) throw new CallerError('CHIRPSTACK_VERSION_INVALID', `${field}: expected a ChirpStack version like 4.13.0, got ${JSON.stringify(text)}`);
  const version = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), text: text.trim() };
  if (version.major !== 4) throw new CallerError('CHIRPSTACK_VERSION_UNSUPPORTED', `${field}: expected ChirpStack v4 (4.x.y), got ${JSON.stringify(text)}`);
  return version;
}

function atLeast(version: ChirpstackVersion, minor: number): boolean {
  return version.minor >= minor;
}

export function supportsMulticastExpiry(version: ChirpstackVersion): boolean {
  return atLeast(version, 10);
}

export function supportsUnicastExpiry(version: ChirpstackVersion): boolean {
  return atLeast(version, 14);
}

export function classBPingSlotField(version: ChirpstackVersion): ClassBPingSlotField {
  if (atLeast(version, 13)) return 'periodicity-field-14';
  if (atLeast(version, 8)) return 'nb-k-field-14';
  return 'period-field-12';
}

/** The value ChirpStack `version` wants in its class B field for LoRaWAN ping-slot periodicity k (0..7). */
export function classBPingSlotValue(field: ClassBPingSlotField, periodicity: number): number {
  switch (field) {
    case 'periodicity-field-14':
      return periodicity;
    case 'nb-k-field-14':
      return 7 - periodicity; // pingNb = 2^(7−k) = 2^nbK
    case 'period-field-12':
      return 2 ** (5 + periodicity); // 4096 / pingNb slots
  }
}
