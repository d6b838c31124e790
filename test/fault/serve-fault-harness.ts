import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { fuota, logLines, stopped, tail, type Child } from '../helpers/fuota-child.js';
import { freePort, startBroker, type Broker } from '../lns/mqtt/mosquitto.js';
import { ApiOutageProxy } from './api-outage-proxy.js';
import type { Fault, Scenario, StagePoint } from './fault-scenarios.js';
import { readOutbox, readStore, type OutboxEntry } from './fault-store.js';

// Fault injection of the real `fuota serve` (issue #14, Deliver 2). One run: a mosquitto, the
// simulated ChirpStack with its fleet as a child (fault-sim-child.ts), its gRPC API behind a
// relay that can go down (api-outage-proxy.ts), `fuota serve` as a child on a SQLite store, and
// one two-wave campaign dropped into the campaigns directory. One fault is injected where the
// scenario says (watching serve's 'campaign progress' log lines, the intake's lines, the store);
// a killed or crashed serve is started again on the same store and config, as an operator's
// supervisor would. The run ends when the campaign leaves 'running'; it records each device's
// outcome, the fleet's firmware, every uplink the service counted and every downlink the
// simulated network server was handed, and what the outbox held at the fault.
// compareRuns() holds a run against an undisturbed run of the same seed.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SIM_CHILD = path.join(ROOT, 'test/fault/fault-sim-child.ts');
const APPLICATION_ID = '0c6a1f7e-5a0b-4c1d-9e2f-3a4b5c6d7e8f';
/** TS004 FragDataFragment (cid 0x08) on the fragmentation port. */
const FRAGMENTATION_PORT = 201;
const DATA_FRAGMENT = 0x08;
/** Starting a child (tsx compiles on load) took over 2 minutes with ten runs at once on 2 busy cores. */
const START_LIMIT_MS = 5 * 60_000;
/** How long the store's disk stays full once the service met it. */
const DISK_FULL_MS = 15_000;

export interface HarnessOptions {
  devices: number;
  seed: number;
  uplinkIntervalMs: number;
  /** The whole run, fault included, must end within this. */
  runDeadlineMs: number;
  /** Keep the run's directory (logs, store, downlinks) even when it passed. */
  keepDir: boolean;
  /** Progress lines of the harness itself. */
  log: (line: string) => void;
}

export const DEFAULT_OPTIONS: HarnessOptions = {
  devices: 4,
  seed: 7,
  uplinkIntervalMs: 1_000,
  runDeadlineMs: 20 * 60_000,
  keepDir: false,
  log: () => {},
};

export interface Downlink {
  kind: 'unicast' | 'multicast';
  id: string;
  devEui?: string;
  groupName?: string;
  fPort: number;
  payloadHex: string;
  atMs: number;
}

export interface RunRecord {
  scenario: string;
  seconds: number;
  /** The campaign's phase in the store at the end. */
  phase: string | undefined;
  outcomes: Record<string, string>;
  /** The simulated devices' firmware versions at the end. */
  firmware: Record<string, number>;
  uplinks: Record<string, string[]>;
  downlinks: Downlink[];
  /** Every outbox entry seen from the fault until the service ran again (after a kill: read before the restart). */
  outboxAtFault: OutboxEntry[];
  /** Whether the fault happened where the scenario asked, and what was done. */
  reached: boolean;
  notes: string[];
  /** How many times serve was started. */
  serveStarts: number;
  dir: string;
  /** The serve logs (all starts) and the simulator's stderr, for a failure message. */
  serveLog: string;
  simStderr: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface SimChild {
  child: ReturnType<typeof spawn>;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

function startSim(dir: string, configFile: string, options: HarnessOptions, campaignId: string): SimChild {
  const child = spawn(process.execPath, ['--import', 'tsx', SIM_CHILD, configFile, dir, String(options.devices), String(options.seed), String(options.uplinkIntervalMs), campaignId], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    process.off('exit', killOnExit);
    resolve(code);
  }));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(100);
  }
}

