import type { DutyCycleOverflow } from './duty-cycle-overflow.js';

// How both adapters tell the engine what the network server reported: a failed downlink (the
// engine asks again), a duty-cycle refusal (the ledger), errors. Callbacks are not awaited: the
// handler may go through the engine's queue, which may be waiting on the very MQTT message being
// handled (MqttConnection reads the next packet only once a handler settled). A rejected promise
// or a throw goes to onError with its context.

export interface EngineFeedbackCallbacks {
  onDownlinkFailed: (devEui: string, reason: string) => void | Promise<void>;
  /**
   * A unicast asked again was not handed to the network server: it still held our copy of the
   * same request (queued-unicasts.ts), so nothing new went out (CampaignEngine.unicastQueuedCopy).
   */
  onUnicastQueuedCopy?: (devEui: string, commandId: string) => void | Promise<void>;
  onDutyCycleOverflow?: (overflow: DutyCycleOverflow) => void | Promise<void>;
  onError?: (error: unknown, context: string) => void;
}

export class EngineFeedback {
  /** @param active false once the adapter closed: failures of its own shutdown are not the engine's business. */
  constructor(
    private readonly callbacks: EngineFeedbackCallbacks,
    private readonly active: () => boolean,
  ) {}

  report(error: unknown, context: string): void {
    this.callbacks.onError?.(error, context);
  }

  /** Runs a callback of the caller's without waiting for it. */
  callBack(handler: () => void | Promise<void>, context: string): void {
    Promise.resolve()
      .then(handler)
      .catch((error: unknown) => this.report(error, context));
  }

  downlinkFailed(devEui: string, reason: string): void {
    if (!this.active()) return;
    this.callBack(() => this.callbacks.onDownlinkFailed(devEui, reason), `onDownlinkFailed for ${devEui}`);
  }

  unicastQueuedCopy(devEui: string, commandId: string): void {
    const { onUnicastQueuedCopy } = this.callbacks;
    if (!onUnicastQueuedCopy || !this.active()) return;
    this.callBack(() => onUnicastQueuedCopy(devEui, commandId), `onUnicastQueuedCopy for ${devEui}`);
  }

  dutyCycleOverflow(overflow: DutyCycleOverflow): void {
    const { onDutyCycleOverflow } = this.callbacks;
    if (onDutyCycleOverflow) this.callBack(() => onDutyCycleOverflow(overflow), `onDutyCycleOverflow for ${overflow.devEui}`);
  }
}
