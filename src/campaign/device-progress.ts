import { bytesToHex } from '../core/hex.js';
import { schemeForDevice, type FecScheme } from '../fec/scheme.js';
import type { CampaignContext } from './context.js';
import { requestFor, type UnicastRequest } from './device-requests.js';
import type { Draft } from './draft.js';
import { multicastGroupName, type DeviceOutcome, type DeviceState, type DeviceStep, type WaveState } from './state.js';
import { sessionMcAddr } from './wave-stages.js';
import { hasFirmwareManagement } from './device-stack.js';

// How a device moves through a wave: which request comes next, when to ask again, when to give
// up. Class A devices only hear us after their own uplink, so each request waits up to
// answerTimeoutMs and is repeated up to maxAttempts times before the device counts as absent
// (or lost contact); twice as many while the device is still heard (HEARD_ATTEMPTS_FACTOR).
// An attempt is a chance the device had to get the request: an ask that the network server
// adapter answered with our copy still queued from the previous ask, after the device was heard
// in between, is none (answeredByQueuedCopy).

/**
 * A class A device receives a queued request in the RX window of its next uplink and answers
 * in the uplink right after; a second uplink without the answer means the request or its
 * answer was lost (or the request missed the first window), so we ask again at once instead
 * of waiting for the timeout. An early retry costs at most a duplicate, which is counted.
 */
export const UPLINKS_BEFORE_RETRY = 2;

/** Uplinks closer together than this (a device flushing several answers) count once. */
const UPLINK_COUNT_GAP_MS = 60_000;

/**
 * A device still heard (an uplink since one answer timeout before its latest request: it is in
 * range, and its attempts had their RX windows) has lost the request or its answer on air, not
 * contact: it is asked up to this many times maxAttempts. With p the chance that one attempt
 * fails (the downlink or the answer lost: about 15 % at 10 % downlink and 5 % uplink loss), giving
 * up after n attempts fails a live device with probability pⁿ per request: 1e-5 at the default
 * n = 6, a device or two in every 10 000-device campaign (issue #17); at 2n, 1e-10. The window
 * spans two attempts because the uplinks of one can all be lost too (seed 9: two in a row, and
 * the device was called absent while its answer was on its way). maxAttempts alone still decides
 * for a device that went silent.
 */
export const HEARD_ATTEMPTS_FACTOR = 2;

export function countUplinkForRetry(device: DeviceState, atMs: number): void {
  const pending = device.pending;
  if (!pending || pending.waitOnly) return;
  // An uplink from before the request was sent (one that waited while no engine ran) cannot have
  // carried it: it is no sign of a loss (issue #14: counted, each pair replayed a retry).
  if (atMs < pending.sentAtMs) return;
  const last = pending.lastCountedUplinkMs ?? pending.sentAtMs;
  if (atMs - last < UPLINK_COUNT_GAP_MS && pending.uplinksSince !== undefined) return;
  pending.uplinksSince = (pending.uplinksSince ?? 0) + 1;
  pending.lastCountedUplinkMs = atMs;
}

/** Queues the request for the device; returns the unicast command's id. */
export function sendUnicast(draft: Draft, device: DeviceState, request: UnicastRequest): string {
  const payloadHex = bytesToHex(request.payload);
  const id = draft.nextId();
  draft.emit({ type: 'unicast', id, devEui: device.devEui, fPort: request.fPort, payloadHex });
  draft.log.push({ devEui: device.devEui, atMs: draft.nowMs, direction: 'down', fPort: request.fPort, payloadHex, text: request.summary });
  device.counters.downlinks += 1;
  draft.campaign.airtime.unicastSent += 1;
  return id;
}

export function sendStep(draft: Draft, device: DeviceState, step: DeviceStep, wave: WaveState, ctx: CampaignContext): void {
  const previous = device.pending?.step === step ? device.pending : undefined;
  const attempts = previous ? previous.attempts + 1 : 1;
  // An uplink since the previous ask (countUplinkForRetry counts only those): the network server
  // had the device's RX windows for that copy (class A, LoRaWAN 1.0.4 §3.3).
  const heardSincePreviousAsk = previous !== undefined && !previous.waitOnly && (previous.uplinksSince ?? 0) > 0;
  // A reboot time the request can no longer reach the device before is moved on: a class A
  // device gets it only after its next uplink.
  if (step === 'reboot-time' && (device.timestamps.rebootAtMs ?? 0) < draft.nowMs + ctx.spec.timing.answerTimeoutMs / 2) {
    device.timestamps.rebootAtMs = draft.nowMs + ctx.spec.timing.answerTimeoutMs;
  }
  if (step === 'reboot-time') {
    device.rebootRequestedMs = device.timestamps.rebootAtMs ?? wave.rebootAtMs;
    device.firstRebootRequestedMs ??= device.rebootRequestedMs;
  }
  const askId = sendUnicast(draft, device, requestFor(step, device, wave, ctx));
  device.pending = { step, attempts, sentAtMs: draft.nowMs, retryAtMs: draft.nowMs + ctx.spec.timing.answerTimeoutMs, askId };
  if (heardSincePreviousAsk) device.pending.heardSincePreviousAsk = true;
}

