import { bytesToHex } from '../../core/hex.js';
import type { FecDecoder } from '../../fec/codec.js';
import { codecSpec, createDecoder } from '../../fec/create-codec.js';
import { FRAGMENTATION_MATRIX_PARITY, FRAGMENTATION_MATRIX_REED_SOLOMON, type FecScheme } from '../../fec/scheme.js';
import type { AppCommand } from '../../lorawan/app-layer.js';
import { dataBlockMic, deriveDataBlockIntKey } from '../../lorawan/ts004-data-block-mic.js';
import { TS004 } from '../../lorawan/ts004-fragmentation.js';
import type { SimDevice } from './sim-device.js';

// The device side of TS004 (fragmented data block transport), as common stacks behave.

export interface DeviceFragSession {
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
  /** Highest N heard (fragments numbered by the network: sent up to at least this). */
  lastHeardN: number;
  done: boolean;
  micError: boolean;
}

type AnyCommand = AppCommand & Record<string, any>;

const lastSessionCnt = new WeakMap<SimDevice, number>();

export function handleTs004(device: SimDevice, command: AnyCommand, version: 1 | 2): void {
  switch (command.command) {
    case 'FragSessionSetupReq':
      return setup(device, command, version);
    case 'FragSessionDeleteReq': {
      const exists = device.fragSessions[command.fragIndex] !== undefined;
      device.fragSessions[command.fragIndex] = undefined;
      device.answer(TS004, version, [{ command: 'FragSessionDeleteAns', fragIndex: command.fragIndex, sessionDoesNotExist: !exists } as AppCommand]);
      return;
    }
    case 'FragSessionStatusReq':
      return status(device, command, version);
    case 'DataFragment':
      return fragment(device, command, version);
    case 'FragDataBlockReceivedAns': {
      const session = device.fragSessions[command.fragIndex];
      if (session) session.ackReception = false;
      return;
    }
  }
}

function schemeFor(device: SimDevice, matrix: number, version: 1 | 2): FecScheme | undefined {
  if (matrix === FRAGMENTATION_MATRIX_REED_SOLOMON) return device.config.reedSolomon ? 'rs' : undefined;
  if (matrix !== FRAGMENTATION_MATRIX_PARITY) return undefined;
  if (version === 1) return 'v1';
  return device.config.v2Seed === 'N-M' ? 'v2-lbm' : 'v2';
}

function setup(device: SimDevice, req: AnyCommand, version: 1 | 2): void {
  const scheme = schemeFor(device, req.fragmentationMatrix, version);
  const memoryBytes = device.config.maxNbFrag * req.fragSize;
  const flags = {
    fragAlgoUnsupported: scheme === undefined,
    notEnoughMemory: req.nbFrag > device.config.maxNbFrag || req.nbFrag * req.fragSize > memoryBytes,
    fragIndexUnsupported: req.fragIndex > 3,
    wrongDescriptor: false,
    ...(version === 2 ? { sessionCntReplay: (lastSessionCnt.get(device) ?? -1) >= req.sessionCnt && device.fragSessions[req.fragIndex]?.sessionCnt !== req.sessionCnt } : {}),
  };
  const ok = !Object.values(flags).some(Boolean);
  if (ok) {
    const rankOnly = device.config.payloadMode === 'rank-only';
    const decoder = createDecoder(codecSpec(scheme!, device.config.rsEngine), req.nbFrag, rankOnly ? 1 : req.fragSize, {
      paddingBytes: rankOnly ? 0 : req.padding,
      ...(device.config.maxRedundancy !== undefined ? { maxRedundancy: device.config.maxRedundancy } : {}),
    });
    device.fragSessions[req.fragIndex] = {
      fragIndex: req.fragIndex,
      mcGroupBitMask: req.mcGroupBitMask,
      nbFrag: req.nbFrag,
      fragSize: req.fragSize,
      padding: req.padding,
      blockAckDelay: req.blockAckDelay,
      ackReception: version === 2 && req.ackReception === true,
      descriptor: req.descriptor,
      decoder,
      lastHeardN: 0,
      done: false,
      micError: false,
      ...(version === 2 ? { sessionCnt: req.sessionCnt, mic: req.mic } : {}),
    };
    if (version === 2) lastSessionCnt.set(device, req.sessionCnt);
  }
  device.answer(TS004, version, [{ command: 'FragSessionSetupAns', fragIndex: req.fragIndex, ...flags } as AppCommand]);
}

/** TS004 §3.2: answer after a random delay up to 2^(BlockAckDelay+4) s; with Participants = 0 only if fragments are missing. */
function status(device: SimDevice, req: AnyCommand, version: 1 | 2): void {
  const session = device.fragSessions[req.fragIndex];
  if (!session) {
    if (version === 2) device.answer(TS004, 2, [{ command: 'FragSessionStatusAns', memoryError: false, micError: false, sessionDoesNotExist: true } as AppCommand]);
    return;
  }
  const s = session.decoder.status;
  if (!req.participants && s.complete) return;
  const delayMs = device.random.int(1_000, 2 ** (session.blockAckDelay + 4) * 1000);
  const missingFrag = Math.min(255, s.missingFrag);
  const answer =
    version === 1
      ? // LoRaMac-node reports the last N processed as NbFragReceived.
        { command: 'FragSessionStatusAns', fragIndex: req.fragIndex, nbFragReceived: Math.min(16383, s.lastN), missingFrag, notEnoughMatrixMemory: s.memoryError }
      : { command: 'FragSessionStatusAns', memoryError: s.memoryError, micError: session.micError, sessionDoesNotExist: false, fragIndex: req.fragIndex, nbFragReceived: Math.min(16383, s.nbFragReceived), missingFrag: session.micError ? 0 : missingFrag };
  device.answer(TS004, version, [answer as AppCommand], delayMs);
}

function fragment(device: SimDevice, frame: AnyCommand, version: 1 | 2): void {
  const session = device.fragSessions[frame.fragIndex];
  if (!session || session.done) return;
  session.lastHeardN = Math.max(session.lastHeardN, frame.n);
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

function onBlock(device: SimDevice, session: DeviceFragSession, block: Uint8Array, version: 1 | 2): void {
  const rankOnly = device.config.payloadMode === 'rank-only';
  if (version === 2 && !rankOnly) {
    const expected = dataBlockMic({ dataBlockIntKey: deriveDataBlockIntKey(device.config.rootKey), sessionCnt: session.sessionCnt!, fragIndex: session.fragIndex, descriptor: session.descriptor, dataBlock: block });
    session.micError = bytesToHex(expected) !== bytesToHex(session.mic!);
  }
  if (session.ackReception) {
    device.answer(TS004, 2, [{ command: 'FragDataBlockReceivedReq', fragIndex: session.fragIndex, micError: session.micError } as AppCommand]);
  }
  if (session.micError) return;
  const check = device.config.verifyImage(rankOnly ? null : block, { image: device.image, firmwareVersion: device.firmwareVersion });
  device.upgrade = check.status === 'valid' ? { status: 'valid', version: check.version, image: check.image } : { status: check.status, reason: check.reason };
}
