import fs from 'node:fs';
import path from 'node:path';
import { PeerError } from '../../core/errors.js';

// groupName → ChirpStack multicast group id, kept across restarts: a repeated
// createMulticastGroup (the engine's outbox after a crash) finds the group here instead of
// creating a second one, and a deletion that was accepted but not finished (`deleting`) is
// resumed at start. A crash between Create and `set` is covered by MulticastGroupService.List
// by name (chirpstack-multicast.ts).

export interface GroupEntry {
  id: string;
  /** deleteMulticastGroup was accepted: drain the queue, then Delete (also after a restart). */
  deleting?: boolean;
  /** Every item enqueued has expired by then: stop waiting for the queue, Delete (unix ms). */
  drainDeadlineMs?: number;
  /** Largest FRMPayload the group's DR carries (RP002); larger frames are never enqueued. */
  maxPayloadBytes?: number;
}

function entryOf(raw: Partial<GroupEntry> & { id: string }): GroupEntry {
  const entry: GroupEntry = { id: raw.id };
  if (raw.deleting === true) entry.deleting = true;
  if (typeof raw.drainDeadlineMs === 'number') entry.drainDeadlineMs = raw.drainDeadlineMs;
  if (typeof raw.maxPayloadBytes === 'number') entry.maxPayloadBytes = raw.maxPayloadBytes;
  return entry;
}

export interface GroupRegistry {
  get(groupName: string): GroupEntry | undefined;
  set(groupName: string, entry: GroupEntry): void;
  delete(groupName: string): void;
  entries(): Array<[string, GroupEntry]>;
}

export class MemoryGroupRegistry implements GroupRegistry {
  protected readonly map = new Map<string, GroupEntry>();

  get(groupName: string): GroupEntry | undefined {
    return this.map.get(groupName);
  }

  set(groupName: string, entry: GroupEntry): void {
    this.map.set(groupName, entryOf(entry));
    this.changed();
  }

  delete(groupName: string): void {
    if (this.map.delete(groupName)) this.changed();
  }

  entries(): Array<[string, GroupEntry]> {
    return [...this.map].map(([name, entry]) => [name, { ...entry }]);
  }

  protected changed(): void {}
}

/** A small JSON file, rewritten whole (temp file + rename, so a crash leaves the old or the new). */
export class FileGroupRegistry extends MemoryGroupRegistry {
  constructor(private readonly file: string) {
    super();
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new PeerError('CHIRPSTACK_GROUP_REGISTRY_INVALID', `ChirpStack group registry ${file}: expected JSON, got unparsable text (${(error as Error).message})`, { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new PeerError('CHIRPSTACK_GROUP_REGISTRY_INVALID', `ChirpStack group registry ${file}: expected an object of groupName → {id}, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
    }
    for (const [name, entry] of Object.entries(parsed as Record<string, Partial<GroupEntry>>)) {
      if (typeof entry?.id !== 'string') throw new PeerError('CHIRPSTACK_GROUP_REGISTRY_INVALID', `ChirpStack group registry ${file}: group ${JSON.stringify(name)}: expected an id string, got ${JSON.stringify(entry)}`);
      this.map.set(name, entryOf({ ...entry, id: entry.id }));
    }
  }

  protected override changed(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.map), null, 1));
    fs.renameSync(tmp, this.file);
  }
}