/**
 * The network server adapter did not hand the ask `commandId` on: the server still held our copy
 * of the same request (src/lns/queued-unicasts.ts; The Things Stack and ChirpStack only append to
 * a device's queue, so a second copy would cost airtime at an uplink of its own). When the device
 * was heard since that copy was asked, the server had its RX windows and sent nothing in them:
 * every gateway that heard the uplink refused them (duty cycle, a downlink already scheduled
 * there), and both servers keep the item for the next uplink. TTS tells the application nothing
 * (only the NS event ns.down.data.schedule.fail, pkg/networkserver/observability.go); ChirpStack
 * logs DOWNLINK_GATEWAY without the queue item and deletes an item only on an OK txack
 * (downlink/tx_ack.rs; src/sim/chirpstack/sim-chirpstack-device-queue.ts). The device had no
 * chance to get the request, so the ask is no attempt. Counted, a device behind a busy gateway
 * ran out of attempts while one copy waited (issue #17, demo --network tts --devices 1000 --seed
 * 7: two LoRaMac-node devices absent after 12 McGroupSetupReq asks; for one, 11 asks were left to
 * the first copy, the gateway refused 39 of the 40 RX windows of its 20 uplinks meanwhile, and the
 * copy went on air once, 3.6 h after it was queued, and was lost). The stage's deadline still ends
 * the wait. A device not heard since keeps the attempt: its copy waits for an uplink, as it
 * should, and its silence is what maxAttempts measures.
 */
export function answeredByQueuedCopy(draft: Draft, devEui: string, commandId: string): void {
  const view = draft.peek(devEui);
  const pending = view?.pending;
  // Answered, or asked again since (that ask has its own report): this one concerns no attempt now.
  if (!view || view.outcome || !pending || pending.askId !== commandId || !pending.heardSincePreviousAsk) return;
  const request = draft.device(devEui).pending!;
  request.attempts -= 1;
  request.heardSincePreviousAsk = undefined; // one report, one attempt less
  draft.note(devEui, `${stepName(request.step)} asked again while the network server still held the earlier copy, unsent in the RX windows of the device's uplinks since: not counted as an attempt (${request.attempts} so far)`);
}

/** The next request a device needs in its current phase, or undefined when it has none. */
export function nextStep(device: DeviceState, ctx: CampaignContext): DeviceStep | undefined {
  if (device.outcome) return undefined;
  switch (device.phase) {
    case 'setup':
      if (device.packageVersions.ts004 === undefined) return 'version-ts004';
      if (device.packageVersions.ts005 === undefined) return 'version-ts005';
      if (device.packageVersions.ts003 === undefined) return 'version-ts003';
      if (!device.done.mcGroupSetup) return 'mc-group-setup';
      if (!device.done.fragSessionSetup) return 'frag-session-setup';
      if (!device.done.clockSync) return 'clock-sync';
      return undefined;
    case 'session':
      return device.done.mcSession ? undefined : 'mc-session';
    case 'upgrading':
      // Without TS006 the only question left is whether the block is complete.
      if (!hasFirmwareManagement(ctx.targets.get(device.devEui)!.stack)) return 'frag-status';
      return device.nextFirmwareVersion === undefined ? 'upgrade-image' : 'reboot-time';
    case 'confirming':
      // Without TS006 the version comes from the application's own uplinks: nothing to ask.
      return hasFirmwareManagement(ctx.targets.get(device.devEui)!.stack) ? 'dev-version' : undefined;
    default:
      return undefined;
  }
}

/**
 * Whether the device is still heard as a request sent at `requestSentAtMs` is judged: an uplink
 * since one answer timeout before it (HEARD_ATTEMPTS_FACTOR). Its requests or their answers are
 * being lost on air, not its contact.
 */
export function heardAround(device: DeviceState, requestSentAtMs: number, ctx: CampaignContext): boolean {
  return (device.timestamps.lastUplinkAtMs ?? -Infinity) >= requestSentAtMs - ctx.spec.timing.answerTimeoutMs;
}

/**
 * Whether advanceDevice changes anything for the device as `view` stands at `nowMs`: not when it
 * has an outcome, nor while its pending request is neither overdue nor heard past without an
 * answer (UPLINKS_BEFORE_RETRY), nor when nothing is pending and it has no next step and is not in
 * setup (setup ends there). Apart so that an uplink can be known to do nothing more than hear its
 * device without running advanceDevice on a copy of the campaign (transition.ts heardUplinkOnly).
 */
export function advanceActs(view: DeviceState, nowMs: number, ctx: CampaignContext): boolean {
  if (view.outcome) return false;
  if (view.pending) return nowMs >= view.pending.retryAtMs || (view.pending.uplinksSince ?? 0) >= UPLINKS_BEFORE_RETRY;
  return view.phase === 'setup' || nextStep(view, ctx) !== undefined;
}

/**
 * Moves a device on: sends its next request when nothing is pending, repeats a request whose
 * answer is overdue, and gives up after maxAttempts (HEARD_ATTEMPTS_FACTOR times as many for a
 * device still heard).
 */
