import type { CommandCodec, PackageSpec } from './app-layer.js';
import { bits, field, flag, flagBit } from './bit-fields.js';
import { packageVersionAns, packageVersionReq, type PackageVersionAns, type PackageVersionReq } from './package-version.js';

// TS003 Application Layer Clock Synchronization, fPort 202, package identifier 1.
// v1.0.0 §4 and v2.0.0 §4 share every layout; v2 renames ForceDeviceResyncReq to
// ForceDeviceResyncCmd. Times are GPS seconds (u32).

export interface AppTimeReq {
  readonly command: 'AppTimeReq';
  /** GPS seconds, as the device believes them. */
  readonly deviceTime: number;
  /** Param bits 3:0. */
  readonly tokenReq: number;
  /** Param bit 4: the device wants an answer even if its clock is right. */
  readonly ansRequired: boolean;
}

export interface AppTimeAns {
  readonly command: 'AppTimeAns';
  /** Seconds to add to the device clock (signed). */
  readonly timeCorrection: number;
  /** Param bits 3:0, echoing TokenReq. */
  readonly tokenAns: number;
}

export interface DeviceAppTimePeriodicityReq {
  readonly command: 'DeviceAppTimePeriodicityReq';
  /** bits 3:0; the device syncs every 128·2^Period s. */
  readonly period: number;
}

export interface DeviceAppTimePeriodicityAns {
  readonly command: 'DeviceAppTimePeriodicityAns';
  /** Status bit 0. */
  readonly notSupported: boolean;
  /** GPS seconds. */
  readonly time: number;
}

export interface ForceDeviceResyncReq {
  readonly command: 'ForceDeviceResyncReq' | 'ForceDeviceResyncCmd';
  /** bits 2:0 (brocaar/lorawan reads it with 0x17: wrong, the spec field is 3 bits). */
  readonly nbTransmissions: number;
}

export type Ts003Command =
  | PackageVersionReq
  | PackageVersionAns
  | AppTimeReq
  | AppTimeAns
  | DeviceAppTimePeriodicityReq
  | DeviceAppTimePeriodicityAns
  | ForceDeviceResyncReq;

const appTimeReq: CommandCodec<AppTimeReq> = {
  cid: 0x01,
  command: 'AppTimeReq',
  size: 5,
  decode: (r) => {
    const deviceTime = r.u32();
    const param = r.u8();
    return { command: 'AppTimeReq', deviceTime, tokenReq: field(param, 0, 4), ansRequired: flag(param, 4) };
  },
  encode: (w, c) => {
    w.u32(c.deviceTime, 'DeviceTime').u8(bits(c.tokenReq, 0, 4, 'TS003 AppTimeReq TokenReq') | flagBit(c.ansRequired, 4, 'TS003 AppTimeReq AnsRequired'), 'Param');
  },
};

const appTimeAns: CommandCodec<AppTimeAns> = {
  cid: 0x01,
  command: 'AppTimeAns',
  size: 5,
  decode: (r) => {
    const timeCorrection = r.i32();
    return { command: 'AppTimeAns', timeCorrection, tokenAns: field(r.u8(), 0, 4) };
  },
  encode: (w, c) => {
    w.i32(c.timeCorrection, 'TimeCorrection').u8(bits(c.tokenAns, 0, 4, 'TS003 AppTimeAns TokenAns'), 'Param');
  },
};

const periodicityReq: CommandCodec<DeviceAppTimePeriodicityReq> = {
  cid: 0x02,
  command: 'DeviceAppTimePeriodicityReq',
  size: 1,
  decode: (r) => ({ command: 'DeviceAppTimePeriodicityReq', period: field(r.u8(), 0, 4) }),
  encode: (w, c) => {
    w.u8(bits(c.period, 0, 4, 'TS003 DeviceAppTimePeriodicityReq Period'), 'Period');
  },
};

const periodicityAns: CommandCodec<DeviceAppTimePeriodicityAns> = {
  cid: 0x02,
  command: 'DeviceAppTimePeriodicityAns',
  size: 5,
  decode: (r) => {
    const status = r.u8();
    return { command: 'DeviceAppTimePeriodicityAns', notSupported: flag(status, 0), time: r.u32() };
  },
  encode: (w, c) => {
    w.u8(flagBit(c.notSupported, 0, 'TS003 DeviceAppTimePeriodicityAns NotSupported'), 'Status').u32(c.time, 'Time');
  },
};

function forceResync(name: ForceDeviceResyncReq['command']): CommandCodec<ForceDeviceResyncReq> {
  return {
    cid: 0x03,
    command: name,
    size: 1,
    decode: (r) => ({ command: name, nbTransmissions: field(r.u8(), 0, 3) }),
    encode: (w, c) => {
      w.u8(bits(c.nbTransmissions, 0, 3, `TS003 ${name} NbTransmissions`), 'ForceConf');
    },
  };
}

export const TS003: PackageSpec = {
  name: 'TS003',
  title: 'Application Layer Clock Synchronization',
  fPort: 202,
  packageIdentifier: 1,
  versions: {
    1: {
      uplink: [packageVersionAns, appTimeReq, periodicityAns],
      downlink: [packageVersionReq, appTimeAns, periodicityReq, forceResync('ForceDeviceResyncReq')],
    },
    2: {
      uplink: [packageVersionAns, appTimeReq, periodicityAns],
      downlink: [packageVersionReq, appTimeAns, periodicityReq, forceResync('ForceDeviceResyncCmd')],
    },
  },
};
