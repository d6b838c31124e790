import type { ByteReader } from '../core/byte-reader.js';
import { checkRange, type ByteWriter } from '../core/byte-writer.js';
import { ValueError } from '../core/errors.js';
import type { AppCommand, CommandCodec, PackageSpec } from './app-layer.js';
import { bits, field, flag, flagBit } from './bit-fields.js';
import { packageVersionAns, packageVersionReq, type PackageVersionAns, type PackageVersionReq } from './package-version.js';

// TS004 Fragmented Data Block Transport, fPort 201, package identifier 3.
// v1.0.0 §3 and TS004-2.0.0 §3 (the v2 text says it is not compatible with v1: the
// FragSessionStatusAns layout changes, FragSessionSetupReq grows a SessionCnt and a data-block
// MIC, and CID 0x04 FragDataBlockReceived appears). Field names are the spec names in
// lowerCamelCase; where v1 and v2 name the same bits differently (v1 FragmentationMatrix /
// EncodingUnsupported, v2 FragAlgo / FragAlgoUnsupported) one name is used for both versions
// so that the server logic above this codec does not fork on the version.

/** The N / NbFragReceived fields are 14 bits wide (Index&N and Received&Index, bits 13:0). */
export const MAX_FRAGMENT_NUMBER = 0x3fff;

/** Longest fragment a FragSessionSetupReq can announce (FragSize is one octet). */
export const MAX_FRAG_SIZE = 255;

export interface FragSessionStatusReq {
  readonly command: 'FragSessionStatusReq';
  /** FragStatusReqParam bit 0: 1 = every device answers, 0 = only devices missing fragments. */
  readonly participants: boolean;
  /** FragStatusReqParam bits 2:1. */
  readonly fragIndex: number;
}

/** TS004 v1.0.0 §3.2: Received&Index, MissingFrag, then Status. */
export interface FragSessionStatusAnsV1 {
  readonly command: 'FragSessionStatusAns';
  /** Received&Index bits 15:14. */
  readonly fragIndex: number;
  /** Received&Index bits 13:0. */
  readonly nbFragReceived: number;
  readonly missingFrag: number;
  /** Status bit 0. */
  readonly notEnoughMatrixMemory: boolean;
}

/**
 * TS004-2.0.0 §3.2: Status FIRST, then Received&Index and MissingFrag. When SessionDoesNotExist
 * is set the spec says the device SHALL NOT include Received&Index and MissingFrag (Table 7 and
 * the text below it), so those three fields are optional: absent = the 1-octet spec form.
 * They are present when a device sent them anyway (see the decoder).
 */
export interface FragSessionStatusAnsV2 {
  readonly command: 'FragSessionStatusAns';
  /** Status bit 0. */
  readonly memoryError: boolean;
  /** Status bit 1; only meaningful (and only allowed to be 1) when MissingFrag is 0. */
  readonly micError: boolean;
  /** Status bit 2. */
  readonly sessionDoesNotExist: boolean;
  /** Received&Index bits 15:14. */
  readonly fragIndex?: number;
  /** Received&Index bits 13:0. */
  readonly nbFragReceived?: number;
  readonly missingFrag?: number;
}

/** TS004 v1.0.0 §3.3 (10 octets). */
export interface FragSessionSetupReqV1 {
  readonly command: 'FragSessionSetupReq';
  /** FragSession bits 5:4. */
  readonly fragIndex: number;
  /** FragSession bits 3:0; bit X allows multicast group McGroupID = X (0 = unicast only). */
  readonly mcGroupBitMask: number;
  /** Number of uncoded fragments of the data block. */
  readonly nbFrag: number;
  /** Octets per fragment. */
  readonly fragSize: number;
  /** Control bits 2:0; answers are spread over 2^(BlockAckDelay+4) s. */
  readonly blockAckDelay: number;
  /** Control bits 5:3 (v1 FragmentationMatrix, v2 FragAlgo); 0 = the parity code of the annex. */
  readonly fragmentationMatrix: number;
  /** Padding octets at the end of the last uncoded fragment. */
  readonly padding: number;
  /** 4 octets, application defined, passed to the device as is. */
  readonly descriptor: Uint8Array;
}

