import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// `fuota` as child processes for the end-to-end tests of `fuota sim …` and `fuota serve`:
// spawn, wait for what they print (failing at once when one exits), stop with SIGTERM.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Child {
  exitedWith?: { code: number | null; signal: NodeJS.Signals | null };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
}

export function fuota(args: readonly string[]): Child {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/fuota.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const result: Child = { exited: Promise.resolve({ code: null, signal: null }), stdout: () => out, stderr: () => err, kill: (signal) => void child.kill(signal) };
  result.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    process.off('exit', killOnExit);
    result.exitedWith = { code, signal };
    resolve({ code, signal });
  }));
  return result;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs`, or at once when a child has exited. */
export async function eventually(check: () => boolean, timeoutMs: number, what: () => string, children: readonly Child[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    const gone = children.find((child) => child.exitedWith !== undefined);
    if (gone) throw new Error(`a child exited (${JSON.stringify(gone.exitedWith)}) while waiting for ${what()}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function stopped(child: Child, limitMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'hung'> {
  child.kill('SIGTERM');
  return Promise.race([child.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), limitMs))]);
}

export function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The JSON lines of a pino log. */
export function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout.trim().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}
