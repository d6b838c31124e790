import { bytesToHex } from '../../../core/hex.js';
import type { FecDecoder } from '../../../fec/codec.js';
import { codecSpec, createDecoder } from '../../../fec/create-codec.js';
import { FRAGMENTATION_MATRIX_PARITY, FRAGMENTATION_MATRIX_REED_SOLOMON, type FecScheme } from '../../../fec/scheme.js';
import type { AppCommand } from '../../../lorawan/app-layer.js';
import { dataBlockMic, deriveDataBlockIntKey } from '../../../lorawan/ts004-data-block-mic.js';
import { TS004 } from '../../../lorawan/ts004-fragmentation.js';
import { checkBlock, upgradeOf } from '../../device-application.js';
import type { FragMax } from '../../sim-device-config.js';
import type { SimDevice } from '../../sim-device.js';
import type { AnyCommand } from '../decode-frame.js';

// TS004 (fragmented data block transport) as the specification texts describe the device
// (v1.0.0 / v2.0.0 §3): one decoder per FragIndex, FragSessionStatusAns counting what it says.

export interface SpecFragSession {
  fragIndex: number;
  mcGroupBitMask: number;
  nbFrag: number;
  fragSize: number;
  padding: number;
  blockAckDelay: number;
  ackReception: boolean;
  descriptor: Uint8Array;
  sessionCnt?: number;
  mic?: Uint8Array;
  decoder: FecDecoder;
  done: boolean;
  micError: boolean;
}

export interface SpecFragState {
  readonly sessions: (SpecFragSession | undefined)[];
  /** v2 SessionCnt of the last accepted setup (kept across restarts, as replay protection must be). */
  lastSessionCnt: number;
}

export function createSpecFragState(): SpecFragState {
  return { sessions: [undefined, undefined, undefined, undefined], lastSessionCnt: -1 };
}

export function handleSpecTs004(device: SimDevice, state: SpecFragState, command: AnyCommand, version: 1 | 2): void {
  switch (command.command) {
    case 'FragSessionSetupReq':
      return setup(device, state, command, version);
    case 'FragSessionDeleteReq': {
      const exists = state.sessions[command.fragIndex] !== undefined;
      state.sessions[command.fragIndex] = undefined;
      device.answer(TS004, version, [{ command: 'FragSessionDeleteAns', fragIndex: command.fragIndex, sessionDoesNotExist: !exists } as AppCommand]);
      return;
    }
    case 'FragSessionStatusReq':
      return status(device, state, command, version);
    case 'DataFragment':
      return fragment(device, state, command, version);
    case 'FragDataBlockReceivedAns': {
      const session = state.sessions[command.fragIndex];
      if (session) session.ackReception = false;
      return;
    }
  }
}

/** Without `fragMax`: NbFrag up to maxNbFrag, any FragSize, no matrix limit (the model before stacks existed). */
function limits(device: SimDevice): FragMax {
  const { fragMax, maxNbFrag } = device.config;
  return fragMax ?? { nb: maxNbFrag, size: 255, redundancy: maxNbFrag };
}

function schemeFor(device: SimDevice, matrix: number, version: 1 | 2): FecScheme | undefined {
  if (matrix === FRAGMENTATION_MATRIX_REED_SOLOMON) return device.config.reedSolomon ? 'rs' : undefined;
  if (matrix !== FRAGMENTATION_MATRIX_PARITY) return undefined;
  if (version === 1) return 'v1';
  return device.config.v2Seed === 'N-M' ? 'v2-lbm' : 'v2';
}

