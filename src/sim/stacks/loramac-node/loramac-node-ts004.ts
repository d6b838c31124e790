import { checkBlock, upgradeOf } from '../../device-application.js';
import type { FragMax } from '../../sim-device-config.js';
import type { SimDevice } from '../../sim-device.js';
import { FragDecoderModel } from '../frag-decoder-model.js';
import { CommandBytes } from './command-bytes.js';

// TS004 as LoRaMac-node v4.7.0 runs it (src/apps/LoRaMac/common/LmHandler/packages/
// LmhpFragmentation.c, LmhpFragmentationOnMcpsIndication ~270-650, with FragDecoder.c). v1 only.
// Where the stored source and ../shared/reference/device-stacks.md (measured on master dcbcfb3)
// differ, the measurement is followed: FragSessionStatusAns packs Received&Index as the spec says.

const FRAGMENTATION_PORT = 201;
/** FragDecoder.h: FRAG_SESSION_FINISHED 0, FRAG_SESSION_NOT_STARTED −2, FRAG_SESSION_ONGOING −1. */
const FINISHED = 0;
const NOT_STARTED = -2;
const ONGOING = -1;
/** FragDecoder.h stock limits. */
export const LORAMAC_NODE_FRAG_MAX: FragMax = { nb: 21, size: 50, redundancy: 5 };
/** What the example application waits between FragDone and rebooting into a valid image. */
export const SELF_REBOOT_DELAY_MS = 60_000;

/** FragSessionData[i] (~130): zero-initialised, so a slot never set up reads as FRAG_SESSION_FINISHED. */
interface Slot {
  setUp: boolean;
  active: boolean;
  fragNb: number;
  fragSize: number;
  padding: number;
  blockAckDelay: number;
  /** FragDecoderPorcessStatus: ONGOING, NOT_STARTED, or ≥ 0 once FragDecoderProcess finished. */
  processStatus: number;
  /** The decoder finished by rebuilding the block (not by a MatrixError). */
  rebuilt: boolean;
}

function zeroSlot(): Slot {
  return { setUp: false, active: false, fragNb: 0, fragSize: 0, padding: 0, blockAckDelay: 0, processStatus: FINISHED, rebuilt: false };
}

/**
 * A slot never set up, shared by every device and frozen (four per device were ~140 bytes of a
 * 100 000-device fleet, issue #17); the one place that writes such a slot (a fragment for it
 * fires OnDone and marks it NOT_STARTED) gives the device its own copy first.
 */
const ZERO_SLOT: Slot = Object.freeze(zeroSlot());

export class LoramacFragState {
  slots: Slot[] = [ZERO_SLOT, ZERO_SLOT, ZERO_SLOT, ZERO_SLOT];
  /** One FragDecoder for all four FragIndex values (FragDecoder.c: `static FragDecoder_t FragDecoder`). */
  decoder: FragDecoderModel;

  constructor(readonly limits: FragMax, rankOnly: boolean) {
    this.decoder = new FragDecoderModel({ lossFreeFinish: 'first-coded', maxRedundancy: limits.redundancy, rankOnly });
  }
}

export function handleLoramacTs004(device: SimDevice, state: LoramacFragState, payload: Uint8Array, multicast: boolean): void {
  const frame = new CommandBytes(payload);
  const answer: number[] = [];
  let delayed = false;
  let blockAckDelay = 0;
  while (frame.more) {
    switch (frame.u8()) {
      case 0x00: // PackageVersionReq (~275): not over multicast; id 3, version 1
        if (!multicast) answer.push(0x00, 0x03, 0x01);
        break;
      case 0x01: {
        // FragSessionStatusReq (~288-320; answer packing 305-315 as measured): FragIndex = the whole byte >> 1 (no mask), the status is
        // the shared decoder's. Participants = 0: only while FragNbLost > 0. The answer is delayed.
        const param = frame.u8();
        const fragIndex = param >> 1;
        if (fragIndex > 3) break; // FragSessionData[fragIndex] out of bounds in C: not modelled
        const d = state.decoder;
        if ((param & 1) === 1 || d.fragNbLost > 0) {
          const received = d.fragNbRx & 0x3fff;
          answer.push(0x01, received & 0xff, (fragIndex << 6) | (received >> 8), d.fragNbLost & 0xff, d.matrixError ? 1 : 0);
          blockAckDelay = state.slots[fragIndex]!.blockAckDelay;
          delayed = true;
        }
        break;
      }
      case 0x02:
        // FragSessionSetupReq (~330): over multicast ignored without reading its 10 bytes, which
        // the loop then reads as commands.
        if (multicast) break;
        answer.push(0x02, setup(state, frame));
        delayed = false;
        break;
      case 0x03: {
        // FragSessionDeleteReq (~450): clears IsActive only; a running decoder keeps running.
        if (multicast) break;
        const id = frame.u8() & 0x03;
        const slot = state.slots[id]!;
        answer.push(0x03, id | (slot.active ? 0 : 0x04));
        if (slot.active) slot.active = false;
        delayed = false;
        break;
      }
      case 0x08:
        if (!dataFragment(device, state, frame)) return; // the device crashed
        break;
      default:
        break;
    }
  }
  if (answer.length === 0) return;
  // ~630: Delay = randr(0, 1000) · 2^(BlockAckDelay + 4) ms when a status answer is in the frame.
  const delayMs = delayed ? device.random.int(0, 1000) * 2 ** (blockAckDelay + 4) : undefined;
  device.sendFrame(FRAGMENTATION_PORT, Uint8Array.from(answer), delayMs);
}

