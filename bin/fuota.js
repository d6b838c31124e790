#!/bin/sh
":" //; exec node --max-semi-space-size=64 "$0" "$@"
// The two lines above start this file under node with the flag: sh runs the second line, which
// to JavaScript is a string and a comment. `#!/usr/bin/env -S node ...` would not run where env
// has no -S (BusyBox's, as on Alpine; OpenBSD's, NetBSD's). `node bin/fuota.js` skips them.
// The `fuota` command. It runs the compiled JavaScript in dist/ (`npm run build`, which `npm ci`
// runs through `prepare`); in a checkout whose dist/ is older than src/ it runs the TypeScript
// sources through tsx instead, so an edit is never run stale (bin/entry-point.js). Commands import
// what they run only when they run (src/cli/commands/), so `fuota --help` loads their definitions
// alone (issue #17).
//
// --max-semi-space-size=64 (MiB; Node 20's default is 16): a campaign allocates a short-lived copy
// of what each event changes (campaign/draft.ts), and scavenges were ~10 % of a benchmark's CPU
// (perf). bench/campaign.ts --one 100000:mix:adaptive:42:sqlite:500 with 16 and 64 MiB side by
// side: 665.6 -> 602.4 s (-9.5 %), peak resident 2 409 -> 2 569 MB; at 10 000 devices 85.6 ->
// 77.9 s, and 32, 64 and 128 MiB alike (62.2 and 61.9 s; 52.7 and 52.1 s, 128 MiB 180 MB more
// resident) (issue #17). Who starts this file as `node bin/fuota.js` (the npm scripts, the
// Dockerfile) passes the flag too: test/bin/node-flags.test.ts checks that each does. Elsewhere:
// NODE_OPTIONS=--max-semi-space-size=64.
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
