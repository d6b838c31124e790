import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';

// The young generation `fuota` runs with (bin/fuota.js says why): every launcher passes the flags
// bin/fuota.js starts node with (its second line, for sh), or a campaign run through one of them
// would be the slower one that the benchmarks no longer measure.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

const [shebang, start] = read('bin/fuota.js').split('\n') as [string, string];
const FLAGS = /^":" \/\/; exec node (.+) "\$0" "\$@"$/.exec(start)?.[1] ?? '';

test('bin/fuota.js starts node through sh with the young-generation flag', (t) => {
  t.is(shebang, '#!/bin/sh');
  t.regex(FLAGS, /^--max-semi-space-size=\d+$/);
});

test("npm run fuota and npm run demo pass bin/fuota.js's flags", (t) => {
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  t.is(scripts['fuota'], `node ${FLAGS} bin/fuota.js`);
  t.is(scripts['demo'], `node ${FLAGS} bin/fuota.js demo`);
});

test("the container's entry point passes bin/fuota.js's flags", (t) => {
  const entrypoint = read('Dockerfile').split('\n').find((line) => line.startsWith('ENTRYPOINT'));
  t.is(entrypoint, `ENTRYPOINT ["node", ${FLAGS.split(' ').map((f) => JSON.stringify(f)).join(', ')}, "/app/bin/fuota.js"]`);
});

test("the campaign and intake benchmarks run what they measure with bin/fuota.js's flags", (t) => {
  t.true(read('bench/campaign.ts').includes(`'${FLAGS}'`), `bench/campaign.ts spawns its runs without '${FLAGS}'`);
  t.true(read('bench/intake.ts').includes(`'${FLAGS}'`), `bench/intake.ts forks the service without '${FLAGS}'`);
});

test('bin/fuota.js runs as a program through its first two lines', async (t) => {
  const { stdout } = await promisify(execFile)(`${ROOT}bin/fuota.js`, ['--help'], { cwd: ROOT });
  t.regex(stdout, /^Usage: fuota /);
});
