import { bytesToHex } from '../../../core/hex.js';
import { encodeCommands, type AppCommand } from '../../../lorawan/app-layer.js';
import { dataBlockMic, deriveDataBlockIntKey } from '../../../lorawan/ts004-data-block-mic.js';
import { TS004 } from '../../../lorawan/ts004-fragmentation.js';
import { checkBlock, upgradeOf } from '../../device-application.js';
import type { FragMax } from '../../sim-device-config.js';
import type { SimDevice } from '../../sim-device.js';
import { decodeFrame, type AnyCommand } from '../decode-frame.js';
import { FragDecoderModel } from '../frag-decoder-model.js';

// TS004 as LoRa Basics Modem v4.8.0 runs it (lbm_lib/smtc_modem_core/lorawan_packages/
// fragmented_data_block_transport/v{1,2}.0.0/lorawan_fragmentation_package_v*.c, parser
// ~560-1100, with fragmentation_helper_v*.c). Line numbers are those of the v2.0.0 file.

/** fragmentation_helper_v1.0.0.h: FRAG_SESSION_FAILED 1, FINISHED_SUCCESSFULLY 0, NOT_STARTED −2, ONGOING −1. */
const FAILED = 1;
const FINISHED = 0;
const NOT_STARTED = -2;
const ONGOING = -1;
/** fragmentation_helper_v1.0.0.h defaults (FRAG_MAX_REDUNDANCY = FRAG_MAX_NB). */
export const LBM_FRAG_MAX: FragMax = { nb: 100, size: 242, redundancy: 100 };
/** nb_transmit_ans = 3: FragDataBlockReceivedReq is sent up to three times until FragDataBlockReceivedAns (~940). */
const BLOCK_RECEIVED_SENDS = 3;

/** frag_session_data[i].frag_group_data (~140); zero-initialised, session_cnt_prev −1 (services_init ~262). */
interface Slot {
  active: boolean;
  mcGroupBitMask: number;
  fragNb: number;
  fragSize: number;
  blockAckDelay: number;
  ackReception: boolean;
  padding: number;
  descriptor: Uint8Array;
  sessionCnt: number;
  sessionCntPrev: number;
  mic: Uint8Array;
  processStatus: number;
}

/** The zero Descriptor and MIC of a slot never set up (never written: shared by every device). */
const ZERO_4 = new Uint8Array(4);

/**
 * A slot never set up, shared by every device and frozen (four per device were ~190 bytes of a
 * 100 000-device fleet, issue #17): setup replaces a slot, and nothing else writes one that is
 * not active (FragSessionDeleteReq clears only an active one; a fragment stops at its FINISHED).
 */
const ZERO_SLOT: Slot = Object.freeze({ active: false, mcGroupBitMask: 0, fragNb: 0, fragSize: 0, blockAckDelay: 0, ackReception: false, padding: 0, descriptor: ZERO_4, sessionCnt: 0, sessionCntPrev: -1, mic: ZERO_4, processStatus: FINISHED });

export class LbmFragState {
  readonly slots: Slot[] = [ZERO_SLOT, ZERO_SLOT, ZERO_SLOT, ZERO_SLOT];
  /** One decoder for all four FragIndex values (fragmentation_helper: `static FragDecoder_t FragDecoder`). */
  readonly decoder: FragDecoderModel;
  /** frag_index_data_block_rcv_req and nb_transmit_ans. */
  blockReceived: { fragIndex: number; sendsLeft: number } | undefined;

  constructor(readonly limits: FragMax, rankOnly: boolean) {
    this.decoder = new FragDecoderModel({ lossFreeFinish: 'last-data', maxRedundancy: limits.redundancy, rankOnly });
  }
}