/** TS004-2.0.0 §3.3 (16 octets). */
export interface FragSessionSetupReqV2 extends FragSessionSetupReqV1 {
  /** Control bit 6: the device sends FragDataBlockReceivedReq when the block is complete. */
  readonly ackReception: boolean;
  /** Must grow from session to session per FragIndex (the device refuses replays). */
  readonly sessionCnt: number;
  /** First 4 octets of the data-block CMAC (see ts004-data-block-mic.ts). */
  readonly mic: Uint8Array;
}

export interface FragSessionSetupAnsV1 {
  readonly command: 'FragSessionSetupAns';
  /** StatusBitMask bits 7:6. */
  readonly fragIndex: number;
  /** Bit 0 (v1 name EncodingUnsupported). */
  readonly fragAlgoUnsupported: boolean;
  /** Bit 1. */
  readonly notEnoughMemory: boolean;
  /** Bit 2. */
  readonly fragIndexUnsupported: boolean;
  /** Bit 3. */
  readonly wrongDescriptor: boolean;
}

export interface FragSessionSetupAnsV2 extends FragSessionSetupAnsV1 {
  /** Bit 4 (RFU in v1). */
  readonly sessionCntReplay: boolean;
}

export interface FragSessionDeleteReq {
  readonly command: 'FragSessionDeleteReq';
  /** Param bits 1:0. */
  readonly fragIndex: number;
}

export interface FragSessionDeleteAns {
  readonly command: 'FragSessionDeleteAns';
  /** Status bits 1:0. */
  readonly fragIndex: number;
  /** Status bit 2. */
  readonly sessionDoesNotExist: boolean;
}

/** v2 only, uplink: the device has the whole block (sent only if AckReception was set). */
export interface FragDataBlockReceivedReq {
  readonly command: 'FragDataBlockReceivedReq';
  /** Status bits 1:0. */
  readonly fragIndex: number;
  /** Status bit 2: the device's MIC over the block differs from the setup's. */
  readonly micError: boolean;
}

/** v2 only, downlink. */
export interface FragDataBlockReceivedAns {
  readonly command: 'FragDataBlockReceivedAns';
  /** bits 1:0. */
  readonly fragIndex: number;
}

export interface DataFragment {
  readonly command: 'DataFragment';
  /** Index&N bits 15:14. */
  readonly fragIndex: number;
  /** Index&N bits 13:0: 1..NbFrag are uncoded fragments, above NbFrag coded ones. */
  readonly n: number;
  /** The fragment: FragSize octets, the rest of the frame. */
  readonly data: Uint8Array;
}

export type FragSessionStatusAns = FragSessionStatusAnsV1 | FragSessionStatusAnsV2;
export type FragSessionSetupReq = FragSessionSetupReqV1 | FragSessionSetupReqV2;
export type FragSessionSetupAns = FragSessionSetupAnsV1 | FragSessionSetupAnsV2;

export type Ts004Command =
  | PackageVersionReq
  | PackageVersionAns
  | FragSessionStatusReq
  | FragSessionStatusAns
  | FragSessionSetupReq
  | FragSessionSetupAns
  | FragSessionDeleteReq
  | FragSessionDeleteAns
  | FragDataBlockReceivedReq
  | FragDataBlockReceivedAns
  | DataFragment;

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * Refuses fields that belong to the other version, so that a v2 FragSessionSetupReq given to the
 * v1 encoder fails instead of silently losing its SessionCnt and MIC.
 */
function refuseFields(command: AppCommand, names: readonly string[], why: string): void {
  const record = command as unknown as Record<string, unknown>;
  for (const name of names) {
    if (record[name] !== undefined) {
      throw new ValueError(`TS004 ${command.command} ${name}`, `absent (${why})`, String(record[name]), 'FIELD_NOT_IN_VERSION');
    }
  }
}

/** Index&N / Received&Index: a 14-bit count in bits 13:0 and FragIndex in bits 15:14. */
function indexAndCount(count: number, fragIndex: number, countMin: number, name: string, command: string): number {
  checkRange(count, countMin, MAX_FRAGMENT_NUMBER, `TS004 ${command} ${name}`);
  return bits(count, 0, 14, `TS004 ${command} ${name}`) | bits(fragIndex, 14, 2, `TS004 ${command} FragIndex`);
}

function writeBytes(w: ByteWriter, value: Uint8Array, length: number, name: string): void {
  w.bytes(value, name, length);
}

// ---------------------------------------------------------------------------------------------
// FragSessionStatus (CID 0x01), TS004 v1.0.0 §3.2 and v2.0.0 §3.2

