import type { AppCommand } from '../../../lorawan/app-layer.js';
import { TS005, type McGroupSetupReq } from '../../../lorawan/ts005-multicast-setup.js';
import { mcGroupFromSetup, mcRootKeyFor } from '../../sim-mc-group.js';
import type { SimDevice } from '../../sim-device.js';
import type { AnyCommand } from '../decode-frame.js';

// TS005 (remote multicast setup) as the specification texts describe the device (v1.0.0 / v2.0.0 §4).

export function handleSpecTs005(device: SimDevice, command: AnyCommand, version: 1 | 2): void {
  switch (command.command) {
    case 'McGroupStatusReq':
      return groupStatus(device, command, version);
    case 'McGroupSetupReq': {
      const idError = command.mcGroupId > 3;
      if (!idError) {
        const mcRootKey = mcRootKeyFor(device.config.rootKey, device.config.lorawanVersion);
        device.groups[command.mcGroupId] = mcGroupFromSetup(mcRootKey, command as McGroupSetupReq);
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

/** §4.2: the groups asked for that are defined, and how many are defined in all. */
function groupStatus(device: SimDevice, req: AnyCommand, version: 1 | 2): void {
  const groups: Array<{ mcGroupId: number; mcAddr: number }> = [];
  let total = 0;
  device.groups.forEach((group, id) => {
    if (!group) return;
    total += 1;
    if (req.reqGroupMask & (1 << id)) groups.push({ mcGroupId: id, mcAddr: group.mcAddr });
  });
  const ansGroupMask = groups.reduce((mask, g) => mask | (1 << g.mcGroupId), 0);
  device.answer(TS005, version, [{ command: 'McGroupStatusAns', ansGroupMask, nbTotalGroups: total, groups } as AppCommand]);
}

function session(device: SimDevice, req: AnyCommand, version: 1 | 2): void {
  const classB = req.command === 'McClassBSessionReq';
  const group = device.groups[req.mcGroupId];
  const timeToStart = req.sessionTime - device.deviceGpsS();
  const answerName = classB ? 'McClassBSessionAns' : 'McClassCSessionAns';
  const base = { command: answerName, mcGroupId: req.mcGroupId, drError: false, freqError: false };
  if (!group) {
    device.answer(TS005, version, [{ ...base, mcGroupUndefined: true, ...(version === 2 ? { startMissed: false } : {}) } as AppCommand]);
    return;
  }
  if (timeToStart < 0) {
    // v2 has StartMissed (§4.5); v1 has no such bit and says McGroupUndefined.
    const flags = version === 2 ? { mcGroupUndefined: false, startMissed: true } : { mcGroupUndefined: true };
    device.answer(TS005, version, [{ ...base, ...flags } as AppCommand]);
    return;
  }
  // §4.5 class C: 2^SessionTimeOut s; §4.6 class B: 128·2^TimeOut s.
  const durationS = classB ? 128 * 2 ** req.timeOut : 2 ** req.sessionTimeOut;
  group.session = { startGpsS: req.sessionTime, durationS, frequencyHz: req.dlFrequencyHz, dr: req.dr, deviceClass: classB ? 'B' : 'C' };
  device.answer(TS005, version, [{ ...base, mcGroupUndefined: false, ...(version === 2 ? { startMissed: false } : {}), timeToStart: Math.min(0xffffff, timeToStart) } as AppCommand]);
}
