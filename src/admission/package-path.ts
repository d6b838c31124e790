import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { CallerError } from '../core/errors.js';

// Where a package named by path may come from: only campaigns.directory (issue #12, admission).
// Symlinks are resolved before the check, so a link inside the directory pointing out of it is
// refused like the path it points to; `..` is refused as written, before anything is resolved.

/** Larger files are refused unread: a LoRaWAN firmware image is far smaller (TS004 v2 allows at most 2^24 bytes). */
export const MAX_PACKAGE_BYTES = 16 * 1024 * 1024;

export interface PackagePathRules {
  /** campaigns.directory; unset = no path is accepted. */
  directory?: string;
  /** Files that are never a package even inside the directory: the config file, the store. */
  protectedFiles?: readonly string[];
}

function refused(path: string, expected: string, got: string, code = 'PACKAGE_PATH_REFUSED'): CallerError {
  return new CallerError(code, `package path ${JSON.stringify(path)}: expected ${expected}, got ${got}`);
}

/** The real path of `path` (relative to the directory, or absolute inside it), checked. */
export async function resolvePackagePath(path: string, rules: PackagePathRules): Promise<string> {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) throw refused(String(path), 'a file name inside campaigns.directory', JSON.stringify(path));
  if (path.split(/[\\/]/).includes('..')) throw refused(path, 'a path inside campaigns.directory without ".."', 'a ".." segment');
  if (rules.directory === undefined) throw refused(path, 'campaigns.directory to be set (package paths are only read from it)', 'none configured', 'PACKAGE_PATH_NO_DIRECTORY');
  const directory = await realpath(rules.directory).catch((error: NodeJS.ErrnoException) => {
    throw refused(path, 'campaigns.directory to exist', error.code ?? error.message);
  });
  const given = isAbsolute(path) ? path : resolve(directory, path);
  let real: string;
  try {
    real = await realpath(given);
  } catch (error) {
    throw refused(path, 'a readable file inside campaigns.directory', (error as NodeJS.ErrnoException).code ?? (error as Error).message, 'PACKAGE_UNREADABLE');
  }
  const inside = relative(directory, real);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw refused(path, `a file inside campaigns.directory ${JSON.stringify(directory)}`, `${JSON.stringify(real)}, outside it`);
  }
  for (const file of rules.protectedFiles ?? []) {
    const protectedReal = await realpath(file).catch(() => resolve(file));
    if (protectedReal === real) throw refused(path, 'a package file', "the service's own configuration or store");
  }
  const info = await stat(real);
  if (!info.isFile()) throw refused(path, 'a regular file', 'a directory or special file');
  if (info.size > MAX_PACKAGE_BYTES) throw refused(path, `at most ${MAX_PACKAGE_BYTES} bytes`, `${info.size} bytes`, 'PACKAGE_TOO_LARGE');
  return real;
}

export async function readPackageFile(path: string, rules: PackagePathRules): Promise<Uint8Array> {
  return new Uint8Array(await readFile(await resolvePackagePath(path, rules)));
}