function setup(device: SimDevice, state: SpecFragState, req: AnyCommand, version: 1 | 2): void {
  const scheme = schemeFor(device, req.fragmentationMatrix, version);
  const max = limits(device);
  const flags = {
    fragAlgoUnsupported: scheme === undefined,
    notEnoughMemory: req.nbFrag > max.nb || req.fragSize > max.size || req.nbFrag * req.fragSize > max.nb * max.size,
    fragIndexUnsupported: req.fragIndex > 3,
    wrongDescriptor: false,
    ...(version === 2 ? { sessionCntReplay: state.lastSessionCnt >= req.sessionCnt && state.sessions[req.fragIndex]?.sessionCnt !== req.sessionCnt } : {}),
  };
  const ok = !Object.values(flags).some(Boolean);
  if (ok) {
    const rankOnly = device.config.payloadMode === 'rank-only';
    const decoder = createDecoder(codecSpec(scheme!, device.config.rsEngine), req.nbFrag, rankOnly ? 1 : req.fragSize, {
      paddingBytes: rankOnly ? 0 : req.padding,
      maxRedundancy: Math.min(max.redundancy, req.nbFrag),
    });
    state.sessions[req.fragIndex] = {
      fragIndex: req.fragIndex,
      mcGroupBitMask: req.mcGroupBitMask,
      nbFrag: req.nbFrag,
      fragSize: req.fragSize,
      padding: req.padding,
      blockAckDelay: req.blockAckDelay,
      ackReception: version === 2 && req.ackReception === true,
      descriptor: req.descriptor,
      decoder,
      done: false,
      micError: false,
      ...(version === 2 ? { sessionCnt: req.sessionCnt, mic: req.mic } : {}),
    };
    if (version === 2) state.lastSessionCnt = req.sessionCnt;
  }
  device.answer(TS004, version, [{ command: 'FragSessionSetupAns', fragIndex: req.fragIndex, ...flags } as AppCommand]);
}

/**
 * §3.2: answer after a random delay up to 2^(BlockAckDelay+4) s; with Participants = 0 only if
 * fragments are missing. NbFragReceived counts the fragments received, MissingFrag the
 * fragments still needed to rebuild the block (M − rank: 0 once complete).
 */
function status(device: SimDevice, state: SpecFragState, req: AnyCommand, version: 1 | 2): void {
  const session = state.sessions[req.fragIndex];
  if (!session) {
    // v2 §3.2: SessionDoesNotExist, the Status octet alone.
    if (version === 2) device.answer(TS004, 2, [{ command: 'FragSessionStatusAns', memoryError: false, micError: false, sessionDoesNotExist: true } as AppCommand]);
    return;
  }
  const s = session.decoder.status;
  if (!req.participants && s.complete) return;
  const delayMs = device.random.int(1_000, 2 ** (session.blockAckDelay + 4) * 1000);
  const nbFragReceived = Math.min(16383, s.nbFragReceived);
  const missingFrag = Math.min(255, s.missingFrag);
  const answer =
    version === 1
      ? { command: 'FragSessionStatusAns', fragIndex: req.fragIndex, nbFragReceived, missingFrag, notEnoughMatrixMemory: s.memoryError }
      : { command: 'FragSessionStatusAns', memoryError: s.memoryError, micError: session.micError, sessionDoesNotExist: false, fragIndex: req.fragIndex, nbFragReceived, missingFrag: session.micError ? 0 : missingFrag };
  device.answer(TS004, version, [answer as AppCommand], delayMs);
}

function fragment(device: SimDevice, state: SpecFragState, frame: AnyCommand, version: 1 | 2): void {
  const session = state.sessions[frame.fragIndex];
  if (!session || session.done) return;
  const data = device.config.payloadMode === 'rank-only' ? frame.data.subarray(0, 1) : frame.data;
  let result;
  try {
    result = session.decoder.push(frame.n, data);
  } catch {
    return; // a fragment of the wrong size or N: a device drops it
  }
  if (result.status !== 'done') return;
  session.done = true;
  device.completedAtN.set(frame.fragIndex, frame.n);
  onBlock(device, session, result.block, version);
}

/** v2 §3.5: the data-block MIC is checked, FragDataBlockReceivedReq sent when asked; a block that fails it is not installed. */
function onBlock(device: SimDevice, session: SpecFragSession, block: Uint8Array, version: 1 | 2): void {
  if (version === 2 && device.config.payloadMode === 'full') {
    const expected = dataBlockMic({ dataBlockIntKey: deriveDataBlockIntKey(device.config.rootKey), sessionCnt: session.sessionCnt!, fragIndex: session.fragIndex, descriptor: session.descriptor, dataBlock: block });
    session.micError = bytesToHex(expected) !== bytesToHex(session.mic!);
  }
  if (session.ackReception) {
    device.answer(TS004, 2, [{ command: 'FragDataBlockReceivedReq', fragIndex: session.fragIndex, micError: session.micError } as AppCommand]);
  }
  if (session.micError) return;
  device.upgrade = upgradeOf(checkBlock(device, block, true));
}