const statusReq: CommandCodec<FragSessionStatusReq> = {
  cid: 0x01,
  command: 'FragSessionStatusReq',
  size: 1,
  decode: (r) => {
    const param = r.u8();
    return { command: 'FragSessionStatusReq', participants: flag(param, 0), fragIndex: field(param, 1, 2) };
  },
  encode: (w, c) => {
    w.u8(flagBit(c.participants, 0, 'TS004 FragSessionStatusReq Participants') | bits(c.fragIndex, 1, 2, 'TS004 FragSessionStatusReq FragIndex'), 'FragStatusReqParam');
  },
};

const statusAnsV1: CommandCodec<FragSessionStatusAnsV1> = {
  cid: 0x01,
  command: 'FragSessionStatusAns',
  size: 4,
  decode: (r) => {
    const received = r.u16();
    const missingFrag = r.u8();
    const status = r.u8();
    return {
      command: 'FragSessionStatusAns',
      fragIndex: field(received, 14, 2),
      nbFragReceived: field(received, 0, 14),
      missingFrag,
      notEnoughMatrixMemory: flag(status, 0),
    };
  },
  encode: (w, c) => {
    refuseFields(c, ['memoryError', 'micError', 'sessionDoesNotExist'], 'TS004 v2 only');
    w.u16(indexAndCount(c.nbFragReceived, c.fragIndex, 0, 'NbFragReceived', c.command), 'Received&Index')
      .u8(c.missingFrag, 'MissingFrag')
      .u8(flagBit(c.notEnoughMatrixMemory, 0, 'TS004 FragSessionStatusAns NotEnoughMatrixMemory'), 'Status');
  },
};

/**
 * v2 FragSessionStatusAns has two lengths. TS004-2.0.0 §3.2: with SessionDoesNotExist set the
 * device SHALL NOT include Received&Index and MissingFrag, so the payload is the Status octet
 * alone. But LoRa Basics Modem (the main v2 device stack) always sends all 4 octets, and
 * ChirpStack's v2 codec requires 4. We decode by the spec, with one tolerance: when
 * SessionDoesNotExist is set and exactly 3 octets remain in the frame, they are read as the
 * Received&Index and MissingFrag such a device appended (a strictly conforming device would need
 * a trailing 3-octet command there, i.e. a PackageVersionAns, to be misread; the other reading
 * would turn every such LBM answer into a bogus PackageVersionAns or an unknown CID).
 */
const statusAnsV2: CommandCodec<FragSessionStatusAnsV2> = {
  cid: 0x01,
  command: 'FragSessionStatusAns',
  decode: (r) => {
    const statusAt = r.offset;
    const status = r.u8();
    const flags = {
      command: 'FragSessionStatusAns' as const,
      memoryError: flag(status, 0),
      micError: flag(status, 1),
      sessionDoesNotExist: flag(status, 2),
    };
    if (flags.sessionDoesNotExist && r.remaining !== 3) return flags;
    const received = readReceived(r);
    // The same rule as the encoder: §3.2 "If MissingFrag is different from 0, the MICError bit SHALL be 0."
    if (flags.micError && received.missingFrag !== 0) {
      r.invalid('MICError', '0 while MissingFrag is not 0 (TS004-2.0.0 §3.2)', 1, statusAt);
    }
    return { ...flags, ...received };
  },
  encode: (w, c) => {
    refuseFields(c, ['notEnoughMatrixMemory'], 'TS004 v1 only');
    const name = c.command;
    const present = [c.fragIndex, c.nbFragReceived, c.missingFrag].filter((v) => v !== undefined).length;
    if (c.sessionDoesNotExist && present !== 0 && present !== 3) {
      throw new ValueError(`TS004 ${name} FragIndex/NbFragReceived/MissingFrag`, 'all three or none', `${present} of 3`);
    }
    if (c.micError && c.missingFrag !== undefined && c.missingFrag !== 0) {
      // §3.2: "If MissingFrag is different from 0, the MICError bit SHALL be 0."
      throw new ValueError(`TS004 ${name} MICError`, 'false while MissingFrag is not 0 (TS004-2.0.0 §3.2)', true);
    }
    w.u8(flagBit(c.memoryError, 0, `TS004 ${name} MemoryError`) | flagBit(c.micError, 1, `TS004 ${name} MICError`) | flagBit(c.sessionDoesNotExist, 2, `TS004 ${name} SessionDoesNotExist`), 'Status');
    if (c.sessionDoesNotExist && present === 0) return;
    w.u16(indexAndCount(c.nbFragReceived as number, c.fragIndex as number, 0, 'NbFragReceived', name), 'Received&Index');
    w.u8(c.missingFrag as number, 'MissingFrag');
  },
};

