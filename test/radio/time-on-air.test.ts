import test from 'ava';
import fc from 'fast-check';
import { ValueError } from '../../src/core/errors.js';
import { fskTimeOnAirUs, loraTimeOnAirUs, phyPayloadBytesFor } from '../../src/radio/time-on-air.js';

// Published values: TheThingsNetwork/lorawan-stack pkg/toa/toa_test.go (time on air of a
// 10-byte PHYPayload, explicit header, CRC on, 8-symbol preamble; the same figures as the
// Semtech LoRa calculator). CRC on is what those tables assume, so we pass crc: true.
const TTS_10_BYTES_CRC_ON: Array<[sf: number, bwHz: number, us: number]> = [
  [7, 125_000, 41_216],
  [8, 125_000, 72_192],
  [9, 125_000, 144_384],
  [10, 125_000, 288_768],
  [11, 125_000, 577_536],
  [12, 125_000, 991_232],
  [7, 250_000, 20_608],
  [7, 500_000, 10_304],
];
for (const [sf, bandwidthHz, us] of TTS_10_BYTES_CRC_ON) {
  test(`LoRa SF${sf} BW${bandwidthHz / 1000}, 10 bytes, CRC on = ${us / 1000} ms (TTS toa_test.go)`, (t) => {
    t.is(loraTimeOnAirUs({ spreadingFactor: sf, bandwidthHz, phyPayloadBytes: 10, crc: true }), us);
  });
}

test('coding rates 4/5..4/8 (TTS toa_test.go, SF7 BW125, 10 bytes)', (t) => {
  const expected = { '4/5': 41_216, '4/6': 45_312, '4/7': 49_408, '4/8': 53_504 } as const;
  for (const [codingRate, us] of Object.entries(expected)) {
    t.is(loraTimeOnAirUs({ spreadingFactor: 7, bandwidthHz: 125_000, phyPayloadBytes: 10, crc: true, codingRate: codingRate as keyof typeof expected }), us, codingRate);
  }
});

test('payload sizes 13..19 step at symbol-group boundaries (TTS toa_test.go, SF7 BW125)', (t) => {
  const expected: Record<number, number> = { 13: 46_336, 14: 46_336, 15: 46_336, 16: 51_456, 17: 51_456, 18: 51_456, 19: 51_456 };
  for (const [size, us] of Object.entries(expected)) {
    t.is(loraTimeOnAirUs({ spreadingFactor: 7, bandwidthHz: 125_000, phyPayloadBytes: Number(size), crc: true }), us, `${size} bytes`);
  }
});

test('FSK 50 kbit/s, 200-byte PHYPayload = 33.76 ms (TTS toa_test.go TestFSK)', (t) => {
  t.is(fskTimeOnAirUs({ bitRateBps: 50_000, phyPayloadBytes: 200 }), 33_760);
});

// Downlinks have no payload CRC. Worked with the Semtech formula (SX1276 datasheet §4.1.1.6):
//   SF7/125, PL 255: ceil((2040 − 28 + 28)/28) = 73 → 8 + 365 = 373 symbols + 12.25 → 385.25 · 1.024 ms
//   SF12/125, PL 13, LDRO: ceil((104 − 48 + 28)/40) = 3 → 23 + 12.25 = 35.25 · 32.768 ms
//   SF12/500 (US915 DR8), PL 66, no LDRO: ceil((528 − 48 + 28)/48) = 11 → 63 + 12.25 = 75.25 · 8.192 ms
test('downlink (CRC off) worked examples', (t) => {
  t.is(loraTimeOnAirUs({ spreadingFactor: 7, bandwidthHz: 125_000, phyPayloadBytes: 255 }), 394_496);
  t.is(loraTimeOnAirUs({ spreadingFactor: 12, bandwidthHz: 125_000, phyPayloadBytes: 13 }), 1_155_072);
  t.is(loraTimeOnAirUs({ spreadingFactor: 12, bandwidthHz: 500_000, phyPayloadBytes: 66 }), 616_448);
  t.is(fskTimeOnAirUs({ bitRateBps: 50_000, phyPayloadBytes: 255 }), 42_560);
});

