import fs from 'node:fs';
import path from 'node:path';
import { PeerError } from '../core/errors.js';
import type { ServerLabel } from './server-label.js';

// groupName → the network server's multicast group (ChirpStack: the group's UUID; The Things
// Stack: the multicast end device's id), kept across restarts: a repeated createMulticastGroup
// (the engine's outbox after a crash) finds the group here instead of creating a second one,
// and a deletion that was accepted but not finished (`deleting`) is resumed at start. A crash
// between the server's create and `set` is covered by each adapter's find-again (ChirpStack:
// List by name; The Things Stack: Get by the derived device id).
// The file format is the ChirpStack adapter's original one, `{name: {id, deleting?,
// drainDeadlineMs?, maxPayloadBytes?}}`; the optional extras are only ever added.

export interface GroupEntry {
  /** The server's id of the group. */
  id: string;
  /** deleteMulticastGroup was accepted: drain the queue, then delete (also after a restart). */
  deleting?: boolean;
  /** Stop waiting for the queue by then and delete (unix ms): what is left will not go out. */
  drainDeadlineMs?: number;
  /** Largest FRMPayload the group's DR carries (RP002); larger frames are never handed over. */
  maxPayloadBytes?: number;
  /** The gateways the group's frames go through (The Things Stack: class_b_c.gateways). */
  gatewayIds?: string[];
  /** The group's class (The Things Stack: class B frames carry no absolute_time). */
  deviceClass?: 'B' | 'C';
  /** One member, to charge a duty-cycle refusal of the group to its campaign. */
  memberDevEui?: string;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Keeps the known fields only, and only when they have the right type (a copy). */
export function entryOf(raw: Partial<GroupEntry> & { id: string }): GroupEntry {
  const entry: GroupEntry = { id: raw.id };
  if (raw.deleting === true) entry.deleting = true;
  if (typeof raw.drainDeadlineMs === 'number') entry.drainDeadlineMs = raw.drainDeadlineMs;
  if (typeof raw.maxPayloadBytes === 'number') entry.maxPayloadBytes = raw.maxPayloadBytes;
  if (isStringArray(raw.gatewayIds)) entry.gatewayIds = [...raw.gatewayIds];
  if (raw.deviceClass === 'B' || raw.deviceClass === 'C') entry.deviceClass = raw.deviceClass;
  if (typeof raw.memberDevEui === 'string') entry.memberDevEui = raw.memberDevEui;
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
    const entry = this.map.get(groupName);
    return entry === undefined ? undefined : entryOf(entry);
  }

  set(groupName: string, entry: GroupEntry): void {
    this.map.set(groupName, entryOf(entry));
    this.changed();
  }

  delete(groupName: string): void {
    if (this.map.delete(groupName)) this.changed();
  }

  entries(): Array<[string, GroupEntry]> {
    return [...this.map].map(([name, entry]) => [name, entryOf(entry)]);
  }

  protected changed(): void {}
}

/** A small JSON file, rewritten whole (temp file + rename, so a crash leaves the old or the new). */
export class FileGroupRegistry extends MemoryGroupRegistry {
  constructor(
    private readonly file: string,
    server: ServerLabel,
  ) {
    super();
    const code = `${server.codePrefix}_GROUP_REGISTRY_INVALID`;
    const what = `${server.name} group registry ${file}`;
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
      throw new PeerError(code, `${what}: expected JSON, got unparsable text (${(error as Error).message})`, { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new PeerError(code, `${what}: expected an object of groupName → {id}, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
    }
    for (const [name, entry] of Object.entries(parsed as Record<string, Partial<GroupEntry>>)) {
      if (typeof entry?.id !== 'string') throw new PeerError(code, `${what}: group ${JSON.stringify(name)}: expected an id string, got ${JSON.stringify(entry)}`);
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

/** The registry option of both adapters: a file path, a registry, or (absent) one in memory. */
export function groupRegistryOf(option: GroupRegistry | string | undefined, server: ServerLabel): GroupRegistry {
  return typeof option === 'string' ? new FileGroupRegistry(option, server) : (option ?? new MemoryGroupRegistry());
}
