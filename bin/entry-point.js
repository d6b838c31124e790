// @ts-check
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// Which code `fuota` runs. The published package holds dist/ only (compiled by
// scripts/build-dist.ts, which `npm ci` runs through `prepare`): it runs dist/. A checkout holds
// src/ too, and there a developer edits src/ and runs `fuota`, `npm run demo` or a test that
// spawns bin/fuota.js without building: dist/ then runs only if it was built after the last change
// under src/ (every file and directory mtime, so an added, edited, renamed or deleted file counts);
// otherwise the sources run through tsx, slower to start but never stale.

/** @typedef {{ kind: 'dist', main: string } | { kind: 'source', main: string, reason: string }} EntryPoint */

/**
 * Latest mtime (ms) of `dir` and everything under it.
 * @param {string} dir
 * @returns {number}
 */
function latestChangeMs(dir) {
  let latest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? latestChangeMs(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * When the build of `distDir` started reading src/, from its .build-stamp (written last); undefined when missing or unreadable.
 * @param {string} distDir
 * @returns {number | undefined}
 */
function buildStartedAtMs(distDir) {
  try {
    const stamp = JSON.parse(readFileSync(join(distDir, '.build-stamp'), 'utf8'));
    return typeof stamp.startedAtMs === 'number' ? stamp.startedAtMs : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The module that exports `main(argv)` for the package at `root`: dist/cli/main.js, or
 * src/cli/main.ts (to run through tsx) in a checkout whose dist/ is missing, unfinished or older
 * than a change under src/.
 * @param {string} root
 * @returns {EntryPoint}
 */
export function chooseEntryPoint(root) {
  const dist = { kind: /** @type {const} */ ('dist'), main: join(root, 'dist', 'cli', 'main.js') };
  const sourceMain = join(root, 'src', 'cli', 'main.ts');
  if (!existsSync(sourceMain)) return dist;
  const source = (/** @type {string} */ reason) => ({ kind: /** @type {const} */ ('source'), main: sourceMain, reason });
  const startedAtMs = buildStartedAtMs(join(root, 'dist'));
  if (startedAtMs === undefined || !existsSync(dist.main)) return source('dist/ is missing or its build did not finish');
  // >=: a change in the very millisecond the build started may not be in it.
  if (latestChangeMs(join(root, 'src')) >= startedAtMs) return source('src/ changed after dist/ was built');
  return dist;
}
