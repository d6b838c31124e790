import test from 'ava';
import fc from 'fast-check';
import { ValueError } from '../../src/core/errors.js';
import {
  JANPATCH_DIALECTS,
  dataMarkerCostBytes,
  dataRunCostBytes,
  escapedRunBytes,
  isJanpatchDialect,
  lengthOpsCostBytes,
  type JanpatchDialect,
  type PreviousOp,
} from '../../src/delta/jojo-format.js';
import { applyPatch } from '../../src/delta/jojo-patch.js';
import { PatchWriter } from '../../src/delta/patch-writer.js';
import { runJanpatch, type JanpatchBuild } from './janpatch-model.js';

const ESC = 0xa7;
const MOD = 0xa6;
const INS = 0xa5;
const DEL = 0xa4;
const EQL = 0xa3;
const BKT = 0xa2;

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

// Which janpatch builds must apply each dialect's patches (janpatch-model.ts).
const BUILDS: Record<JanpatchDialect, JanpatchBuild[]> = {
  legacy: ['84a5786', '19f5efb', 'c8ad3ee'],
  current: ['19f5efb', 'c8ad3ee'],
};

type Step = { kind: 'mod'; data: number[] } | { kind: 'ins'; data: number[] } | { kind: 'eql'; count: number } | { kind: 'seek'; delta: number };

function write(dialect: JanpatchDialect, steps: Step[]): Uint8Array {
  const writer = new PatchWriter({ dialect });
  for (const step of steps) {
    if (step.kind === 'mod' || step.kind === 'ins') writer.literal(step.kind === 'mod' ? MOD : INS, Uint8Array.from(step.data), 0, step.data.length);
    else if (step.kind === 'eql') writer.equal(step.count);
    else writer.seek(step.delta);
  }
  return writer.finish();
}

// Known answers: where each dialect writes the data marker.
const markers: Array<[string, Step[], number[], number[]]> = [
  ['MOD at the start', [{ kind: 'mod', data: [1, 2] }], [ESC, MOD, 1, 2], [1, 2]],
  ['MOD at the start beginning with ESC (jdiff would write ESC x there)', [{ kind: 'mod', data: [ESC, 0] }], [ESC, MOD, ESC, 0], [ESC, MOD, ESC, 0]],
  ['INS at the start', [{ kind: 'ins', data: [1] }], [ESC, INS, 1], [ESC, INS, 1]],
  ['MOD after EQL', [{ kind: 'eql', count: 2 }, { kind: 'mod', data: [9] }], [ESC, EQL, 1, ESC, MOD, 9], [ESC, EQL, 1, 9]],
  ['MOD after DEL', [{ kind: 'seek', delta: 3 }, { kind: 'mod', data: [9] }], [ESC, DEL, 2, ESC, MOD, 9], [ESC, DEL, 2, 9]],
  ['MOD after BKT', [{ kind: 'eql', count: 4 }, { kind: 'seek', delta: -3 }, { kind: 'mod', data: [9] }], [ESC, EQL, 3, ESC, BKT, 2, ESC, MOD, 9], [ESC, EQL, 3, ESC, BKT, 2, 9]],
  ['MOD after INS', [{ kind: 'ins', data: [1] }, { kind: 'mod', data: [2] }], [ESC, INS, 1, ESC, MOD, 2], [ESC, INS, 1, ESC, MOD, 2]],
  ['INS after EQL', [{ kind: 'eql', count: 1 }, { kind: 'ins', data: [2] }], [ESC, EQL, 0, ESC, INS, 2], [ESC, EQL, 0, ESC, INS, 2]],
  ['MOD after EQL beginning with ESC ESC', [{ kind: 'eql', count: 1 }, { kind: 'mod', data: [ESC, ESC] }], [ESC, EQL, 0, ESC, MOD, ESC, ESC, ESC, ESC], [ESC, EQL, 0, ESC, MOD, ESC, ESC, ESC, ESC]],
  ['MOD whose second byte is ESC after DEL', [{ kind: 'seek', delta: 1 }, { kind: 'mod', data: [5, ESC, EQL] }], [ESC, DEL, 0, ESC, MOD, 5, ESC, ESC, EQL], [ESC, DEL, 0, 5, ESC, ESC, EQL]],
  [
    'a seek netting to zero vanishes and the MOD runs around it merge',
    [{ kind: 'mod', data: [1] }, { kind: 'seek', delta: 5 }, { kind: 'seek', delta: -5 }, { kind: 'mod', data: [2] }],
    [ESC, MOD, 1, 2],
    [1, 2],
  ],
  [
    'EQL runs around a seek netting to zero merge',
    [{ kind: 'eql', count: 2 }, { kind: 'seek', delta: 1 }, { kind: 'seek', delta: -1 }, { kind: 'eql', count: 3 }],
    [ESC, EQL, 4],
    [ESC, EQL, 4],
  ],
  [
    'EQL, seek, EQL keep their order',
    [{ kind: 'eql', count: 2 }, { kind: 'seek', delta: 1 }, { kind: 'eql', count: 3 }],
    [ESC, EQL, 1, ESC, DEL, 0, ESC, EQL, 2],
    [ESC, EQL, 1, ESC, DEL, 0, ESC, EQL, 2],
  ],
];
for (const [name, steps, legacy, current] of markers) {
  test(`data markers: ${name}`, (t) => {
    const old = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);
    const legacyPatch = write('legacy', steps);
    const currentPatch = write('current', steps);
    t.deepEqual([...legacyPatch], legacy, 'legacy');
    t.deepEqual([...currentPatch], current, 'current');
    t.deepEqual(applyPatch(old, currentPatch), applyPatch(old, legacyPatch, { dialect: 'legacy' }));
  });
}

