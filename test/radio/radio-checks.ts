// Independent checks for the radio tests: a naive sliding-window evaluation, written apart
// from the ledger's sweep so that a bug in one shows up against the other.

export type Span = readonly [startUs: number, endUs: number];

/** Measure of the union of `spans` inside [a, a + w). */
export function usageIn(spans: readonly Span[], a: number, w: number): number {
  const clipped = spans.map(([s, e]) => [Math.max(s, a), Math.min(e, a + w)] as const).filter(([s, e]) => e > s).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let reach = Number.NEGATIVE_INFINITY;
  for (const [s, e] of clipped) {
    if (e <= reach) continue;
    total += e - Math.max(s, reach);
    reach = e;
  }
  return total;
}

/** Window starts at which a window's usage can peak or change slope. */
export function candidateStarts(spans: readonly Span[], w: number): number[] {
  return [...new Set(spans.flatMap(([s, e]) => [s, e, s - w, e - w]))];
}

/** Largest usage over windows [a, a + w) that overlap `focus` (or all windows). */
export function maxUsage(spans: readonly Span[], w: number, focus?: Span): number {
  let max = 0;
  for (const a of candidateStarts(spans, w)) {
    if (focus !== undefined && !(a < focus[1] && a + w > focus[0])) continue;
    max = Math.max(max, usageIn(spans, a, w));
  }
  return max;
}
