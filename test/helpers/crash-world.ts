import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSimulatedWorld } from '../../src/app.js';
import { hexToBytes } from '../../src/core/hex.js';
import type { CreateMulticastGroupCommand, UnicastCommand } from '../../src/campaign/commands.js';
import { DEFAULT_SCENARIO, type FleetScenario } from '../../src/lns/sim/sim-fleet.js';
import type { FromChild, ToChild } from './ipc-protocol.js';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const TERMINAL = new Set(['completed', 'halted', 'cancelled']);

export interface CrashRunOptions {
  scenario: Partial<FleetScenario>;
  /** Kill the engine the first time each of these wave stages is reached (per wave). */
  killAtStages?: readonly string[];
  /** Kill the third engine process at its first commit from this one on that has commands, before they go out. */
  crashAfterCommit?: number;
}

export interface CrashRunResult {
  outcomes: Record<string, string>;
  phase: string;
  kills: string[];
  restarts: number;
}

/**
 * Runs a campaign whose engine lives in a child process (SQLite on disk) while the simulated
 * fleet and network server live here. Events go to the engine until it acknowledges them (as an
 * MQTT broker with a persistent session does), so an engine killed at any point gets them again.
 */
export async function runCrashWorld(options: CrashRunOptions): Promise<CrashRunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-crash-'));
  const world = await createSimulatedWorld({ scenario: { ...DEFAULT_SCENARIO, ...options.scenario }, campaignId: 'crash', storePath: 'memory', firmwareBytes: 16 * 1024 });
  await world.engine.close(); // the in-process engine is not used: the child runs the campaign
  const network = world.fleet.network;
  const clock = world.clock;
  const paths = [join(dir, 'campaign.db'), join(dir, 'spec.json'), join(dir, 'block.bin')] as const;
  writeFileSync(paths[1], JSON.stringify(world.spec));
  writeFileSync(paths[2], world.block);

  let child: ChildProcess | undefined;
  let seq = 0;
  const unacked = new Map<number, ToChild>();
  const wakes = new Set<number>();
  const killedAt = new Set<string>();
  const kills: string[] = [];
  let restarts = 0;
  let last: Extract<FromChild, { type: 'ack' }> | undefined;
  let notify: (() => void) | undefined;

  const deliver = (message: ToChild) => {
    unacked.set(message.seq, message);
    // A child killed a moment ago may still look connected: the send then fails (EPIPE). The
    // message stays unacknowledged and goes to the next process, so the error is expected.
    if (child?.connected) child.send(message, () => undefined);
  };
  const onMessage = (message: FromChild) => {
    if (message.type === 'command') {
      const { kind, value } = message.command;
      if (kind === 'unicast') void network.sendUnicast(value as UnicastCommand);
      else if (kind === 'create-group') void network.createMulticastGroup(value as CreateMulticastGroupCommand);
      else if (kind === 'delete-group') void network.deleteMulticastGroup(value as string);
      else {
        const m = value as { id: string; groupName: string; fPort: number; payload: string; atMs: number };
        void network.sendMulticast({ ...m, payload: hexToBytes(m.payload) });
      }
    } else if (message.type === 'wake') {
      if (!wakes.has(message.atMs)) {
        wakes.add(message.atMs);
        clock.at(message.atMs, () => {
          wakes.delete(message.atMs);
          deliver({ type: 'tick', seq: ++seq, nowMs: clock.now() });
        });
      }
    } else {
      unacked.delete(message.seq);
      last = message;
      const key = `${message.wave}:${message.stage}`;
      if (options.killAtStages?.includes(message.stage) && !killedAt.has(key) && !TERMINAL.has(message.phase)) {
        killedAt.add(key);
        kills.push(key);
        child?.kill('SIGKILL');
      }
    }
    notify?.();
  };
  const spawnChild = (mode: 'create' | 'resume', crashAfterCommit?: number) => {
    const env = { ...process.env, ...(crashAfterCommit ? { CRASH_AFTER_COMMIT: String(crashAfterCommit) } : { CRASH_AFTER_COMMIT: '' }) };
    const next = fork(CHILD, [...paths], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    next.on('message', onMessage);
    next.on('error', () => undefined); // a killed child's channel errors; its exit is what counts
    next.on('exit', () => notify?.());
    child = next;
    const start: ToChild = { type: 'start', seq: ++seq, nowMs: clock.now(), mode };
    // The start goes first, then whatever the previous process did not acknowledge.
    const pending = [...unacked.values()];
    unacked.clear();
    deliver(start);
    for (const message of pending) deliver(message);
  };
  const settle = async () => {
    for (;;) {
      if (child && child.exitCode === null && child.signalCode === null) {
        if (unacked.size === 0) return;
      } else {
        restarts++;
        spawnChild('resume', restarts === 2 ? options.crashAfterCommit : undefined);
        continue;
      }
      await new Promise<void>((resolve) => (notify = resolve));
      notify = undefined;
    }
  };

  network.onUplink = (uplink) => deliver({ type: 'uplink', seq: ++seq, nowMs: uplink.atMs, devEui: uplink.devEui, fPort: uplink.fPort, payloadHex: Buffer.from(uplink.payload).toString('hex') });
  try {
    spawnChild('create');
    await settle();
    await clock.run({ untilMs: world.startMs + 7 * 86_400_000, done: () => TERMINAL.has(last?.phase ?? ''), settle });
    return { outcomes: last?.outcomes ?? {}, phase: last?.phase ?? 'none', kills, restarts };
  } finally {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
