// @ts-check
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Runs first in `prepare` (plain JavaScript: it must run where tsx is missing). `npm ci` runs
// `prepare`, which builds dist/ with esbuild through tsx (scripts/build-dist.ts), both development
// dependencies. `npm ci --omit=dev` in a checkout leaves them out, and the build then failed with
// a module-resolution stack trace: this says what is missing and how to install instead.

/** The tools the build needs (devDependencies). */
export const BUILD_TOOLS = /** @type {const} */ (['esbuild', 'tsx']);

/**
 * The build tools not installed in the package at `root` (npm ci puts them in node_modules/).
 * @param {string} root
 * @returns {string[]}
 */
export function missingBuildTools(root) {
  return BUILD_TOOLS.filter((name) => !existsSync(join(root, 'node_modules', name, 'package.json')));
}

/**
 * What to tell the user when tools are missing.
 * @param {readonly string[]} missing
 * @returns {string}
 */
export function missingBuildToolsMessage(missing) {
  return (
    `fuota: building dist/ (npm prepare) needs the development dependencies ${missing.join(' and ')}, which are not installed ` +
    `(npm ci --omit=dev leaves them out). Install with \`npm ci\`, then drop them with \`npm prune --omit=dev\` (as the Dockerfile does).\n`
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // The package root: this file's parent directory, or the one given (tests).
  const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url));
  const missing = missingBuildTools(root);
  if (missing.length > 0) {
    process.stderr.write(missingBuildToolsMessage(missing));
    process.exitCode = 1;
  }
}
