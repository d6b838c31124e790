import { CallerError, FuotaError, InternalError } from '../core/errors.js';

// The errors both campaign stores throw, so that the SQLite and the in-memory store fail alike.
// `store` names the store in messages: a file path, ':memory:', or 'memory'.

export function campaignNotFound(store: string, id: string): CallerError {
  return new CallerError('CAMPAIGN_NOT_FOUND', `campaign store ${store}: campaign ${id} not found`);
}

export function campaignExists(store: string, id: string): CallerError {
  return new CallerError('CAMPAIGN_EXISTS', `campaign store ${store}: campaign ${id} already exists`);
}

export function campaignIdMismatch(store: string, id: string, resultId: string): InternalError {
  return new InternalError('CAMPAIGN_ID_MISMATCH', `campaign store ${store}: commit to campaign ${id}: expected a result for ${id}, got one for ${resultId}`);
}

export function storeClosed(store: string, operation: string): InternalError {
  return new InternalError('STORE_CLOSED', `campaign store ${store}: ${operation} after close`);
}

/** Anything unplanned (a value JSON cannot hold, a driver failure): STORE_FAILED unless already a FuotaError. */
export function storeFailure(store: string, operation: string, error: unknown): FuotaError {
  if (error instanceof FuotaError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError('STORE_FAILED', `campaign store ${store}: ${operation} failed: ${message}`, { cause: error });
}
