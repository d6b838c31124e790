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

test('fuota diff --janpatch current leaves ESC MOD out; fuota patch applies both dialects, --janpatch legacy refuses the current one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-delta-'));
  const { oldPath, newPath, next } = images(dir);
  const sizes: Record<string, number> = {};
  for (const dialect of ['legacy', 'current']) {
    const diff = await runCli(['diff', oldPath, newPath, join(dir, `${dialect}.jdf`), '--janpatch', dialect]);
    t.is(diff.code, 0, diff.stderr);
    t.regex(diff.stdout, new RegExp(`${dialect}\\.jdf: \\d+ bytes, [\\d.]+ % of NEW \\(4003 bytes\\), janpatch ${dialect}, `));
    sizes[dialect] = readFileSync(join(dir, `${dialect}.jdf`)).length;
    const patch = await runCli(['patch', oldPath, join(dir, `${dialect}.jdf`), join(dir, `${dialect}.bin`)]);
    t.is(patch.code, 0, patch.stderr);
    t.deepEqual(new Uint8Array(readFileSync(join(dir, `${dialect}.bin`))), next);
  }
  const legacyReadsLegacy = await runCli(['patch', oldPath, join(dir, 'legacy.jdf'), join(dir, 'l2.bin'), '--janpatch', 'legacy']);
  t.is(legacyReadsLegacy.code, 0, legacyReadsLegacy.stderr);
  t.true(sizes.current! <= sizes.legacy!, JSON.stringify(sizes));
  if (sizes.current! < sizes.legacy!) {
    const refused = await runCli(['patch', oldPath, join(dir, 'current.jdf'), join(dir, 'c2.bin'), '--janpatch', 'legacy']);
    t.is(refused.code, 1);
    t.regex(refused.stderr, /^fuota: JojoDiff patch at offset \d+: expected ESC \(0xa7\) starting an operator/);
    t.false(existsSync(join(dir, 'c2.bin')));
  }
});

test("fuota patch applies jdiff 0.8.5's escapes without flags (the shared reference's a7 a3 14 | a7 a0 | a7 a3 0e)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-delta-'));
  const old = Uint8Array.from({ length: 64 }, (_, i) => i);
  writeFileSync(join(dir, 'old.bin'), old);
  writeFileSync(join(dir, 'jdiff.jdf'), Uint8Array.of(0xa7, 0xa3, 0x14, 0xa7, 0xa0, 0xa7, 0xa3, 0x0e));
  const result = await runCli(['patch', join(dir, 'old.bin'), join(dir, 'jdiff.jdf'), join(dir, 'new.bin')]);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, `${join(dir, 'new.bin')}: 38 bytes\n`);
  t.deepEqual(new Uint8Array(readFileSync(join(dir, 'new.bin'))), Uint8Array.from([...old.subarray(0, 21), 0xa7, 0xa0, ...old.subarray(23, 38)]));
  const legacy = await runCli(['patch', join(dir, 'old.bin'), join(dir, 'jdiff.jdf'), join(dir, 'legacy.bin'), '--janpatch', 'legacy']);
  t.is(legacy.code, 1);
  t.is(legacy.stderr, 'fuota: JojoDiff patch at offset 4: expected an operator byte 0xa2..0xa6 after ESC, got 0xa0\n');
  // The hidden --implicit-mod of earlier releases still works (it is now the default) ...
  const implicit = await runCli(['patch', join(dir, 'old.bin'), join(dir, 'jdiff.jdf'), join(dir, 'implicit.bin'), '--implicit-mod']);
  t.is(implicit.code, 0, implicit.stderr);
  t.deepEqual(readFileSync(join(dir, 'implicit.bin')), readFileSync(join(dir, 'new.bin')));
  // ... and contradicting it is refused.
  const both = await runCli(['patch', join(dir, 'old.bin'), join(dir, 'jdiff.jdf'), join(dir, 'both.bin'), '--implicit-mod', '--janpatch', 'legacy']);
  t.is(both.code, 1);
  t.regex(both.stderr, /^fuota: --implicit-mod: expected no --janpatch legacy/);
});

