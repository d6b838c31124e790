import type { DeviceStack } from './device-stack.js';

// What a FragSessionStatusAns means, per device stack. The TS004 text says NbFragReceived counts
// the fragments received and MissingFrag the fragments still needed; the two most deployed
// stacks say something else (../shared/reference/device-stacks.md, measured against their
// package code), so "MissingFrag = 0" is neither necessary nor sufficient for a complete block.

/** The fields of a FragSessionStatusAns that the reading needs (v1 or v2). */
export interface FragStatusAnswer {
  nbFragReceived: number;
  missingFrag: number;
  /** v2 answers: the status byte's three flags (all false in LBM's all-zero answer). */
  statusFlagsSet?: boolean;
}

export interface FragStatusContext {
  stack: DeviceStack;
  ts004Version: 1 | 2;
  /** M. */
  nbFrag: number;
  /** The highest N sent in this session when the FragSessionStatusReq went out. */
  sentN: number;
  /** The session's loss share so far (all its devices' answers pooled): one answer says little. */
  priorLossShare?: number;
}

export interface FragStatusReading {
  /** The device holds the whole block (as far as its answer can tell). */
  complete: boolean;
  /** Innovative fragments it still needs (an estimate where the stack does not say); 0 when complete. */
  needed: number;
  /**
   * Fragments to send after those, heard or not: LoRaMac-node's application gets a rebuilt block
   * only at a later fragment, and only fragments after its last N tell that it finished.
   */
  tailFragments?: number;
  /** Fragments it received, where the stack reports a count. */
  receivedCount?: number;
  /** Share of the fragments sent that it lost, where the answer tells (0..1), drawn toward the session's. */
  lossShare?: number;
  /** What the answer says of losses, for the session's pooled estimate: fragments lost of those seen. */
  lossSample?: { lost: number; seen: number };
  /** Why, for the device log. */
  note: string;
}

/** A lost tail as long as this is taken as chance only below this probability (loss^run). */
const TAIL_LOSS_DOUBT = 0.01;
const TAIL_LOSS_FLOOR = 0.1;
const MIN_LOSS_SHARE = 0.02;
const MAX_LOSS_SHARE = 0.6;

function clampLoss(share: number): number {
  return Math.min(MAX_LOSS_SHARE, Math.max(MIN_LOSS_SHARE, share));
}

/** The session's loss when nothing is known yet (the demo's and a typical field value). */
export const DEFAULT_LOSS_SHARE = 0.1;
/** How many fragments' worth of weight the session's loss has against one device's own count. */
const PRIOR_WEIGHT = 20;

/** A device's loss share from `lost` of `seen`, drawn toward the session's (few samples say little). */
function estimateLoss(lost: number, seen: number, ctx: FragStatusContext): number {
  const prior = ctx.priorLossShare ?? DEFAULT_LOSS_SHARE;
  return clampLoss((lost + PRIOR_WEIGHT * prior) / (seen + PRIOR_WEIGHT));
}

export function readFragSessionStatus(answer: FragStatusAnswer, ctx: FragStatusContext): FragStatusReading {
  switch (ctx.stack) {
    case 'loramac-node':
      return readLoramacNode(answer, ctx);
    case 'lbm':
      return readLbm(answer, ctx);
    case 'spec':
      return readSpec(answer, ctx);
  }
}

/** TS004 §3.2: NbFragReceived counts what arrived, MissingFrag what is still needed. */
function readSpec(answer: FragStatusAnswer, ctx: FragStatusContext): FragStatusReading {
  const receivedCount = answer.nbFragReceived;
  const sample = ctx.sentN > 0 && receivedCount <= ctx.sentN ? { lost: ctx.sentN - receivedCount, seen: ctx.sentN } : undefined;
  return {
    complete: answer.missingFrag === 0,
    needed: answer.missingFrag,
    receivedCount,
    ...(sample ? { lossShare: estimateLoss(sample.lost, sample.seen, ctx), lossSample: sample } : {}),
    note: `${receivedCount} received, ${answer.missingFrag} missing`,
  };
}

/**
 * LoRaMac-node (LmhpFragmentation.c 305-315, FragDecoder.c): NbFragReceived is FragNbRx, the last
 * N its decoder was given, frozen once the block is rebuilt; MissingFrag is FragNbLost, the data
 * fragments lost so far, which never goes down. The decoder finishes only on a coded fragment
 * (N > M): at once when nothing was lost, else when the lost rows are solved; and the
 * application gets the block (OnDone) only at the next fragment after that (LmhpFragmentation.c
 * DataFragment case). So with L the last N and `lost` the data fragments lost:
 * - L ≤ M: not complete; it needs every data fragment after L and the lost ones;
 * - lost > L − M: not complete (fewer coded fragments heard than rows lost);
 * - fragments sent after L: it stopped at L, i.e. finished, and one of them reached it (OnDone),
 *   unless it lost every one of them, which is taken as chance only when that is likely enough;
 * - otherwise the block may be rebuilt at L (certainly when nothing was lost) but its
 *   application has not got it yet: a fragment or two more settle both.
 */
