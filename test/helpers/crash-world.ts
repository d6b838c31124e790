import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSimulatedWorld } from '../../src/app/simulated-world.js';
import { hexToBytes } from '../../src/core/hex.js';
import type { CampaignCommand, CreateMulticastGroupCommand, UnicastCommand } from '../../src/campaign/commands.js';
import type { CampaignSpecInput } from '../../src/campaign/spec.js';
import { DEFAULT_SCENARIO, type FleetScenario } from '../../src/sim/sim-fleet.js';
import type { CommandCrash, FromChild, NetworkCall, ToChild } from './ipc-protocol.js';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const TERMINAL = new Set(['completed', 'halted', 'cancelled']);
const MAX_RESTARTS = 100;

export interface CrashRunOptions {
  scenario: Partial<FleetScenario>;
  /** Kill the engine the first time each of these wave stages is reached (per wave). */
  killAtStages?: readonly string[];
  /** Kill the third engine process at its first commit from this one on that has commands, before they go out. */
  crashAfterCommit?: number;
  /**
   * Per engine process in start order (0: the one that creates the campaign, i: the i-th
   * restart): it kills itself at its first network call of that kind, before the call leaves it
   * or right after the parent got it. Processes past the end of the list are not killed this way.
   */
  commandCrashes?: ReadonlyArray<CommandCrash | undefined>;
  /** In every engine process, the first call of this kind that is not a kill point fails once (the engine retries it 30 s later). */
  failOnce?: NetworkCall['kind'];
  /**
   * The first engine process kills itself right after committing the transition that enters this
   * wave stage, before carrying out its commands (they wait in the outbox).
   */
  crashAtStageCommit?: string;
  /**
   * Simulated time a killed engine stays down before its restart (a machine under load): the
   * fleet goes on meanwhile and its uplinks wait for the next process.
   */
  restartDelayMs?: number;
  /** Overrides of the simulated world's campaign spec (timing, rollout...). */
  spec?: Partial<CampaignSpecInput>;
}

export interface CrashRunResult {
  outcomes: Record<string, string>;
  phase: string;
  kills: string[];
  restarts: number;
  /**
   * Every command an engine process committed (commandKey), in commit order, as journaled by the
   * child right after each commit. Exact when every kill is the child's own (commandCrashes,
   * crashAfterCommit); a kill from here (killAtStages) may land between a commit and its line.
   */
  decided: string[];
  /** Every network server call that reached the simulated network server (callKey), in order; a replayed call appears again. */
  carried: string[];
  /** The calls that failed (failOnce), in order; `at`: how many calls had reached the network server before (its retry must come at or after that index of `carried`). */
  failedCalls: Array<{ key: string; at: number }>;
}

/** A committed command, named as the network server call that carries it out is (callKey). */
export function commandKey(command: CampaignCommand): string {
  switch (command.type) {
    case 'unicast':
      return `unicast ${command.id} ${command.devEui} ${command.fPort} ${command.payloadHex}`;
    case 'create-multicast-group':
      return `create-group ${command.groupName} ${command.devEuis.join(',')}`;
    case 'delete-multicast-group':
      return `delete-group ${command.groupName}`;
    case 'multicast':
      return `multicast ${command.id} ${command.groupName} ${command.fPort} ${command.atMs}`;
    case 'multicast-fragment':
      return `multicast ${command.id} ${command.groupName} 201 ${command.atMs}`; // TS004 DataFragment port
  }
}

/** A network server call, named as its command is (commandKey). */
export function callKey(call: NetworkCall): string {
  switch (call.kind) {
    case 'unicast':
      return commandKey(call.value as UnicastCommand);
    case 'create-group':
      return commandKey(call.value as CreateMulticastGroupCommand);
    case 'delete-group':
      return `delete-group ${call.value}`;
    case 'multicast': {
      const m = call.value as { id: string; groupName: string; fPort: number; atMs: number };
      return `multicast ${m.id} ${m.groupName} ${m.fPort} ${m.atMs}`;
    }
  }
}

