import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { CallerError, ValueError } from '../../core/errors.js';
import { FEC_SCHEMES, parseFecScheme } from '../../fec/scheme.js';

// The codecs are imported inside the action: `fuota --help` must not load them (issue #17).

/** Parses a whole decimal number for an option; range checks are the FEC layer's. */
export function parseIntegerOption(text: string, field: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new ValueError(field, 'a whole number', text, 'INVALID_NUMBER');
  return Number(text);
}

function readBlock(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CallerError('FILE_UNREADABLE', `cannot read ${file}: ${why}`, { cause: error });
  }
}

export function register(program: Command): void {
  program
    .command('fragment')
    .description('cut FILE into TS004 DataFragment payloads (CID 08, Index&N, data), one hex line each, N ascending')
    .argument('<file>', 'the data block (firmware image or delta)')
    .requiredOption('--fragment-size <bytes>', 'FragSize, 1..255')
    .requiredOption('--redundancy <count>', 'coded fragments after the M data fragments')
    .option('--matrix <scheme>', `FEC scheme: ${FEC_SCHEMES.join(', ')} (v1/v2 = TS004 package version)`, 'v1')
    .option('--frag-index <index>', 'FragIndex, 0..3', '0')
    .action(async (file: string, options: { fragmentSize: string; redundancy: string; matrix: string; fragIndex: string }) => {
      const { bytesToHex } = await import('../../core/hex.js');
      const { createEncoder, codecSpec } = await import('../../fec/create-codec.js');
      const { encodeDataFragment } = await import('../../fec/data-fragment.js');
      const { checkFragIndex } = await import('../../fec/limits.js');
      const { reedSolomonReady } = await import('../../fec/rs-engine.js');
      const fragmentSize = parseIntegerOption(options.fragmentSize, '--fragment-size');
      const redundancy = parseIntegerOption(options.redundancy, '--redundancy');
      const fragIndex = checkFragIndex(parseIntegerOption(options.fragIndex, '--frag-index'));
      const scheme = parseFecScheme(options.matrix);
      const block = readBlock(file);
      const engine = scheme === 'rs' ? await reedSolomonReady() : undefined;
      const encoder = createEncoder(codecSpec(scheme, engine), new Uint8Array(block.buffer, block.byteOffset, block.byteLength), fragmentSize);
      let out = '';
      for (const { n, data } of encoder.fragments(redundancy)) {
        out += `${bytesToHex(encodeDataFragment(fragIndex, n, data))}\n`;
        if (out.length > 1 << 16) {
          process.stdout.write(out);
          out = '';
        }
      }
      process.stdout.write(out);
    });
}
