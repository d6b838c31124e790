import type { CreateMulticastGroupCommand } from '../campaign/commands.js';
import type { MulticastDownlink } from '../campaign/ports.js';
import { CallerError } from '../core/errors.js';
import { maxPayload, region as regionSpec } from '../radio/regions.js';
import type { GroupEntry } from './group-registry.js';
import type { ServerLabel } from './server-label.js';

// What one network server does for a multicast group, under the shared MulticastGroups
// (multicast-groups.ts), which owns what both do alike: frames held until their time, retries,
// the payload-size check, drain-then-delete, resuming deletions after a restart.

/** A frame still in the server's queue (ChirpStack's ListQueue row, The Things Stack's queued downlink). */
export interface QueuedItem {
  fCnt?: number;
}

export interface MulticastBackend<Prepared> {
  readonly server: ServerLabel;
  /** The server's word for handing a frame over, for messages: "Enqueue", "down/push". */
  readonly handOverName: string;
  /** Checks the command and works out the group's settings before anything exists on the server. */
  prepare(command: CreateMulticastGroupCommand): Promise<Prepared>;
  /**
   * Finds the group again (from `known`, the registry's entry, which may be stale, or on the
   * server) or creates it; returns the registry entry (never `deleting`). Repeatable: the
   * engine's outbox replays a create after a crash.
   */
  ensure(command: CreateMulticastGroupCommand, prepared: Prepared, known: GroupEntry | undefined): Promise<GroupEntry>;
  /** Once the entry is in the registry: whatever else the group needs (members, gateways), repeatable. */
  configure?(entry: GroupEntry, command: CreateMulticastGroupCommand, prepared: Prepared): Promise<void>;
  /** When to hand the frame over: ChirpStack at its atMs (it has no "send at"), The Things Stack earlier with absolute_time. */
  handOverAtMs(downlink: MulticastDownlink, entry: GroupEntry): number;
  handOver(entry: GroupEntry, downlink: MulticastDownlink): Promise<void>;
  /** What the server still holds for the group. */
  queued(entry: GroupEntry): Promise<readonly QueuedItem[]>;
  /** Why items still queued at the drain deadline will not go out, e.g. "after they expired (f_cnt 3): …". */
  unsentReason(items: readonly QueuedItem[]): string;
  /** Deletes the group; a group already gone counts as deleted. */
  delete(entry: GroupEntry): Promise<void>;
}

/**
 * The largest FRMPayload of the group's DR in its region (RP002), refused with
 * `${codePrefix}_DR_INVALID` when the region has no such downlink DR; `consequence` says what
 * the server would do with it.
 */
export function groupMaxPayloadBytes(command: CreateMulticastGroupCommand, region: string, server: ServerLabel, consequence: string): number {
  const spec = regionSpec(region);
  try {
    return maxPayload(spec, command.dr).frmPayloadBytes;
  } catch (error) {
    throw new CallerError(`${server.codePrefix}_DR_INVALID`, `multicast group ${command.groupName}: dr: expected a data rate ${region} defines for downlinks (${consequence}), got DR${command.dr}`, { cause: error });
  }
}
