import { aes128Encrypt } from '../../lorawan/aes.js';
import { BEACON_PERIOD_US, BEACON_RESERVED_US, BEACON_WINDOW_SLOTS, PING_SLOT_US } from '../../radio/class-b-timing.js';

// Where the simulated ChirpStack puts a class B multicast downlink: the group's next ping slot
// (chirpstack/src/downlink/classb.rs get_next_ping_slot_after), by ping_nb as ChirpStack counts
// it (ping period = 4096 / ping_nb slots, integer division), so that a v4.0–4.7 period that is no
// power of two is placed as ChirpStack places it. The ping offset of each beacon period follows
// LoRaWAN L2 1.0.4 §14.1.1 (classb.rs get_ping_offset):
//   Rand = aes128_encrypt(16 × 0x00, BeaconTime(4, LE) | DevAddr(4, LE) | pad16)
//   pingOffset = (Rand[0] + Rand[1] × 256) mod pingPeriod

/** Ping offset (in 30 ms slots) of `devAddr` in the beacon period that starts at `beaconGpsS`, for `pingNb` slots per period. */
export function pingOffsetSlotsForPingNb(beaconGpsS: number, devAddr: number, pingNb: number): number {
  const block = new Uint8Array(16);
  const view = new DataView(block.buffer);
  view.setUint32(0, beaconGpsS >>> 0, true);
  view.setUint32(4, devAddr >>> 0, true);
  const rand = aes128Encrypt(new Uint8Array(16), block);
  return (rand[0]! + rand[1]! * 256) % Math.floor(BEACON_WINDOW_SLOTS / pingNb);
}

/** The same for LoRaWAN periodicity k (ping_nb = 2^(7−k)). */
export function pingOffsetSlots(beaconGpsS: number, devAddr: number, periodicity: number): number {
  return pingOffsetSlotsForPingNb(beaconGpsS, devAddr, 2 ** (7 - periodicity));
}

/** GPS ms of the first ping slot of `devAddr` strictly after `afterGpsMs`; `pingNb` ≥ 1. */
export function nextPingSlotAfterGpsMsForPingNb(afterGpsMs: number, devAddr: number, pingNb: number): number {
  const periodSlots = Math.floor(BEACON_WINDOW_SLOTS / pingNb);
  // classb.rs get_beacon_start: whole seconds, down to a multiple of 128 s.
  let beaconUs = Math.floor(Math.floor(afterGpsMs / 1000) * 1e6 / BEACON_PERIOD_US) * BEACON_PERIOD_US;
  for (;;) {
    const offset = pingOffsetSlotsForPingNb(beaconUs / 1e6, devAddr, pingNb);
    for (let n = 0; n < pingNb; n++) {
      const slotMs = (beaconUs + BEACON_RESERVED_US + (offset + n * periodSlots) * PING_SLOT_US) / 1000;
      if (slotMs > afterGpsMs) return slotMs;
    }
    beaconUs += BEACON_PERIOD_US;
  }
}

/** The same for LoRaWAN periodicity k. */
export function nextPingSlotAfterGpsMs(afterGpsMs: number, devAddr: number, periodicity: number): number {
  return nextPingSlotAfterGpsMsForPingNb(afterGpsMs, devAddr, 2 ** (7 - periodicity));
}
