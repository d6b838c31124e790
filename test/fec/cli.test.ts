import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runCli } from '../helpers/run-cli.js';

// Few on purpose: each run starts the real binary (~0.5 s).
const dir = mkdtempSync(join(tmpdir(), 'fuota-fec-'));
const file = join(dir, 'block.bin');
writeFileSync(file, Uint8Array.from({ length: 100 }, (_, i) => i));

test('fuota fragment prints DataFragment hex lines, N ascending (v1 vector from brocaar/lorawan encode_test.go)', async (t) => {
  const result = await runCli(['fragment', '--fragment-size', '10', '--redundancy', '2', '--frag-index', '1', file]);
  t.is(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  t.is(lines.length, 12);
  t.is(lines[0], '080140' + '00010203040506070809');
  t.is(lines[10], '080b40' + '262622222e2e22222626');
  t.is(lines[11], '080c40' + '5455565758596a6b7c7d');
});

test('fuota fragment | subset | fuota defragment rebuilds the file (v2), and reports the rank when short', async (t) => {
  const fragments = (await runCli(['fragment', '--fragment-size', '10', '--redundancy', '8', '--matrix', 'v2', file])).stdout.trim().split('\n');
  const subset = fragments.filter((_, i) => i !== 1 && i !== 4);
  const rebuilt = await runCli(['defragment', '--nb-frag', '10', '--fragment-size', '10', '--matrix', 'v2', '--size', '100'], `${subset.join('\n')}\n`);
  t.is(rebuilt.code, 0, rebuilt.stderr);
  t.deepEqual([...rebuilt.stdoutBytes], Array.from({ length: 100 }, (_, i) => i));
  const short = await runCli(['defragment', '--nb-frag', '10', '--fragment-size', '10', '--matrix', 'v2'], `${fragments.slice(0, 7).join('\n')}\n`);
  t.is(short.code, 1);
  // Issue #14: every CLI error is one `fuota: …` line, this one too.
  t.is(short.stderr, 'fuota: not enough fragments: rank 7 of 10\n');
  t.is(short.stdout, '');
});

test('fuota fragment rejects a fragment size of 0 with a clear message', async (t) => {
  const result = await runCli(['fragment', '--fragment-size', '0', '--redundancy', '1', file]);
  t.is(result.code, 1);
  t.is(result.stderr, 'fuota: fragment size (bytes): expected an integer in 1..255, got 0\n');
});
