import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// `npm run build` (run by `npm ci` through `prepare`): src/**/*.ts → dist/**/*.js, one file per
// file, with the same layout, so that a path a module computes from import.meta.url (../../proto,
// ../../web/public) means the same from dist/ as from src/. Every other file under src/ (the
// dashboard) is copied as it is. esbuild, not tsc: it is the transform tsx applies when the
// sources run in development and tests (same options: ESM, keepNames), so dist/ behaves like
// what the tests ran, and it takes about a second where an emitting tsc run takes half a minute;
// `npm test` type-checks with tsc. Last comes dist/.build-stamp, which bin/fuota.js reads to
// decide whether dist/ is current (bin/entry-point.js).

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Written last: when the build started reading src/ (a file changed after it makes dist/ stale). */
export const BUILD_STAMP = '.build-stamp';

export interface BuildResult {
  outDir: string;
  modules: number;
  assets: number;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : entry.isFile() ? [path] : [];
  });
}

/** Builds src/ of `root` into `outDir` (emptied first, so a deleted source leaves no module behind). */
export async function buildDist(options: { root?: string; outDir?: string } = {}): Promise<BuildResult> {
  const root = options.root ?? ROOT;
  const srcDir = join(root, 'src');
  const outDir = resolve(options.outDir ?? join(root, 'dist'));
  const startedAtMs = Date.now();
  rmSync(outDir, { recursive: true, force: true });
  const files = filesUnder(srcDir);
  const modules = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  const assets = files.filter((file) => !file.endsWith('.ts'));
  await build({
    entryPoints: modules,
    outdir: outDir,
    outbase: srcDir,
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    keepNames: true,
    tsconfig: join(root, 'tsconfig.json'),
    logLevel: 'warning',
  });
  for (const asset of assets) {
    const target = join(outDir, relative(srcDir, asset));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(asset, target);
  }
  writeFileSync(join(outDir, BUILD_STAMP), `${JSON.stringify({ startedAtMs })}\n`);
  return { outDir, modules: modules.length, assets: assets.length };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const result = await buildDist();
  process.stdout.write(`built ${relative(process.cwd(), result.outDir) || '.'}/: ${result.modules} modules, ${result.assets} assets, ${Math.round(performance.now() - started)} ms\n`);
}
