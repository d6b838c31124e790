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

/**
 * The NS's bare error when every gateway refused a frame with an absolute_time
 * (pkg/networkserver/downlink.go, errInvalidAbsoluteTime): it carries no cause, so a duty-cycle
 * refusal cannot be told from a missing time reference; without absolute_time the NS retries
 * such a frame later instead of failing it.
 */
const ABSOLUTE_TIME_FAILURES = new Set(['absolute_time', 'invalid_absolute_time']);
const ABSOLUTE_TIME_HINT =
  'TTS names no cause: every gateway refused the time (out of duty-cycle budget, busy, or no GPS / round-trip estimate for absolute_time: then set multicastAbsoluteTime false)';

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
}

/** Timed frames refused in a row before the refusal is read as the duty cycle. */
export const TIMED_FAILURES_FOR_DUTY_CYCLE = 2;

export function downlinkFailureOf(event: TtsDownlinkFailedEvent, context: DownlinkFailureContext): DownlinkFailure {
  const { error } = event;
  const reason = `The Things Stack down/failed: ${error.namespace}:${error.name}${error.message ? ` (${error.message})` : ''}`;
  const group = context.registry.entries().find(([, entry]) => entry.id === event.deviceId);
  if (group === undefined) {
    const devEui = event.devEui ?? context.devEuiOf(event.deviceId);
    return { reason, ...(devEui === undefined ? {} : { devEui }), gatewayIds: devEui === undefined ? [] : context.heardBy(devEui), dutyCycle: event.dutyCycle };
  }
  const [groupName, entry] = group;
  const timed = ABSOLUTE_TIME_FAILURES.has(error.name);
  const inARow = timed ? context.timedFailureStreak() : 0;
  const charged = inARow >= TIMED_FAILURES_FOR_DUTY_CYCLE;
  const hint = timed ? `; ${ABSOLUTE_TIME_HINT}${charged ? `; ${inARow} in a row: charged to the duty-cycle ledger` : ''}` : '';
  return {
    reason,
    ...(entry.memberDevEui === undefined ? {} : { devEui: entry.memberDevEui }),
    gatewayIds: event.gatewayIds.length > 0 ? event.gatewayIds : (entry.gatewayIds ?? []),
    groupName,
    ...(event.dutyCycle ? {} : { multicastError: new PeerError('TTS_MULTICAST_FAILED', `multicast group ${groupName} (${event.deviceId}): ${reason}${hint}`) }),
    dutyCycle: event.dutyCycle || charged,
  };
}
