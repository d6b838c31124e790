// Types of the regional-parameter tables (LoRa Alliance RP002-1.0.x). Units are in the names.

export const REGION_NAMES = [
  'EU868',
  'US915',
  'AU915',
  'AS923-1',
  'AS923-2',
  'AS923-3',
  'AS923-4',
  'KR920',
  'IN865',
  'RU864',
  'CN470',
  'EU433',
] as const;

export type RegionName = (typeof REGION_NAMES)[number];

export type DeviceClass = 'B' | 'C';

export type Modulation =
  | { readonly kind: 'lora'; readonly spreadingFactor: number; readonly bandwidthHz: number }
  | { readonly kind: 'fsk'; readonly bitRateBps: number };

/**
 * RP002 maximum payload sizes: M is the MACPayload maximum, N the FRMPayload (application
 * payload) maximum when there are no FOpts; N = M − 8 (FHDR 7 + FPort 1) throughout RP002.
 */
export interface MaxPayload {
  readonly macPayloadBytes: number;
  readonly frmPayloadBytes: number;
}

export interface DataRateSpec {
  readonly dr: number;
  readonly modulation: Modulation;
  /** Whether RP002 allows the data rate for downlinks in this region (US915/AU915 DR0..6 are uplink-only). */
  readonly downlink: boolean;
  /** Without a dwell-time limit; `repeater` is the repeater-compatible column of RP002. */
  readonly maxPayload: { readonly repeater: MaxPayload; readonly noRepeater: MaxPayload };
  /**
   * With the dwell-time limit in force (AS923 DownlinkDwellTime = 1, AU915 UplinkDwellTime = 1);
   * `null` where RP002 marks the data rate "not defined" under the limit. Absent when the
   * region's table does not depend on dwell time.
   */
  readonly maxPayloadDwellLimited?: { readonly repeater: MaxPayload; readonly noRepeater: MaxPayload } | null;
}

/** A regulatory band in which a duty cycle applies (or 1 = no duty-cycle limit). */
export interface SubBand {
  readonly id: string;
  readonly minFrequencyHz: number;
  readonly maxFrequencyHz: number;
  /** Fraction of time a transmitter may emit in this band (0.01 = 1 %); 1 = unrestricted. */
  readonly dutyCycle: number;
  /** Where the figure comes from. */
  readonly source: string;
}

export interface DwellTime {
  /** Maximum time on air of one downlink when the limit is in force, or null if none applies. */
  readonly downlinkLimitMs: number | null;
  /** Whether the limit is on unless the network turns it off (TxParamSetupReq DownlinkDwellTime). */
  readonly downlinkLimitedByDefault: boolean;
  /** The rule behind it. */
  readonly source: string;
}

export interface ClassBDefaults {
  /** Beacon frequencies; several when the beacon hops (US915/AU915: 923.3 + 0.6·n MHz). */
  readonly beaconFrequenciesHz: readonly number[];
  readonly beaconDr: number;
  /** Default ping-slot frequencies; several when they hop per DevAddr and beacon time. */
  readonly pingSlotFrequenciesHz: readonly number[];
  readonly pingSlotDr: number;
}

export interface RegionSpec {
  readonly name: RegionName;
  /** Where the tables come from (RP002 section, cross-checked implementations). */
  readonly source: string;
  readonly frequencyRangeHz: { readonly min: number; readonly max: number };
  readonly dataRates: readonly DataRateSpec[];
  /** Default RX2 (class C downlink window) frequency and data rate. */
  readonly rx2: { readonly frequencyHz: number; readonly dr: number };
  readonly classB: ClassBDefaults;
  readonly dwellTime: DwellTime;
  readonly subBands: readonly SubBand[];
  /** Notes on what the table leaves out or simplifies. */
  readonly notes?: readonly string[];
}
