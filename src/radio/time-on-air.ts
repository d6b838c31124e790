import { ValueError } from '../core/errors.js';
import { checkRange } from '../core/byte-writer.js';

// Exact time on air of one LoRa or FSK frame, in whole microseconds.
//
// LoRa: Semtech SX1276/77/78/79 datasheet rev. 7 §4.1.1.6 (also AN1200.13, "LoRa Modem
// Designer's Guide"):
//   Tsym        = 2^SF / BW
//   Tpreamble   = (nPreamble + 4.25) · Tsym
//   nPayloadSym = 8 + max(ceil((8·PL − 4·SF + 28 + 16·CRC − 20·IH) / (4·(SF − 2·DE))) · (CR + 4), 0)
// with PL the PHY payload length in bytes, IH = 1 for implicit header, DE = 1 with low data-rate
// optimisation and CR = 1..4 for 4/5..4/8.
// For the LoRaWAN bandwidths (125/250/500 kHz) and SF7..SF12, Tsym and Tsym/4 are whole
// microseconds (e.g. SF7/125 kHz: 1024 µs), so the result is exact; for any other bandwidth
// we round up to the next microsecond so a duty-cycle budget is never under-counted.
//
// FSK: LoRaWAN FSK frames are preamble (5 bytes), sync word (3 bytes), a length byte, the
// PHYPayload and a CRC-16 (2 bytes), at 50 kbit/s: 8 bits per byte / bit rate (the frame that
// LoRaMac-node and TTS pkg/toa computeFSK use; TTS's test: 200 bytes → 33.76 ms).

export type CodingRate = '4/5' | '4/6' | '4/7' | '4/8';

const CODING_RATE_INDEX: Record<CodingRate, number> = { '4/5': 1, '4/6': 2, '4/7': 3, '4/8': 4 };

export interface LoRaFrame {
  spreadingFactor: number;
  bandwidthHz: number;
  /** The whole PHYPayload (MHDR … MIC), not the FRMPayload. */
  phyPayloadBytes: number;
  codingRate?: CodingRate;
  preambleSymbols?: number;
  explicitHeader?: boolean;
  crc?: boolean;
  /** Low data-rate optimisation; `auto` (the default) turns it on when Tsym ≥ 16 ms (SF11/SF12 at 125 kHz). */
  lowDataRateOptimize?: boolean | 'auto';
}

export interface FskFrame {
  bitRateBps: number;
  /** The whole PHYPayload (MHDR … MIC). */
  phyPayloadBytes: number;
  preambleBytes?: number;
  syncWordBytes?: number;
  lengthBytes?: number;
  crcBytes?: number;
}

export function loraSymbolTimeUs(spreadingFactor: number, bandwidthHz: number): number {
  return (2 ** spreadingFactor * 1_000_000) / bandwidthHz;
}

/** Number of symbols of the whole frame, times 4 (the preamble adds a quarter symbol). */
export function loraFrameQuarterSymbols(frame: LoRaFrame): number {
  const sf = checkRange(frame.spreadingFactor, 5, 12, 'spreadingFactor');
  if (!Number.isFinite(frame.bandwidthHz) || frame.bandwidthHz <= 0) {
    throw new ValueError('bandwidthHz', 'a positive number of Hz', frame.bandwidthHz);
  }
  const pl = checkRange(frame.phyPayloadBytes, 0, 255, 'phyPayloadBytes');
  const cr = CODING_RATE_INDEX[frame.codingRate ?? '4/5'];
  if (cr === undefined) throw new ValueError('codingRate', 'one of 4/5, 4/6, 4/7, 4/8', frame.codingRate);
  const preamble = checkRange(frame.preambleSymbols ?? 8, 6, 65535, 'preambleSymbols');
  const ih = frame.explicitHeader === false ? 1 : 0;
  const crc = frame.crc === true ? 1 : 0;
  const ldro = frame.lowDataRateOptimize ?? 'auto';
  const de = (ldro === 'auto' ? loraSymbolTimeUs(sf, frame.bandwidthHz) >= 16_000 : ldro) ? 1 : 0;
  const numerator = 8 * pl - 4 * sf + 28 + 16 * crc - 20 * ih;
  const denominator = 4 * (sf - 2 * de);
  const payloadSymbols = 8 + Math.max(Math.ceil(numerator / denominator) * (cr + 4), 0);
  return 4 * preamble + 17 + 4 * payloadSymbols; // (nPreamble + 4.25 + nPayload) · 4
}

/** LoRa time on air in whole microseconds (exact for 125/250/500 kHz). */
export function loraTimeOnAirUs(frame: LoRaFrame): number {
  const quarterSymbols = loraFrameQuarterSymbols(frame);
  // 2^SF · 1e6 · quarterSymbols / (4 · BW): integer arithmetic first keeps it exact.
  return Math.ceil((2 ** frame.spreadingFactor * 1_000_000 * quarterSymbols) / (4 * frame.bandwidthHz));
}

/** FSK time on air in whole microseconds (rounded up). */
export function fskTimeOnAirUs(frame: FskFrame): number {
  if (!Number.isFinite(frame.bitRateBps) || frame.bitRateBps <= 0) {
    throw new ValueError('bitRateBps', 'a positive bit rate', frame.bitRateBps);
  }
  const pl = checkRange(frame.phyPayloadBytes, 0, 255, 'phyPayloadBytes');
  const bytes = (frame.preambleBytes ?? 5) + (frame.syncWordBytes ?? 3) + (frame.lengthBytes ?? 1) + pl + (frame.crcBytes ?? 2);
  return Math.ceil((bytes * 8 * 1_000_000) / frame.bitRateBps);
}

/** Bytes of LoRaWAN framing around a FRMPayload: MHDR 1 + FHDR 7 (+FOpts) + FPort 1 + MIC 4. */
export const LORAWAN_FRAME_OVERHEAD_BYTES = 13;

/** PHYPayload length of a data downlink carrying `frmPayloadBytes` (and FOpts, none by default). */
export function phyPayloadBytesFor(frmPayloadBytes: number, fOptsBytes = 0): number {
  checkRange(frmPayloadBytes, 0, 242, 'frmPayloadBytes');
  checkRange(fOptsBytes, 0, 15, 'fOptsBytes');
  return frmPayloadBytes + fOptsBytes + LORAWAN_FRAME_OVERHEAD_BYTES;
}

export function microsecondsToMs(us: number): number {
  return us / 1000;
}