export function handleLbmTs004(device: SimDevice, state: LbmFragState, payload: Uint8Array, mcGroupId: number | undefined): void {
  const version = device.config.packageVersions.ts004;
  const commands = decodeFrame(TS004, version, payload);
  if (!commands) return; // an unknown CID or a short command: FRAG_STATUS_ERROR, nothing answered
  const multicast = mcGroupId !== undefined;
  const answers: AppCommand[] = [];
  let ansDelayS = 0; // fragmentation_ans_delay_s
  for (const command of commands) {
    switch (command.command) {
      case 'PackageVersionReq':
        if (!multicast) answers.push({ command: 'PackageVersionAns', packageIdentifier: TS004.packageIdentifier, packageVersion: version } as AppCommand);
        break;
      case 'FragSessionStatusReq': {
        const answer = status(device, state, command, version);
        if (answer) {
          answers.push(answer);
          ansDelayS = 2 ** (state.slots[command.fragIndex]!.blockAckDelay + 4);
        }
        break;
      }
      case 'FragSessionSetupReq':
        if (!multicast) answers.push(setup(state, command, version));
        break;
      case 'FragSessionDeleteReq': {
        if (multicast) break;
        const slot = state.slots[command.fragIndex]!;
        answers.push({ command: 'FragSessionDeleteAns', fragIndex: command.fragIndex, sessionDoesNotExist: !slot.active } as AppCommand);
        if (slot.active) slot.active = false;
        break;
      }
      case 'DataFragment':
        if (accepts(state.slots[command.fragIndex]!, mcGroupId)) fragment(device, state, command, version);
        break;
      case 'FragDataBlockReceivedAns':
        // ~1010: nb_transmit_ans = 1: a send already scheduled still goes, no more after it.
        if (!multicast && state.blockReceived && state.blockReceived.fragIndex === command.fragIndex) state.blockReceived.sendsLeft = 1;
        break;
    }
  }
  if (answers.length === 0) return;
  // The task runs 0..3 s later and sends at a random moment within fragmentation_ans_delay_s (on_launch ~300).
  const delayMs = device.random.int(0, 3) * 1000 + device.random.int(0, ansDelayS * 1000);
  device.answer(TS004, version, answers, delayMs);
}

/**
 * FragSessionStatusReq (~580-620, NbFragReceived 600): the shared decoder's status. With Participants = 0 only while
 * MissingFrag > 0. NbFragReceived = FragNbRx − FragNbLost. v1: Received&Index, MissingFrag,
 * MatrixError. v2: Status first (SessionDoesNotExist when the slot is not active, MemoryError =
 * MatrixError, MICError only when MissingFrag = 0), then — unless the session has seen no
 * fragment yet, when three zero octets stand instead — Received&Index and MissingFrag.
 */
function status(device: SimDevice, state: LbmFragState, req: AnyCommand, version: 1 | 2): AppCommand | undefined {
  const d = state.decoder;
  if (!req.participants && d.missingFrag === 0) return undefined;
  const slot = state.slots[req.fragIndex]!;
  const received = { fragIndex: req.fragIndex, nbFragReceived: (d.fragNbRx - d.fragNbLost) & 0x3fff, missingFrag: d.missingFrag & 0xff };
  if (version === 1) return { command: 'FragSessionStatusAns', ...received, notEnoughMatrixMemory: d.matrixError } as AppCommand;
  const flags = { memoryError: d.matrixError, micError: d.missingFrag === 0 && micError(device, state, req.fragIndex), sessionDoesNotExist: !slot.active };
  const fields = slot.processStatus === NOT_STARTED ? { fragIndex: 0, nbFragReceived: 0, missingFrag: 0 } : received;
  return { command: 'FragSessionStatusAns', ...flags, ...fields } as AppCommand;
}

/**
 * FragSessionSetupReq (~625-790): FragAlgo > 0 → FragAlgoUnsupported; FragNb > FRAG_MAX_NB, FragSize >
 * FRAG_MAX_SIZE or their product above FRAG_MAX_NB·FRAG_MAX_SIZE → NotEnoughMemory; the
 * Descriptor is never checked; v2: SessionCnt not above the last one a fragment was received
 * for → SessionCntReplay. Accepted: the slot is replaced and the shared decoder re-initialised,
 * with the v2 helper's seed N − M ('v2-lbm') whatever the device is told.
 */
function setup(state: LbmFragState, req: AnyCommand, version: 1 | 2): AppCommand {
  const old = state.slots[req.fragIndex]!;
  const max = state.limits;
  const flags = {
    fragAlgoUnsupported: req.fragmentationMatrix > 0,
    notEnoughMemory: req.nbFrag > max.nb || req.fragSize > max.size || req.nbFrag * req.fragSize > max.nb * max.size,
    fragIndexUnsupported: false,
    wrongDescriptor: false,
    ...(version === 2 ? { sessionCntReplay: req.sessionCnt <= old.sessionCntPrev } : {}),
  };
  if (!Object.values(flags).some(Boolean)) {
    state.slots[req.fragIndex] = {
      active: true,
      mcGroupBitMask: req.mcGroupBitMask,
      fragNb: req.nbFrag,
      fragSize: req.fragSize,
      blockAckDelay: req.blockAckDelay,
      ackReception: version === 2 && req.ackReception === true,
      padding: req.padding,
      descriptor: req.descriptor,
      sessionCnt: version === 2 ? req.sessionCnt : 0,
      sessionCntPrev: old.sessionCntPrev,
      mic: version === 2 ? req.mic : ZERO_4,
      processStatus: NOT_STARTED,
    };
    state.decoder.init(version === 1 ? 'v1' : 'v2-lbm', req.nbFrag, req.fragSize);
  }
  return { command: 'FragSessionSetupAns', fragIndex: req.fragIndex, ...flags } as AppCommand;
}

