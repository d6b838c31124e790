import { encodeCommands, type AppCommand } from '../../../lorawan/app-layer.js';
import { TS003 } from '../../../lorawan/ts003-clock-sync.js';
import type { SimDevice, UplinkFrame } from '../../sim-device.js';
import { decodeFrame } from '../decode-frame.js';

// TS003 as LoRa Basics Modem v4.8.0 runs it (lbm_lib/smtc_modem_core/lorawan_packages/
// application_layer_clock_synchronization/v1.0.0/lorawan_alcsync_v1.0.0.c; the v2.0.0 file parses
// the same way). Answers are gathered and sent in one uplink ALC_SYNC_DELAY_BEFORE_SEND_S (5 s)
// after the task runs (ALC_SYNC_ANSWER_DELAY_S, 1 s): alcsync_build_ans_payload ~850.

const SEND_DELAY_MS = 6_000;

export class LbmClockState {
  /** token_req: advanced by every AppTimeAns whose TokenAns matched it (alc_sync_decode_app_time_ans ~810). */
  tokenReq = 0;
  /** time_correction_s: the corrections applied, summed. */
  correctionS = 0;
  /** nb_transmission: AppTimeReqs still to send after ForceDeviceResync, until a valid AppTimeAns. */
  transmissionsLeft = 0;
  /** req_status: what the next ALC sync uplink carries. */
  pending = { version: false, periodicity: false, appTimeReq: false };
  queued = false;
}

/**
 * The device's GPS time for the other packages (lorawan_fmp_package.c get_gps_time, the TS005
 * session checks): the MAC's network time if it has one, else ALC sync's; none before either.
 * ALC sync reads a summed correction of exactly 0 as "never synchronised"
 * (lorawan_alcsync_get_gps_time_second ~625).
 */
export function lbmGpsNowS(device: SimDevice, clock: LbmClockState): number | undefined {
  return device.networkTimeValid || clock.correctionS !== 0 ? device.deviceGpsS() : undefined;
}

export function handleLbmTs003(device: SimDevice, state: LbmClockState, payload: Uint8Array, multicast: boolean): void {
  if (multicast) return; // "Message must be received only on unicast windows" (~490)
  const version = device.config.packageVersions.ts003;
  const commands = decodeFrame(TS003, version, payload);
  if (!commands) return;
  state.pending = { version: false, periodicity: false, appTimeReq: false }; // alc_sync_parser: req_status = 0
  for (const command of commands) {
    switch (command.command) {
      case 'PackageVersionReq':
        state.pending.version = true;
        break;
      case 'AppTimeAns':
        if (command.tokenAns !== state.tokenReq) break;
        state.tokenReq = (state.tokenReq + 1) & 0x0f;
        state.correctionS += command.timeCorrection;
        device.correctClock(command.timeCorrection);
        state.transmissionsLeft = 0; // "stops re-transmissions of the AppTimeReq if a valid AppTimeAns is received"
        break;
      case 'DeviceAppTimePeriodicityReq':
        // Supported: the period is taken and answered with Status 0 and the device's time.
        state.pending.periodicity = true;
        break;
      case 'ForceDeviceResyncReq':
      case 'ForceDeviceResyncCmd':
        // nb_transmission = NbTransmissions: that many AppTimeReq (AnsRequired 0) until answered.
        state.transmissionsLeft = command.nbTransmissions & 0x07;
        break;
    }
  }
  // lorawan_alcsync_service_on_update ~400: an AppTimeReq while nb_transmission > 0.
  if (state.transmissionsLeft > 0) state.pending.appTimeReq = true;
  queueSync(device, state);
}

function queueSync(device: SimDevice, state: LbmClockState): void {
  const p = state.pending;
  if (state.queued || !(p.version || p.periodicity || p.appTimeReq)) return;
  state.queued = true;
  device.queueFrame(() => buildSync(device, state), SEND_DELAY_MS);
}

/** One uplink: PackageVersionAns, DeviceAppTimePeriodicityAns, AppTimeReq, in that order. */
function buildSync(device: SimDevice, state: LbmClockState): UplinkFrame | undefined {
  state.queued = false;
  const version = device.config.packageVersions.ts003;
  const time = device.deviceGpsS() >>> 0;
  const commands: AppCommand[] = [];
  const p = state.pending;
  if (p.version) commands.push({ command: 'PackageVersionAns', packageIdentifier: TS003.packageIdentifier, packageVersion: version } as AppCommand);
  if (p.periodicity) commands.push({ command: 'DeviceAppTimePeriodicityAns', notSupported: false, time } as AppCommand);
  if (p.appTimeReq) {
    commands.push({ command: 'AppTimeReq', deviceTime: time, tokenReq: state.tokenReq, ansRequired: false } as AppCommand);
    if (state.transmissionsLeft > 0) state.transmissionsLeft -= 1;
  }
  state.pending = { version: false, periodicity: false, appTimeReq: state.transmissionsLeft > 0 };
  if (commands.length === 0) return undefined;
  queueSync(device, state); // lorawan_alcsync_service_on_update: again while nb_transmission > 0
  return { fPort: TS003.fPort, payload: encodeCommands(TS003, version, 'uplink', commands) };
}
