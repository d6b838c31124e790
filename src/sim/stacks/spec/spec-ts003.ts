import { encodeCommands, type AppCommand } from '../../../lorawan/app-layer.js';
import { TS003 } from '../../../lorawan/ts003-clock-sync.js';
import type { SimDevice } from '../../sim-device.js';
import type { AnyCommand } from '../decode-frame.js';

// TS003 clock synchronisation as the specification texts describe the device (v1.0.0 / v2.0.0 §3).

export interface SpecClockState {
  /** TokenReq of the last AppTimeReq sent. */
  tokenReq: number;
}

export function handleSpecTs003(device: SimDevice, state: SpecClockState, command: AnyCommand, version: 1 | 2): void {
  switch (command.command) {
    case 'AppTimeAns':
      // §3.2: the answer applies only when its TokenAns matches the request's token.
      if (command.tokenAns === state.tokenReq) device.correctClock(command.timeCorrection);
      break;
    case 'ForceDeviceResyncReq':
    case 'ForceDeviceResyncCmd':
      // §3.4: the device sends an AppTimeReq (ours asks for an answer).
      requestTime(device, state, version);
      break;
    case 'DeviceAppTimePeriodicityReq':
      // §3.3 lets a device refuse periodic synchronisation: ours answers NotSupported.
      device.answer(TS003, version, [{ command: 'DeviceAppTimePeriodicityAns', notSupported: true, time: device.deviceGpsS() % 2 ** 32 } as AppCommand]);
      break;
  }
}

/** AppTimeReq with AnsRequired, built when it leaves (DeviceTime is the time of transmission). */
function requestTime(device: SimDevice, state: SpecClockState, version: 1 | 2): void {
  state.tokenReq = (state.tokenReq + 1) % 16;
  const tokenReq = state.tokenReq;
  device.queueFrame(() => {
    const command = { command: 'AppTimeReq', deviceTime: device.deviceGpsS() % 2 ** 32, tokenReq, ansRequired: true } as AppCommand;
    return { fPort: TS003.fPort, payload: encodeCommands(TS003, version, 'uplink', [command]) };
  });
}