function readReceived(r: ByteReader): { fragIndex: number; nbFragReceived: number; missingFrag: number } {
  const received = r.u16();
  return { fragIndex: field(received, 14, 2), nbFragReceived: field(received, 0, 14), missingFrag: r.u8() };
}

// ---------------------------------------------------------------------------------------------
// FragSessionSetup (CID 0x02), TS004 v1.0.0 §3.3 and v2.0.0 §3.3

/** The fields v1 and v2 share: FragSession, NbFrag, FragSize, Control bits 5:0, Padding, Descriptor. */
function decodeSetupCommon(r: ByteReader): { fields: FragSessionSetupReqV1; control: number } {
  const session = r.u8();
  const nbFragAt = r.offset;
  const nbFrag = r.u16();
  // NbFrag is a 16-bit field, but fragments are numbered by the 14-bit N of DataFragment:
  // a block of more than 16383 fragments cannot be sent, and 0 fragments is no block.
  if (nbFrag < 1 || nbFrag > MAX_FRAGMENT_NUMBER) r.invalid('NbFrag', `1..${MAX_FRAGMENT_NUMBER} (N is 14 bits)`, nbFrag, nbFragAt);
  const fragSizeAt = r.offset;
  const fragSize = r.u8();
  if (fragSize === 0) r.invalid('FragSize', `1..${MAX_FRAG_SIZE}`, fragSize, fragSizeAt);
  const control = r.u8();
  const paddingAt = r.offset;
  const padding = r.u8();
  // Padding only fills the last fragment, so it is shorter than a fragment.
  if (padding >= fragSize) r.invalid('Padding', `less than FragSize (${fragSize})`, padding, paddingAt);
  const descriptor = r.bytesOf(4);
  return {
    fields: {
      command: 'FragSessionSetupReq',
      fragIndex: field(session, 4, 2),
      mcGroupBitMask: field(session, 0, 4),
      nbFrag,
      fragSize,
      blockAckDelay: field(control, 0, 3),
      fragmentationMatrix: field(control, 3, 3),
      padding,
      descriptor,
    },
    control,
  };
}

function encodeSetupCommon(w: ByteWriter, c: FragSessionSetupReqV1, ackReception: boolean): void {
  const name = `TS004 ${c.command}`;
  w.u8(bits(c.mcGroupBitMask, 0, 4, `${name} McGroupBitMask`) | bits(c.fragIndex, 4, 2, `${name} FragIndex`), 'FragSession');
  w.u16(checkRange(c.nbFrag, 1, MAX_FRAGMENT_NUMBER, `${name} NbFrag`), 'NbFrag');
  w.u8(checkRange(c.fragSize, 1, MAX_FRAG_SIZE, `${name} FragSize`), 'FragSize');
  w.u8(
    bits(c.blockAckDelay, 0, 3, `${name} BlockAckDelay`) |
      bits(c.fragmentationMatrix, 3, 3, `${name} FragmentationMatrix`) |
      flagBit(ackReception, 6, `${name} AckReception`),
    'Control',
  );
  w.u8(checkRange(c.padding, 0, c.fragSize - 1, `${name} Padding`), 'Padding');
  writeBytes(w, c.descriptor, 4, 'Descriptor');
}

const setupReqV1: CommandCodec<FragSessionSetupReqV1> = {
  cid: 0x02,
  command: 'FragSessionSetupReq',
  size: 10,
  byteFields: ['descriptor'],
  // Control bits 7:6 are RFU in v1: ignored on read.
  decode: (r) => decodeSetupCommon(r).fields,
  encode: (w, c) => {
    refuseFields(c, ['ackReception', 'sessionCnt', 'mic'], 'TS004 v2 only');
    encodeSetupCommon(w, c, false);
  },
};

