// `fuota demo --stacks`: the mix parser and its bad-input table.

import test from 'ava';
import { isFuotaError } from '../../src/core/errors.js';
import { DEFAULT_STACK_MIX, formatStackMix, parseStackMix } from '../../src/demo/stack-mix.js';

test('a mix of shares adding up to 1, in any order; the default reads back to itself', (t) => {
  t.deepEqual(parseStackMix('lbm=1'), { lbm: 1 });
  t.deepEqual(parseStackMix('spec=0.25,loramac-node=0.75'), { spec: 0.25, 'loramac-node': 0.75 });
  t.deepEqual(parseStackMix(formatStackMix(DEFAULT_STACK_MIX)), DEFAULT_STACK_MIX);
});

const bad: Array<[string, RegExp]> = [
  ['zephyr=1', /^--stacks: expected STACK=SHARE with STACK one of loramac-node, lbm, spec, got "zephyr=1"$/],
  ['lbm', /^--stacks: expected a share in 0\.\.1 for lbm, got ""$/],
  ['lbm=', /^--stacks: expected a share in 0\.\.1 for lbm, got ""$/],
  ['lbm=x', /expected a share in 0\.\.1 for lbm, got "x"/],
  ['lbm=1.5', /expected a share in 0\.\.1 for lbm, got "1\.5"/],
  ['lbm=-0.5,spec=1.5', /expected a share in 0\.\.1 for lbm, got "-0\.5"/],
  ['lbm=0.5,lbm=0.5', /^--stacks: lbm is given twice$/],
  ['lbm=0.5,spec=0.4', /^--stacks: expected shares adding up to 1, got 0\.9$/],
  ['lbm=1=2', /expected STACK=SHARE/],
  ['', /expected STACK=SHARE/],
];
for (const [text, message] of bad) {
  test(`refused: ${JSON.stringify(text)}`, (t) => {
    const error = t.throws(() => parseStackMix(text));
    t.true(isFuotaError(error));
    t.regex(error!.message, message);
  });
}