test('the default dialect is legacy, and only the two dialects are accepted', (t) => {
  t.is(new PatchWriter().dialect, 'legacy');
  t.deepEqual([...JANPATCH_DIALECTS], ['legacy', 'current']);
  t.true(JANPATCH_DIALECTS.every(isJanpatchDialect));
  t.false(isJanpatchDialect('implicit'));
  t.throws(() => new PatchWriter({ dialect: 'jdiff' as JanpatchDialect }), { instanceOf: ValueError });
});

test('cost helpers: markers, escapes and split lengths', (t) => {
  const previous: PreviousOp[] = ['start', EQL, DEL, BKT, MOD, INS];
  t.deepEqual(previous.map((p) => dataMarkerCostBytes('current', p, MOD, 0x41)), [0, 0, 0, 0, 2, 2]);
  t.deepEqual(previous.map((p) => dataMarkerCostBytes('legacy', p, MOD, 0x41)), [2, 2, 2, 2, 2, 2]);
  t.deepEqual(previous.map((p) => dataMarkerCostBytes('current', p, INS, 0x41)), [2, 2, 2, 2, 2, 2]);
  t.is(dataMarkerCostBytes('current', EQL, MOD, ESC), 2);
  t.is(escapedRunBytes(Uint8Array.of(ESC, 0x00, ESC, 0xa2, ESC, 0xa8, ESC)), 7 + 2);
  t.is(escapedRunBytes(Uint8Array.of(1, ESC, 0xa1, 2), 1, 2), 2); // ESC ends the sub-run: doubled
  t.is(dataRunCostBytes('current', 'start', MOD, Uint8Array.of(1, 2, 3)), 3);
  t.is(dataRunCostBytes('legacy', 'start', MOD, Uint8Array.of(1, 2, 3)), 5);
  t.is(dataRunCostBytes('current', 'start', MOD, new Uint8Array(0)), 0);
  t.is(lengthOpsCostBytes(1), 3);
  t.is(lengthOpsCostBytes(253), 4);
  t.is(lengthOpsCostBytes(509), 5);
  t.is(lengthOpsCostBytes(65536), 7);
  t.is(lengthOpsCostBytes(2 ** 31 + 5), 7 + 3);
});

const denseByte = fc.oneof(fc.integer({ min: 0xa1, max: 0xa8 }), fc.integer({ min: 0, max: 255 }));

