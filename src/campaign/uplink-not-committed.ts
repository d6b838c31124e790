import { InternalError, isFuotaError } from '../core/errors.js';

// An uplink whose transition the store did not commit (issue #17): the group commit holding it
// failed, so nothing of it happened. The MQTT adapters then withhold its PUBACK, and the broker
// delivers it again (src/lns/mqtt/mqtt-connection.ts, 'redeliver'), instead of it being lost.

export const UPLINK_NOT_COMMITTED = 'UPLINK_NOT_COMMITTED';

export class UplinkNotCommittedError extends InternalError {
  constructor(
    readonly devEui: string,
    /** How many uplinks the failed transaction held. */
    readonly batchUplinks: number,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(UPLINK_NOT_COMMITTED, `uplink of ${devEui}: expected its transition committed, got the store's refusal of the ${batchUplinks}-uplink transaction holding it (${why}); nothing of it was applied`, { cause });
  }
}

export function isUplinkNotCommitted(error: unknown): error is UplinkNotCommittedError {
  return error instanceof UplinkNotCommittedError || (isFuotaError(error) && error.code === UPLINK_NOT_COMMITTED);
}
