import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// A real mosquitto for integration tests: its own temp dir, free ports on 127.0.0.1, a TLS
// listener (CA and server certificate made with the openssl CLI, SAN IP:127.0.0.1), a plain
// listener, a password file and no anonymous access, persistence on (for restart tests).
// Run as root, mosquitto drops to user `mosquitto` (network-servers.md): the dir is chowned to it.

const SEARCH_PATH = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];

function which(command: string): string | undefined {
  for (const dir of SEARCH_PATH) {
    const file = path.join(dir, command);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function requireTool(command: string): string {
  const file = which(command);
  if (file === undefined) {
    throw new Error(`${command} is not installed: the MQTT integration tests need a real mosquitto (apt-get install -y mosquitto openssl; .ci/run installs them)`);
  }
  return file;
}

export interface Pki {
  dir: string;
  caPem: string;
  /** A CA that did not sign the broker's certificate. */
  otherCaPem: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated CA. */
export function makePki(dir: string): Pki {
  const openssl = requireTool('openssl');
  const run = (...args: string[]): void => {
    execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=fuota test CA', '-days', '2');
  run('req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-subj', '/CN=fuota other CA', '-days', '2');
  run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext');
  return {
    dir,
    caPem: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'),
    otherCaPem: fs.readFileSync(path.join(dir, 'other-ca.crt'), 'utf8'),
    caFile: path.join(dir, 'ca.crt'),
    certFile: path.join(dir, 'server.crt'),
    keyFile: path.join(dir, 'server.key'),
  };
}

/** How long mosquitto may take to listen: generous, a busy machine starts it slowly (issue #14). */
const START_TIMEOUT_MS = 60_000;
const handedOut = new Set<number>();

async function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port on 127.0.0.1, below Linux's ephemeral range (32768-60999): a port the OS hands to
 * outgoing connections could be taken while the broker is stopped for a restart test.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i += 1) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port found on 127.0.0.1 between 20000 and 32000');
}

/** Whether something accepts TCP connections on 127.0.0.1:port (mosquitto is up). */
export async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface Broker {
  plainUrl: string;
  tlsUrl: string;
  plainPort: number;
  tlsPort: number;
  username: string;
  password: string;
  pki: Pki;
  /** SIGTERM and wait: mosquitto writes its persistence file on the way out. */
  stop(): Promise<void>;
  /** Starts again on the same ports with the same persistence. */
  start(): Promise<void>;
  /** Stops the broker and removes its directory. */
  dispose(): Promise<void>;
  /** mosquitto's log so far, for failure messages. */
  log(): string;
}

export async function startBroker(): Promise<Broker> {
  const mosquitto = requireTool('mosquitto');
  const mosquittoPasswd = requireTool('mosquitto_passwd');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-mosquitto-'));
  try {
    const pki = makePki(dir);
    const username = 'fuota';
    const password = 'correct horse battery staple';
    const passwordFile = path.join(dir, 'passwd');
    execFileSync(mosquittoPasswd, ['-c', '-b', passwordFile, username, password], { stdio: 'pipe' });
    const dataDir = path.join(dir, 'data');
    fs.mkdirSync(dataDir);
    let plainPort = 0;
    let tlsPort = 0;
    const confFile = path.join(dir, 'mosquitto.conf');
    const writeConfig = (): void => fs.writeFileSync(confFile, [
      'per_listener_settings false',
      'allow_anonymous false',
      `password_file ${passwordFile}`,
      'persistence true',
      `persistence_location ${dataDir}/`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      `listener ${plainPort} 127.0.0.1`,
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${pki.caFile}`,
      `certfile ${pki.certFile}`,
      `keyfile ${pki.keyFile}`,
      '',
    ].join('\n'));

    let child: ChildProcess | undefined;
    let logText = '';
    const start = async (): Promise<void> => {
      const logStart = logText.length;
      const proc = spawn(mosquitto, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      // If the test process dies without its teardown, the broker must not outlive it.
      const killOnExit = (): void => void proc.kill('SIGKILL');
      process.once('exit', killOnExit);
      proc.once('exit', () => process.off('exit', killOnExit));
      proc.stdout?.on('data', (chunk: Buffer) => (logText += chunk.toString()));
      proc.stderr?.on('data', (chunk: Buffer) => (logText += chunk.toString()));
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (Date.now() < deadline) {
        if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode}:\n${logText}`);
        // "running" is logged once every listener is bound; then check they answer.
        if (logText.slice(logStart).includes(' running') && (await accepts(plainPort)) && (await accepts(tlsPort))) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`mosquitto did not listen on ${plainPort} and ${tlsPort} within ${START_TIMEOUT_MS / 1000} s:\n${logText}`);
    };
    const stop = async (): Promise<void> => {
      const proc = child;
      child = undefined;
      if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        proc.kill('SIGTERM');
      });
    };
    // Another process may bind a chosen port before mosquitto does: try fresh ports.
    for (let attempt = 1; ; attempt += 1) {
      [plainPort, tlsPort] = [await freePort(), await freePort()];
      writeConfig();
      if (process.getuid?.() === 0) chownToMosquitto(dir);
      try {
        await start();
        break;
      } catch (error) {
        await stop();
        if (attempt >= 3 || !logText.includes('Address already in use')) throw error;
      }
    }
    return {
      plainUrl: `mqtt://127.0.0.1:${plainPort}`,
      tlsUrl: `mqtts://127.0.0.1:${tlsPort}`,
      plainPort,
      tlsPort,
      username,
      password,
      pki,
      stop,
      start,
      dispose: async () => {
        await stop();
        await fs.promises.rm(dir, { recursive: true, force: true });
      },
      log: () => logText,
    };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function chownToMosquitto(dir: string): void {
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'mosquitto']).toString().trim());
    gid = Number(execFileSync('id', ['-g', 'mosquitto']).toString().trim());
  } catch {
    return; // no mosquitto user: mosquitto keeps running as root and reads everything
  }
  const walk = (p: string): void => {
    fs.chownSync(p, uid, gid);
    if (fs.statSync(p).isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
  };
  walk(dir);
}
