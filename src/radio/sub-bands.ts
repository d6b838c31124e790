import { ValueError } from '../core/errors.js';
import type { RegionSpec, SubBand } from './region-types.js';
import { FrequencyNotInSubBandError, FrequencyOutsideRegionError } from './radio-errors.js';

// Sub-band assignment rule: an emission on centre frequency F with occupied bandwidth BW covers
// [F − BW/2, F + BW/2]. It belongs to the one regulatory sub-band that contains that whole
// interval. An emission that straddles two bands, or lies partly in a gap between bands (EU868
// 868.6-868.7, 869.2-869.4, 869.65-869.7 MHz), is refused: ETSI EN 300 220 applies a band's
// duty cycle to everything emitted in it, and a frame that leaks into a neighbour band would
// have to satisfy both; no LoRaWAN channel plan does that, so it is a caller error.

function mhzNumber(hz: number): string {
  return (hz / 1_000_000).toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
}

function mhz(hz: number): string {
  return `${mhzNumber(hz)} MHz`;
}

/** 869400000, 869650000 → "869.4-869.65 MHz". */
export function formatMHzRange(lowHz: number, highHz: number): string {
  return `${mhzNumber(lowHz)}-${mhzNumber(highHz)} MHz`;
}

export function checkFrequency(spec: RegionSpec, frequencyHz: number, field = 'frequency'): number {
  if (!Number.isInteger(frequencyHz) || frequencyHz <= 0) {
    throw new ValueError(field, 'a positive integer number of Hz', frequencyHz);
  }
  const { min, max } = spec.frequencyRangeHz;
  if (frequencyHz < min || frequencyHz > max) {
    throw new FrequencyOutsideRegionError(field, `a frequency inside ${spec.name} (${formatMHzRange(min, max)})`, frequencyHz);
  }
  return frequencyHz;
}

/** The sub-band that holds the whole emission [F − BW/2, F + BW/2]; throws if there is none. */
export function subBandFor(spec: RegionSpec, frequencyHz: number, bandwidthHz: number, field = 'frequency'): SubBand {
  checkFrequency(spec, frequencyHz, field);
  if (!Number.isFinite(bandwidthHz) || bandwidthHz <= 0) throw new ValueError('bandwidthHz', 'a positive number of Hz', bandwidthHz);
  const low = frequencyHz - bandwidthHz / 2;
  const high = frequencyHz + bandwidthHz / 2;
  const found = spec.subBands.find((band) => band.minFrequencyHz <= low && high <= band.maxFrequencyHz);
  if (found !== undefined) return found;
  const bands = spec.subBands.map((band) => `${band.id} ${formatMHzRange(band.minFrequencyHz, band.maxFrequencyHz)}`).join(', ');
  throw new FrequencyNotInSubBandError(
    field,
    `an emission (centre ± ${bandwidthHz / 2000} kHz) inside one ${spec.name} sub-band (${bands})`,
    `${mhz(frequencyHz)} occupying ${formatMHzRange(low, high)}`,
  );
}

export function formatMHz(hz: number): string {
  return mhz(hz);
}
