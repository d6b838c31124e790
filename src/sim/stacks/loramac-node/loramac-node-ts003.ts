import type { SimDevice } from '../../sim-device.js';
import { CommandBytes } from './command-bytes.js';

// TS003 as LoRaMac-node v4.7.0 runs it (src/apps/LoRaMac/common/LmHandler/packages/
// LmhpClockSync.c: LmhpClockSyncOnMcpsIndication ~210-320, LmhpClockSyncProcess ~160,
// LmhpClockSyncAppTimeReq ~335). Only v1; no multicast check. Releases before the
// NbTransmissions field left ForceDeviceResyncReq unimplemented; this is the code that has it.

const CLOCK_SYNC_PORT = 202;

export interface LoramacClockState {
  /** TimeReqParam.Fields.TokenReq: advanced by every AppTimeAns that matched it. */
  tokenReq: number;
  /** NbTransmissions: AppTimeReq still to send for a ForceDeviceResyncReq; an AppTimeAns clears it. */
  nbTransmissions: number;
}

export function handleLoramacTs003(device: SimDevice, state: LoramacClockState, payload: Uint8Array): void {
  const frame = new CommandBytes(payload);
  const answer: number[] = [];
  while (frame.more) {
    switch (frame.u8()) {
      case 0x00: // PackageVersionReq → id 1, version 1
        answer.push(0x00, 0x01, 0x01);
        break;
      case 0x01: {
        // AppTimeAns: stops the resync; applied when TokenAns matches TokenReq, which then advances.
        state.nbTransmissions = 0;
        const correction = frame.u32() | 0;
        if ((frame.u8() & 0x0f) === state.tokenReq) {
          device.correctClock(correction);
          state.tokenReq = (state.tokenReq + 1) & 0x0f;
        }
        break;
      }
      case 0x02: {
        // DeviceAppTimePeriodicityReq: Period skipped (left unimplemented), answered NotSupported with the device time.
        frame.u8();
        const time = device.deviceGpsS() >>> 0;
        answer.push(0x02, 0x01, time & 0xff, (time >>> 8) & 0xff, (time >>> 16) & 0xff, time >>> 24);
        break;
      }
      case 0x03: {
        // ForceDeviceResyncReq: LmhpClockSyncProcess then sends NbTransmissions AppTimeReq.
        const idle = state.nbTransmissions === 0;
        state.nbTransmissions = frame.u8() & 0x07;
        if (idle && state.nbTransmissions > 0) sendAppTimeReq(device, state);
        break;
      }
      default:
        break;
    }
  }
  if (answer.length > 0) device.sendFrame(CLOCK_SYNC_PORT, Uint8Array.from(answer));
}

/**
 * LmhpClockSyncAppTimeReq, once per free MAC while NbTransmissions > 0: DeviceTime (the device
 * clock), then TimeReqParam with AnsRequired 0 and the current TokenReq. (It also adds a
 * DeviceTimeReq MAC command; our simulated network server has no MAC layer for it.)
 */
function sendAppTimeReq(device: SimDevice, state: LoramacClockState): void {
  device.queueFrame(() => {
    if (state.nbTransmissions === 0) return undefined; // an AppTimeAns came first
    state.nbTransmissions -= 1;
    if (state.nbTransmissions > 0) sendAppTimeReq(device, state);
    const time = device.deviceGpsS() >>> 0;
    return { fPort: CLOCK_SYNC_PORT, payload: Uint8Array.of(0x01, time & 0xff, (time >>> 8) & 0xff, (time >>> 16) & 0xff, time >>> 24, state.tokenReq & 0x0f) };
  });
}