/** ~860: a multicast fragment only on a group of the session's McGroupBitMask; any unicast one. */
function accepts(slot: Slot, mcGroupId: number | undefined): boolean {
  return mcGroupId === undefined || (slot.mcGroupBitMask & (1 << mcGroupId)) !== 0;
}

/**
 * DataFragment (~848-1000). A slot that is active and NOT_STARTED starts; one FINISHED or FAILED
 * (or never set up: zero reads as FINISHED) skips the fragment. On completion with AckReception
 * (v2) FragDataBlockReceivedReq goes out carrying the data-block MIC check; the application is
 * told (SMTC_MODEM_EVENT_LORAWAN_FUOTA_DONE).
 */
function fragment(device: SimDevice, state: LbmFragState, frame: AnyCommand, version: 1 | 2): void {
  const slot = state.slots[frame.fragIndex]!;
  if (slot.active && slot.processStatus === NOT_STARTED) slot.processStatus = ONGOING;
  if (slot.processStatus >= FINISHED) return;
  if (version === 2) slot.sessionCntPrev = slot.sessionCnt;
  if (slot.processStatus !== ONGOING) return;
  const step = state.decoder.push(frame.n, frame.data);
  if (step === 'ongoing') return;
  slot.processStatus = step === 'done' ? FINISHED : FAILED;
  if (step !== 'done') return; // FUOTA_DONE with FAILED: no block
  device.completedAtN.set(frame.fragIndex, frame.n);
  const mismatch = version === 2 && micError(device, state, frame.fragIndex);
  fuotaDone(device, state, slot, mismatch);
  if (!slot.ackReception) return;
  state.blockReceived = { fragIndex: frame.fragIndex, sendsLeft: BLOCK_RECEIVED_SENDS };
  sendBlockReceived(device, state, frame.fragIndex, mismatch, 2 ** (slot.blockAckDelay + 4));
}

function sendBlockReceived(device: SimDevice, state: LbmFragState, fragIndex: number, mismatch: boolean, ansDelayS: number): void {
  const delayMs = device.random.int(0, 3) * 1000 + device.random.int(0, ansDelayS * 1000);
  device.queueFrame(() => {
    const pending = state.blockReceived;
    if (pending?.fragIndex !== fragIndex) return undefined; // another block completed meanwhile
    pending.sendsLeft -= 1;
    if (pending.sendsLeft > 0) sendBlockReceived(device, state, fragIndex, mismatch, ansDelayS);
    else state.blockReceived = undefined;
    const command = { command: 'FragDataBlockReceivedReq', fragIndex, micError: mismatch } as AppCommand;
    return { fPort: TS004.fPort, payload: encodeCommands(TS004, 2, 'uplink', [command]) };
  }, delayMs);
}

/**
 * compute_data_block_integrity_ckeck (~1085): the MIC over FragNb·FragSize − Padding bytes of the
 * decoder's file, with the slot's SessionCnt, FragIndex and Descriptor. True when it differs from
 * the setup's MIC. No bytes in 'rank-only' mode: no mismatch.
 */
function micError(device: SimDevice, state: LbmFragState, fragIndex: number): boolean {
  if (device.config.payloadMode === 'rank-only') return false;
  const slot = state.slots[fragIndex]!;
  const dataBlock = new Uint8Array(Math.max(0, slot.fragNb * slot.fragSize - slot.padding));
  dataBlock.set((state.decoder.block() ?? new Uint8Array(0)).subarray(0, dataBlock.length));
  const mic = dataBlockMic({ dataBlockIntKey: deriveDataBlockIntKey(device.config.rootKey), sessionCnt: slot.sessionCnt, fragIndex, descriptor: slot.descriptor, dataBlock });
  return bytesToHex(mic) !== bytesToHex(slot.mic);
}

/** The application on FUOTA_DONE: a block whose data-block MIC failed is never installed; otherwise its image is checked. */
function fuotaDone(device: SimDevice, state: LbmFragState, slot: Slot, micMismatch: boolean): void {
  if (micMismatch) {
    device.upgrade = { status: 'corrupt', reason: 'data block MIC mismatch' };
    return;
  }
  const block = state.decoder.block()!.subarray(0, Math.max(0, slot.fragNb * slot.fragSize - slot.padding));
  device.upgrade = upgradeOf(checkBlock(device, block, true));
}
