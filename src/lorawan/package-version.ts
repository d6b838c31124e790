import type { CommandCodec } from './app-layer.js';

// PackageVersionReq / PackageVersionAns: CID 0x00 in every application-layer package
// (TS003 v1.0.0 §4.1, TS004 v1.0.0 §3.1, TS005 v1.0.0 §3.1, TS006 v1.0.0 §3.1 and the v2 texts).

export interface PackageVersionReq {
  readonly command: 'PackageVersionReq';
}

export interface PackageVersionAns {
  readonly command: 'PackageVersionAns';
  readonly packageIdentifier: number;
  readonly packageVersion: number;
}

export const packageVersionReq: CommandCodec<PackageVersionReq> = {
  cid: 0x00,
  command: 'PackageVersionReq',
  size: 0,
  decode: () => ({ command: 'PackageVersionReq' }),
  encode: () => {},
};

export const packageVersionAns: CommandCodec<PackageVersionAns> = {
  cid: 0x00,
  command: 'PackageVersionAns',
  size: 2,
  decode: (r) => ({ command: 'PackageVersionAns', packageIdentifier: r.u8(), packageVersion: r.u8() }),
  encode: (w, c) => {
    w.u8(c.packageIdentifier, 'PackageIdentifier').u8(c.packageVersion, 'PackageVersion');
  },
};
