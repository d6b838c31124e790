import type { CreateMulticastGroupCommand } from '../campaign/commands.js';
import type { Clock, MulticastDownlink } from '../campaign/ports.js';
import { CallerError, PeerError } from '../core/errors.js';
import type { GroupEntry, GroupRegistry } from './group-registry.js';
import type { MulticastBackend } from './multicast-backend.js';

// Multicast groups on any network server, over its MulticastBackend (multicast-backend.ts).
// Frames are held here until the backend's hand-over time: our planner already paced them
// against the duty-cycle budget and neither server queues "for later" the way we need
// (ChirpStack has no send-at for class C; The Things Stack's absolute_time must be near).
// A failed hand-over is tried again until the frame is enqueueMaxLateMs late, then dropped
// (FEC redundancy and status rounds cover it). A deletion drains first: the group goes once
// nothing is held and the server's queue is empty, or at the drain deadline (last frame's atMs +
// drainAfterMs: a gateway that is offline keeps items queued forever). With queueCapacity, never
// more of our frames wait in the server's queue than that: the rest stay held, in order.

export interface MulticastGroupsOptions {
  clock: Clock;
  registry: GroupRegistry;
  /** Queue read period while waiting to delete a group (and while the server's queue is full). */
  queuePollMs: number;
  /** A failed hand-over is tried again after this… */
  enqueueRetryMs: number;
  /** …until the frame is this late; then it is dropped. */
  enqueueMaxLateMs: number;
  /** Drain deadline = the last frame's atMs + this. */
  drainAfterMs: number;
  /** At most this many of our frames in the server's queue per group; absent: no limit. */
  queueCapacity?: number;
  onError: (error: unknown, context: string) => void;
  onGroupDeleted: (groupName: string) => void;
}

interface HeldFrame {
  downlink: MulticastDownlink;
  cancel: () => void;
}

/** Frames due but waiting for room in the server's queue (queueCapacity), per group. */
interface Line {
  waiting: HeldFrame[];
  /** Frames in the server's queue at the last read, plus those handed over since: never too few. */
  inQueue: number;
  pumping: boolean;
  cancel: () => void;
}

export class MulticastGroups<Prepared> {
  private readonly held = new Map<string, Set<HeldFrame>>();
  private readonly lines = new Map<string, Line>();
  /** Groups whose drain-then-delete loop runs, with its next poll. */
  private readonly draining = new Map<string, () => void>();
  private closed = false;

  constructor(
    private readonly backend: MulticastBackend<Prepared>,
    private readonly options: MulticastGroupsOptions,
  ) {}

  /** Create or find again (the backend's ensure), remember it, then configure it; repeatable. */
  async create(command: CreateMulticastGroupCommand): Promise<void> {
    const { registry } = this.options;
    // Checked before anything exists on the server.
    const prepared = await this.backend.prepare(command);
    const known = registry.get(command.groupName);
    if (known?.deleting) {
      // Asked for again: the caller wants the group after all (the drain loop stops on its next poll).
      this.draining.get(command.groupName)?.();
      this.draining.delete(command.groupName);
    }
    const entry = await this.backend.ensure(command, prepared, known);
    registry.set(command.groupName, entry);
    await this.backend.configure?.(entry, command, prepared);
  }

  /** Holds the frame until its hand-over time. Resolves at once (the engine must not wait for air time). */
  async send(downlink: MulticastDownlink): Promise<void> {
    const { server } = this.backend;
    const entry = this.options.registry.get(downlink.groupName);
    if (entry === undefined) {
      throw new CallerError(`${server.codePrefix}_GROUP_UNKNOWN`, `multicast ${downlink.id}: group ${JSON.stringify(downlink.groupName)} was not created through this adapter (no ${server.name} id known)`);
    }
    if (entry.maxPayloadBytes !== undefined && downlink.payload.length > entry.maxPayloadBytes) {
      // The server would drop it at scheduling with a log line of its own at best
      // (ChirpStack: downlink/multicast.rs validate_payload_size): never hand it over.
      this.options.onError(
        new CallerError(`${server.codePrefix}_PAYLOAD_TOO_LARGE`, `multicast ${downlink.id} to ${downlink.groupName}: payload: expected at most ${entry.maxPayloadBytes} bytes (the group's DR), got ${downlink.payload.length}`),
        `multicast ${downlink.id}: dropped`,
      );
      return;
    }
    const frame: HeldFrame = { downlink, cancel: () => {} };
    this.heldOf(downlink.groupName).add(frame);
    frame.cancel = this.options.clock.at(this.backend.handOverAtMs(downlink, entry), () => this.due(frame));
  }

