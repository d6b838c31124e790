// The engine in a child process: SQLite store on disk, network server and clock over IPC.
// Killed and restarted by test/campaign/crash-resume.test.ts.
import { readFileSync } from 'node:fs';
import { bytesToHex, hexToBytes } from '../../src/core/hex.js';
import { CampaignEngine } from '../../src/campaign/engine.js';
import type { Clock, MulticastDownlink, NetworkServer } from '../../src/campaign/ports.js';
import type { CreateMulticastGroupCommand, UnicastCommand } from '../../src/campaign/commands.js';
import { SqliteCampaignStore } from '../../src/store/sqlite-campaign-store.js';
import type { FromChild, ToChild } from './ipc-protocol.js';

const [dbPath, specPath, blockPath] = process.argv.slice(2) as [string, string, string];
const crashAfterCommit = Number(process.env.CRASH_AFTER_COMMIT ?? 0);
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

const network: NetworkServer = {
  async sendUnicast(downlink: UnicastCommand) {
    send({ type: 'command', command: { kind: 'unicast', value: downlink } });
  },
  async createMulticastGroup(group: CreateMulticastGroupCommand) {
    send({ type: 'command', command: { kind: 'create-group', value: group } });
  },
  async sendMulticast(downlink: MulticastDownlink) {
    send({ type: 'command', command: { kind: 'multicast', value: { ...downlink, payload: bytesToHex(downlink.payload) } } });
  },
  async deleteMulticastGroup(groupName: string) {
    send({ type: 'command', command: { kind: 'delete-group', value: groupName } });
  },
};

const clock = new RemoteClock();
const store = SqliteCampaignStore.open(dbPath);
if (crashAfterCommit > 0) {
  // Dies between a commit and carrying out its commands: the outbox must replay them.
  let commits = 0;
  const commit = store.commit.bind(store);
  store.commit = async (id, result) => {
    const seqs = await commit(id, result);
    if (++commits >= crashAfterCommit && result.commands.length > 0) process.kill(process.pid, 'SIGKILL');
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