test('diff and patch refuse an unknown --janpatch dialect, and their help names both', async (t) => {
  const bad = await runCli(['diff', 'a', 'b', 'c', '--janpatch', 'jdiff']);
  t.not(bad.code, 0);
  t.regex(bad.stderr, /--janpatch <dialect>' argument 'jdiff' is invalid. Allowed choices are legacy, current/);
  for (const command of ['diff', 'patch']) {
    const help = await runCli([command, '--help']);
    t.regex(help.stdout.replace(/\s+/g, ' '), /--janpatch <dialect> .*\(choices: "legacy", "current"/);
    t.notRegex(help.stdout, /implicit-mod/);
  }
});

test('fuota diff --delta detools writes a detools patch in each compression; fuota patch --delta detools applies it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-delta-'));
  const { oldPath, newPath, next } = images(dir);
  for (const compression of ['none', 'crle', 'heatshrink'] as const) {
    const out = join(dir, `${compression}.dt`);
    const diff = await runCli(['diff', oldPath, newPath, out, '--delta', 'detools', '--compression', compression]);
    t.is(diff.code, 0, diff.stderr);
    t.regex(diff.stdout, new RegExp(`${compression}\\.dt: \\d+ bytes, [\\d.]+ % of NEW \\(4003 bytes\\), detools sequential, ${compression}${compression === 'heatshrink' ? ' 8/7' : ''}, `));
    // detools.c: the first byte is the patch type (sequential = 0) << 4 | the compression id.
    t.is(readFileSync(out)[0], { none: 0x00, crle: 0x02, heatshrink: 0x04 }[compression]);
    const patch = await runCli(['patch', oldPath, out, join(dir, `${compression}.bin`), '--delta', 'detools']);
    t.is(patch.code, 0, patch.stderr);
    t.deepEqual(new Uint8Array(readFileSync(join(dir, `${compression}.bin`))), next);
  }
});

test('fuota patch --delta detools --heatshrink refuses a patch made for another device build, and writes nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-delta-'));
  const { oldPath, newPath } = images(dir);
  const diff = await runCli(['diff', oldPath, newPath, join(dir, 'p.dt'), '--delta', 'detools', '--heatshrink', '9,6']);
  t.is(diff.code, 0, diff.stderr);
  const result = await runCli(['patch', oldPath, join(dir, 'p.dt'), join(dir, 'out.bin'), '--delta', 'detools', '--heatshrink', '8,7']);
  t.is(result.code, 1);
  t.regex(result.stderr, /^fuota: .*expected .*window 8, lookahead 7.*got .*window 9, lookahead 6.*\n$/);
  t.false(existsSync(join(dir, 'out.bin')));
});

test('fuota diff and patch refuse a flag of the other format in one line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-delta-'));
  const { oldPath, newPath } = images(dir);
  const cases: [string[], RegExp][] = [
    [['diff', oldPath, newPath, join(dir, 'p'), '--compression', 'crle'], /^fuota: --compression: expected --delta detools with it, got --delta jojodiff\n$/],
    [['diff', oldPath, newPath, join(dir, 'p'), '--delta', 'detools', '--janpatch', 'current'], /^fuota: --janpatch: expected --delta jojodiff with it, got --delta detools\n$/],
    [['diff', oldPath, newPath, join(dir, 'p'), '--delta', 'detools', '--compression', 'crle', '--heatshrink', '8,7'], /^fuota: --heatshrink: expected --compression heatshrink with it, got --compression crle\n$/],
    [['diff', oldPath, newPath, join(dir, 'p'), '--delta', 'detools', '--heatshrink', '8,8'], /^fuota: --heatshrink: expected <window>,<lookahead> in bits/],
    [['patch', oldPath, newPath, join(dir, 'p'), '--heatshrink', '8,7'], /^fuota: --heatshrink: expected --delta detools with it, got --delta jojodiff\n$/],
    [['patch', oldPath, newPath, join(dir, 'p'), '--delta', 'detools', '--janpatch', 'legacy'], /^fuota: --janpatch: expected --delta jojodiff with it, got --delta detools\n$/],
  ];
  for (const [args, expected] of cases) {
    const result = await runCli(args);
    t.is(result.code, 1, args.join(' '));
    t.regex(result.stderr, expected);
  }
  t.false(existsSync(join(dir, 'p')));
});
