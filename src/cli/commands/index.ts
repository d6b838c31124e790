import type { Command } from 'commander';
// One import per command file (keep this list sorted by file name).
import { register as airtime } from './airtime.js';
import { register as campaign } from './campaign.js';
import { register as decode } from './decode.js';
import { register as demo } from './demo.js';
import { register as defragment } from './defragment.js';
import { register as diff } from './diff.js';
import { register as encode } from './encode.js';
import { register as fragment } from './fragment.js';
import { register as keys } from './keys.js';
import { register as packageCommand } from './package.js';
import { register as patch } from './patch.js';
import { register as plan } from './plan.js';
import { register as serve } from './serve.js';
import { register as sim } from './sim.js';
import { register as token } from './token.js';

/** Each command lives in its own file and exports `register(program)`; listed here in help order. */
const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  // one entry per command
  decode,
  encode,
  demo,
  fragment,
  defragment,
  plan,
  airtime,
  packageCommand,
  keys,
  diff,
  patch,
  serve,
  sim,
  campaign,
  token,
];

export function registerCommands(program: Command): void {
  for (const register of COMMANDS) register(program);
}
