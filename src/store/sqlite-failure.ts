import Sqlite from 'better-sqlite3';
import { FuotaError, InternalError } from '../core/errors.js';
import { storeFailure } from './store-errors.js';

// Turns driver errors into FuotaErrors with stable codes. The SQLite result code stays in the
// message (and the driver error in `cause`) because it is what an operator searches for.

const CODES: ReadonlyArray<[prefix: string, code: string]> = [
  ['SQLITE_BUSY', 'STORE_BUSY'], // another process held the lock longer than busy_timeout
  ['SQLITE_LOCKED', 'STORE_BUSY'],
  ['SQLITE_CORRUPT', 'STORE_CORRUPT'],
  ['SQLITE_NOTADB', 'STORE_CORRUPT'],
  ['SQLITE_FULL', 'STORE_FULL'],
  ['SQLITE_CANTOPEN', 'STORE_CANNOT_OPEN'],
  ['SQLITE_READONLY', 'STORE_READ_ONLY'],
  ['SQLITE_IOERR', 'STORE_IO'],
];

export function sqliteFailure(file: string, operation: string, error: unknown): FuotaError {
  if (error instanceof FuotaError) return error;
  if (error instanceof Sqlite.SqliteError) {
    const code = CODES.find(([prefix]) => error.code.startsWith(prefix))?.[1] ?? 'STORE_FAILED';
    return new InternalError(code, `campaign store ${file}: ${operation} failed: ${error.message} (${error.code})`, { cause: error });
  }
  // The driver also throws TypeError/RangeError (e.g. a value it cannot bind), JSON.stringify a TypeError.
  return storeFailure(file, operation, error);
}
