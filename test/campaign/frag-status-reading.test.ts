// What a FragSessionStatusAns means per device stack, from the answers the stacks really sent
// (../shared/reference/device-stacks.md, measured against their package code).

import test from 'ava';
import fc from 'fast-check';
import { readFragSessionStatus, type FragStatusContext } from '../../src/campaign/frag-status-reading.js';
import { hexToBytes } from '../../src/core/hex.js';
import { decodeCommands } from '../../src/lorawan/app-layer.js';
import { TS004 } from '../../src/lorawan/ts004-fragmentation.js';

type StatusAns = { nbFragReceived: number; missingFrag: number; fragIndex: number };

function decode(hex: string, version: 1 | 2 = 1): StatusAns {
  const [answer] = decodeCommands(TS004, version, 'uplink', hexToBytes(hex)) as unknown as StatusAns[];
  return answer!;
}

test('LoRaMac-node `01eb401b00` (M 200, block rebuilt at N 235 with 27 data fragments lost): complete once fragments after 235 were sent', (t) => {
  const answer = decode('01eb401b00');
  t.deepEqual([answer.nbFragReceived, answer.fragIndex, answer.missingFrag], [235, 1, 27]);
  const ctx: FragStatusContext = { stack: 'loramac-node', ts004Version: 1, nbFrag: 200, sentN: 260 };
  const reading = readFragSessionStatus(answer, ctx);
  t.true(reading.complete);
  t.is(reading.needed, 0);
  // The same answer read as the TS004 text reads it asks for 27 more: the waste the stack reading avoids.
  t.like(readFragSessionStatus(answer, { ...ctx, stack: 'spec' }), { complete: false, needed: 27 });
});

test('LoRaMac-node `01eb401b00` when 235 is the last N sent: not known complete, asks for few', (t) => {
  const reading = readFragSessionStatus(decode('01eb401b00'), { stack: 'loramac-node', ts004Version: 1, nbFrag: 200, sentN: 235 });
  t.false(reading.complete);
  t.true(reading.needed + (reading.tailFragments ?? 0) >= 1 && reading.needed <= 3, `needed ${reading.needed}`);
});

test('LoRaMac-node `011e000000` (M 40, only 1..30 heard): 10 missing, although MissingFrag is 0', (t) => {
  const answer = decode('011e000000');
  t.deepEqual([answer.nbFragReceived, answer.missingFrag], [30, 0]);
  const reading = readFragSessionStatus(answer, { stack: 'loramac-node', ts004Version: 1, nbFrag: 40, sentN: 44 });
  t.like(reading, { complete: false, needed: 10 });
  t.like(readFragSessionStatus(answer, { stack: 'spec', ts004Version: 1, nbFrag: 40, sentN: 44 }), { complete: true }, 'the TS004 text reading would call it complete');
});

test('LoRaMac-node: rebuilt at the first coded fragment, but handed over (OnDone) only at a later one; fewer coded than lost is not complete', (t) => {
  const base = { stack: 'loramac-node', ts004Version: 1, nbFrag: 40 } as const;
  t.like(readFragSessionStatus({ nbFragReceived: 41, missingFrag: 0 }, { ...base, sentN: 41 }), { complete: false, needed: 0, tailFragments: 2 }, 'OnDone has not fired yet: two more sent settle it');
  t.false(readFragSessionStatus({ nbFragReceived: 41, missingFrag: 0 }, { ...base, sentN: 42 }).complete, 'one later fragment may have been lost');
  t.true(readFragSessionStatus({ nbFragReceived: 41, missingFrag: 0 }, { ...base, sentN: 43 }).complete);
  t.false(readFragSessionStatus({ nbFragReceived: 40, missingFrag: 0 }, { ...base, sentN: 40 }).complete, 'a data-only stream never finishes');
  const short = readFragSessionStatus({ nbFragReceived: 43, missingFrag: 5 }, { ...base, sentN: 50 });
  t.false(short.complete, '3 coded fragments cannot rebuild 5 rows');
  t.true(short.needed >= 2);
});

test('LBM `0102000100` (v1, M 2, no loss): MissingFrag 1 forever, read as complete', (t) => {
  const answer = decode('0102000100');
  t.deepEqual([answer.nbFragReceived, answer.missingFrag], [2, 1]);
  t.like(readFragSessionStatus(answer, { stack: 'lbm', ts004Version: 1, nbFrag: 2, sentN: 2 }), { complete: true, needed: 0 });
  t.like(readFragSessionStatus(answer, { stack: 'lbm', ts004Version: 1, nbFrag: 2, sentN: 6 }), { complete: true, needed: 0 });
  t.like(readFragSessionStatus(answer, { stack: 'lbm', ts004Version: 1, nbFrag: 2, sentN: 3 }), { complete: false, needed: 1 }, 'ambiguous right after M + 1: asked again');
  t.like(readFragSessionStatus(answer, { stack: 'spec', ts004Version: 1, nbFrag: 2, sentN: 2 }), { complete: false, needed: 1 });
});

test('LBM v2 all-zero answer before the first fragment: nothing received, the whole block needed', (t) => {
  const answer = decode('0100000000', 2);
  t.deepEqual([answer.nbFragReceived, answer.missingFrag, answer.fragIndex], [0, 0, 0]);
  t.like(readFragSessionStatus(answer, { stack: 'lbm', ts004Version: 2, nbFrag: 30, sentN: 0 }), { complete: false, needed: 30 });
  t.like(readFragSessionStatus(answer, { stack: 'spec', ts004Version: 2, nbFrag: 30, sentN: 0 }), { complete: true }, 'the TS004 text reading would call it complete');
});

test('LBM with losses: MissingFrag is what is still needed; 0 is complete', (t) => {
  t.like(readFragSessionStatus({ nbFragReceived: 37, missingFrag: 3 }, { stack: 'lbm', ts004Version: 1, nbFrag: 40, sentN: 44 }), { complete: false, needed: 3 });
  t.like(readFragSessionStatus({ nbFragReceived: 41, missingFrag: 0 }, { stack: 'lbm', ts004Version: 1, nbFrag: 40, sentN: 44 }), { complete: true });
});

test('property: every reading is complete with nothing needed, or incomplete with something needed; a loss share in (0, 1)', (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom('loramac-node', 'lbm', 'spec' as const),
      fc.constantFrom(1, 2 as const),
      fc.integer({ min: 1, max: 500 }),
      fc.integer({ min: 0, max: 16383 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 1000 }),
      (stack, ts004Version, nbFrag, nbFragReceived, missingFrag, sentN) => {
        const r = readFragSessionStatus({ nbFragReceived, missingFrag }, { stack, ts004Version, nbFrag, sentN });
        if (r.complete !== (r.needed + (r.tailFragments ?? 0) === 0)) return false;
        if (r.lossShare !== undefined && !(r.lossShare > 0 && r.lossShare < 1)) return false;
        return Number.isInteger(r.needed) && r.needed >= 0;
      },
    ),
  );
  t.pass();
});