function readLoramacNode(answer: FragStatusAnswer, ctx: FragStatusContext): FragStatusReading {
  const last = answer.nbFragReceived;
  const lost = answer.missingFrag;
  const m = ctx.nbFrag;
  if (last === 0) return { complete: false, needed: m, note: 'no fragment received yet' };
  const sample = { lost, seen: Math.min(last, m) };
  const lossShare = estimateLoss(sample.lost, sample.seen, ctx);
  if (last <= m) {
    return { complete: false, needed: m - last + lost, lossShare, lossSample: sample, note: `last fragment ${last} of ${m} data fragments, ${lost} lost: ${m - last + lost} rows unknown` };
  }
  const codedHeardAtMost = last - m;
  if (codedHeardAtMost < lost) {
    const expectedCoded = Math.max(1, Math.floor((codedHeardAtMost - 1) * (1 - lossShare)) + 1);
    return { complete: false, needed: lost - Math.min(expectedCoded, lost - 1), lossShare, lossSample: sample, note: `${lost} data fragments lost, at most ${codedHeardAtMost} coded heard: not complete` };
  }
  // Fragments sent after L: had it not finished at L it would have heard one; and when it did
  // finish, one of them handed the block over. Both fail only if it lost every one of them,
  // which the session's loss (a tail is lost like any fragment) makes unlikely enough past
  // `afterNeeded` fragments.
  const after = ctx.sentN - last;
  const tailLoss = Math.max(ctx.priorLossShare ?? DEFAULT_LOSS_SHARE, TAIL_LOSS_FLOOR);
  const afterNeeded = Math.ceil(Math.log(TAIL_LOSS_DOUBT) / Math.log(tailLoss) - 1e-9);
  if (after >= afterNeeded) {
    return { complete: true, needed: 0, lossShare, lossSample: sample, note: `stopped at fragment ${last} of ${ctx.sentN} sent with ${lost} data fragments lost: block rebuilt and handed over` };
  }
  if (lost === 0) {
    return { complete: false, needed: 0, tailFragments: afterNeeded - after, lossShare, lossSample: sample, note: `rebuilt at fragment ${last} with nothing lost; its application gets the block at a later fragment (OnDone)` };
  }
  // Heard up to (about) the last N sent: the coded fragments it probably received decide how
  // many more it lacks; then a few more settle that it finished and hand the block over.
  const expectedCoded = Math.floor((codedHeardAtMost - 1) * (1 - lossShare)) + 1;
  const lacking = Math.max(0, lost + 1 - expectedCoded);
  return { complete: false, needed: lacking, tailFragments: afterNeeded - after, lossShare, lossSample: sample, note: `${lost} data fragments lost, about ${expectedCoded} coded heard up to fragment ${last}: complete not certain` };
}

/**
 * LoRa Basics Modem (fragmentation_helper_v{1,2}.0.0.c, lorawan_fragmentation_package_v2.0.0.c
 * ~600): NbFragReceived = the last N − the data fragments lost; MissingFrag is what is still
 * needed, except that a block received without loss finishes at N = M before the update and
 * reports MissingFrag 1 forever (its NbFragReceived is then M). v2 answers all zeros before the
 * first fragment.
 */
function readLbm(answer: FragStatusAnswer, ctx: FragStatusContext): FragStatusReading {
  const m = ctx.nbFrag;
  const received = answer.nbFragReceived;
  if (ctx.ts004Version === 2 && received === 0 && answer.missingFrag === 0 && !answer.statusFlagsSet) {
    return { complete: false, needed: m, note: 'all-zero answer: no fragment received yet' };
  }
  const sample = ctx.sentN > 0 && received <= ctx.sentN ? { lost: ctx.sentN - received, seen: ctx.sentN } : undefined;
  const withLoss = sample ? { lossShare: estimateLoss(sample.lost, sample.seen, ctx), lossSample: sample } : {};
  if (answer.missingFrag === 0) return { complete: true, needed: 0, receivedCount: received, ...withLoss, note: `block rebuilt (${received} received)` };
  if (answer.missingFrag === 1 && received === m && ctx.ts004Version === 2) {
    // v2 sends FragDataBlockReceivedReq when the block is complete (AckReception): that, not
    // this ambiguous answer, says so.
    return { complete: false, needed: 0, tailFragments: 1, receivedCount: received, ...withLoss, note: 'MissingFrag 1 with all M received: the loss-free block or one row short; FragDataBlockReceivedReq will tell' };
  }
  if (answer.missingFrag === 1 && received === m) {
    // (M, 1) is the loss-free block; it is also what a device reports that lost k data
    // fragments, heard coded fragments up to exactly N = M + k and still lacks one row. That
    // device would have gone on hearing the fragments sent after M + k: with a few of them sent,
    // (M, 1) means complete.
    const certain = ctx.sentN === m || ctx.sentN >= m + 3;
    if (certain) return { complete: true, needed: 0, receivedCount: received, ...withLoss, note: 'MissingFrag 1 with all M received: the loss-free block (LBM reports 1 for it)' };
    return { complete: false, needed: 1, receivedCount: received, ...withLoss, note: 'MissingFrag 1 with all M received: loss-free block or one row short, asked again next round' };
  }
  return { complete: false, needed: answer.missingFrag, receivedCount: received, ...withLoss, note: `${received} received, ${answer.missingFrag} missing` };
}

/** The loss share its devices' answers reported, pooled; the default until enough is known. */
export function sessionLossShare(session: { lossStats?: { lost: number; seen: number } }): number {
  const stats = session.lossStats;
  if (!stats || stats.seen < PRIOR_WEIGHT) return DEFAULT_LOSS_SHARE;
  return clampLoss(stats.lost / stats.seen);
}
