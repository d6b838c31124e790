import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { ValueError } from '../../core/errors.js';
import { FEC_SCHEMES, parseFecScheme } from '../../fec/scheme.js';
import { parseIntegerOption } from './fragment.js';

// The codecs are imported inside the action: `fuota --help` must not load them (issue #17).

export function register(program: Command): void {
  program
    .command('defragment')
    .description('read DataFragment hex lines (any subset) from stdin and write the rebuilt block to stdout')
    .requiredOption('--nb-frag <count>', 'NbFrag (M), 1..16383')
    .requiredOption('--fragment-size <bytes>', 'FragSize, 1..255')
    .option('--matrix <scheme>', `FEC scheme: ${FEC_SCHEMES.join(', ')}`, 'v1')
    .option('--size <bytes>', 'block size in bytes (drops the padding); default M × FragSize')
    .action(async (options: { nbFrag: string; fragmentSize: string; matrix: string; size?: string }) => {
      const { hexToBytes } = await import('../../core/hex.js');
      const { createDecoder, codecSpec } = await import('../../fec/create-codec.js');
      const { decodeDataFragment } = await import('../../fec/data-fragment.js');
      const { requireBlock } = await import('../../fec/not-enough-fragments.js');
      const { reedSolomonReady } = await import('../../fec/rs-engine.js');
      const nbFrag = parseIntegerOption(options.nbFrag, '--nb-frag');
      const fragmentSize = parseIntegerOption(options.fragmentSize, '--fragment-size');
      const scheme = parseFecScheme(options.matrix);
      const size = options.size === undefined ? undefined : parseIntegerOption(options.size, '--size');
      const paddingBytes = size === undefined ? 0 : nbFrag * fragmentSize - size;
      if (size !== undefined && (paddingBytes < 0 || paddingBytes >= fragmentSize)) {
        throw new ValueError('--size', `${(nbFrag - 1) * fragmentSize + 1}..${nbFrag * fragmentSize} bytes for M = ${nbFrag} fragments of ${fragmentSize}`, size, 'FEC_PADDING');
      }
      const engine = scheme === 'rs' ? await reedSolomonReady() : undefined;
      // The CLI accepts the lines in any order; simulated devices use the default 'ascending'.
      const decoder = createDecoder(codecSpec(scheme, engine), nbFrag, fragmentSize, { paddingBytes, order: 'any' });
      let fragIndex: number | undefined;
      let lineNumber = 0;
      for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
        lineNumber++;
        if (line.trim() === '') continue;
        const fragment = decodeDataFragment(hexToBytes(line, `stdin line ${lineNumber}`));
        fragIndex ??= fragment.fragIndex;
        if (fragment.fragIndex !== fragIndex) {
          throw new ValueError(`stdin line ${lineNumber} FragIndex`, `${fragIndex} like the first fragment (one session at a time)`, fragment.fragIndex, 'FEC_FRAG_INDEX');
        }
        decoder.push(fragment.n, fragment.data);
      }
      // Too few fragments throws NotEnoughFragmentsError (a CallerError): main.ts prints it as
      // every CLI error, one `fuota: not enough fragments: rank r of M` line, exit 1.
      process.stdout.write(requireBlock(decoder));
    });
}
