import { ValueError } from '../../core/errors.js';

// Which ChirpStack v4 release the simulated ChirpStack plays (option `version`, default 4.19.0,
// what InternalService.GetVersion answers) and what changes with it (chirpstack/chirpstack tags;
// api/proto/api/multicast_group.proto and integration.proto at each tag):
//   - MulticastGroupQueueItem.expires_at: since v4.10; before, the field does not exist, so a
//     queue row has none and never expires;
//   - DeviceQueueItem / command/down expires_at: since v4.14; before, it is ignored;
//   - the class B ping-slot setting of MulticastGroup: v4.0–4.7 field 12
//     `class_b_ping_slot_period` (ping period in 30 ms slots; ping_nb = 2^12 / period, integer
//     division: storage/multicast.rs enqueue, class "B" branch, in the indexed version); v4.8–4.12
//     field 14 `class_b_ping_slot_nb_k` (ping_nb = 2^k); v4.13+ field 14
//     `class_b_ping_slot_periodicity` (LoRaWAN periodicity k, ping_nb = 2^(7−k)).

export const DEFAULT_SIM_CHIRPSTACK_VERSION = '4.19.0';

export interface SimChirpstackVersion {
  major: 4;
  minor: number;
  patch: number;
  /** As configured: "major.minor.patch". */
  text: string;
}

const VERSION = /^4\.(\d{1,3})\.(\d{1,3})$/;

/** A plain "4.minor.patch" (no "v", no suffix): the form GetVersion answers with. */
export function parseSimChirpstackVersion(text: string): SimChirpstackVersion {
  const m = VERSION.exec(text);
  if (m === null) throw new ValueError('simulated ChirpStack version', 'a ChirpStack v4 version "4.minor.patch", e.g. "4.19.0"', text, 'SIM_CHIRPSTACK_VERSION_INVALID');
  return { major: 4, minor: Number(m[1]), patch: Number(m[2]), text };
}

export function hasMulticastExpiry(version: SimChirpstackVersion): boolean {
  return version.minor >= 10;
}

export function hasUnicastExpiry(version: SimChirpstackVersion): boolean {
  return version.minor >= 14;
}

/** v4.0–4.7 carry the class B setting in field 12, which the 4.19 classes no longer know. */
export function usesPingSlotPeriodField12(version: SimChirpstackVersion): boolean {
  return version.minor < 8;
}

/**
 * ping_nb (ping slots per beacon period) as ChirpStack `version` derives it from the group's
 * stored setting; 0 when it gives none (ChirpStack then fails class B enqueues with
 * "ping_nb must be > 0": downlink/classb.rs get_next_ping_slot_after).
 */
export function classBPingNb(version: SimChirpstackVersion, field14: number, field12: number | undefined): number {
  if (usesPingSlotPeriodField12(version)) {
    const period = field12 ?? 0;
    return period === 0 ? 0 : Math.floor(4096 / period);
  }
  // Past these the shift leaves the 4096-slot beacon window (ping period 0): modelled as no ping_nb.
  if (version.minor < 13) return field14 <= 12 ? 2 ** field14 : 0;
  return field14 <= 7 ? 2 ** (7 - field14) : 0;
}
