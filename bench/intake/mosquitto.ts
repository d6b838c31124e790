import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { accepts } from '../../test/lns/mqtt/mosquitto.js';

// A private mosquitto for the intake benchmark: anonymous, plain TCP on a free port of
// 127.0.0.1, no persistence, and the queue settings given (the documented ones, or none: the
// defaults whose loss the benchmark shows). docs/deploy-chirpstack.md "Broker settings".

export interface BrokerSettings {
  /** mosquitto.conf lines (e.g. `max_queued_messages 0`); empty: mosquitto's defaults. */
  lines: readonly string[];
}

export interface BenchBroker {
  url: string;
  stop(): Promise<void>;
}

/** The settings docs/deploy-chirpstack.md asks for: no message count limit on a client's queue, a byte bound instead, a wide in-flight window. */
export const DOCUMENTED_SETTINGS: BrokerSettings = {
  lines: ['max_queued_messages 0', 'max_queued_bytes 1073741824', 'max_inflight_messages 1000', 'max_inflight_bytes 0'],
};

export const DEFAULT_SETTINGS: BrokerSettings = { lines: [] };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startBenchBroker(settings: BrokerSettings): Promise<BenchBroker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-intake-mosquitto-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, ['allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', `listener ${port} 127.0.0.1`, ...settings.lines, ''].join('\n'));
  fs.chmodSync(conf, 0o644);
  const proc: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const kill = (): void => void proc.kill('SIGKILL');
  process.once('exit', kill);
  const deadline = Date.now() + 60_000;
  while (!(await accepts(port))) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode}: ${log}`);
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within 60 s: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      process.off('exit', kill);
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
