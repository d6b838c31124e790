import type { AppCommand } from '../../../lorawan/app-layer.js';
import { PACKAGES } from '../../../lorawan/packages.js';
import { groupInOwnSession } from '../../sim-mc-group.js';
import type { SimDevice } from '../../sim-device.js';
import { decodeFrame } from '../decode-frame.js';
import type { StackModel } from '../stack-model.js';
import { handleSpecTs003, type SpecClockState } from './spec-ts003.js';
import { createSpecFragState, handleSpecTs004 } from './spec-ts004.js';
import { handleSpecTs005 } from './spec-ts005.js';
import { handleSpecTs006 } from './spec-ts006.js';

/** The LoRa Alliance texts: TS003/TS004/TS005 v1 or v2 as configured, TS006 v1. */
export class SpecStack implements StackModel {
  private readonly clock: SpecClockState = { tokenReq: 0 };
  private readonly frag = createSpecFragState();

  constructor(private readonly device: SimDevice) {}

  receive(fPort: number, payload: Uint8Array, mcGroupId: number | undefined): void {
    const device = this.device;
    const spec = PACKAGES.find((p) => p.fPort === fPort);
    if (!spec) return; // not an application-layer package port
    const version = spec.name === 'TS006' ? 1 : device.config.packageVersions[spec.name.toLowerCase() as 'ts003' | 'ts004' | 'ts005'];
    const commands = decodeFrame(spec, version, payload);
    if (!commands) return; // a device drops frames it cannot parse
    for (const command of commands) {
      // Setup and management commands received over multicast are ignored (TS004 §3, TS005 §3).
      if (mcGroupId !== undefined && command.command !== 'DataFragment' && command.command !== 'FragSessionStatusReq') continue;
      if (command.command === 'PackageVersionReq') {
        device.answer(spec, version, [{ command: 'PackageVersionAns', packageIdentifier: spec.packageIdentifier, packageVersion: version } as AppCommand]);
        continue;
      }
      switch (spec.name) {
        case 'TS003':
          handleSpecTs003(device, this.clock, command, version);
          break;
        case 'TS004':
          handleSpecTs004(device, this.frag, command, version);
          break;
        case 'TS005':
          handleSpecTs005(device, command, version);
          break;
        case 'TS006':
          handleSpecTs006(device, command);
          break;
      }
    }
  }

  listeningGroup(mcAddr: number, trueMs: number): number | undefined {
    return groupInOwnSession(this.device.groups, mcAddr, this.device.deviceGpsMs(trueMs) / 1000);
  }

  reset(): void {
    this.frag.sessions.fill(undefined);
  }
}
