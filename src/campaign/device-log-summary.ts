/**
 * What a store's log retention (src/store/device-log-retention.ts) keeps of a device's older log
 * entries once it has dropped them: how many of each direction, the span of time, and the first
 * uplink of each answer, so that "when did this device first answer X" survives the pruning.
 */
export interface DeviceLogSummary {
  /** Entries dropped, by direction. */
  up: number;
  down: number;
  note: number;
  /** The earliest and the latest atMs among the dropped entries. */
  fromMs: number;
  toMs: number;
  /** The first dropped uplink carrying each answer (by command name), oldest first; an uplink carrying two answers is there once per name. */
  firstAnswers: DeviceLogAnswer[];
}

export interface DeviceLogAnswer {
  command: string;
  atMs: number;
  fPort?: number;
  payloadHex?: string;
}
