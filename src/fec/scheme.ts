import { ValueError } from '../core/errors.js';

/**
 * The TS004 parity matrices (FragmentationMatrix / FragAlgo 0). They differ in two places, and a
 * stream coded with one and decoded with another reconstructs a WRONG block with no error:
 *
 * - 'v1'     TS004 v1.0.0: the PRBS is seeded with n = N - M, and every drawn coefficient counts
 *            toward the M/2 target, a repeated column included (so a line may have < M/2 ones).
 *            LoRaMac-node, LoRa Basics Modem v1 helper, brocaar/lorawan encoder.
 * - 'v2'     TS004 v2.0.0 as published: the PRBS is seeded with the absolute fragment number N
 *            (the spec's reference code calls matrix_line(N, M) for N > M), and only a newly set
 *            column counts, so every line has exactly floor(M/2) ones. ChirpStack's v2 encoder.
 * - 'v2-lbm' the v2 counting rule with the v1 seed N - M: what LoRa Basics Modem's v2 helper
 *            (SWL2001 fragmentation_helper_v2.0.0.c) decodes; reported upstream as SWL2001 issue
 *            #106, still open. Only for devices whose profile declares that firmware.
 */
export type Ts004Matrix = 'v1' | 'v2' | 'v2-lbm';

/** Every FEC scheme we can put on air; 'rs' is our Reed-Solomon extension (docs/fec.md). */
export type FecScheme = Ts004Matrix | 'rs';

export const FEC_SCHEMES: readonly FecScheme[] = ['v1', 'v2', 'v2-lbm', 'rs'];

/**
 * The 3-bit FragmentationMatrix (v1) / FragAlgo (v2) value of FragSessionSetupReq Control bits
 * 5:3. TS004 defines only 0 (the parity code); 1..7 are RFU. We take the top value, 7, for
 * Reed-Solomon so that a future LoRa Alliance assignment (most likely 1, 2, ...) is unlikely to
 * collide. A device that does not know 7 answers FragAlgoUnsupported, which is the safe failure.
 */
export const FRAGMENTATION_MATRIX_PARITY = 0;
export const FRAGMENTATION_MATRIX_REED_SOLOMON = 7;

export function fragmentationMatrixValue(scheme: FecScheme): number {
  return scheme === 'rs' ? FRAGMENTATION_MATRIX_REED_SOLOMON : FRAGMENTATION_MATRIX_PARITY;
}

export function isTs004Matrix(scheme: FecScheme): scheme is Ts004Matrix {
  return scheme !== 'rs';
}

/** Runtime guard for callers outside the type system (JSON config, JS). */
export function checkTs004Matrix(matrix: string): Ts004Matrix {
  if (matrix === 'v1' || matrix === 'v2' || matrix === 'v2-lbm') return matrix;
  throw new ValueError('TS004 parity matrix', 'one of v1, v2, v2-lbm', matrix, 'FEC_SCHEME');
}

export function parseFecScheme(text: string): FecScheme {
  if ((FEC_SCHEMES as readonly string[]).includes(text)) return text as FecScheme;
  throw new ValueError('FEC matrix', `one of ${FEC_SCHEMES.join(', ')}`, text, 'FEC_SCHEME');
}

/** What a device profile declares about its fragmentation decoder. */
export interface DeviceFecCapabilities {
  /** From PackageVersionAns of TS004 (package identifier 3). */
  readonly ts004PackageVersion: 1 | 2;
  /** The firmware carries our Reed-Solomon decoder (FragmentationMatrix 7). Never guessed. */
  readonly reedSolomon?: boolean;
  /**
   * For TS004 v2 firmware: how it seeds the parity PRBS. 'N' is the published v2.0.0 text;
   * 'N-M' is LoRa Basics Modem's v2 helper. Defaults to 'N'.
   */
  readonly v2Seed?: 'N' | 'N-M';
}

export type FecPreference = 'parity' | 'rs';

/** The scheme a device decodes. RS only when preferred AND declared supported. */
export function schemeForDevice(device: DeviceFecCapabilities, prefer: FecPreference = 'parity'): FecScheme {
  if (prefer === 'rs' && device.reedSolomon === true) return 'rs';
  switch (device.ts004PackageVersion) {
    case 1:
      return 'v1';
    case 2:
      return device.v2Seed === 'N-M' ? 'v2-lbm' : 'v2';
    default:
      throw new ValueError('TS004 package version', '1 or 2', device.ts004PackageVersion, 'UNKNOWN_PACKAGE_VERSION');
  }
}

/**
 * One multicast session carries one stream, so every member must decode the same scheme.
 * RS is used only when every member declares it; otherwise all must share one parity matrix.
 */
export function schemeForGroup(devices: readonly DeviceFecCapabilities[], prefer: FecPreference = 'parity'): FecScheme {
  if (devices.length === 0) throw new ValueError('multicast group', 'at least one device', 0, 'FEC_EMPTY_GROUP');
  if (prefer === 'rs' && devices.every((d) => d.reedSolomon === true)) return 'rs';
  const schemes = new Set(devices.map((d) => schemeForDevice(d, 'parity')));
  if (schemes.size > 1) {
    throw new ValueError(
      'multicast group FEC',
      'devices that all decode the same parity matrix (split the group by TS004 version)',
      [...schemes].sort().join(' and '),
      'FEC_MIXED_GROUP',
    );
  }
  return [...schemes][0]!;
}