/**
 * Runs a campaign whose engine lives in a child process (SQLite on disk) while the simulated
 * fleet and network server live here. Events go to the engine until it acknowledges them (as an
 * MQTT broker with a persistent session does), so an engine killed at any point gets them again.
 */
export async function runCrashWorld(options: CrashRunOptions): Promise<CrashRunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-crash-'));
  const world = await createSimulatedWorld({ scenario: { ...DEFAULT_SCENARIO, ...options.scenario }, campaignId: 'crash', storePath: 'memory', ...(options.spec ? { spec: options.spec } : {}), firmwareBytes: 16 * 1024 });
  await world.engine.close(); // the in-process engine is not used: the child runs the campaign
  const network = world.fleet.network;
  const clock = world.clock;
  const paths = [join(dir, 'campaign.db'), join(dir, 'spec.json'), join(dir, 'block.bin')] as const;
  const journal = join(dir, 'decided.jsonl');
  const carried: string[] = [];
  const failedCalls: Array<{ key: string; at: number }> = [];
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
  /** Set while a killed engine waits out restartDelayMs. */
  let downUntilMs: number | undefined;
  let notify: (() => void) | undefined;

  const deliver = (message: ToChild) => {
    unacked.set(message.seq, message);
    // A child killed a moment ago may still look connected: the send then fails (EPIPE). The
    // message stays unacknowledged and goes to the next process, so the error is expected.
    if (child?.connected) child.send(message, () => undefined);
  };
  const onMessage = (message: FromChild) => {
    if (message.type === 'call-failed') {
      failedCalls.push({ key: callKey(message.command), at: carried.length });
    } else if (message.type === 'command') {
      carried.push(callKey(message.command));
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
    const crashInCommand = options.commandCrashes?.[restarts];
    const env = {
      ...process.env,
      CRASH_AFTER_COMMIT: crashAfterCommit ? String(crashAfterCommit) : '',
      CRASH_AT_STAGE: mode === 'create' ? (options.crashAtStageCommit ?? '') : '',
      CRASH_IN_COMMAND: crashInCommand ? JSON.stringify(crashInCommand) : '',
      FAIL_ONCE: options.failOnce ?? '',
      DECIDED_JOURNAL: journal,
    };
    const next = fork(CHILD, [...paths], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    next.on('message', onMessage);
    next.on('error', () => undefined); // a killed child's channel errors; its exit is what counts
    next.on('exit', () => notify?.());
    child = next;
    const start: ToChild = { type: 'start', seq: ++seq, nowMs: clock.now(), mode };
    // The start goes first, then whatever the previous process did not acknowledge — but not its
    // start: a process killed while creating the campaign had stored it (the kill points come
    // after engine.create's store.create), so the next one resumes it instead of creating it again.
    const pending = [...unacked.values()].filter((message) => message.type !== 'start');
    unacked.clear();
    deliver(start);
    for (const message of pending) deliver(message);
  };
  const settle = async () => {
    for (;;) {
      if (child && child.exitCode === null && child.signalCode === null) {
        if (unacked.size === 0) return;
      } else if (downUntilMs !== undefined) {
        return; // down: the fleet runs on, its uplinks wait in `unacked`
      } else if (options.restartDelayMs) {
        downUntilMs = clock.now() + options.restartDelayMs;
        clock.at(downUntilMs, () => {
          downUntilMs = undefined;
          restarts++;
          spawnChild('resume');
        });
        return;
      } else {
        restarts++;
        // A process that dies again and again (a crash loop) would otherwise spin until the test's timeout.
        if (restarts > MAX_RESTARTS) throw new Error(`crash world: more than ${MAX_RESTARTS} restarts (kills: ${kills.join(' ')})`);
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
    const decided = existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter(Boolean).map((line) => commandKey(JSON.parse(line) as CampaignCommand)) : [];
    return { outcomes: last?.outcomes ?? {}, phase: last?.phase ?? 'none', kills, restarts, decided, carried, failedCalls };
  } finally {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
