import type { ReedSolomonEngine } from '../../fec/reed-solomon.js';
import type { LossModelSpec } from './loss-model.js';

/** What a device does with a reassembled block: verify it as an update for its current image. */
export type ImageCheck =
  | { status: 'valid'; version: number; image: Uint8Array }
  | { status: 'corrupt' | 'wrong-hardware'; reason: string };

/** `block` is null in 'rank-only' mode (no bytes were kept): the verifier decides what that means. */
export type ImageVerifier = (block: Uint8Array | null, current: { image: Uint8Array; firmwareVersion: number }) => ImageCheck;

export interface SimDeviceConfig {
  devEui: string;
  /** GenAppKey (1.0.x) or AppKey (1.1). */
  rootKey: Uint8Array;
  lorawanVersion: '1.0' | '1.1';
  packageVersions: { ts003: 1 | 2; ts004: 1 | 2; ts005: 1 | 2 };
  /** TS004 v2 firmware: PRBS seed as in the v2.0.0 text ('N') or LoRa Basics Modem ('N-M'). */
  v2Seed: 'N' | 'N-M';
  reedSolomon: boolean;
  rsEngine?: ReedSolomonEngine;
  /** Class A uplink period of the application. */
  uplinkIntervalMs: number;
  /** Device clock minus true time at the start, and its drift. */
  clockOffsetMs: number;
  clockDriftPpm: number;
  /** Largest NbFrag the device can hold (its flash/RAM); above it: NotEnoughMemory. */
  maxNbFrag: number;
  /** Matrix memory of its decoder (FRAG_MAX_REDUNDANCY); default unbounded. */
  maxRedundancy?: number;
  firmwareVersion: number;
  hwVersion: number;
  image: Uint8Array;
  /** Never uplinks (switched off, out of coverage). */
  absent: boolean;
  downlinkLoss: LossModelSpec;
  uplinkLossRate: number;
  verifyImage: ImageVerifier;
  /** 'full' decodes the real bytes; 'rank-only' tracks only the equations (benchmarks of 100 000 devices). */
  payloadMode: 'full' | 'rank-only';
}
