import type { RegionName } from '../../radio/region-types.js';

// The region of a The Things Stack frequency plan id, for the payload-size check of commands
// stored before they carried their campaign's region. Plan ids start with the band
// (TheThingsNetwork/lorawan-frequency-plans: EU_863_870_TTN, US_902_928_FSB_2, …). AS923 plans
// are left out (AS_920_923 and AS_923_925 do not name their RP002 group unambiguously): no
// check then, The Things Stack still refuses what its data rate cannot carry.

const PREFIXES: ReadonlyArray<[string, RegionName]> = [
  ['EU_863_870', 'EU868'],
  ['US_902_928', 'US915'],
  ['AU_915_928', 'AU915'],
  ['KR_920_923', 'KR920'],
  ['IN_865_867', 'IN865'],
  ['RU_864_870', 'RU864'],
  ['CN_470_510', 'CN470'],
  ['EU_433', 'EU433'],
];

export function regionOfFrequencyPlan(frequencyPlanId: string): RegionName | undefined {
  return PREFIXES.find(([prefix]) => frequencyPlanId === prefix || frequencyPlanId.startsWith(`${prefix}_`))?.[1];
}
