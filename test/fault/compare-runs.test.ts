import test from 'ava';
import { compareRuns, type Downlink, type RunRecord } from './serve-fault-harness.js';

// The fault harness's verdict (test/fault/serve-fault-harness.ts), on made-up runs: the real
// runs take minutes each and are `npm run faults`'s, not npm test's (README "Fault injection").

const A = '70b3d50000000001';
const B = '70b3d50000000002';

/** A TS004 DataFragment (cid 0x08) on port 201: fragIndex and N in its IndexAndN field. */
function fragment(n: number, fragIndex = 0, groupName = 'g1'): Downlink {
  const indexAndN = (fragIndex << 14) | n;
  const hex = `08${(indexAndN & 0xff).toString(16).padStart(2, '0')}${(indexAndN >> 8).toString(16).padStart(2, '0')}aabbcc`;
  return { kind: 'multicast', id: `${groupName}:${n}`, groupName, fPort: 201, payloadHex: hex, atMs: 0 };
}

function unicast(id: string, devEui = A): Downlink {
  return { kind: 'unicast', id, devEui, fPort: 200, payloadHex: '00', atMs: 0 };
}

function run(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    scenario: 'x', seconds: 1, phase: 'completed',
    outcomes: { [A]: 'confirmed', [B]: 'confirmed' },
    firmware: { [A]: 2, [B]: 2 },
    uplinks: { [A]: ['1000 201 00', '2000 201 01'], [B]: ['1500 201 00'] },
    downlinks: [unicast('u1'), unicast('u2', B), fragment(1), fragment(2), fragment(3)],
    outboxAtFault: [], reached: true, notes: [], serveStarts: 1, dir: '/nowhere', serveLog: '', simStderr: '',
    ...overrides,
  };
}

test('a run like its baseline passes', (t) => {
  const verdict = compareRuns(run(), run());
  t.true(verdict.ok, JSON.stringify(verdict));
});

test('another outcome, another firmware or another phase fails, naming the device', (t) => {
  const verdict = compareRuns(run(), run({ phase: 'halted', outcomes: { [A]: 'confirmed', [B]: 'absent' }, firmware: { [A]: 2, [B]: 1 } }));
  t.false(verdict.ok);
  t.deepEqual(verdict.outcomeDiff, ['campaign completed → halted', `${B} confirmed → absent`, `${B} firmware 2 → 1`]);
});

test('an uplink counted twice fails', (t) => {
  const verdict = compareRuns(run(), run({ uplinks: { [A]: ['1000 201 00', '1000 201 00', '2000 201 01'] } }));
  t.false(verdict.ok);
  t.deepEqual(verdict.duplicateUplinks, [`${A} "1000 201 00" ×2`]);
});

test('a fragment sent twice in one group passes only when the outbox held its command at the fault', (t) => {
  const repeated = run({ downlinks: [...run().downlinks, fragment(2)] });
  const unpromised = compareRuns(run(), repeated);
  t.false(unpromised.ok);
  t.deepEqual(unpromised.unpromisedRepeats, ['fragment 0:2 sent 2× in group g1']);
  const promised = compareRuns(run(), { ...repeated, outboxAtFault: [{ type: 'multicast-fragment', key: '0:2' }] });
  t.true(promised.ok, JSON.stringify(promised));
  t.deepEqual(promised.promisedRepeats, ['fragment 0:2 sent 2× in group g1']);
  // Another fragment session's N is another fragment.
  t.false(compareRuns(run(), { ...repeated, outboxAtFault: [{ type: 'multicast-fragment', key: '1:2' }] }).ok);
});

test('the same fragment in another group (the next wave) or a new coded fragment of an extra round is no repeat', (t) => {
  const verdict = compareRuns(run(), run({ downlinks: [...run().downlinks, fragment(1, 0, 'g2'), fragment(4)] }));
  t.true(verdict.ok, JSON.stringify(verdict));
});

test('fragments the baseline sent more often than a run are named, without failing it', (t) => {
  const twoWaves = run({ downlinks: [fragment(1), fragment(2), fragment(1, 0, 'g2'), fragment(2, 0, 'g2')] });
  const verdict = compareRuns(twoWaves, run({ downlinks: [fragment(1), fragment(4), fragment(1, 0, 'g2'), fragment(2, 0, 'g2')] }));
  t.true(verdict.ok, JSON.stringify(verdict));
  t.deepEqual(verdict.framesNotSent, ['0:2']);
  t.deepEqual(compareRuns(twoWaves, run({ downlinks: [fragment(1)] })).framesNotSent, ['0:1', '0:2 ×2']);
});

test('a class A item handed over twice passes only when the outbox held its id', (t) => {
  const twice = run({ downlinks: [...run().downlinks, unicast('u1')] });
  t.deepEqual(compareRuns(run(), twice).unpromisedRepeats, ['unicast u1 enqueued 2×']);
  t.true(compareRuns(run(), { ...twice, outboxAtFault: [{ type: 'unicast', key: 'u1' }] }).ok);
});

test('a fault that did not happen where asked fails', (t) => {
  const verdict = compareRuns(run(), run({ reached: false }));
  t.false(verdict.ok);
  t.deepEqual(verdict.problems, ['the fault point was not reached']);
});