function writeConfig(file: string, o: { storeFile: string; broker: Broker; apiAddress: string; clientId: string }): void {
  fs.writeFileSync(file, [
    'store:',
    `  path: ${o.storeFile}`,
    'networkServer:',
    '  kind: chirpstack',
    `  applicationId: ${APPLICATION_ID}`,
    '  txAckTimeoutMs: 8000',
    '  multicastQueuePollMs: 250',
    '  multicastClassCMarginMs: 1000',
    '  mqtt:',
    `    url: ${o.broker.plainUrl}`,
    `    clientId: ${o.clientId}`,
    `    username: ${o.broker.username}`,
    `    password: ${JSON.stringify(o.broker.password)}`,
    '  api:',
    `    address: ${o.apiAddress}`,
    '    token: fault-token',
    'campaigns:',
    '  directory: ./campaigns',
    '  vendorKeys:',
    '    - vendor: example.com',
    '      publicKey: ./update-pub.pem',
    '',
  ].join('\n'));
}

/** The simulator's campaign file made a two-wave campaign (half the devices first), into the campaigns directory. */
function dropCampaign(dir: string, campaignId: string): string {
  const staging = path.join(dir, 'staging');
  const file = JSON.parse(fs.readFileSync(path.join(staging, `${campaignId}.json`), 'utf8')) as { spec: Record<string, unknown>; package: string };
  file.spec['rollout'] = { canaryFraction: 0.5 };
  // The simulator's timings (10 s answer timeout for a 1 s uplink interval), with budgets that a
  // 5-minute API outage does not exhaust: retries for 10 minutes, setup and confirmation deadlines
  // of 15. Waits end when the devices answer, so an undisturbed run is no slower for them.
  const timing = file.spec['timing'] as Record<string, number>;
  file.spec['timing'] = { ...timing, maxAttempts: 60, setupDeadlineMs: 15 * 60_000, confirmTimeoutMs: 15 * 60_000 };
  const campaigns = path.join(dir, 'campaigns');
  fs.copyFileSync(path.join(staging, file.package), path.join(campaigns, file.package));
  const target = path.join(campaigns, `${campaignId}.json`);
  fs.writeFileSync(`${target}.part`, JSON.stringify(file));
  fs.renameSync(`${target}.part`, target);
  return target;
}

