#!/usr/bin/env node
// The `fuota` command. The sources are TypeScript run through tsx (esbuild transpiles on load,
// cached; the code then runs at native speed), so there is no separate build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
