import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runCli } from '../helpers/run-cli.js';

function images(dir: string): { oldPath: string; newPath: string; next: Uint8Array } {
  const old = Uint8Array.from({ length: 4000 }, (_, i) => (i * 37 + (i >> 5)) & 0xff);
  const next = Uint8Array.from([...old.subarray(0, 1500), 1, 2, 3, ...old.subarray(1500)]);
  next[3000] ^= 0x55;
  writeFileSync(join(dir, 'old.bin'), old);
  writeFileSync(join(dir, 'new.bin'), next);
  return { oldPath: join(dir, 'old.bin'), newPath: join(dir, 'new.bin'), next };
}

test('fuota diff then fuota patch rebuilds NEW', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-delta-'));
  const { oldPath, newPath, next } = images(dir);
  const diff = await runCli(['diff', oldPath, newPath, join(dir, 'p.jdf')]);
  t.is(diff.code, 0, diff.stderr);
  t.regex(diff.stdout, /p\.jdf: \d+ bytes, [\d.]+ % of NEW \(4003 bytes\)/);
  const patch = await runCli(['patch', oldPath, join(dir, 'p.jdf'), join(dir, 'out.bin')]);
  t.is(patch.code, 0, patch.stderr);
  t.deepEqual(new Uint8Array(readFileSync(join(dir, 'out.bin'))), next);
});

test('fuota patch refuses a patch reading past OLD with one line and writes nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-delta-'));
  const { oldPath } = images(dir);
  writeFileSync(join(dir, 'bad.jdf'), Uint8Array.of(0xa7, 0xa6, 0x41, 0xa7, 0xa3, 253, 0x0f, 0xa0)); // EQL 4000 after MOD 1
  const result = await runCli(['patch', oldPath, join(dir, 'bad.jdf'), join(dir, 'out.bin')]);
  t.is(result.code, 1);
  t.is(result.stderr, 'fuota: JojoDiff patch at offset 3: expected EQL within the old image (4000 bytes), got 4000 bytes from old offset 1\n');
  t.false(existsSync(join(dir, 'out.bin')));
  t.deepEqual(readdirSync(dir).sort(), ['bad.jdf', 'new.bin', 'old.bin']);
});

test('fuota diff names a missing input in one line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-delta-'));
  const result = await runCli(['diff', join(dir, 'nope.bin'), join(dir, 'nope.bin'), join(dir, 'p.jdf')]);
  t.is(result.code, 1);
  t.regex(result.stderr, /^fuota: OLD .*nope\.bin: cannot read \(ENOENT\)\n$/);
  t.false(existsSync(join(dir, 'p.jdf')));
});