function readDownlinks(dir: string): Downlink[] {
  const file = path.join(dir, 'downlinks.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Downlink);
}

/** Fills the file system holding `dir` until it refuses another byte (ENOSPC). */
function fillDisk(file: string): number {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) {
      try {
        written += fs.writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        // Then byte by byte what a partial page would still take.
        for (let size = 4096; size >= 1; size = Math.floor(size / 2)) {
          try {
            for (;;) written += fs.writeSync(fd, chunk.subarray(0, size));
          } catch {
            // next smaller size
          }
        }
        return written;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The first progress line at the point: a wave's teardown is the next wave's setup, or the campaign's end (fault-scenarios.ts). */
function atPoint(line: Record<string, unknown>, campaignId: string, point: StagePoint): boolean {
  if (line['msg'] !== 'campaign progress' || line['campaignId'] !== campaignId) return false;
  if (point.stage !== 'teardown') return line['phase'] === 'running' && line['wave'] === point.wave && line['stage'] === point.stage;
  return (line['wave'] === point.wave + 1 && line['stage'] === 'setup') || (line['wave'] === point.wave && line['phase'] !== 'running' && line['phase'] !== 'paused');
}

export async function runScenario(scenario: Scenario, partial: Partial<HarnessOptions> = {}): Promise<RunRecord> {
  const options = { ...DEFAULT_OPTIONS, ...partial };
  const fault: Fault = scenario.fault;
  const startedAt = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fuota-fault-${scenario.name}-`));
  const campaignId = `fault-${options.seed}`;
  const notes: string[] = [];
  const note = (text: string): void => {
    notes.push(`${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${text}`);
    options.log(`${scenario.name}: ${text}`);
  };
  const cleanups: Array<() => Promise<void> | void> = [];
  const serves: Child[] = [];
  let sim: SimChild | undefined;
  let passedCleanly = false;
  try {
    const broker = await startBroker();
    cleanups.push(() => broker.dispose());
    const simPort = await freePort();
    const proxy = await ApiOutageProxy.start(await freePort(), { host: '127.0.0.1', port: simPort });
    cleanups.push(() => proxy.close());
    let storeDir = dir;
    if (fault.kind === 'disk-full') {
      // A file system of its own for the store, so that "full" is real: SQLite gets ENOSPC
      // (SQLITE_FULL) from the kernel. Mounting needs root. Room for the WAL the store lets grow
      // to ~64 MiB before a checkpoint (sqlite-campaign-store.ts wal_autocheckpoint).
      if (process.getuid?.() !== 0) throw new Error('the disk-full scenario mounts a tmpfs for the store: run as root');
      storeDir = path.join(dir, 'store');
      fs.mkdirSync(storeDir);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128m', 'tmpfs', storeDir]);
      cleanups.push(() => void execFileSync('umount', ['-l', storeDir]));
    }
    const storeFile = path.join(storeDir, 'fuota.sqlite');
    fs.mkdirSync(path.join(dir, 'campaigns'));
    const configFile = path.join(dir, 'fuota.yaml');
    const simConfig = path.join(dir, 'sim.yaml');
    writeConfig(configFile, { storeFile, broker, apiAddress: proxy.address, clientId: `fuota-fault-${process.pid}-${path.basename(dir)}` });
    writeConfig(simConfig, { storeFile, broker, apiAddress: `127.0.0.1:${simPort}`, clientId: 'unused' });

    sim = startSim(dir, simConfig, options, campaignId);
    const theSim = sim;
    cleanups.push(() => void theSim.child.kill('SIGKILL'));
    await until(() => theSim.stdout().includes('ready') || theSim.child.exitCode !== null, START_LIMIT_MS, () => `the simulator ready; stderr:\n${theSim.stderr()}`);
    if (!theSim.stdout().includes('ready')) throw new Error(`the simulator exited: ${theSim.stderr()}`);

    const startServe = async (): Promise<Child> => {
      const child = fuota(['serve', '--config', configFile]);
      serves.push(child);
      cleanups.push(() => child.kill('SIGKILL'));
      await until(() => child.stdout().includes('fuota service started') || child.exitedWith !== undefined, START_LIMIT_MS, () => `the service started; stdout:\n${tail(child.stdout())}\nstderr:\n${child.stderr()}`);
      if (child.exitedWith !== undefined) throw new Error(`fuota serve exited at start (${JSON.stringify(child.exitedWith)}): ${child.stderr()}`);
      return child;
    };
    let serve = await startServe();
    const campaignFile = dropCampaign(dir, campaignId);

    // Progress: every serve's JSON lines, in order.
    const lines = (): Array<Record<string, unknown>> => serves.flatMap((child) => logLines(child.stdout()));
    const progress = (): Array<Record<string, unknown>> => lines().filter((line) => line['msg'] === 'campaign progress' && line['campaignId'] === campaignId);
    const lastProgress = (): Record<string, unknown> | undefined => progress().at(-1);
    const ended = (): boolean => {
      const last = lastProgress();
      return last !== undefined && last['phase'] !== 'running' && last['phase'] !== 'paused';
    };

    const outboxSeen = new Map<string, OutboxEntry>();
    const snapshotOutbox = (): void => {
      try {
        for (const entry of readOutbox(storeFile, campaignId)) outboxSeen.set(`${entry.type} ${entry.key}`, entry);
      } catch (error) {
        note(`outbox not readable: ${(error as Error).message}`);
      }
    };
    let reached = fault.kind === 'none';
    let faultWindow = false;
    let faultDone = fault.kind === 'none';
    /** serve is killed by us, or exited on its own: read the outbox, then start it again. */
    let restartAllowed = true;
    const killAndRestart = async (why: string): Promise<void> => {
      const victim = serve;
      victim.kill('SIGKILL');
      await victim.exited;
      note(`kill -9 ${why}`);
      snapshotOutbox();
      serve = await startServe();
      note(`serve started again (${serves.length})`);
    };

    // The fault, started once its point is reached (runs beside the watch loop below).
    let faultTask: Promise<void> | undefined;
    const stagePoint = fault.kind === 'none' || fault.kind === 'kill-intake' ? undefined : fault.at;
    let intakeWatch: fs.FSWatcher | undefined;
    if (fault.kind === 'kill-intake' && fault.at === 'created') {
      // The window between engine.create's commit and the rename is short: watch the store's
      // files and kill at the first change after which the campaign row exists.
      let reader: Sqlite.Database | undefined;
      const stored = (): boolean => {
        try {
          reader ??= new Sqlite(storeFile, { fileMustExist: true, readonly: true });
          return reader.prepare('SELECT 1 FROM campaigns WHERE id = ?').pluck().get(campaignId) !== undefined;
        } catch {
          return false;
        }
      };
      intakeWatch = fs.watch(storeDir, () => {
        if (faultTask !== undefined || !stored()) return;
        serve.kill('SIGKILL');
        faultTask = (async () => {
          reader?.close();
          const renamed = !fs.existsSync(campaignFile);
          reached = !renamed;
          note(`killed when the campaign row appeared; its file ${renamed ? 'was already renamed (point missed)' : 'not yet renamed'}`);
          await killAndRestart('(campaign stored)');
          faultDone = true;
        })();
      });
      cleanups.push(() => intakeWatch?.close());
    }

    if (fault.kind === 'kill-intake' && fault.at === 'admitting') {
      // Admission reads the root keys from the API (GetKeys) before engine.create: kill at its first byte.
      proxy.onClientData = () => {
        if (faultTask !== undefined) return;
        serve.kill('SIGKILL');
        proxy.onClientData = undefined;
        faultTask = (async () => {
          await serve.exited;
          let stored = true;
          try {
            stored = readStore(storeFile, campaignId).phase !== undefined;
          } catch {
            stored = false;
          }
          reached = !stored && fs.existsSync(campaignFile);
          note(`killed at serve's first API request after the drop; the store ${stored ? 'has the campaign (point missed)' : 'has no campaign'}, the file ${fs.existsSync(campaignFile) ? 'not renamed' : 'renamed'}`);
          await killAndRestart('(admission under way)');
          faultDone = true;
        })();
      };
    }
    const deadline = startedAt + options.runDeadlineMs;
    while (!ended() || !faultDone) {
      if (Date.now() > deadline) throw new Error(`run not ended within ${options.runDeadlineMs} ms; last progress ${JSON.stringify(lastProgress())}; fault done: ${faultDone}`);
      if (faultTask === undefined) {
        if (fault.kind === 'kill-intake' && fault.at === 'accepted') {
          const marker = 'campaign accepted';
          if (lines().some((line) => line['msg'] === marker)) {
            faultTask = (async () => {
              reached = true;
              await killAndRestart(`after '${marker}'; the store ${(() => { try { return readStore(storeFile, campaignId).phase === undefined ? 'has no campaign' : 'has the campaign'; } catch { return 'is unreadable'; } })()}, the file ${fs.existsSync(campaignFile) ? 'not renamed' : 'renamed'}`);
              faultDone = true;
            })();
          }
        } else if (stagePoint && progress().some((line) => atPoint(line, campaignId, stagePoint))) {
          const where = `wave ${stagePoint.wave + 1} ${stagePoint.stage}`;
          faultTask = (async () => {
            reached = true;
            switch (fault.kind) {
              case 'kill':
                await killAndRestart(`in ${where}`);
                break;
              case 'broker-restart':
                faultWindow = true;
                await broker.stop();
                note(`broker stopped in ${where}`);
                await sleep(fault.downMs);
                await broker.start();
                note(`broker started again after ${fault.downMs} ms`);
                await sleep(5_000);
                faultWindow = false;
                break;
              case 'api-down':
                faultWindow = true;
                await proxy.down();
                note(`network server API down in ${where}`);
                await sleep(fault.downMs);
                await proxy.up();
                note(`network server API up again after ${fault.downMs} ms`);
                await sleep(5_000);
                faultWindow = false;
                break;
              case 'disk-full': {
                faultWindow = true;
                restartAllowed = false;
                const filler = path.join(storeDir, 'filler');
                const bytes = fillDisk(filler);
                note(`store's file system filled in ${where} (${bytes} bytes of filler)`);
                const sawFull = (): boolean => serves.some((child) => /SQLITE_FULL|STORE_FULL|database or disk is full/.test(child.stdout() + child.stderr())) || serve.exitedWith !== undefined;
                await until(sawFull, 180_000, () => `the service to meet the full disk; stdout:\n${tail(serve.stdout())}`).catch((error: Error) => note(error.message));
                reached = sawFull();
                // Full for a while: every commit in that time fails, not only the first.
                await sleep(DISK_FULL_MS);
                const failures = serves.flatMap((child) => logLines(child.stdout())).filter((line) => /SQLITE_FULL/.test(JSON.stringify(line['err'] ?? '')));
                const first = failures[0];
                note(`${failures.length} failed store operation(s) while full, the first: ${first ? `${String(first['msg'])}: ${String((first['err'] as { message?: string }).message)} (${String(first['context'] ?? '')})` : 'none logged'}`);
                if (serve.exitedWith !== undefined) note(`serve exited (${JSON.stringify(serve.exitedWith)}); stderr: ${serve.stderr().trim().split('\n').slice(-3).join(' | ')}`);
                snapshotOutbox();
                fs.rmSync(filler);
                note('filler removed: space again');
                restartAllowed = true;
                await sleep(5_000);
                faultWindow = false;
                break;
              }
            }
            faultDone = true;
          })().catch((error: unknown) => {
            note(`fault failed: ${(error as Error).message}`);
            faultDone = true;
          });
        }
      }
      if (ended() && !faultDone && faultTask === undefined) {
        note(`campaign ended before the fault point was reached (last progress ${JSON.stringify(lastProgress())})`);
        break;
      }
      if (faultWindow) snapshotOutbox();
      // serve gone without our kill (e.g. a store error it cannot go on from): start it again.
      if (serve.exitedWith !== undefined && serve.exitedWith.signal !== 'SIGKILL' && restartAllowed) {
        note(`serve exited on its own (${JSON.stringify(serve.exitedWith)}): ${serve.stderr().trim().split('\n').slice(-2).join(' | ')}`);
        snapshotOutbox();
        serve = await startServe();
        note(`serve started again (${serves.length})`);
      }
      await sleep(200);
    }
    await faultTask;
    intakeWatch?.close();

    const reading = readStore(storeFile, campaignId);
    const serveExit = await stopped(serve, 30_000);
    if (serveExit === 'hung' || serveExit.code !== 0) note(`serve stopped with ${JSON.stringify(serveExit)}`);
    theSim.child.kill('SIGTERM');
    await Promise.race([theSim.exited, sleep(30_000)]);
    const fleetFile = path.join(dir, 'fleet.json');
    const fleet = fs.existsSync(fleetFile) ? (JSON.parse(fs.readFileSync(fleetFile, 'utf8')) as { firmware: Record<string, number>; failure: string | null }) : { firmware: {}, failure: 'fleet.json not written' };
    if (fleet.failure !== null) note(`simulation failure: ${fleet.failure}`);
    const record: RunRecord = {
      scenario: scenario.name,
      seconds: (Date.now() - startedAt) / 1000,
      phase: reading.phase,
      outcomes: reading.outcomes,
      firmware: fleet.firmware,
      uplinks: reading.uplinks,
      downlinks: readDownlinks(dir),
      outboxAtFault: [...outboxSeen.values()],
      reached,
      notes,
      serveStarts: serves.length,
      dir,
      serveLog: serves.map((child, i) => `--- serve ${i + 1}\n${child.stdout()}${child.stderr()}`).join('\n'),
      simStderr: theSim.stderr(),
    };
    fs.writeFileSync(path.join(dir, 'record.json'), JSON.stringify({ ...record, serveLog: undefined }, null, 2));
    fs.writeFileSync(path.join(dir, 'serve.log'), record.serveLog);
    passedCleanly = true;
    return record;
  } catch (error) {
    const logs = serves.map((child, i) => `--- serve ${i + 1} (${JSON.stringify(child.exitedWith ?? 'running')})\n${tail(child.stdout(), 15)}\n${child.stderr()}`).join('\n');
    fs.writeFileSync(path.join(dir, 'serve.log'), serves.map((child, i) => `--- serve ${i + 1}\n${child.stdout()}${child.stderr()}`).join('\n'));
    throw new Error(`${scenario.name}: ${(error as Error).message}\nnotes:\n${notes.join('\n')}\n${logs}\nsim stderr:\n${sim?.stderr() ?? ''}\n(run directory kept: ${dir})`, { cause: error });
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // best effort
      }
    }
    if (passedCleanly && !options.keepDir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface Verdict {
  ok: boolean;
  /** The fault happened where asked. */
  reached: boolean;
  outcomeDiff: string[];
  duplicateUplinks: string[];
  /** Fragments (or class A items) sent twice whose command the outbox did not hold at the fault. */
  unpromisedRepeats: string[];
  /** Fragments (or class A items) sent twice whose command the outbox held at the fault. */
  promisedRepeats: string[];
  /** Fragments (fragIndex:N) the baseline sent more often than this run (not a failure: FEC and status rounds cover them). */
  framesNotSent: string[];
  problems: string[];
}

function fragmentKey(downlink: Downlink): string | undefined {
  if (downlink.kind !== 'multicast' || downlink.fPort !== FRAGMENTATION_PORT || downlink.payloadHex.slice(0, 2) !== DATA_FRAGMENT.toString(16).padStart(2, '0')) return undefined;
  const indexAndN = parseInt(downlink.payloadHex.slice(2, 4), 16) | (parseInt(downlink.payloadHex.slice(4, 6), 16) << 8);
  return `${indexAndN >> 14}:${indexAndN & 0x3fff}`;
}

function counts(keys: string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const key of keys) map.set(key, (map.get(key) ?? 0) + 1);
  return map;
}