test('the cost helpers price every run exactly as the writer writes it (property)', (t) => {
  // Normalized streams (no two neighbours the writer would merge), so each step is one run.
  const run: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constantFrom('mod' as const, 'ins' as const), data: fc.array(denseByte, { minLength: 1, maxLength: 12 }) }),
    fc.record({ kind: fc.constant('eql' as const), count: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 60000, max: 70000 })) }),
    fc.record({ kind: fc.constant('seek' as const), delta: fc.integer({ min: -700, max: 700 }).filter((d) => d !== 0) }),
  );
  fc.assert(
    fc.property(fc.constantFrom(...JANPATCH_DIALECTS), fc.array(run, { maxLength: 20 }), (dialect, raw) => {
      const steps = raw.filter((step, i) => i === 0 || step.kind !== raw[i - 1]!.kind);
      let previous: PreviousOp = 'start';
      let predicted = 0;
      for (const step of steps) {
        if (step.kind === 'mod' || step.kind === 'ins') {
          const op = step.kind === 'mod' ? MOD : INS;
          predicted += dataRunCostBytes(dialect, previous, op, Uint8Array.from(step.data));
          previous = op;
        } else if (step.kind === 'eql') {
          predicted += lengthOpsCostBytes(step.count);
          previous = EQL;
        } else {
          predicted += lengthOpsCostBytes(Math.abs(step.delta));
          previous = step.delta > 0 ? DEL : BKT;
        }
      }
      return write(dialect, steps).length === predicted;
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

/** Random valid operation streams over `old`, with the new image they describe. */
function opStream(oldLength: number): fc.Arbitrary<{ steps: Step[]; expected: (old: Uint8Array) => Uint8Array }> {
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constantFrom('mod' as const, 'ins' as const), data: fc.array(denseByte, { minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('eql' as const), count: fc.integer({ min: 1, max: 300 }) }),
    fc.record({ kind: fc.constant('seek' as const), delta: fc.integer({ min: -300, max: 300 }) }),
  );
  const raw = fc.array(step, { maxLength: 16 });
  return raw.map((candidates) => {
    // Clamp to valid operations: EQL within the old image, the old position never below 0.
    const steps: Step[] = [];
    let position = 0;
    for (const step of candidates) {
      if (step.kind === 'mod') {
        steps.push(step);
        position += step.data.length;
      } else if (step.kind === 'ins') {
        steps.push(step);
      } else if (step.kind === 'eql') {
        const count = Math.min(step.count, oldLength - position);
        if (count > 0) steps.push({ kind: 'eql', count });
        position += Math.max(count, 0);
      } else {
        const delta = Math.max(step.delta, -position);
        steps.push({ kind: 'seek', delta });
        position += delta;
      }
    }
    const expected = (old: Uint8Array): Uint8Array => {
      const out: number[] = [];
      let o = 0;
      for (const step of steps) {
        if (step.kind === 'mod') {
          out.push(...step.data);
          o += step.data.length;
        } else if (step.kind === 'ins') out.push(...step.data);
        else if (step.kind === 'eql') {
          out.push(...old.subarray(o, o + step.count));
          o += step.count;
        } else o += step.delta;
      }
      return Uint8Array.from(out);
    };
    return { steps, expected };
  });
}

for (const dialect of JANPATCH_DIALECTS) {
  test(`${dialect} patches rebuild the intended image in our patcher and in every janpatch build that must apply them (property)`, (t) => {
    const old = Uint8Array.from({ length: 400 }, (_, i) => (i * 29 + 11) & 0xff);
    fc.assert(
      fc.property(opStream(old.length), ({ steps, expected }) => {
        const patch = write(dialect, steps);
        const want = expected(old);
        if (!same(applyPatch(old, patch), want)) return false;
        if (dialect === 'legacy' && !same(applyPatch(old, patch, { dialect: 'legacy' }), want)) return false;
        return BUILDS[dialect].every((build) => {
          const run = runJanpatch(old, patch, build);
          return run.kind === 'ok' && same(run.output, want);
        });
      }),
      { numRuns: 2000 },
    );
    t.pass();
  });
}

test('current patches are never larger than legacy ones, and smaller by 2 bytes a marker left out (property)', (t) => {
  const old = new Uint8Array(400);
  fc.assert(
    fc.property(opStream(old.length), ({ steps }) => {
      const legacy = write('legacy', steps);
      const current = write('current', steps);
      return current.length <= legacy.length && (legacy.length - current.length) % 2 === 0;
    }),
  );
  t.pass();
});
