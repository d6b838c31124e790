import { Command } from 'commander';
import { addPackageOptions, readPackageOptions } from '../package-options.js';

// The codecs are imported inside the action: `fuota --help` must not load them (issue #17).

export function register(program: Command): void {
  addPackageOptions(
    program
      .command('encode')
      .description('encode commands given as JSON (one object or an array) into a frame, printed as hex')
      .argument('<json>', 'e.g. \'{"command":"AppTimeAns","timeCorrection":5,"tokenAns":1}\''),
  ).action(async (json: string, options) => {
    const { bytesToHex } = await import('../../core/hex.js');
    const { encodeCommands } = await import('../../lorawan/app-layer.js');
    const { commandsFromJson } = await import('../command-json.js');
    const { spec, version, direction } = await readPackageOptions(options);
    const commands = commandsFromJson(spec, version, direction, json);
    process.stdout.write(`${bytesToHex(encodeCommands(spec, version, direction, commands))}\n`);
  });
}