/**
 * A run against the undisturbed run of the same seed: the same outcome for every device (and
 * the same firmware on it, and the campaign's phase); no uplink counted twice; no fragment sent
 * twice in one multicast group unless the outbox held its command at the fault; no class A queue
 * item (by our id) handed to the network server twice unless the outbox held it.
 */
export function compareRuns(baseline: RunRecord, run: RunRecord): Verdict {
  const outcomeDiff: string[] = [];
  if (baseline.phase !== run.phase) outcomeDiff.push(`campaign ${baseline.phase} → ${run.phase}`);
  for (const devEui of new Set([...Object.keys(baseline.outcomes), ...Object.keys(run.outcomes)])) {
    if (baseline.outcomes[devEui] !== run.outcomes[devEui]) outcomeDiff.push(`${devEui} ${baseline.outcomes[devEui]} → ${run.outcomes[devEui]}`);
    if (baseline.firmware[devEui] !== run.firmware[devEui]) outcomeDiff.push(`${devEui} firmware ${baseline.firmware[devEui]} → ${run.firmware[devEui]}`);
  }
  const duplicateUplinks: string[] = [];
  for (const [devEui, uplinks] of Object.entries(run.uplinks)) {
    for (const [uplink, n] of counts(uplinks)) if (n > 1) duplicateUplinks.push(`${devEui} "${uplink}" ×${n}`);
  }
  const promised = new Set(run.outboxAtFault.map((entry) => (entry.type === 'multicast-fragment' ? `fragment ${entry.key}` : entry.type === 'multicast' ? `multicast ${entry.payloadHex}` : `${entry.type} ${entry.key}`)));
  const unpromisedRepeats: string[] = [];
  const promisedRepeats: string[] = [];
  // Fragments by the network server's group (the sim's frame id is "<group uuid>:<fCnt>"; the
  // service finds its group again after a restart) and TS004 fragIndex:N: within one group each
  // fragment goes out once; an extra status round sends new coded fragments (new N), not repeats.
  // Other multicast frames (FragSessionStatusReq) are asked again each round by design: not counted.
  const fragmentsOf = (downlinks: Downlink[]): Array<{ group: string; key: string }> =>
    downlinks.flatMap((d) => {
      const key = fragmentKey(d);
      return key === undefined ? [] : [{ group: d.id.split(':')[0]!, key: `fragment ${key}` }];
    });
  const runFragments = fragmentsOf(run.downlinks);
  for (const [both, n] of counts(runFragments.map((f) => `${f.group}\u0000${f.key}`))) {
    if (n <= 1) continue;
    const [group, key] = both.split('\u0000') as [string, string];
    const line = `${key} sent ${n}× in group ${group.slice(0, 8)}`;
    (promised.has(key) ? promisedRepeats : unpromisedRepeats).push(line);
  }
  // Class A items: our id names one command; the same id enqueued twice is a repeat.
  for (const [id, n] of counts(run.downlinks.filter((d) => d.kind === 'unicast').map((d) => d.id))) {
    if (n <= 1) continue;
    const line = `unicast ${id} enqueued ${n}×`;
    (promised.has(`unicast ${id}`) ? promisedRepeats : unpromisedRepeats).push(line);
  }
  // Counted, not just named: each wave sends the same N again in its own group.
  const sent = counts(runFragments.map((f) => f.key));
  const framesNotSent = [...counts(fragmentsOf(baseline.downlinks).map((f) => f.key))].flatMap(([key, n]) => {
    const missing = n - (sent.get(key) ?? 0);
    return missing > 0 ? [`${key.replace('fragment ', '')}${missing > 1 ? ` ×${missing}` : ''}`] : [];
  });
  const problems: string[] = [];
  if (!run.reached) problems.push('the fault point was not reached');
  if (run.notes.some((n) => n.includes('simulation failure'))) problems.push('the simulation failed');
  return {
    ok: run.reached && outcomeDiff.length === 0 && duplicateUplinks.length === 0 && unpromisedRepeats.length === 0 && problems.length === 0,
    reached: run.reached,
    outcomeDiff,
    duplicateUplinks,
    unpromisedRepeats,
    promisedRepeats,
    framesNotSent,
    problems,
  };
}
