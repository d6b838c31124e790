import type { AppCommand } from '../../lorawan/app-layer.js';
import { decryptMcKey, deriveMcKEKey, deriveMcRootKey } from '../../lorawan/keys.js';
import { TS005 } from '../../lorawan/ts005-multicast-setup.js';
import type { SimDevice } from './sim-device.js';

// The device side of TS005 (remote multicast setup).

export interface DeviceMcGroup {
  mcAddr: number;
  mcKey: Uint8Array;
  minMcFCount: number;
  maxMcFCount: number;
  session?: { startGpsS: number; durationS: number; frequencyHz: number; dr: number; deviceClass: 'B' | 'C' };
}

type AnyCommand = AppCommand & Record<string, any>;

export function handleTs005(device: SimDevice, command: AnyCommand, version: 1 | 2): void {
  switch (command.command) {
    case 'McGroupSetupReq': {
      const idError = command.mcGroupId > 3;
      if (!idError) {
        const rootKey = device.config.rootKey;
        const mcRootKey = deriveMcRootKey(device.config.lorawanVersion === '1.1' ? { lorawanVersion: '1.1', appKey: rootKey } : { lorawanVersion: '1.0', genAppKey: rootKey });
        device.groups[command.mcGroupId] = {
          mcAddr: command.mcAddr,
          mcKey: decryptMcKey(deriveMcKEKey(mcRootKey), command.mcKeyEncrypted),
          minMcFCount: command.minMcFCount,
          maxMcFCount: command.maxMcFCount,
        };
      }
      device.answer(TS005, version, [{ command: 'McGroupSetupAns', mcGroupId: command.mcGroupId & 3, idError } as AppCommand]);
      return;
    }
    case 'McGroupDeleteReq': {
      const undefinedGroup = device.groups[command.mcGroupId] === undefined;
      device.groups[command.mcGroupId] = undefined;
      device.answer(TS005, version, [{ command: 'McGroupDeleteAns', mcGroupId: command.mcGroupId, mcGroupUndefined: undefinedGroup } as AppCommand]);
      return;
    }
    case 'McClassCSessionReq':
    case 'McClassBSessionReq':
      return session(device, command, version);
  }
}

function session(device: SimDevice, req: AnyCommand, version: 1 | 2): void {
  const classB = req.command === 'McClassBSessionReq';
  const group = device.groups[req.mcGroupId];
  const nowS = Math.floor(device.deviceGpsMs(device.trueNowMs()) / 1000);
  const timeToStart = req.sessionTime - nowS;
  const answerName = classB ? 'McClassBSessionAns' : 'McClassCSessionAns';
  const base = { command: answerName, mcGroupId: req.mcGroupId, drError: false, freqError: false };
  if (!group) {
    device.answer(TS005, version, [{ ...base, mcGroupUndefined: true, ...(version === 2 ? { startMissed: false } : {}) } as AppCommand]);
    return;
  }
  if (timeToStart < 0) {
    // v2 has StartMissed; LoRaMac-node (v1) answers McGroupUndefined for a start in the past.
    const flags = version === 2 ? { mcGroupUndefined: false, startMissed: true } : { mcGroupUndefined: true };
    device.answer(TS005, version, [{ ...base, ...flags } as AppCommand]);
    return;
  }
  const durationS = classB ? 128 * 2 ** req.timeOut : 2 ** req.sessionTimeOut;
  group.session = { startGpsS: req.sessionTime, durationS, frequencyHz: req.dlFrequencyHz, dr: req.dr, deviceClass: classB ? 'B' : 'C' };
  device.answer(TS005, version, [{ ...base, mcGroupUndefined: false, ...(version === 2 ? { startMissed: false } : {}), timeToStart: Math.min(0xffffff, timeToStart) } as AppCommand]);
}
