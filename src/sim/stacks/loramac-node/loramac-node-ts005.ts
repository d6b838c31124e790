import { mcGroupFromSetup, mcRootKeyFor } from '../../sim-mc-group.js';
import type { SimDevice } from '../../sim-device.js';
import { CommandBytes } from './command-bytes.js';

// TS005 as LoRaMac-node v4.7.0 runs it (src/apps/LoRaMac/common/LmHandler/packages/
// LmhpRemoteMcastSetup.c, LmhpRemoteMcastSetupOnMcpsIndication ~300-560, and src/mac/LoRaMac.c
// LoRaMacMcChannelSetupRxParams). v1 only, no multicast check. One session start timer and one
// stop timer for the whole device: at the start the device switches to class C (also for a
// class B session) and back to class A after 2^SessionTimeout s of GROUP 0 (LmhpRemoteMcastSetupProcess ~250).

const REMOTE_MCAST_SETUP_PORT = 200;

export class LoramacMcState {
  /** McSessionData[i].SessionTimeout, stored by every session request (~455). */
  readonly sessionTimeout = [0, 0, 0, 0];
  /** SessionStartTimer: the start (device GPS s) armed by the last accepted session request. */
  armedStartGpsS: number | undefined;
  /** A class C period already begun when a later request re-armed the timer. */
  running: { startGpsS: number; endGpsS: number } | undefined;

  /** Class C from the start for 2^SessionTimeout(group 0) s: is device time `deviceS` inside? */
  inClassC(deviceS: number): boolean {
    if (this.running && deviceS >= this.running.startGpsS && deviceS < this.running.endGpsS) return true;
    const start = this.armedStartGpsS;
    return start !== undefined && deviceS >= start && deviceS < start + this.classCDurationS();
  }

  arm(startGpsS: number, deviceNowS: number): void {
    const start = this.armedStartGpsS;
    if (start !== undefined && start <= deviceNowS) this.running = { startGpsS: start, endGpsS: start + this.classCDurationS() };
    this.armedStartGpsS = startGpsS;
  }

  private classCDurationS(): number {
    return 2 ** this.sessionTimeout[0]!;
  }
}

export function handleLoramacTs005(device: SimDevice, state: LoramacMcState, payload: Uint8Array): void {
  const frame = new CommandBytes(payload);
  const answer: number[] = [];
  while (frame.more) {
    switch (frame.u8()) {
      case 0x00: // PackageVersionReq → id 2, version 1
        answer.push(0x00, 0x02, 0x01);
        break;
      case 0x01:
        // McGroupStatusReq (~315, ../shared/reference/device-stacks.md): left unimplemented, so no
        // answer, and its ReqGroupMask byte is not consumed: the loop reads it as the next command.
        break;
      case 0x02:
        answer.push(0x02, groupSetup(device, frame));
        break;
      case 0x03: {
        // McGroupDeleteReq: LoRaMacMcChannelDelete fails for a group not defined → McGroupUndefined.
        const id = frame.u8() & 0x03;
        answer.push(0x03, id | (device.groups[id] ? 0 : 0x04));
        device.groups[id] = undefined;
        break;
      }
      case 0x04:
      case 0x05: // class B (v4.7.0, ../shared/reference/device-stacks.md): the same, and class C at the start
        answer.push(...session(device, state, frame));
        break;
      default:
        break;
    }
  }
  if (answer.length > 0) device.sendFrame(REMOTE_MCAST_SETUP_PORT, Uint8Array.from(answer));
}

/** McGroupSetupReq (~320-360): the whole McGroupIDHeader byte indexes the table; the MAC takes its bits 1:0. */
function groupSetup(device: SimDevice, frame: CommandBytes): number {
  const id = frame.u8() & 0x03;
  const mcAddr = frame.u32();
  const mcKeyEncrypted = frame.take(16);
  const minMcFCount = frame.u32();
  const maxMcFCount = frame.u32();
  // The soft-se derives McRootKey by the device's LoRaWAN version (the keys match: device-stacks.md).
  device.groups[id] = mcGroupFromSetup(mcRootKeyFor(device.config.rootKey, device.config.lorawanVersion), { mcAddr, mcKeyEncrypted, minMcFCount, maxMcFCount });
  return id; // IDerror 0: LoRaMacMcChannelSetup accepts any GroupID below 4
}

/**
 * McClassCSessionReq (~440-500) and, in v4.7.0, McClassBSessionReq: LoRaMacMcChannelSetupRxParams
 * starts from status 0x1C | id and fails for a group not defined (McGroupUndefined, FreqError and
 * DRError all set, no TimeToStart); a start not in the future (TimeToSessionStart ≤ 0) adds
 * McGroupUndefined (0x10). Otherwise TimeToStart is the int32 difference, low 24 bits.
 */
function session(device: SimDevice, state: LoramacMcState, frame: CommandBytes): number[] {
  const cid = frame.bytes[frame.index - 1]!;
  const id = frame.u8() & 0x03;
  const sessionTime = frame.u32();
  state.sessionTimeout[id] = frame.u8() & 0x0f;
  const frequencyHz = frame.u24() * 100;
  const dr = frame.u8();
  const group = device.groups[id];
  if (!group) return [cid, 0x1c | id];
  const nowS = device.deviceGpsS();
  const timeToStart = (sessionTime - nowS) | 0;
  if (timeToStart <= 0) return [cid, 0x10 | id];
  group.session = { startGpsS: sessionTime, durationS: 2 ** state.sessionTimeout[0]!, frequencyHz, dr, deviceClass: 'C' };
  state.arm(sessionTime, nowS);
  return [cid, id, timeToStart & 0xff, (timeToStart >> 8) & 0xff, (timeToStart >> 16) & 0xff];
}