  /** Marks the group for deletion (kept across restarts) and starts the drain-then-delete loop. */
  async delete(groupName: string): Promise<void> {
    const entry = this.options.registry.get(groupName);
    if (entry === undefined) return; // never created here, or already deleted
    if (!entry.deleting) {
      // Frames still held are handed over by their atMs at the latest.
      let lastAtMs = this.options.clock.now();
      for (const frame of this.held.get(groupName) ?? []) lastAtMs = Math.max(lastAtMs, frame.downlink.atMs);
      this.options.registry.set(groupName, { ...entry, deleting: true, drainDeadlineMs: lastAtMs + this.options.drainAfterMs });
    }
    this.drain(groupName, 0);
  }

  /** After a restart: resume deletions that were accepted but not finished. */
  resume(): void {
    for (const [groupName, entry] of this.options.registry.entries()) if (entry.deleting) this.drain(groupName, 0);
  }

  /** Frames held (not yet handed over) for a group, or for all. */
  heldCount(groupName?: string): number {
    if (groupName !== undefined) return this.held.get(groupName)?.size ?? 0;
    let n = 0;
    for (const set of this.held.values()) n += set.size;
    return n;
  }

  /** Stops timers: held frames are dropped (the engine's FEC and status rounds cover a restart). */
  close(): void {
    this.closed = true;
    for (const set of this.held.values()) for (const frame of set) frame.cancel();
    this.held.clear();
    for (const line of this.lines.values()) line.cancel();
    this.lines.clear();
    for (const cancel of this.draining.values()) cancel();
    this.draining.clear();
  }

  private heldOf(groupName: string): Set<HeldFrame> {
    let set = this.held.get(groupName);
    if (!set) this.held.set(groupName, (set = new Set()));
    return set;
  }

  private release(frame: HeldFrame): void {
    const set = this.held.get(frame.downlink.groupName);
    set?.delete(frame);
    if (set?.size === 0) this.held.delete(frame.downlink.groupName);
  }

  private due(frame: HeldFrame): void {
    if (this.options.queueCapacity === undefined) return this.handOverSafely(frame);
    const groupName = frame.downlink.groupName;
    let line = this.lines.get(groupName);
    if (!line) this.lines.set(groupName, (line = { waiting: [], inQueue: 0, pumping: false, cancel: () => {} }));
    line.waiting.push(frame);
    if (!line.pumping) this.pumpSafely(groupName, line);
  }

  private pumpSafely(groupName: string, line: Line): void {
    line.pumping = true;
    this.pump(groupName, line).catch((error: unknown) => this.options.onError(error, `multicast group ${groupName}: hand-over stopped`));
  }

  /** Hands the waiting frames over in order while the server's queue has room; reads it when it seems full. */
  private async pump(groupName: string, line: Line): Promise<void> {
    const capacity = this.options.queueCapacity!;
    const { clock, registry } = this.options;
    while (line.waiting.length > 0 && !this.closed) {
      const frame = line.waiting[0]!;
      if (clock.now() > frame.downlink.atMs + this.options.enqueueMaxLateMs) {
        line.waiting.shift();
        this.release(frame);
        this.options.onError(
          new PeerError(`${this.backend.server.codePrefix}_MULTICAST_QUEUE_FULL`, `multicast ${frame.downlink.id} to ${groupName}: the server's queue held ${line.inQueue} of our frames (queueCapacity ${capacity}) until the frame was more than ${this.options.enqueueMaxLateMs} ms late`),
          `multicast ${frame.downlink.id}: dropped`,
        );
        continue;
      }
      if (line.inQueue >= capacity) {
        const entry = registry.get(groupName);
        try {
          if (entry !== undefined) line.inQueue = (await this.backend.queued(entry)).length;
        } catch (error) {
          this.options.onError(error, `multicast group ${groupName}: reading the server's queue failed, retrying`);
        }
        if (this.closed) return;
        if (line.inQueue >= capacity) {
          line.cancel = clock.at(clock.now() + this.options.queuePollMs, () => this.pumpSafely(groupName, line));
          return;
        }
      }
      line.waiting.shift();
      line.inQueue += 1;
      await this.handOver(frame);
    }
    line.pumping = false;
  }

