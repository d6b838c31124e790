// The radio settings the simulated devices' uplinks are reported with: DR5 (SF7, 125 kHz) on the
// three EU868 default channels in turn (RP002-1.0.3 §2.4.2), by frame counter. The class A RX1
// window answers on the uplink's channel and data rate (EU868, RX1DROffset 0).

const DEFAULT_CHANNELS_HZ = [868_100_000, 868_300_000, 868_500_000] as const;

export interface UplinkChannel {
  frequencyHz: number;
  spreadingFactor: number;
  bandwidthHz: number;
}

export function uplinkChannel(fCnt: number): UplinkChannel {
  return { frequencyHz: DEFAULT_CHANNELS_HZ[fCnt % DEFAULT_CHANNELS_HZ.length]!, spreadingFactor: 7, bandwidthHz: 125_000 };
}
