// The package code a simulated device runs, one implementation per device stack (spec/, lbm/,
// loramac-node/). Each keeps its own per-device state (what the stack holds in RAM) and answers
// the way that stack does, down to the bytes (../../../../../shared/reference/device-stacks.md).

export interface StackModel {
  /**
   * A downlink on an application-layer port: class A (`mcGroupId` undefined) or multicast, heard
   * on group `mcGroupId`'s session.
   */
  receive(fPort: number, payload: Uint8Array, mcGroupId: number | undefined): void;
  /** The group whose multicast session the device listens to for `mcAddr` at `trueMs`, if any. */
  listeningGroup(mcAddr: number, trueMs: number): number | undefined;
  /** The device restarts: everything the stack held in RAM is gone. */
  reset(): void;
}
