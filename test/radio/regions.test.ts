import test from 'ava';
import { ValueError } from '../../src/core/errors.js';
import { checkFrmPayload, dataRate, dwellTimeLimitMs, maxPayload, region, regionNames } from '../../src/radio/regions.js';
import { FrequencyNotInSubBandError, FrequencyOutsideRegionError, PayloadTooLargeError, UnknownDataRateError, UnknownRegionError } from '../../src/radio/radio-errors.js';
import { subBandFor } from '../../src/radio/sub-bands.js';
import { downlinkAirtimeUs } from '../../src/radio/send-planner.js';

// Spot values from RP002-1.0.3, each as tabled by a public implementation:
//   [region, DR, N not repeater-compatible, N repeater-compatible, source]
const MAX_N: Array<[string, number, number, number, string]> = [
  ['EU868', 0, 51, 51, 'chirpstack eu868.rs Latest: m 59 n 51'],
  ['EU868', 3, 115, 115, 'chirpstack eu868.rs: m 123 n 115'],
  ['EU868', 5, 242, 222, 'chirpstack eu868.rs: m 250/230'],
  ['EU868', 7, 242, 222, 'TTS eu_863_870_rp2_v1_0_3.go DR7 FSK 250'],
  ['US915', 8, 53, 53, 'chirpstack us915.rs Latest: DR8 m 61 n 53'],
  ['US915', 9, 129, 129, 'chirpstack us915.rs: DR9 m 137 n 129'],
  ['US915', 13, 242, 222, 'chirpstack us915.rs: DR13 m 250/230'],
  ['AU915', 8, 53, 53, 'LoRaMac-node RegionAU915.h MaxPayloadOfDatarateDwell0AU915[8] = 53'],
  ['AS923-1', 2, 115, 115, 'LoRaMac-node RegionAS923.h MaxPayloadOfDatarateDwell0AS923[2] = 115'],
  ['CN470', 1, 23, 23, 'chirpstack cn470.rs: m 31 n 23'],
  ['CN470', 3, 184, 184, 'chirpstack cn470.rs: m 192 n 184'],
  ['KR920', 5, 242, 222, 'TTS kr_920_923_rp2_v1_0_3.go DR5 250'],
  ['IN865', 7, 242, 222, 'TTS in_865_867_rp2_v1_0_3.go DR7 FSK 250'],
  ['RU864', 4, 242, 222, 'RP002 RU864 as EU868'],
  ['EU433', 2, 51, 51, 'TTS eu_433_rp2_v1_0_4.go DR2 59'],
];
for (const [name, dr, n, nRepeater, source] of MAX_N) {
  test(`${name} DR${dr}: N = ${n} / ${nRepeater} repeater-compatible (${source})`, (t) => {
    const spec = region(name);
    t.is(maxPayload(spec, dr, { dwellTimeLimited: false }).frmPayloadBytes, n);
    t.is(maxPayload(spec, dr, { dwellTimeLimited: false, repeaterCompatible: true }).frmPayloadBytes, nRepeater);
    t.is(maxPayload(spec, dr, { dwellTimeLimited: false }).macPayloadBytes, n + 8);
  });
}

test('AS923 DownlinkDwellTime = 1 table (LoRaMac-node MaxPayloadOfDatarateDwell1AS923: -, -, 11, 53, 125, 242…)', (t) => {
  const spec = region('AS923-2');
  t.is(dwellTimeLimitMs(spec), 400);
  t.deepEqual([2, 3, 4, 5, 6, 7].map((dr) => maxPayload(spec, dr).frmPayloadBytes), [11, 53, 125, 242, 242, 242]);
  t.throws(() => maxPayload(spec, 0), { instanceOf: UnknownDataRateError, message: /400 ms dwell-time limit/ });
  t.is(maxPayload(spec, 0, { dwellTimeLimited: false }).frmPayloadBytes, 51);
});

test('the AS923 dwell-time payload table keeps every maximal downlink within 400 ms', (t) => {
  const spec = region('AS923-1');
  for (const dr of [2, 3, 4, 5, 6, 7]) {
    const n = maxPayload(spec, dr).frmPayloadBytes;
    t.true(downlinkAirtimeUs(spec, dr, n) <= 400_000, `DR${dr}`);
  }
  // SF8 at 133-byte MACPayload: 399.872 ms, the tightest entry.
  t.is(downlinkAirtimeUs(spec, 4, 125), 399_872);
});

