import { aes128Encrypt } from '../../lorawan/aes.js';
import { BEACON_PERIOD_US, nextPingSlotUs, pingPeriodSlots } from '../../radio/class-b-timing.js';

// Where the simulated ChirpStack puts a class B multicast downlink: the group's next ping slot
// (chirpstack/src/downlink/classb.rs get_next_ping_slot_after). The ping offset of each beacon
// period follows LoRaWAN L2 1.0.4 §14.1.1:
//   Rand = aes128_encrypt(16 × 0x00, BeaconTime(4, LE) | DevAddr(4, LE) | pad16)
//   pingOffset = (Rand[0] + Rand[1] × 256) mod pingPeriod

/** Ping offset (in 30 ms slots) of `devAddr` in the beacon period that starts at `beaconGpsS`. */
export function pingOffsetSlots(beaconGpsS: number, devAddr: number, periodicity: number): number {
  const block = new Uint8Array(16);
  const view = new DataView(block.buffer);
  view.setUint32(0, beaconGpsS >>> 0, true);
  view.setUint32(4, devAddr >>> 0, true);
  const rand = aes128Encrypt(new Uint8Array(16), block);
  return (rand[0]! + rand[1]! * 256) % pingPeriodSlots(periodicity);
}

/** GPS ms of the first ping slot of `devAddr` strictly after `afterGpsMs`. */
export function nextPingSlotAfterGpsMs(afterGpsMs: number, devAddr: number, periodicity: number): number {
  const fromUs = Math.floor(afterGpsMs) * 1000 + 1;
  const beaconUs = Math.floor(fromUs / BEACON_PERIOD_US) * BEACON_PERIOD_US;
  let slotUs = nextPingSlotUs(fromUs, periodicity, pingOffsetSlots(beaconUs / 1e6, devAddr, periodicity));
  if (slotUs >= beaconUs + BEACON_PERIOD_US) {
    // The slot fell in the next beacon period, whose ping offset differs.
    const nextBeaconUs = beaconUs + BEACON_PERIOD_US;
    slotUs = nextPingSlotUs(nextBeaconUs, periodicity, pingOffsetSlots(nextBeaconUs / 1e6, devAddr, periodicity));
  }
  return slotUs / 1000;
}
