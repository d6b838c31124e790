import { bytesToHex, hexToBytes } from '../core/hex.js';
import { unixMsToGpsSeconds } from '../core/gps-time.js';
import { fragmentationMatrixValue } from '../fec/scheme.js';
import { encodeCommands, type AppCommand, type PackageSpec } from '../lorawan/app-layer.js';
import { deriveMcKEKey, deriveMcRootKey, encryptMcKey } from '../lorawan/keys.js';
import { deriveDataBlockIntKey, dataBlockMic } from '../lorawan/ts004-data-block-mic.js';
import { TS003 } from '../lorawan/ts003-clock-sync.js';
import { TS004 } from '../lorawan/ts004-fragmentation.js';
import { TS005 } from '../lorawan/ts005-multicast-setup.js';
import { TS006 } from '../lorawan/ts006-firmware-management.js';
import type { CampaignContext } from './context.js';
import type { DeviceTarget } from './spec.js';
import type { DeviceState, DeviceStep, SubSession, WaveState } from './state.js';
import { InternalError } from '../core/errors.js';

// The unicast request for each step of a device's way through a campaign (pure: the bytes
// depend only on the spec, the device and the wave).

export interface UnicastRequest {
  fPort: number;
  payload: Uint8Array;
  summary: string;
}

function frame(spec: PackageSpec, version: 1 | 2, command: AppCommand): UnicastRequest {
  return { fPort: spec.fPort, payload: encodeCommands(spec, version, 'downlink', [command]), summary: command.command };
}

/** McRootKey → McKEKey of a device, from the root key in its target entry. */
export function deviceMcKEKey(target: DeviceTarget): Uint8Array {
  const rootKey = hexToBytes(target.rootKey, `device ${target.devEui} rootKey`);
  const mcRootKey = deriveMcRootKey(target.lorawanVersion === '1.1' ? { lorawanVersion: '1.1', appKey: rootKey } : { lorawanVersion: '1.0', genAppKey: rootKey });
  return deriveMcKEKey(mcRootKey);
}

export function requestFor(step: DeviceStep, device: DeviceState, wave: WaveState, ctx: CampaignContext): UnicastRequest {
  const target = ctx.targets.get(device.devEui)!;
  const versions = device.packageVersions;
  const mc = ctx.spec.multicast;
  switch (step) {
    case 'version-ts004':
      return frame(TS004, 1, { command: 'PackageVersionReq' });
    case 'version-ts005':
      return frame(TS005, 1, { command: 'PackageVersionReq' });
    case 'version-ts003':
      return frame(TS003, 1, { command: 'PackageVersionReq' });
    case 'mc-group-setup':
      // TS005 §4.2: McKey_encrypted is what the device AES-encrypts with McKEKey to get McKey,
      // so the server AES-decrypts McKey with it.
      return frame(TS005, versions.ts005 ?? 1, {
        command: 'McGroupSetupReq',
        mcGroupId: mc.groupId,
        mcAddr: sessionOf(device, wave).mcAddr,
        mcKeyEncrypted: encryptMcKey(deviceMcKEKey(target), ctx.mcKey),
        minMcFCount: 0,
        maxMcFCount: 0xffffffff,
      } as AppCommand);
    case 'frag-session-setup':
      return frame(TS004, versions.ts004 ?? 1, fragSessionSetupReq(device, wave, ctx, target));
    case 'clock-sync': {
      const version = versions.ts003 ?? 1;
      return frame(TS003, version, { command: version === 2 ? 'ForceDeviceResyncCmd' : 'ForceDeviceResyncReq', nbTransmissions: 1 } as AppCommand);
    }
    case 'mc-session':
      return frame(TS005, versions.ts005 ?? 1, mcSessionReq(wave, ctx));
    case 'frag-status':
      // TS004 §3.2: the request may go by unicast too; Participants = 1 so that it answers.
      return frame(TS004, versions.ts004 ?? 1, { command: 'FragSessionStatusReq', participants: true, fragIndex: device.fragIndex ?? 0 } as AppCommand);
    case 'upgrade-image':
      return frame(TS006, 1, { command: 'DevUpgradeImageReq' });
    case 'reboot-time':
      return frame(TS006, 1, { command: 'DevRebootTimeReq', rebootTime: unixMsToGpsSeconds(device.timestamps.rebootAtMs ?? wave.rebootAtMs!) } as AppCommand);
    case 'dev-version':
      return frame(TS006, 1, { command: 'DevVersionReq' });
  }
}

/** The fragmentation session (and so the multicast group) a device is in: known once its TS004 version is. */
function sessionOf(device: DeviceState, wave: WaveState): SubSession {
  const session = wave.subSessions.find((s) => s.fragIndex === device.fragIndex);
  if (!session) throw new InternalError('NO_FRAGMENTATION_SESSION', `device ${device.devEui}: no fragmentation session in wave ${wave.index}`);
  return session;
}

function fragSessionSetupReq(device: DeviceState, wave: WaveState, ctx: CampaignContext, target: DeviceTarget): AppCommand {
  const session = sessionOf(device, wave);
  const base = {
    command: 'FragSessionSetupReq',
    fragIndex: session.fragIndex,
    // TS004 §3.3: the session is bound to the multicast group(s) whose bit is set; never 0.
    mcGroupBitMask: 1 << ctx.spec.multicast.groupId,
    nbFrag: session.nbFrag,
    fragSize: session.fragmentSizeBytes,
    blockAckDelay: ctx.spec.fragmentation.blockAckDelay,
    fragmentationMatrix: fragmentationMatrixValue(session.scheme),
    padding: session.paddingBytes,
    descriptor: ctx.descriptor,
  };
  if ((device.packageVersions.ts004 ?? 1) === 1) return base as AppCommand;
  // TS004 v2.0.0 §3.3: SessionCnt and a MIC over the whole block, so the device can check it.
  const sessionCnt = device.sessionCnt ?? ctx.spec.fragmentation.sessionCnt;
  const mic = dataBlockMic({
    dataBlockIntKey: deriveDataBlockIntKey(hexToBytes(target.rootKey, 'rootKey')),
    sessionCnt,
    fragIndex: session.fragIndex,
    descriptor: ctx.descriptor,
    dataBlock: ctx.block,
  });
  return { ...base, ackReception: true, sessionCnt, mic } as AppCommand;
}

function mcSessionReq(wave: WaveState, ctx: CampaignContext): AppCommand {
  const mc = ctx.spec.multicast;
  const sessionTime = unixMsToGpsSeconds(wave.sessionStartMs!);
  if (mc.class === 'B') {
    return { command: 'McClassBSessionReq', mcGroupId: mc.groupId, sessionTime, timeOut: wave.sessionTimeOut!, periodicity: mc.periodicity, dlFrequencyHz: ctx.frequencyHz, dr: mc.dr } as AppCommand;
  }
  return { command: 'McClassCSessionReq', mcGroupId: mc.groupId, sessionTime, sessionTimeOut: wave.sessionTimeOut!, dlFrequencyHz: ctx.frequencyHz, dr: mc.dr } as AppCommand;
}

export function payloadHex(request: UnicastRequest): string {
  return bytesToHex(request.payload);
}
