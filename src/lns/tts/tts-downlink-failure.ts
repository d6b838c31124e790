import { PeerError } from '../../core/errors.js';
import type { GroupRegistry } from '../group-registry.js';
import type { TtsDownlinkFailedEvent } from './tts-events.js';

// What a down/failed means for us: a frame of one of our multicast devices (reported; a
// duty-cycle refusal is charged to the group's campaign through one member), or a class A
// downlink (failed, so the engine asks again). Either way the gateways to blame for a
// duty-cycle refusal: the failed downlink's class_b_c gateways, else the group's, else those that
// heard the device last (TTS names none for class A).
// A timed multicast frame that every gateway refused comes back as the bare absolute_time error
// (below), whatever the gateway said: out of duty-cycle budget, busy at that instant (a class A
// reply of another device: one frame, then the next goes), no GPS. A duty-cycle refusal lasts
// until older emissions age out of the hour, so it fails the group's frames in a row: from the
// second timed failure in a row (no down/sent between) it is charged to the ledger like a named
// duty_cycle refusal, and the campaign waits for the gateway. A lone failure is only reported
// (charging it would stall the campaign for up to an hour for one busy instant); a gateway
// without GPS fails every frame, and the reported error names that cause too.
// A busy instant can come back frame after frame, though: while a wave's class A devices are
// answering, TTS books their RX1/RX2 replies on the group's gateway before it hands it the
// timed frame, and the Gateway Server refuses the overlap (scheduling conflict, AlreadyExists:
// downlink.go nonRetryableAbsoluteTimeGatewayError, "a downlink has already been scheduled on the
// given time"). A timed failure within CLASS_A_CONFLICT_SPAN_MS of a down/sent of one of our class
// A devices heard by one of the frame's gateways is read as that conflict: reported, not counted
// in the streak. Charging it would hold the group's next frames for up to an hour, past the class
// C session, and its devices would fail.

/**
 * The NS's bare error when every gateway refused a frame with an absolute_time
 * (pkg/networkserver/downlink.go, errInvalidAbsoluteTime): it carries no cause, so a duty-cycle
 * refusal cannot be told from a missing time reference; without absolute_time the NS retries
 * such a frame later instead of failing it.
 */
const ABSOLUTE_TIME_FAILURES = new Set(['absolute_time', 'invalid_absolute_time']);
const ABSOLUTE_TIME_HINT =
  'TTS names no cause: every gateway refused the time (out of duty-cycle budget, busy, or no GPS / round-trip estimate for absolute_time: then set multicastAbsoluteTime false)';
const CLASS_A_CONFLICT_HINT =
  'a class A downlink of ours had just gone via the gateway: read as a scheduling conflict with it (a busy instant), not charged to the duty-cycle ledger';

export interface DownlinkFailure {
  reason: string;
  /** The device to charge (a member of the group for multicast), when known. */
  devEui?: string;
  gatewayIds: readonly string[];
  /** For a multicast device: the group, and the error to report unless it was the duty cycle. */
  groupName?: string;
  multicastError?: PeerError;
  /** Charge the duty-cycle ledger: TTS named duty_cycle, or refused a timed multicast frame on every gateway. */
  dutyCycle: boolean;
}

export interface DownlinkFailureContext {
  registry: GroupRegistry;
  devEuiOf: (deviceId: string) => string | undefined;
  heardBy: (devEui: string) => readonly string[];
  /** Counts one more timed failure of this multicast device; returns the refusals in a row. */
  timedFailureStreak: () => number;
  /** A class A downlink of ours went via one of these gateways within CLASS_A_CONFLICT_SPAN_MS. */
  classABusy: (gatewayIds: readonly string[]) => boolean;
}

/** Timed frames refused in a row before the refusal is read as the duty cycle. */
export const TIMED_FAILURES_FOR_DUTY_CYCLE = 2;

/**
 * How long after a class A down/sent a timed failure on its gateway is read as a conflict with it:
 * TTS publishes down/sent when the Gateway Server took the reply, at most RX2 (RX1 delay 1 s,
 * RP002 RECEIVE_DELAY1, + 1 s) before it goes on air, and the NS hands a timed frame over about a
 * second before its time; 3 s covers the reply's airtime too.
 */
export const CLASS_A_CONFLICT_SPAN_MS = 3_000;

export function downlinkFailureOf(event: TtsDownlinkFailedEvent, context: DownlinkFailureContext): DownlinkFailure {
  const { error } = event;
  const reason = `The Things Stack down/failed: ${error.namespace}:${error.name}${error.message ? ` (${error.message})` : ''}`;
  const group = context.registry.entries().find(([, entry]) => entry.id === event.deviceId);
  if (group === undefined) {
    const devEui = event.devEui ?? context.devEuiOf(event.deviceId);
    return { reason, ...(devEui === undefined ? {} : { devEui }), gatewayIds: devEui === undefined ? [] : context.heardBy(devEui), dutyCycle: event.dutyCycle };
  }
  const [groupName, entry] = group;
  const gatewayIds = event.gatewayIds.length > 0 ? event.gatewayIds : (entry.gatewayIds ?? []);
  const timed = ABSOLUTE_TIME_FAILURES.has(error.name);
  const conflict = timed && context.classABusy(gatewayIds);
  const inARow = timed && !conflict ? context.timedFailureStreak() : 0;
  const charged = inARow >= TIMED_FAILURES_FOR_DUTY_CYCLE;
  const hint = !timed ? '' : conflict ? `; ${CLASS_A_CONFLICT_HINT}` : `; ${ABSOLUTE_TIME_HINT}${charged ? `; ${inARow} in a row: charged to the duty-cycle ledger` : ''}`;
  return {
    reason,
    ...(entry.memberDevEui === undefined ? {} : { devEui: entry.memberDevEui }),
    gatewayIds,
    groupName,
    ...(event.dutyCycle ? {} : { multicastError: new PeerError('TTS_MULTICAST_FAILED', `multicast group ${groupName} (${event.deviceId}): ${reason}${hint}`) }),
    dutyCycle: event.dutyCycle || charged,
  };
}
