import type { AppCommand } from '../../../lorawan/app-layer.js';
import { TS006 } from '../../../lorawan/ts006-firmware-management.js';
import { deleteImage, upgradeImageAns } from '../../device-application.js';
import type { SimDevice } from '../../sim-device.js';
import type { AnyCommand } from '../decode-frame.js';

// TS006 (firmware management) as the specification text describes the device (v1.0.0 §3).

export function handleSpecTs006(device: SimDevice, command: AnyCommand): void {
  const answer = (c: Record<string, unknown>) => device.answer(TS006, 1, [c as unknown as AppCommand]);
  switch (command.command) {
    case 'DevVersionReq':
      return answer({ command: 'DevVersionAns', fwVersion: device.firmwareVersion, hwVersion: device.config.hwVersion });
    case 'DevUpgradeImageReq':
      return answer(upgradeImageAns(device.upgrade));
    case 'DevRebootTimeReq': {
      if (command.rebootTime === 0xffffffff) {
        device.cancelReboot();
        return answer({ command: 'DevRebootTimeAns', rebootTime: 0xffffffff });
      }
      if (device.upgrade.status !== 'valid') return answer({ command: 'DevRebootTimeAns', rebootTime: 0 });
      // RebootTime 0 = now, without an answer (§3.3).
      if (command.rebootTime === 0) return device.scheduleReboot(device.trueNowMs());
      // §3.3: the accepted GPS RebootTime is echoed.
      device.scheduleReboot(device.trueMsForDeviceGps(command.rebootTime));
      return answer({ command: 'DevRebootTimeAns', rebootTime: command.rebootTime });
    }
    case 'DevRebootCountdownReq': {
      if (command.countdown === 0xffffff) {
        device.cancelReboot();
        return answer({ command: 'DevRebootCountdownAns', countdown: 0xffffff });
      }
      if (device.upgrade.status !== 'valid') return answer({ command: 'DevRebootCountdownAns', countdown: 0 });
      device.scheduleReboot(device.trueNowMs() + command.countdown * 1000);
      return answer({ command: 'DevRebootCountdownAns', countdown: command.countdown });
    }
    case 'DevDeleteImageReq':
      return answer(deleteImage(device, command.firmwareToDeleteVersion));
  }
}
