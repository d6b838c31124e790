import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

// The house's layers (README "Layout"): imports only point downward, the simulated world is a
// peer of the adapters (never importing them: simulator and adapter are independent
// implementations of the same facts), and the two network-server adapters share only what lies
// beside them in src/lns/. Every relative import of src/ is checked.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourcesUnder(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []);
}

/** Every `from '…'`, `import '…'`, `import('…')` of src/, as [importer, imported], both relative to the repository. */
const IMPORTS = sourcesUnder(join(ROOT, 'src')).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.[^']+)'/g)].map((m) => [relative(ROOT, file), relative(ROOT, resolve(dirname(file), m[1]!))] as const));

function offenders(from: string, forbidden: readonly string[]): string[] {
  return IMPORTS.filter(([importer, imported]) => importer.startsWith(from) && forbidden.some((dir) => imported.startsWith(dir))).map(([a, b]) => `${a} → ${b}`);
}

const DOMAIN = ['src/core/', 'src/lorawan/', 'src/fec/', 'src/delta/', 'src/manifest/', 'src/radio/'];
const ABOVE_CAMPAIGN = ['src/lns/', 'src/sim/', 'src/store/', 'src/app/', 'src/api/', 'src/cli/', 'src/web/', 'src/admission/', 'src/intake/', 'src/demo/', 'src/config/'];

test('the pure domain imports nothing above it', (t) => {
  for (const dir of DOMAIN) t.deepEqual(offenders(dir, ['src/campaign/', ...ABOVE_CAMPAIGN]), [], dir);
});

test('the campaign imports neither adapters nor what users touch (it owns its ports)', (t) => {
  t.deepEqual(offenders('src/campaign/', ABOVE_CAMPAIGN), []);
});

test('adapters import neither the simulated world, nor the composition root, nor what users touch', (t) => {
  for (const dir of ['src/lns/', 'src/store/']) t.deepEqual(offenders(dir, ['src/sim/', 'src/app/', 'src/api/', 'src/cli/', 'src/web/', 'src/admission/', 'src/intake/', 'src/demo/', 'src/config/']), [], dir);
});

test('the simulated world imports no network-server adapter and not the composition root', (t) => {
  t.deepEqual(offenders('src/sim/', ['src/lns/chirpstack/', 'src/lns/tts/', 'src/app/', 'src/api/', 'src/cli/']), []);
});

test('each network-server adapter keeps to itself: what both need lies in src/lns/', (t) => {
  t.deepEqual(offenders('src/lns/chirpstack/', ['src/lns/tts/']), []);
  t.deepEqual(offenders('src/lns/tts/', ['src/lns/chirpstack/']), []);
});

test('the checks see imports (a known import is found)', (t) => {
  t.true(IMPORTS.some(([a, b]) => a === 'src/app/tts-wiring.ts' && b === 'src/lns/tts/tts-network-server.js'));
});
