import type { SimDevice } from '../../sim-device.js';
import type { StackModel } from '../stack-model.js';
import { handleLoramacTs003, type LoramacClockState } from './loramac-node-ts003.js';
import { handleLoramacTs004, LoramacFragState, LORAMAC_NODE_FRAG_MAX } from './loramac-node-ts004.js';
import { handleLoramacTs005, LoramacMcState } from './loramac-node-ts005.js';

/**
 * LoRaMac-node v4.7.0 (Lora-net/LoRaMac-node, src/apps/LoRaMac/common/LmHandler/packages/):
 * TS003, TS004 and TS005 v1 only, parsed byte by byte as its C loops do; no TS006, so a frame
 * on fPort 203 gets no answer at all (../shared/reference/device-stacks.md).
 */
export class LoramacNodeStack implements StackModel {
  private clock!: LoramacClockState;
  private frag!: LoramacFragState;
  private mc!: LoramacMcState;

  constructor(private readonly device: SimDevice) {
    this.reset();
  }

  receive(fPort: number, payload: Uint8Array, mcGroupId: number | undefined): void {
    switch (fPort) {
      case 200:
        return handleLoramacTs005(this.device, this.mc, payload);
      case 201:
        return handleLoramacTs004(this.device, this.frag, payload, mcGroupId !== undefined);
      case 202:
        return handleLoramacTs003(this.device, this.clock, payload);
    }
  }

  /** In class C (the device-wide session window), every group with RX parameters is heard. */
  listeningGroup(mcAddr: number, trueMs: number): number | undefined {
    if (!this.mc.inClassC(this.device.deviceGpsMs(trueMs) / 1000)) return undefined;
    const id = this.device.groups.findIndex((group) => group?.mcAddr === mcAddr && group.session !== undefined);
    return id < 0 ? undefined : id;
  }

  reset(): void {
    const config = this.device.config;
    this.clock = { tokenReq: 0, nbTransmissions: 0 };
    this.frag = new LoramacFragState(config.fragMax ?? LORAMAC_NODE_FRAG_MAX, config.payloadMode === 'rank-only');
    this.mc = new LoramacMcState();
  }
}
