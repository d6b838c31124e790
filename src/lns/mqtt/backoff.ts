// Reconnect delays: exponential from `initialMs`, doubled per failed attempt, capped at `maxMs`.
// ChirpStack's own MQTT client reconnects between 1 s and 30 s (mqtt.rs, automatic_reconnect).

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000, factor: 2 };

/** The delay before reconnect attempt `attempt` (0 = the first after a loss). */
export function backoffDelayMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.min(options.maxMs, options.initialMs * options.factor ** Math.min(attempt, 64));
}
