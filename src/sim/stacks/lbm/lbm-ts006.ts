import type { AppCommand } from '../../../lorawan/app-layer.js';
import { TS006 } from '../../../lorawan/ts006-firmware-management.js';
import { deleteImage, upgradeImageAns } from '../../device-application.js';
import type { SimDevice } from '../../sim-device.js';
import { decodeFrame } from '../decode-frame.js';
import { lbmGpsNowS, type LbmClockState } from './lbm-ts003.js';

// TS006 as LoRa Basics Modem v4.8.0 runs it (lbm_lib/smtc_modem_core/lorawan_packages/
// firmware_management_protocol/lorawan_fmp_package.c, fmp_package_parser ~540-800). Every answer
// of a frame goes in one uplink, sent at a random moment within fmp_ans_delay (3000 ms).

const FMP_ANS_DELAY_MS = 3000;

export function handleLbmTs006(device: SimDevice, clock: LbmClockState, payload: Uint8Array, multicast: boolean): void {
  if (multicast) return; // only unicast windows (downlink_handler ~335)
  const commands = decodeFrame(TS006, 1, payload);
  if (!commands) return; // unknown CID or short command: FMP_STATUS_ERROR, no answer
  const answers: AppCommand[] = [];
  const answer = (c: Record<string, unknown>) => answers.push(c as unknown as AppCommand);
  for (const command of commands) {
    switch (command.command) {
      case 'PackageVersionReq':
        answer({ command: 'PackageVersionAns', packageIdentifier: TS006.packageIdentifier, packageVersion: 1 });
        break;
      case 'DevVersionReq':
        answer({ command: 'DevVersionAns', fwVersion: device.firmwareVersion, hwVersion: device.config.hwVersion });
        break;
      case 'DevRebootTimeReq': {
        const rebootTime = command.rebootTime >>> 0;
        if (rebootTime === 0) {
          // ~580: reboot at once (SMTC_MODEM_EVENT_FMP_REBOOT_IMMEDIATELY), no answer.
          device.scheduleReboot(device.trueNowMs());
        } else if (rebootTime === 0xffffffff) {
          device.cancelReboot();
          answer({ command: 'DevRebootTimeAns', rebootTime: 0xffffffff });
        } else {
          // ~600-660: the seconds to go when RebootTime is ahead of the device's GPS time; 0 when
          // it is not, or when the device has no GPS time (it then asks the network for it).
          const gpsNow = lbmGpsNowS(device, clock);
          if (gpsNow === undefined) device.requestNetworkTime();
          const toGo = gpsNow !== undefined && rebootTime > gpsNow ? rebootTime - gpsNow : 0;
          if (toGo > 0) device.scheduleReboot(device.trueNowMs() + toGo * 1000);
          answer({ command: 'DevRebootTimeAns', rebootTime: toGo });
        }
        break;
      }
      case 'DevRebootCountdownReq': {
        // ~680-730: 0 reboots at once without an answer, FFFFFF cancels, else echoed; no image check.
        const countdown = command.countdown;
        if (countdown === 0) {
          device.scheduleReboot(device.trueNowMs());
        } else if (countdown === 0xffffff) {
          device.cancelReboot();
          answer({ command: 'DevRebootCountdownAns', countdown: 0xffffff });
        } else {
          device.scheduleReboot(device.trueNowMs() + countdown * 1000);
          answer({ command: 'DevRebootCountdownAns', countdown });
        }
        break;
      }
      case 'DevUpgradeImageReq':
        // smtc_modem_hal_get_fw_status_available_for_fuota, plus the next version when valid (~755).
        answer(upgradeImageAns(device.upgrade));
        break;
      case 'DevDeleteImageReq':
        // smtc_modem_hal_get_fw_delete_status_for_fuota (~785; the file's self-test: wrong version → 2, right → 0).
        answer(deleteImage(device, command.firmwareToDeleteVersion));
        break;
    }
  }
  if (answers.length > 0) device.answer(TS006, 1, answers, device.random.int(0, FMP_ANS_DELAY_MS));
}
