import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { missingBuildTools } from '../../scripts/check-build-tools.js';

// `prepare` checks for the build's development dependencies first: `npm ci --omit=dev` in a
// checkout stops with a message saying what is missing and how to install, not a stack trace.

const SCRIPT = fileURLToPath(new URL('../../scripts/check-build-tools.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function packageRoot(installed: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'fuota-prepare-'));
  for (const name of installed) {
    mkdirSync(join(root, 'node_modules', name), { recursive: true });
    writeFileSync(join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '0.0.0' }));
  }
  return root;
}

function check(root: string) {
  return spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
}

test('with esbuild and tsx installed it passes silently', (t) => {
  const root = packageRoot(['esbuild', 'tsx']);
  try {
    const run = check(root);
    t.is(run.status, 0);
    t.is(run.stderr, '');
    t.is(run.stdout, '');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

for (const installed of [[], ['esbuild'], ['tsx']]) {
  test(`with only [${installed.join(', ')}] installed it fails naming what is missing and how to install`, (t) => {
    const root = packageRoot(installed);
    try {
      const missing = ['esbuild', 'tsx'].filter((name) => !installed.includes(name));
      t.deepEqual(missingBuildTools(root), missing);
      const run = check(root);
      t.is(run.status, 1);
      for (const name of missing) t.true(run.stderr.includes(name), run.stderr);
      for (const name of installed) t.false(run.stderr.includes(` ${name} `), run.stderr);
      t.true(run.stderr.includes('`npm ci`') && run.stderr.includes('`npm prune --omit=dev`'), run.stderr);
      t.false(/\n\s+at /.test(run.stderr), 'no stack trace');
      t.is(run.stderr.trim().split('\n').length, 1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test('this checkout has what the build needs', (t) => {
  t.deepEqual(missingBuildTools(ROOT), []);
});