const setupReqV2: CommandCodec<FragSessionSetupReqV2> = {
  cid: 0x02,
  command: 'FragSessionSetupReq',
  size: 16,
  byteFields: ['descriptor', 'mic'],
  decode: (r) => {
    const { fields, control } = decodeSetupCommon(r);
    const sessionCnt = r.u16();
    return { ...fields, ackReception: flag(control, 6), sessionCnt, mic: r.bytesOf(4) };
  },
  encode: (w, c) => {
    if (typeof c.ackReception !== 'boolean') {
      throw new ValueError(`TS004 ${c.command} AckReception`, 'a boolean (TS004 v2 Control bit 6)', String(c.ackReception));
    }
    encodeSetupCommon(w, c, c.ackReception);
    w.u16(c.sessionCnt, 'SessionCnt');
    writeBytes(w, c.mic, 4, 'MIC');
  },
};

function decodeSetupAnsCommon(status: number): FragSessionSetupAnsV1 {
  return {
    command: 'FragSessionSetupAns',
    fragIndex: field(status, 6, 2),
    fragAlgoUnsupported: flag(status, 0),
    notEnoughMemory: flag(status, 1),
    fragIndexUnsupported: flag(status, 2),
    wrongDescriptor: flag(status, 3),
  };
}

function setupAnsCommonBits(c: FragSessionSetupAnsV1): number {
  return (
    flagBit(c.fragAlgoUnsupported, 0, 'TS004 FragSessionSetupAns FragAlgoUnsupported') |
    flagBit(c.notEnoughMemory, 1, 'TS004 FragSessionSetupAns NotEnoughMemory') |
    flagBit(c.fragIndexUnsupported, 2, 'TS004 FragSessionSetupAns FragIndexUnsupported') |
    flagBit(c.wrongDescriptor, 3, 'TS004 FragSessionSetupAns WrongDescriptor') |
    bits(c.fragIndex, 6, 2, 'TS004 FragSessionSetupAns FragIndex')
  );
}

const setupAnsV1: CommandCodec<FragSessionSetupAnsV1> = {
  cid: 0x02,
  command: 'FragSessionSetupAns',
  size: 1,
  // Bits 5:4 are RFU in v1.
  decode: (r) => decodeSetupAnsCommon(r.u8()),
  encode: (w, c) => {
    refuseFields(c, ['sessionCntReplay'], 'TS004 v2 only');
    w.u8(setupAnsCommonBits(c), 'StatusBitMask');
  },
};

const setupAnsV2: CommandCodec<FragSessionSetupAnsV2> = {
  cid: 0x02,
  command: 'FragSessionSetupAns',
  size: 1,
  // Bit 5 is RFU in v2.
  decode: (r) => {
    const status = r.u8();
    return { ...decodeSetupAnsCommon(status), sessionCntReplay: flag(status, 4) };
  },
  encode: (w, c) => {
    w.u8(setupAnsCommonBits(c) | flagBit(c.sessionCntReplay, 4, 'TS004 FragSessionSetupAns SessionCntReplay'), 'StatusBitMask');
  },
};

// ---------------------------------------------------------------------------------------------
// FragSessionDelete (CID 0x03), TS004 v1.0.0 §3.4 and v2.0.0 §3.4 (same layout)

const deleteReq: CommandCodec<FragSessionDeleteReq> = {
  cid: 0x03,
  command: 'FragSessionDeleteReq',
  size: 1,
  decode: (r) => ({ command: 'FragSessionDeleteReq', fragIndex: field(r.u8(), 0, 2) }),
  encode: (w, c) => {
    w.u8(bits(c.fragIndex, 0, 2, 'TS004 FragSessionDeleteReq FragIndex'), 'Param');
  },
};

const deleteAns: CommandCodec<FragSessionDeleteAns> = {
  cid: 0x03,
  command: 'FragSessionDeleteAns',
  size: 1,
  decode: (r) => {
    const status = r.u8();
    return { command: 'FragSessionDeleteAns', fragIndex: field(status, 0, 2), sessionDoesNotExist: flag(status, 2) };
  },
  encode: (w, c) => {
    w.u8(bits(c.fragIndex, 0, 2, 'TS004 FragSessionDeleteAns FragIndex') | flagBit(c.sessionDoesNotExist, 2, 'TS004 FragSessionDeleteAns SessionDoesNotExist'), 'Status');
  },
};