export function advanceDevice(draft: Draft, devEui: string, wave: WaveState, ctx: CampaignContext): void {
  const view = draft.peek(devEui)!;
  if (!advanceActs(view, draft.nowMs, ctx)) return;
  if (view.pending) {
    const device = draft.device(devEui);
    const pending = device.pending!;
    const heard = heardAround(device, pending.sentAtMs, ctx);
    const limit = ctx.spec.timing.maxAttempts * (heard ? HEARD_ATTEMPTS_FACTOR : 1);
    if (pending.attempts >= limit) {
      // Absent means never heard from; a device that answered before has lost contact.
      giveUp(draft, device, `no answer to ${stepName(pending.step)} after ${pending.attempts} attempts`);
      return;
    }
    sendStep(draft, device, pending.step, wave, ctx);
    return;
  }
  const step = nextStep(view, ctx);
  if (step === undefined) {
    if (view.phase === 'setup') {
      const device = draft.device(devEui);
      device.phase = 'setup-done';
      device.timestamps.setupDoneAtMs = draft.nowMs;
    }
    return;
  }
  sendStep(draft, draft.device(devEui), step, wave, ctx);
}

export function finishDevice(draft: Draft, device: DeviceState, outcome: DeviceOutcome, reason?: string): void {
  if (device.outcome) return;
  device.outcome = outcome;
  device.phase = 'done';
  device.pending = undefined;
  device.timestamps.finishedAtMs = draft.nowMs;
  if (reason) device.error = reason;
  draft.note(device.devEui, reason ? `${outcome}: ${reason}` : outcome);
}

/** One fragmentation session per FEC scheme in the wave (v1 and v2 coded fragments do not mix). */
export function assignSubSession(draft: Draft, scheme: FecScheme, ctx: CampaignContext): number {
  const wave = draft.campaign.wave!;
  const existing = wave.subSessions.find((s) => s.scheme === scheme);
  if (existing) return existing.fragIndex;
  const used = new Set(wave.subSessions.map((s) => s.fragIndex));
  let fragIndex = ctx.spec.fragmentation.fragIndex;
  while (used.has(fragIndex)) fragIndex = (fragIndex + 1) % 4;
  wave.subSessions.push({ scheme, fragIndex, groupName: multicastGroupName(draft.campaign.id, wave.index, fragIndex), mcAddr: sessionMcAddr(ctx, wave.index, fragIndex), ...ctx.layout, nextN: 1, targetN: 0 });
  return fragIndex;
}

const STEP_NAMES: Record<DeviceStep, string> = {
  'version-ts004': 'PackageVersionReq (TS004)',
  'version-ts005': 'PackageVersionReq (TS005)',
  'version-ts003': 'PackageVersionReq (TS003)',
  'mc-group-setup': 'McGroupSetupReq',
  'frag-session-setup': 'FragSessionSetupReq',
  'clock-sync': 'ForceDeviceResyncReq',
  'mc-session': 'McClassC/BSessionReq',
  'frag-status': 'FragSessionStatusReq (unicast)',
  'upgrade-image': 'DevUpgradeImageReq',
  'reboot-time': 'DevRebootTimeReq',
  'dev-version': 'DevVersionReq',
};

export function stepName(step: DeviceStep): string {
  return STEP_NAMES[step];
}

/** The FEC scheme and fragmentation session of a device, once its TS004 version is known. */
export function chooseScheme(draft: Draft, device: DeviceState, ctx: CampaignContext): void {
  if (device.packageVersions.ts004 === undefined || device.fecScheme !== undefined) return;
  const target = ctx.targets.get(device.devEui)!;
  const scheme = schemeForDevice({ ts004PackageVersion: device.packageVersions.ts004, reedSolomon: target.reedSolomon, v2Seed: device.v2Seed ?? target.v2Seed }, ctx.spec.fragmentation.fecPreference);
  device.fecScheme = scheme;
  device.fragIndex = assignSubSession(draft, scheme, ctx);
}

/** Gives up on a device: absent when it never answered, failed (lost contact) when it did. */
export function giveUp(draft: Draft, device: DeviceState, why: string): void {
  if (device.lastAnswer) finishDevice(draft, device, 'failed', `lost contact: ${why} (last answer ${device.lastAnswer.command})`);
  else finishDevice(draft, device, 'absent', why);
}

/**
 * A device without TS006 holds the whole block: nothing can ask it which version it runs. With
 * firmware.versionUplink its application's own uplinks will say; without, it ends `delivered`.
 */
export function deliverBlock(draft: Draft, device: DeviceState, ctx: CampaignContext): void {
  const stack = ctx.targets.get(device.devEui)!.stack;
  device.pending = undefined;
  if (!ctx.spec.firmware.versionUplink) {
    finishDevice(draft, device, 'delivered', `block delivered; version not confirmed: ${stack} has no TS006 and the campaign names no firmware.versionUplink`);
    return;
  }
  device.phase = 'confirming';
  if (device.firmwareReported === ctx.spec.firmware.version) {
    device.firmwareAfter = device.firmwareReported;
    finishDevice(draft, device, 'confirmed');
  }
}
