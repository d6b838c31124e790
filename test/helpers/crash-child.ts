// The engine in a child process: SQLite store on disk, network server and clock over IPC.
// Killed and restarted by test/campaign/crash-resume.test.ts.
import { appendFileSync, readFileSync } from 'node:fs';
import { bytesToHex, hexToBytes } from '../../src/core/hex.js';
import { CampaignEngine } from '../../src/campaign/engine.js';
import type { Clock, MulticastDownlink, NetworkServer } from '../../src/campaign/ports.js';
import type { CreateMulticastGroupCommand, UnicastCommand } from '../../src/campaign/commands.js';
import { SqliteCampaignStore } from '../../src/store/sqlite-campaign-store.js';
import type { CommandCrash, FromChild, NetworkCall, ToChild } from './ipc-protocol.js';

const [dbPath, specPath, blockPath] = process.argv.slice(2) as [string, string, string];
const crashAfterCommit = Number(process.env.CRASH_AFTER_COMMIT ?? 0);
/** Dies right after the commit that enters this wave stage, before its commands go out. */
const crashAtStage = process.env.CRASH_AT_STAGE || undefined;
/** Dies at its first network call of this kind, before or after the call reached the parent. */
const crashInCommand = process.env.CRASH_IN_COMMAND ? (JSON.parse(process.env.CRASH_IN_COMMAND) as CommandCrash) : undefined;
/** Its first network call of this kind that is not a crash point fails (the network server was unreachable): the engine must retry it. */
const failOnce = process.env.FAIL_ONCE ? (process.env.FAIL_ONCE as NetworkCall['kind']) : undefined;
let failed = false;
/** Every committed command, one JSON line each, appended as soon as its commit returned. */
const decidedJournal = process.env.DECIDED_JOURNAL;
const send = (message: FromChild) => process.send!(message);

class RemoteClock implements Clock {
  nowMs = 0;
  private timers: Array<{ atMs: number; fn: () => void; cancelled: boolean }> = [];
  now(): number {
    return this.nowMs;
  }
  at(atMs: number, fn: () => void): () => void {
    const timer = { atMs, fn, cancelled: false };
    this.timers.push(timer);
    send({ type: 'wake', atMs });
    return () => {
      timer.cancelled = true;
    };
  }
  fireDue(): void {
    const due = this.timers.filter((t) => !t.cancelled && t.atMs <= this.nowMs);
    this.timers = this.timers.filter((t) => !t.cancelled && t.atMs > this.nowMs);
    for (const timer of due) timer.fn();
  }
}

/** Resolves once the message is written to the IPC channel. */
function sendNow(message: FromChild): Promise<void> {
  return new Promise<void>((resolve, reject) => process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve())));
}

/**
 * Hands a call to the network server (the parent), or fails it (FAIL_ONCE) and tells the parent
 * so. It resolves once the message is written to the IPC channel, so that a kill after it cannot
 * take the call back: the parent then has it.
 */
async function carryOut(call: NetworkCall): Promise<void> {
  const crash = crashInCommand?.kind === call.kind ? crashInCommand.when : undefined;
  if (crash === 'before-send') process.kill(process.pid, 'SIGKILL');
  const fail = !crash && !failed && failOnce === call.kind;
  await sendNow({ type: fail ? 'call-failed' : 'command', command: call });
  if (fail) {
    failed = true;
    throw new Error(`${call.kind}: network server unreachable (FAIL_ONCE)`);
  }
  if (crash === 'after-send') process.kill(process.pid, 'SIGKILL');
}

const network: NetworkServer = {
  sendUnicast: (downlink: UnicastCommand) => carryOut({ kind: 'unicast', value: downlink }),
  createMulticastGroup: (group: CreateMulticastGroupCommand) => carryOut({ kind: 'create-group', value: group }),
  sendMulticast: (downlink: MulticastDownlink) => carryOut({ kind: 'multicast', value: { ...downlink, payload: bytesToHex(downlink.payload) } }),
  deleteMulticastGroup: (groupName: string) => carryOut({ kind: 'delete-group', value: groupName }),
};

const clock = new RemoteClock();
const store = SqliteCampaignStore.open(dbPath);
{
  let commits = 0;
  const commit = store.commit.bind(store);
  store.commit = async (id, result) => {
    const seqs = await commit(id, result);
    // Synchronous, so that it is on disk before anything else can happen (a self-kill below or in
    // carryOut). A kill from the parent could still land between the commit and this line.
    if (decidedJournal) for (const command of result.commands) appendFileSync(decidedJournal, `${JSON.stringify(command)}\n`);
    // Dies between a commit and carrying out its commands: the outbox must replay them.
    if (crashAfterCommit > 0 && ++commits >= crashAfterCommit && result.commands.length > 0) process.kill(process.pid, 'SIGKILL');
    if (crashAtStage && result.campaign.wave?.stage === crashAtStage) process.kill(process.pid, 'SIGKILL');
    return seqs;
  };
}
const engine = new CampaignEngine({ store, network, clock });

function ack(seq: number): void {
  const view = engine.view('crash');
  const outcomes: Record<string, string> = {};
  for (const d of view?.devices.values() ?? []) if (d.outcome) outcomes[d.devEui] = d.outcome;
  send({ type: 'ack', seq, phase: view?.campaign.phase ?? 'none', wave: view?.campaign.waveIndex ?? -1, stage: view?.campaign.wave?.stage ?? 'none', outcomes });
}

let chain: Promise<void> = Promise.resolve();
process.on('message', (message: ToChild) => {
  chain = chain.then(async () => {
    clock.nowMs = Math.max(clock.nowMs, message.nowMs);
    if (message.type === 'start') {
      if (message.mode === 'create') await engine.create(JSON.parse(readFileSync(specPath, 'utf8')), new Uint8Array(readFileSync(blockPath)));
      else await engine.resumeAll();
    } else if (message.type === 'uplink') {
      await engine.handleUplink({ devEui: message.devEui, fPort: message.fPort, payload: hexToBytes(message.payloadHex), atMs: message.nowMs });
    } else {
      clock.fireDue();
    }
    await engine.idle();
    ack(message.seq);
  });
});
