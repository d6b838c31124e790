import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { chooseEntryPoint } from '../../bin/entry-point.js';

// The stale-build rule of bin/fuota.js, on a package tree of its own with set mtimes: dist/ runs
// only when there is no src/ (the published package) or dist/ was built after every change under src/.

const BUILD_STARTED_MS = Date.parse('2026-01-01T12:00:00Z');
const BEFORE = new Date(BUILD_STARTED_MS - 60_000);
const AFTER = new Date(BUILD_STARTED_MS + 60_000);

function packageTree(options: { src: boolean; dist: boolean; stamp?: boolean }): string {
  const root = mkdtempSync(join(tmpdir(), 'fuota-entry-'));
  if (options.src) {
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    writeFileSync(join(root, 'src', 'cli', 'main.ts'), 'export {};\n');
    for (const path of ['src/cli/main.ts', 'src/cli', 'src']) utimesSync(join(root, path), BEFORE, BEFORE);
  }
  if (options.dist) {
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'dist', 'cli', 'main.js'), 'export {};\n');
    if (options.stamp ?? true) writeFileSync(join(root, 'dist', '.build-stamp'), `${JSON.stringify({ startedAtMs: BUILD_STARTED_MS })}\n`);
  }
  return root;
}

test('the published package (no src/) runs dist/', (t) => {
  const root = packageTree({ src: false, dist: true });
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  t.deepEqual(chooseEntryPoint(root), { kind: 'dist', main: join(root, 'dist', 'cli', 'main.js') });
});

test('a checkout whose dist/ was built after the last change under src/ runs dist/', (t) => {
  const root = packageTree({ src: true, dist: true });
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  t.is(chooseEntryPoint(root).kind, 'dist');
});

test('a checkout without dist/, or with an unfinished build (no stamp), runs the sources', (t) => {
  for (const tree of [{ src: true, dist: false }, { src: true, dist: true, stamp: false }]) {
    const root = packageTree(tree);
    t.teardown(() => rmSync(root, { recursive: true, force: true }));
    t.like(chooseEntryPoint(root), { kind: 'source', main: join(root, 'src', 'cli', 'main.ts'), reason: 'dist/ is missing or its build did not finish' });
  }
});

test('an edited source file makes dist/ stale: the sources run', (t) => {
  const root = packageTree({ src: true, dist: true });
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  utimesSync(join(root, 'src', 'cli', 'main.ts'), AFTER, AFTER);
  t.like(chooseEntryPoint(root), { kind: 'source', reason: 'src/ changed after dist/ was built' });
});

test('a file added or deleted under src/ (its directory changed) makes dist/ stale, whatever the mtime of the file', (t) => {
  const root = packageTree({ src: true, dist: true });
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'src', 'core'));
  writeFileSync(join(root, 'src', 'core', 'old-file.ts'), 'export {};\n');
  utimesSync(join(root, 'src', 'core', 'old-file.ts'), BEFORE, BEFORE);
  utimesSync(join(root, 'src'), BEFORE, BEFORE);
  utimesSync(join(root, 'src', 'core'), AFTER, AFTER);
  t.is(chooseEntryPoint(root).kind, 'source');
  utimesSync(join(root, 'src', 'core'), BEFORE, BEFORE);
  t.is(chooseEntryPoint(root).kind, 'dist', 'the same tree with the directory unchanged since the build');
});
