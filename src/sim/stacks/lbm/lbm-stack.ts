import { groupInOwnSession } from '../../sim-mc-group.js';
import type { SimDevice } from '../../sim-device.js';
import type { StackModel } from '../stack-model.js';
import { handleLbmTs003, LbmClockState } from './lbm-ts003.js';
import { handleLbmTs004, LbmFragState, LBM_FRAG_MAX } from './lbm-ts004.js';
import { handleLbmTs005 } from './lbm-ts005.js';
import { handleLbmTs006 } from './lbm-ts006.js';

/**
 * LoRa Basics Modem v4.8.0 (Lora-net/SWL2001, lbm_lib/smtc_modem_core/lorawan_packages/):
 * TS003/TS004/TS005 v1 or v2 as configured, TS006 v1 (../shared/reference/device-stacks.md).
 * Multi-Package Access (fPort 225) is not modelled.
 */
export class LbmStack implements StackModel {
  private clock!: LbmClockState;
  private frag!: LbmFragState;

  constructor(private readonly device: SimDevice) {
    this.reset();
  }

  receive(fPort: number, payload: Uint8Array, mcGroupId: number | undefined): void {
    const multicast = mcGroupId !== undefined;
    switch (fPort) {
      case 200:
        return handleLbmTs005(this.device, this.clock, payload, multicast);
      case 201:
        return handleLbmTs004(this.device, this.frag, payload, mcGroupId);
      case 202:
        return handleLbmTs003(this.device, this.clock, payload, multicast);
      case 203:
        return handleLbmTs006(this.device, this.clock, payload, multicast);
    }
  }

  /** Each group's class C/B session runs from its SessionTime for its own timeout. */
  listeningGroup(mcAddr: number, trueMs: number): number | undefined {
    return groupInOwnSession(this.device.groups, mcAddr, this.device.deviceGpsMs(trueMs) / 1000);
  }

  /** RAM only: ALC sync's correction and the fragmentation sessions (session_cnt_prev too: its NVM store is commented out). */
  reset(): void {
    const config = this.device.config;
    this.clock = new LbmClockState();
    this.frag = new LbmFragState(config.fragMax ?? LBM_FRAG_MAX, config.payloadMode === 'rank-only');
  }
}
