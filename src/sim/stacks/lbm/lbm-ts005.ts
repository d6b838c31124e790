import { TS005, type McGroupSetupReq } from '../../../lorawan/ts005-multicast-setup.js';
import { mcGroupFromSetup, mcRootKeyFor } from '../../sim-mc-group.js';
import type { SimDevice } from '../../sim-device.js';
import { decodeFrame } from '../decode-frame.js';
import { lbmGpsNowS, type LbmClockState } from './lbm-ts003.js';

// TS005 as LoRa Basics Modem v4.8.0 runs it (lbm_lib/smtc_modem_core/lorawan_packages/
// remote_multicast_setup/v{1,2}.0.0/lorawan_remote_multicast_setup_package_v*.c,
// remote_multicast_setup_package_parser ~850-1230; the two files differ only in the version).
// Answers are built byte by byte: v1 has no StartMissed bit in our codec, LBM sets it anyway.

export function handleLbmTs005(device: SimDevice, clock: LbmClockState, payload: Uint8Array, multicast: boolean): void {
  if (multicast) return; // "received on a multicast address, the end-device SHALL drop them silently" (~852)
  const version = device.config.packageVersions.ts005;
  const commands = decodeFrame(TS005, version, payload);
  if (!commands) return; // unknown CID or short command: REMOTE_MULTICAST_SETUP_STATUS_ERROR, no answer
  const answer: number[] = [];
  for (const command of commands) {
    switch (command.command) {
      case 'PackageVersionReq':
        answer.push(0x00, TS005.packageIdentifier, version);
        break;
      case 'McGroupStatusReq': {
        // ~900: the active groups asked for (id, McAddr each), NbTotalGroups = all active groups.
        let mask = 0;
        let total = 0;
        const records: number[] = [];
        device.groups.forEach((group, id) => {
          if (!group) return;
          total += 1;
          if ((command.reqGroupMask >> id) & 1) {
            mask |= 1 << id;
            records.push(id, ...u32(group.mcAddr));
          }
        });
        answer.push(0x01, mask | (total << 4), ...records);
        break;
      }
      case 'McGroupSetupReq': {
        // ~945: McKey derived by lorawan_api_multicast_derive_group_keys from the APP_KEY slot the
        // LoRaWAN 1.0.x way (McRootKey label 0x00) whatever the device's LoRaWAN version
        // (../shared/reference/device-stacks.md). IDerror never set: the id is masked to 0..3.
        const id = command.mcGroupId & 0x03;
        device.groups[id] = mcGroupFromSetup(mcRootKeyFor(device.config.rootKey, '1.0'), command as McGroupSetupReq);
        answer.push(0x02, id);
        break;
      }
      case 'McGroupDeleteReq': {
        const id = command.mcGroupId & 0x03;
        answer.push(0x03, (device.groups[id] ? 0x00 : 0x04) | id);
        device.groups[id] = undefined; // its class C/B session stops with it
        break;
      }
      case 'McClassCSessionReq':
      case 'McClassBSessionReq':
        answer.push(...session(device, clock, command));
        break;
    }
  }
  if (answer.length > 0) device.sendFrame(TS005.fPort, Uint8Array.from(answer));
}

/**
 * ~1045 (class C) / ~1175 (class B): the status ORs StartMissed (bit 5, also in v1) when the
 * device's GPS time is at or past SessionTime, McGroupUndefined (bit 4) when the group is not
 * active; without GPS time the time reads 0 (so no StartMissed, TimeToStart 0xFFFFFF) and the
 * service asks the network for the time (on_update ~550). TimeToStart only with no error bit.
 */
function session(device: SimDevice, clock: LbmClockState, req: Record<string, any>): number[] {
  const classB = req.command === 'McClassBSessionReq';
  const id = req.mcGroupId & 0x03;
  const group = device.groups[id];
  const gpsNow = lbmGpsNowS(device, clock);
  const nowS = gpsNow ?? 0;
  let status = id;
  if (nowS >= req.sessionTime) status |= 0x20;
  if (!group) status |= 0x10;
  const cid = classB ? 0x05 : 0x04;
  if (gpsNow === undefined) device.requestNetworkTime();
  if (status !== id) return [cid, status];
  const durationS = classB ? 128 * 2 ** req.timeOut : 2 ** req.sessionTimeOut;
  group!.session = { startGpsS: req.sessionTime, durationS, frequencyHz: req.dlFrequencyHz, dr: req.dr, deviceClass: classB ? 'B' : 'C' };
  const timeToStart = Math.min(0xffffff, req.sessionTime - nowS);
  return [cid, status, timeToStart & 0xff, (timeToStart >> 8) & 0xff, (timeToStart >> 16) & 0xff];
}

function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
}