test('RX2 and class B defaults (RP002; TTS / LoRaMac-node headers)', (t) => {
  t.deepEqual(region('EU868').rx2, { frequencyHz: 869_525_000, dr: 0 });
  t.deepEqual(region('US915').rx2, { frequencyHz: 923_300_000, dr: 8 });
  t.deepEqual(region('AS923-1').rx2, { frequencyHz: 923_200_000, dr: 2 });
  t.deepEqual(region('AS923-2').rx2, { frequencyHz: 921_400_000, dr: 2 });
  t.deepEqual(region('AS923-3').rx2, { frequencyHz: 916_600_000, dr: 2 });
  t.deepEqual(region('AS923-4').rx2, { frequencyHz: 917_300_000, dr: 2 });
  t.deepEqual(region('KR920').rx2, { frequencyHz: 921_900_000, dr: 0 });
  t.deepEqual(region('IN865').rx2, { frequencyHz: 866_550_000, dr: 2 });
  t.deepEqual(region('RU864').rx2, { frequencyHz: 869_100_000, dr: 0 });
  t.deepEqual(region('EU433').rx2, { frequencyHz: 434_665_000, dr: 0 });
  t.deepEqual(region('US915').classB.beaconFrequenciesHz, [923.3e6, 923.9e6, 924.5e6, 925.1e6, 925.7e6, 926.3e6, 926.9e6, 927.5e6]);
  t.is(region('IN865').classB.pingSlotDr, 4);
  t.is(region('RU864').classB.pingSlotFrequenciesHz[0], 868_900_000);
});

// The sub-band (and so the duty cycle) that RX2 and class B ping-slot downlinks are planned in,
// per region. EU868: ETSI EN 300 220-2 / ERC REC 70-03 band P, 869.40-869.65 MHz at 10 %, the
// band RP002 put RX2 869.525 MHz in (not M or N, at 1 % and 0.1 %). EU433: ERC REC 70-03 Annex 1
// band h1.4, 433.05-434.79 MHz at 10 %. US915: FCC 47 CFR 15.247, AU915: ACMA LIPD class licence,
// KR920, IN865, CN470: no duty-cycle limit. AS923-1..4 and RU864: modelled at 1 % (LoRaMac-node
// AS923_BAND0; TTS pkg/band ru_864_870 tables 1 %). Each entry's `source` in src/radio/regions.ts.
const DOWNLINK_SUB_BAND: Record<string, { id: string; dutyCycle: number }> = {
  EU868: { id: 'P', dutyCycle: 0.1 },
  EU433: { id: 'h1.4', dutyCycle: 0.1 },
  US915: { id: 'ISM-902-928', dutyCycle: 1 },
  AU915: { id: 'ISM-915-928', dutyCycle: 1 },
  'AS923-1': { id: 'AS923', dutyCycle: 0.01 },
  'AS923-2': { id: 'AS923', dutyCycle: 0.01 },
  'AS923-3': { id: 'AS923', dutyCycle: 0.01 },
  'AS923-4': { id: 'AS923', dutyCycle: 0.01 },
  KR920: { id: 'KR920', dutyCycle: 1 },
  IN865: { id: 'IN865', dutyCycle: 1 },
  RU864: { id: 'RU864', dutyCycle: 0.01 },
  CN470: { id: 'CN470', dutyCycle: 1 },
};

test('every region: RX2 and ping-slot downlinks sit wholly in the expected sub-band; FRMPayload limits are MACPayload − 8', (t) => {
  t.deepEqual([...regionNames()].sort(), Object.keys(DOWNLINK_SUB_BAND).sort());
  for (const name of regionNames()) {
    const spec = region(name);
    const rx2 = dataRate(spec, spec.rx2.dr);
    const bandwidth = rx2.modulation.kind === 'lora' ? rx2.modulation.bandwidthHz : 100_000;
    for (const [label, frequencyHz] of [['RX2', spec.rx2.frequencyHz] as const, ...spec.classB.pingSlotFrequenciesHz.map((f) => ['ping slot', f] as const)]) {
      const band = subBandFor(spec, frequencyHz, bandwidth);
      const what = `${name} ${label} ${frequencyHz} Hz`;
      t.like(band, DOWNLINK_SUB_BAND[name]!, what);
      t.true(band.minFrequencyHz <= frequencyHz - bandwidth / 2 && frequencyHz + bandwidth / 2 <= band.maxFrequencyHz, `${what}: the emission lies inside ${band.id}`);
    }
    for (const rate of spec.dataRates) t.true(rate.maxPayload.noRepeater.frmPayloadBytes === rate.maxPayload.noRepeater.macPayloadBytes - 8);
  }
});

