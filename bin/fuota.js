#!/usr/bin/env node
// The `fuota` command. It runs the compiled JavaScript in dist/ (`npm run build`, which `npm ci`
// runs through `prepare`); in a checkout whose dist/ is older than src/ it runs the TypeScript
// sources through tsx instead, so an edit is never run stale (bin/entry-point.js). Commands import
// what they run only when they run (src/cli/commands/), so `fuota --help` loads their definitions
// alone (issue #17).
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chooseEntryPoint } from './entry-point.js';

const entry = chooseEntryPoint(fileURLToPath(new URL('..', import.meta.url)));
if (entry.kind === 'source') {
  if (process.env['FUOTA_DEBUG']) process.stderr.write(`fuota: running src/ through tsx (${entry.reason}; npm run build makes dist/ current)\n`);
  // tsx is a development dependency: it is there in a checkout, which is the only place src/ is.
  const { register } = await import('tsx/esm/api');
  register();
}
const { main } = await import(pathToFileURL(entry.main).href);
process.exitCode = await main(process.argv);
