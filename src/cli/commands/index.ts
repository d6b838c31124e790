import type { Command } from 'commander';
// One import per command file (keep this list sorted by file name).

/** Each command lives in its own file and exports `register(program)`; listed here in help order. */
const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  // one entry per command
];

export function registerCommands(program: Command): void {
  for (const register of COMMANDS) register(program);
}
