import { InternalError } from '../core/errors.js';

/**
 * JSON from a row (SQLite or PostgreSQL store); unreadable JSON means the database was damaged
 * or written by something else. `store` names it in the message (file path or redacted URL).
 */
export function parseStoredJson<T>(json: string, store: string, column: string, where: string): T {
  try {
    return JSON.parse(json) as T;
  } catch (error) {
    throw new InternalError('STORE_CORRUPT', `campaign store ${store}: ${column} of ${where}: expected JSON, got ${JSON.stringify(json.slice(0, 40))}`, { cause: error });
  }
}
