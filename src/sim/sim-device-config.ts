import type { DeviceStack } from '../campaign/device-stack.js';
import type { ReedSolomonEngine } from '../fec/reed-solomon.js';
import type { LossModelSpec } from './loss-model.js';

/** What a device does with a reassembled block: verify it as an update for its current image. */
export type ImageCheck =
  | { status: 'valid'; version: number; image: Uint8Array }
  | { status: 'corrupt' | 'wrong-hardware'; reason: string };

/** `block` is null in 'rank-only' mode (no bytes were kept): the verifier decides what that means. */
export type ImageVerifier = (block: Uint8Array | null, current: { image: Uint8Array; firmwareVersion: number }) => ImageCheck;

/**
 * A fragmentation decoder's build-time limits: LoRaMac-node FragDecoder.h and LoRa Basics Modem
 * fragmentation_helper_v1.0.0.h FRAG_MAX_NB (fragments), FRAG_MAX_SIZE (bytes per fragment) and
 * FRAG_MAX_REDUNDANCY (lost data fragments its matrix can solve for).
 */
export interface FragMax {
  nb: number;
  size: number;
  redundancy: number;
}

export interface SimDeviceConfig {
  devEui: string;
  /** Which device stack's package code the device runs (stacks/create-stack-model.ts). */
  stack: DeviceStack;
  /**
   * A stack without TS006 (LoRaMac-node): what its application does with a valid block.
   * 'keep-running' (default; Semtech's fuota-test-01 example) or 'reboot-into-image' (ST's
   * STM32WL example, 60 s later: it then loses its sessions and runs the new version).
   */
  onBlock?: 'keep-running' | 'reboot-into-image';
  /** GenAppKey (1.0.x) or AppKey (1.1). */
  rootKey: Uint8Array;
  lorawanVersion: '1.0' | '1.1';
  /** Package versions of the 'lbm' and 'spec' stacks ('loramac-node' has only v1). */
  packageVersions: { ts003: 1 | 2; ts004: 1 | 2; ts005: 1 | 2 };
  /** 'spec' TS004 v2 firmware: PRBS seed as in the v2.0.0 text ('N') or LoRa Basics Modem ('N-M'). 'lbm' always uses N − M. */
  v2Seed: 'N' | 'N-M';
  reedSolomon: boolean;
  rsEngine?: ReedSolomonEngine;
  /** Class A uplink period of the application. */
  uplinkIntervalMs: number;
  /** Device clock minus true time at the start, and its drift. */
  clockOffsetMs: number;
  clockDriftPpm: number;
  /** 'spec' stack without `fragMax`: the largest NbFrag the device can hold (its flash/RAM); above it NotEnoughMemory. */
  maxNbFrag: number;
  /** Decoder limits; default: the stack's own (loramac-node 21/50/5, lbm 100/242/100, spec maxNbFrag/255/maxNbFrag). */
  fragMax?: FragMax;
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