test('EU868 sub-band assignment: the whole emission must sit in one ETSI band', (t) => {
  const eu = region('EU868');
  t.is(subBandFor(eu, 869_525_000, 125_000).dutyCycle, 0.1);
  t.is(subBandFor(eu, 868_100_000, 125_000).id, 'M');
  t.is(subBandFor(eu, 868_300_000, 250_000).id, 'M');
  t.is(subBandFor(eu, 867_100_000, 125_000).dutyCycle, 0.01);
  t.is(subBandFor(eu, 864_000_000, 125_000).dutyCycle, 0.001);
  // 868.55 MHz ± 62.5 kHz reaches 868.6125 MHz, past band M's 868.6 MHz edge.
  t.throws(() => subBandFor(eu, 868_550_000, 125_000), { instanceOf: FrequencyNotInSubBandError, message: /868\.4875-868\.6125 MHz/ });
  t.throws(() => subBandFor(eu, 869_300_000, 125_000), { instanceOf: FrequencyNotInSubBandError });
});

const BAD: Array<[string, () => unknown, Function, RegExp]> = [
  ['unknown region', () => region('EU869'), UnknownRegionError, /^region: expected one of EU868, .*EU433, got "EU869"$/],
  ['DR not in region', () => dataRate(region('KR920'), 6), UnknownDataRateError, /^KR920 data rate: expected a KR920 downlink data rate \(DR0, DR1, DR2, DR3, DR4, DR5\), got "DR6"$/],
  ['uplink-only DR', () => dataRate(region('AU915'), 6), UnknownDataRateError, /DR6 is uplink-only, got "DR6"$/],
  ['IN865 DR6 is RFU', () => dataRate(region('IN865'), 6), UnknownDataRateError, /IN865 downlink data rate/],
  ['payload above N', () => checkFrmPayload(region('EU868'), 0, 52), PayloadTooLargeError, /^FRMPayload: expected at most 51 bytes \(EU868 DR0 maximum N, RP002 not repeater-compatible\), got "52 bytes"$/],
  ['payload above repeater N', () => checkFrmPayload(region('EU868'), 5, 223, { repeaterCompatible: true }), PayloadTooLargeError, /at most 222 bytes/],
  ['frequency outside region', () => subBandFor(region('EU868'), 915_000_000, 125_000), FrequencyOutsideRegionError, /^frequency: expected a frequency inside EU868 \(863-870 MHz\), got "915000000 Hz"$/],
  ['frequency in no sub-band', () => subBandFor(region('EU868'), 868_650_000, 125_000), FrequencyNotInSubBandError, /^frequency: expected an emission .* inside one EU868 sub-band/],
  ['frequency not an integer', () => subBandFor(region('EU868'), 868.1, 125_000), ValueError, /^frequency: expected a positive integer number of Hz/],
];
for (const [name, run, type, message] of BAD) {
  test(`refuses ${name}`, (t) => {
    const error = t.throws(run, { message });
    t.true(error instanceof type, `${error?.constructor.name}`);
    t.true(error instanceof ValueError);
  });
}

test('error codes are stable', (t) => {
  const codes = BAD.slice(0, 8).map(([, run]) => {
    try {
      run();
    } catch (error) {
      return (error as ValueError).code;
    }
    return 'none';
  });
  t.deepEqual(codes, [
    'RADIO_UNKNOWN_REGION',
    'RADIO_UNKNOWN_DATA_RATE',
    'RADIO_UNKNOWN_DATA_RATE',
    'RADIO_UNKNOWN_DATA_RATE',
    'RADIO_PAYLOAD_TOO_LARGE',
    'RADIO_PAYLOAD_TOO_LARGE',
    'RADIO_FREQUENCY_OUTSIDE_REGION',
    'RADIO_FREQUENCY_NOT_IN_SUB_BAND',
  ]);
});

test('region names are case-insensitive and AS923 means AS923-1', (t) => {
  t.is(region('eu868').name, 'EU868');
  t.is(region('AS923').name, 'AS923-1');
});