/** The status octet: FragAlgo > 0 → 0x01, FragNb·FragSize above FRAG_MAX_NB·FRAG_MAX_SIZE → 0x02; the Descriptor is never checked. */
function setup(state: LoramacFragState, frame: CommandBytes): number {
  const session = frame.u8();
  const fragNb = frame.u16();
  const fragSize = frame.u8();
  const control = frame.u8();
  const padding = frame.u8();
  frame.u32(); // Descriptor: "Currently the descriptor is always correct" (~390)
  const fragIndex = (session >> 4) & 0x03;
  let status = fragIndex << 6;
  if (((control >> 3) & 0x07) > 0) status |= 0x01;
  if (fragNb * fragSize > state.limits.nb * state.limits.size) status |= 0x02;
  if ((status & 0x0f) === 0) {
    // ~400: the slot is replaced and the one shared decoder re-initialised, whatever other
    // FragIndex was using it.
    state.slots[fragIndex] = { setUp: true, active: true, fragNb, fragSize, padding, blockAckDelay: control & 0x07, processStatus: ONGOING, rebuilt: false };
    state.decoder.init('v1', fragNb, fragSize);
  }
  return status;
}

/**
 * DataFragment (~490-570): an ONGOING slot feeds the decoder; a slot whose status is ≥ 0 (finished,
 * or never set up and zero) fires OnDone at this fragment and stops; the loop then skips the
 * slot's FragSize bytes. False when the device crashed.
 */
function dataFragment(device: SimDevice, state: LoramacFragState, frame: CommandBytes): boolean {
  const indexAndN = frame.u16();
  const fragIndex = (indexAndN >> 14) & 0x03;
  const n = indexAndN & 0x3fff;
  let slot = state.slots[fragIndex]!;
  if (slot === ZERO_SLOT) slot = state.slots[fragIndex] = zeroSlot();
  if (slot.processStatus === ONGOING) {
    const step = state.decoder.push(n, frame.bytes.subarray(frame.index, frame.index + state.decoder.fragSize));
    if (step === 'done') {
      slot.processStatus = state.decoder.fragNbLost;
      slot.rebuilt = true;
      device.rebuiltAtN.set(fragIndex, n);
    } else if (step === 'matrix-error') {
      // FragDecoder.c ~318: MatrixError = 1 and FRAG_SESSION_FINISHED: the garbage block goes to OnDone.
      slot.processStatus = FINISHED;
    }
  } else if (slot.processStatus >= 0) {
    slot.processStatus = NOT_STARTED;
    if (!slot.setUp && state.slots.some((other) => other.active)) {
      // OnDone with size 0 from a zeroed slot while another session runs: the host build
      // crashes (SIGSEGV) on the reference frame (../shared/reference/device-stacks.md).
      device.crash();
      return false;
    }
    // The block reaches the application only now, one fragment after it was rebuilt: that is
    // when this device has what it needed (the campaign benchmark's oracle).
    if (slot.rebuilt && slot.setUp) device.completedAtN.set(fragIndex, n);
    fragDone(device, state, slot);
    // No slot feeds the shared decoder or hands its file over any more (a zeroed slot's OnDone
    // reads 0 bytes of it): its buffers go until the next FragSessionSetupReq re-initialises it.
    if (state.slots.every((other) => !other.setUp || other.processStatus === NOT_STARTED)) state.decoder.release();
  }
  frame.index += slot.fragSize;
  return true;
}

/**
 * OnDone → the application's FragDone: it checks the block (FragNb·FragSize − Padding bytes of
 * the decoder's file); there is no TS006 to ask. What then is the application's: Semtech's
 * fuota-test-01 example keeps running (OnFragDone computes the CRC and sets IsFileTransferDone,
 * main.c), ST's STM32WL FUOTA example reboots into it (OnFragDone → FwUpdateAgentRun):
 * `config.onBlock` chooses.
 */
function fragDone(device: SimDevice, state: LoramacFragState, slot: Slot): void {
  const size = Math.max(0, slot.fragNb * slot.fragSize - slot.padding);
  const file = slot.rebuilt ? state.decoder.block() ?? new Uint8Array(0) : state.decoder.garbage();
  const check = checkBlock(device, file.subarray(0, size), slot.rebuilt && slot.setUp);
  if (check.status === 'valid') {
    device.upgrade = upgradeOf(check);
    if (device.config.onBlock === 'reboot-into-image') device.scheduleReboot(device.trueNowMs() + SELF_REBOOT_DELAY_MS);
  } else if (device.upgrade.status !== 'valid') {
    device.upgrade = upgradeOf(check);
  }
}