// ---------------------------------------------------------------------------------------------
// FragDataBlockReceived (CID 0x04, v2 only), TS004-2.0.0 §3.5. Note the direction: the REQUEST
// goes up (the device announces the block) and the ANSWER comes down.

const blockReceivedReq: CommandCodec<FragDataBlockReceivedReq> = {
  cid: 0x04,
  command: 'FragDataBlockReceivedReq',
  size: 1,
  decode: (r) => {
    const status = r.u8();
    return { command: 'FragDataBlockReceivedReq', fragIndex: field(status, 0, 2), micError: flag(status, 2) };
  },
  encode: (w, c) => {
    w.u8(bits(c.fragIndex, 0, 2, 'TS004 FragDataBlockReceivedReq FragIndex') | flagBit(c.micError, 2, 'TS004 FragDataBlockReceivedReq MICError'), 'Status');
  },
};

const blockReceivedAns: CommandCodec<FragDataBlockReceivedAns> = {
  cid: 0x04,
  command: 'FragDataBlockReceivedAns',
  size: 1,
  decode: (r) => ({ command: 'FragDataBlockReceivedAns', fragIndex: field(r.u8(), 0, 2) }),
  encode: (w, c) => {
    w.u8(bits(c.fragIndex, 0, 2, 'TS004 FragDataBlockReceivedAns FragIndex'), 'FragIndex');
  },
};

// ---------------------------------------------------------------------------------------------
// DataFragment (CID 0x08), TS004 v1.0.0 §3.5 and v2.0.0 §3.6.
// The fragment has no length field: it is the rest of the frame. Both spec texts (§3, "A
// message MAY carry more than one command, except for the DataFragment command, which SHALL be
// the only command in a message's payload") make it the only command of its frame. Decoding
// refuses a DataFragment after other commands (and nothing can follow it: its data runs to the
// end of the frame); the frame encoder refuses a DataFragment combined with anything (`alone`).

const dataFragment: CommandCodec<DataFragment> = {
  cid: 0x08,
  command: 'DataFragment',
  alone: true,
  byteFields: ['data'],
  decode: (r) => {
    const cidAt = r.offset - 1;
    if (cidAt !== 0) {
      r.invalid('position', 'DataFragment as the only command of its frame (TS004 §3)', `a DataFragment after ${cidAt} octets of other commands`, cidAt);
    }
    const indexAt = r.offset;
    const indexAndN = r.u16();
    const n = field(indexAndN, 0, 14);
    // Fragments are numbered from 1 (§3.5 v1 / §3.6 v2): N = 0 names no fragment.
    if (n === 0) r.invalid('N', `1..${MAX_FRAGMENT_NUMBER}`, n, indexAt);
    const dataAt = r.offset;
    const data = r.rest();
    if (data.length === 0 || data.length > MAX_FRAG_SIZE) r.invalid('fragment data', `1..${MAX_FRAG_SIZE} octets (FragSize)`, `${data.length} octets`, dataAt);
    return { command: 'DataFragment', fragIndex: field(indexAndN, 14, 2), n, data };
  },
  encode: (w, c) => {
    if (w.toBytes().length !== 1) {
      throw new ValueError('TS004 DataFragment position', 'the only command of its frame (TS004 §3)', 'after other commands');
    }
    w.u16(indexAndCount(c.n, c.fragIndex, 1, 'N', c.command), 'Index&N');
    if (!(c.data instanceof Uint8Array) || c.data.length < 1 || c.data.length > MAX_FRAG_SIZE) {
      const got = c.data instanceof Uint8Array ? `${c.data.length} octets` : typeof c.data;
      throw new ValueError('TS004 DataFragment data', `1..${MAX_FRAG_SIZE} octets (FragSize)`, got);
    }
    w.bytes(c.data, 'data');
  },
};

export const TS004: PackageSpec = {
  name: 'TS004',
  title: 'Fragmented Data Block Transport',
  fPort: 201,
  packageIdentifier: 3,
  versions: {
    1: {
      uplink: [packageVersionAns, statusAnsV1, setupAnsV1, deleteAns],
      downlink: [packageVersionReq, statusReq, setupReqV1, deleteReq, dataFragment],
    },
    2: {
      uplink: [packageVersionAns, statusAnsV2, setupAnsV2, deleteAns, blockReceivedReq],
      downlink: [packageVersionReq, statusReq, setupReqV2, deleteReq, blockReceivedAns, dataFragment],
    },
  },
};