test('CRC adds 16 bits: it can cost a symbol group, never saves one', (t) => {
  // SF7/125, PL 12: (96 − 28 + 28)/28 = 3.43 → 4 groups without CRC; (112)/28 = 4 → 4 with CRC.
  t.is(loraTimeOnAirUs({ spreadingFactor: 7, bandwidthHz: 125_000, phyPayloadBytes: 12 }), loraTimeOnAirUs({ spreadingFactor: 7, bandwidthHz: 125_000, phyPayloadBytes: 12, crc: true }));
  // PL 13: 104/28 = 3.71 → 4 without CRC; 120/28 = 4.29 → 5 with CRC: one more group of 5 symbols.
  t.is(loraTimeOnAirUs({ spreadingFactor: 7, bandwidthHz: 125_000, phyPayloadBytes: 13, crc: true }) - loraTimeOnAirUs({ spreadingFactor: 7, bandwidthHz: 125_000, phyPayloadBytes: 13 }), 5 * 1024);
});

test('low data-rate optimisation is automatic at SF11/SF12 on 125 kHz only', (t) => {
  const frame = { spreadingFactor: 11, bandwidthHz: 125_000, phyPayloadBytes: 50 };
  t.is(loraTimeOnAirUs(frame), loraTimeOnAirUs({ ...frame, lowDataRateOptimize: true }));
  t.not(loraTimeOnAirUs(frame), loraTimeOnAirUs({ ...frame, lowDataRateOptimize: false }));
  const wide = { spreadingFactor: 12, bandwidthHz: 500_000, phyPayloadBytes: 50 };
  t.is(loraTimeOnAirUs(wide), loraTimeOnAirUs({ ...wide, lowDataRateOptimize: false }));
});

test('PHYPayload of a data downlink is FRMPayload + 13 (+ FOpts)', (t) => {
  t.is(phyPayloadBytesFor(0), 13);
  t.is(phyPayloadBytesFor(242), 255);
  t.is(phyPayloadBytesFor(10, 5), 28);
});

test('time on air grows with payload and is whole microseconds (property)', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 7, max: 12 }), fc.constantFrom(125_000, 250_000, 500_000), fc.integer({ min: 0, max: 254 }), (sf, bandwidthHz, pl) => {
      const a = loraTimeOnAirUs({ spreadingFactor: sf, bandwidthHz, phyPayloadBytes: pl });
      const b = loraTimeOnAirUs({ spreadingFactor: sf, bandwidthHz, phyPayloadBytes: pl + 1 });
      // Exact: (symbols · 4) · 2^SF / (4 · BW) is an integer number of µs for these bandwidths.
      return Number.isInteger(a) && b >= a && (2 ** sf * 1e6 * 4) % (4 * bandwidthHz) === 0;
    }),
  );
  t.pass();
});

test('bad input is refused with the field named', (t) => {
  const cases: Array<[string, () => number, RegExp]> = [
    ['SF 13', () => loraTimeOnAirUs({ spreadingFactor: 13, bandwidthHz: 125_000, phyPayloadBytes: 10 }), /^spreadingFactor: expected an integer in 5\.\.12, got 13$/],
    ['bandwidth 0', () => loraTimeOnAirUs({ spreadingFactor: 7, bandwidthHz: 0, phyPayloadBytes: 10 }), /^bandwidthHz: expected a positive number/],
    ['PHYPayload 256', () => loraTimeOnAirUs({ spreadingFactor: 7, bandwidthHz: 125_000, phyPayloadBytes: 256 }), /^phyPayloadBytes: expected an integer in 0\.\.255, got 256$/],
    ['coding rate', () => loraTimeOnAirUs({ spreadingFactor: 7, bandwidthHz: 125_000, phyPayloadBytes: 1, codingRate: '4/9' as '4/5' }), /^codingRate: expected one of/],
    ['FSK rate', () => fskTimeOnAirUs({ bitRateBps: -1, phyPayloadBytes: 1 }), /^bitRateBps: /],
    ['FRMPayload 243', () => phyPayloadBytesFor(243), /^frmPayloadBytes: expected an integer in 0\.\.242, got 243$/],
  ];
  for (const [name, run, message] of cases) t.throws(run, { instanceOf: ValueError, message }, name);
});