  private handOverSafely(frame: HeldFrame): void {
    this.handOver(frame).catch((error: unknown) => this.options.onError(error, `multicast ${frame.downlink.id}: dropped`));
  }

  private async handOver(frame: HeldFrame): Promise<void> {
    const { downlink } = frame;
    const { clock, registry } = this.options;
    const { server, handOverName } = this.backend;
    const entry = registry.get(downlink.groupName);
    try {
      if (entry === undefined) throw new CallerError(`${server.codePrefix}_GROUP_UNKNOWN`, `multicast ${downlink.id}: group ${JSON.stringify(downlink.groupName)} is gone`);
      await this.backend.handOver(entry, downlink);
      this.release(frame);
    } catch (error) {
      if (this.closed) return;
      const retryAtMs = clock.now() + this.options.enqueueRetryMs;
      if (entry !== undefined && retryAtMs <= downlink.atMs + this.options.enqueueMaxLateMs) {
        this.options.onError(error, `multicast ${downlink.id} to ${downlink.groupName}: ${handOverName} failed, retrying`);
        frame.cancel = clock.at(retryAtMs, () => this.handOverSafely(frame));
      } else {
        this.release(frame);
        this.options.onError(error, `multicast ${downlink.id} to ${downlink.groupName}: ${handOverName} failed, frame dropped`);
      }
    }
  }

  private drain(groupName: string, inMs: number): void {
    if (this.closed) return;
    this.draining.get(groupName)?.();
    const cancel = this.options.clock.at(this.options.clock.now() + inMs, () => {
      // Only the registry (a file) can throw here: report it rather than crash a timer.
      this.poll(groupName).catch((error: unknown) => this.options.onError(error, `multicast group ${groupName}: drain-then-delete stopped`));
    });
    this.draining.set(groupName, cancel);
  }

  private pastDeadline(entry: GroupEntry): boolean {
    return entry.drainDeadlineMs !== undefined && this.options.clock.now() >= entry.drainDeadlineMs;
  }

  private async poll(groupName: string): Promise<void> {
    const { registry, queuePollMs } = this.options;
    const entry = registry.get(groupName);
    if (entry === undefined || !entry.deleting || this.closed) {
      this.draining.delete(groupName);
      return;
    }
    if (this.heldCount(groupName) > 0) return this.drain(groupName, queuePollMs);
    try {
      const queue = await this.backend.queued(entry);
      // A frame may have been handed over while the queue read was in flight.
      if (this.heldCount(groupName) > 0) return this.drain(groupName, queuePollMs);
      if (queue.length > 0) {
        if (!this.pastDeadline(entry)) return this.drain(groupName, queuePollMs);
        // Items still queued at the deadline will never go out: deleting the group takes them.
        this.options.onError(
          new PeerError(`${this.backend.server.codePrefix}_MULTICAST_UNSENT`, `multicast group ${groupName} (${entry.id}): ${queue.length} item(s) still queued ${this.backend.unsentReason(queue)}; deleting the group`),
          `multicast group ${groupName}: drain ended by expiry`,
        );
      }
      if (!registry.get(groupName)?.deleting) return void this.draining.delete(groupName); // created again meanwhile
      await this.backend.delete(entry);
    } catch (error) {
      if (this.closed) return;
      this.options.onError(error, `multicast group ${groupName} (${entry.id}): drain-then-delete failed, retrying`);
      return this.drain(groupName, queuePollMs);
    }
    registry.delete(groupName);
    this.draining.delete(groupName);
    this.lines.get(groupName)?.cancel();
    this.lines.delete(groupName);
    this.options.onGroupDeleted(groupName);
  }
}
