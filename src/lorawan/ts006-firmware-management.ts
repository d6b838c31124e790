import type { CommandCodec, PackageSpec } from './app-layer.js';
import { bits, field, flag, flagBit } from './bit-fields.js';
import { packageVersionAns, packageVersionReq, type PackageVersionAns, type PackageVersionReq } from './package-version.js';

// TS006 Firmware Management Protocol v1.0.0, fPort 203, package identifier 4 (§3). Unicast only:
// devices ignore these commands over multicast. Times are GPS seconds (u32).

export interface DevVersionReq {
  readonly command: 'DevVersionReq';
}

export interface DevVersionAns {
  readonly command: 'DevVersionAns';
  readonly fwVersion: number;
  readonly hwVersion: number;
}

/** RebootTime 0 = reboot now (no answer), 0xFFFFFFFF = cancel a scheduled reboot (§3.3). */
export interface DevRebootTimeReq {
  readonly command: 'DevRebootTimeReq';
  readonly rebootTime: number;
}

/** Echo of the scheduled time; 0 = error (no valid image), 0xFFFFFFFF = cancel acknowledged. */
export interface DevRebootTimeAns {
  readonly command: 'DevRebootTimeAns';
  readonly rebootTime: number;
}

/** Countdown in seconds (u24): 0 = now, 0xFFFFFF = cancel (§3.4). */
export interface DevRebootCountdownReq {
  readonly command: 'DevRebootCountdownReq';
  readonly countdown: number;
}

export interface DevRebootCountdownAns {
  readonly command: 'DevRebootCountdownAns';
  readonly countdown: number;
}

export interface DevUpgradeImageReq {
  readonly command: 'DevUpgradeImageReq';
}

/** §3.5 UpImageStatus: 0 no image, 1 corrupt or bad signature, 2 wrong hardware, 3 valid. */
export type UpImageStatus = 0 | 1 | 2 | 3;

export interface DevUpgradeImageAns {
  readonly command: 'DevUpgradeImageAns';
  readonly upImageStatus: UpImageStatus;
  /** Present exactly when upImageStatus is 3 (valid). */
  readonly nextFirmwareVersion?: number;
}

export interface DevDeleteImageReq {
  readonly command: 'DevDeleteImageReq';
  readonly firmwareToDeleteVersion: number;
}

/** §3.6 Status: bit 0 ErrorNoValidImage, bit 1 ErrorInvalidVersion (brocaar/lorawan writes bit 0 twice). */
export interface DevDeleteImageAns {
  readonly command: 'DevDeleteImageAns';
  readonly errorNoValidImage: boolean;
  readonly errorInvalidVersion: boolean;
}

export type Ts006Command =
  | PackageVersionReq
  | PackageVersionAns
  | DevVersionReq
  | DevVersionAns
  | DevRebootTimeReq
  | DevRebootTimeAns
  | DevRebootCountdownReq
  | DevRebootCountdownAns
  | DevUpgradeImageReq
  | DevUpgradeImageAns
  | DevDeleteImageReq
  | DevDeleteImageAns;

export const UP_IMAGE_STATUS_VALID: UpImageStatus = 3;

const devVersionReq: CommandCodec<DevVersionReq> = {
  cid: 0x01,
  command: 'DevVersionReq',
  size: 0,
  decode: () => ({ command: 'DevVersionReq' }),
  encode: () => {},
};

const devVersionAns: CommandCodec<DevVersionAns> = {
  cid: 0x01,
  command: 'DevVersionAns',
  size: 8,
  decode: (r) => ({ command: 'DevVersionAns', fwVersion: r.u32(), hwVersion: r.u32() }),
  encode: (w, c) => {
    w.u32(c.fwVersion, 'FWversion').u32(c.hwVersion, 'HWversion');
  },
};

