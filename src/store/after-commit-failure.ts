// Work a store does after a commit returned (device-journal compaction, the recent log's move):
// when it fails, nothing is lost and it is tried again later; the listener only hears of it.

/** Tells `listener` of `error`; a listener's own fault is swallowed: it must not fail the commit that is already committed. */
export function reportAfterCommitFailure(listener: ((error: unknown) => void) | undefined, error: unknown): void {
  try {
    listener?.(error);
  } catch {
    // Swallowed on purpose (see above).
  }
}