function rebootTime<N extends 'DevRebootTimeReq' | 'DevRebootTimeAns'>(name: N): CommandCodec<{ command: N; rebootTime: number }> {
  return {
    cid: 0x02,
    command: name,
    size: 4,
    decode: (r) => ({ command: name, rebootTime: r.u32() }),
    encode: (w, c) => {
      w.u32(c.rebootTime, 'RebootTime');
    },
  };
}

function rebootCountdown<N extends 'DevRebootCountdownReq' | 'DevRebootCountdownAns'>(name: N): CommandCodec<{ command: N; countdown: number }> {
  return {
    cid: 0x03,
    command: name,
    size: 3,
    decode: (r) => ({ command: name, countdown: r.u24() }),
    encode: (w, c) => {
      w.u24(c.countdown, 'Countdown');
    },
  };
}

const devUpgradeImageReq: CommandCodec<DevUpgradeImageReq> = {
  cid: 0x04,
  command: 'DevUpgradeImageReq',
  size: 0,
  decode: () => ({ command: 'DevUpgradeImageReq' }),
  encode: () => {},
};

const devUpgradeImageAns: CommandCodec<DevUpgradeImageAns> = {
  cid: 0x04,
  command: 'DevUpgradeImageAns',
  decode: (r) => {
    r.need(1, '1 byte (Status)');
    const upImageStatus = field(r.u8(), 0, 2) as UpImageStatus;
    if (upImageStatus !== UP_IMAGE_STATUS_VALID) return { command: 'DevUpgradeImageAns', upImageStatus };
    r.need(4, '4 more bytes (nextFirmwareVersion, sent when UpImageStatus = 3)');
    return { command: 'DevUpgradeImageAns', upImageStatus, nextFirmwareVersion: r.u32() };
  },
  encode: (w, c) => {
    w.u8(bits(c.upImageStatus, 0, 2, 'TS006 DevUpgradeImageAns UpImageStatus'), 'Status');
    if (c.upImageStatus === UP_IMAGE_STATUS_VALID) {
      w.u32(c.nextFirmwareVersion as number, 'nextFirmwareVersion (required when UpImageStatus = 3)');
    } else if (c.nextFirmwareVersion !== undefined) {
      w.u32(Number.NaN, 'nextFirmwareVersion (only sent when UpImageStatus = 3)');
    }
  },
};

const devDeleteImageReq: CommandCodec<DevDeleteImageReq> = {
  cid: 0x05,
  command: 'DevDeleteImageReq',
  size: 4,
  decode: (r) => ({ command: 'DevDeleteImageReq', firmwareToDeleteVersion: r.u32() }),
  encode: (w, c) => {
    w.u32(c.firmwareToDeleteVersion, 'FirmwareToDeleteVersion');
  },
};

const devDeleteImageAns: CommandCodec<DevDeleteImageAns> = {
  cid: 0x05,
  command: 'DevDeleteImageAns',
  size: 1,
  decode: (r) => {
    const status = r.u8();
    return { command: 'DevDeleteImageAns', errorNoValidImage: flag(status, 0), errorInvalidVersion: flag(status, 1) };
  },
  encode: (w, c) => {
    w.u8(flagBit(c.errorNoValidImage, 0, 'TS006 DevDeleteImageAns ErrorNoValidImage') | flagBit(c.errorInvalidVersion, 1, 'TS006 DevDeleteImageAns ErrorInvalidVersion'), 'Status');
  },
};

export const TS006: PackageSpec = {
  name: 'TS006',
  title: 'Firmware Management Protocol',
  fPort: 203,
  packageIdentifier: 4,
  versions: {
    1: {
      uplink: [packageVersionAns, devVersionAns, rebootTime('DevRebootTimeAns'), rebootCountdown('DevRebootCountdownAns'), devUpgradeImageAns, devDeleteImageAns],
      downlink: [packageVersionReq, devVersionReq, rebootTime('DevRebootTimeReq'), rebootCountdown('DevRebootCountdownReq'), devUpgradeImageReq, devDeleteImageReq],
    },
  },
};
