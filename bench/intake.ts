// `npm run bench -- intake [--devices 100000] [--rates 2000,5000,10000,15000,20000,25000,30000]
//   [--seconds 5] [--encodings json,protobuf] [--defaults-rate 10000] [--service-dir DIR]`
//
// Uplink intake through a real broker (issue #17): a private mosquitto with the settings
// docs/deploy-chirpstack.md asks for ("Broker settings"), the service in a process of its own
// built as `fuota serve` builds it (bench/intake/service.ts: SQLite file on disk, MQTT 5
// persistent session, QoS 1, the ChirpStack adapter, status events), a 100 000-device campaign,
// and ChirpStack `event/up` messages from ANOTHER process (bench/intake/publisher.ts, a raw MQTT
// 3.1.1 client: mqtt.js took a third of a core at 20 000/s) at rising rates, JSON and Protobuf.
// Each step starts once the service is idle. Per rate: published, the rate the publisher handed
// them out (sent/s) and the broker took them (broker/s, by its PUBACKs), counted exactly once (every device's uplink
// counter against what was published to it: none lost, none twice), latency publish → committed
// (p50/p99), CPU and RSS of the service; then the highest rate with zero loss. Last, one run on a
// mosquitto with its defaults (max_queued_messages 1000) at --defaults-rate: the loss the
// documented settings prevent. `--service-dir` runs another checkout's src (before/after).
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PayloadEncoding } from '../src/lns/chirpstack/payload-encoding.js';
import { DEFAULT_SETTINGS, DOCUMENTED_SETTINGS, startBenchBroker, type BrokerSettings } from './intake/mosquitto.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const devices = Number(arg('devices', '100000'));
const rates = arg('rates', '2000,5000,10000,15000,20000,25000,30000').split(',').map(Number);
const seconds = Number(arg('seconds', '5'));
const encodings = arg('encodings', 'json,protobuf').split(',') as PayloadEncoding[];
const defaultsRate = Number(arg('defaults-rate', '10000'));
const serviceDir = arg('service-dir', path.join(here, 'intake'));
/** A step whose messages are not all counted after this long without progress ends with the rest lost. */
const STALL_MS = 20_000;

interface Row {
  broker: 'documented' | 'defaults';
  encoding: PayloadEncoding;
  rate: number;
  published: number;
  /** What the publisher achieved (messages / its publishing time). */
  sentPerS: number;
  /** What the broker took: messages / (first publish → the broker's last PUBACK to the publisher). Below the rate: the publisher or the broker, not the service, was short of CPU. */
  brokerPerS: number;
  counted: number;
  lost: number;
  twice: number;
  /** Counted / (time from the first publish to the last commit). */
  intakePerS: number;
  p50Ms: number;
  p99Ms: number;
  /** The service's CPU time over the intake (first publish → last commit), in % of one core. */
  cpuPercent: number;
  /** The service's CPU time (user + system) over the step, per uplink counted: what the rate costs, whatever else runs on the machine. */
  cpuUsPerUplink: number;
  rssMb: number;
  /** The machine's 1-minute load average at the end of the step (others' processes included). */
  loadAverage1m: number;
}

function request<T>(child: ChildProcess, message: object, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }): void => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null): void => reject(new Error(`${path.basename(String(child.spawnargs[1]))} exited with ${code} while waiting for ${type}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (Object.keys(message).length > 0) child.send(message);
  });
}

/**
 * `service`: the service runs with the young generation `fuota` runs with (bin/fuota.js), and
 * under --cpu-prof with FUOTA_INTAKE_PROFILE=DIR (its profile written to DIR).
 */
function spawnChild(file: string, options: object, service = false): ChildProcess {
  const dir = process.env.FUOTA_INTAKE_PROFILE;
  const flags = service ? ['--max-semi-space-size=64', ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [])] : [];
  return fork(file, [JSON.stringify(options)], { execArgv: [...flags, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/**
 * Waits until the service is idle (under 10 % of a core over half a second, at most a minute):
 * after the campaign's creation it still publishes every device's status and collects garbage,
 * which would be counted against the first step's uplinks.
 */
async function settle(service: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  let before = await request<{ cpuMs?: number }>(service, { type: 'stats' }, 'stats');
  // A service of another checkout (--service-dir) may not say its CPU time.
  if (before.cpuMs === undefined) return;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await request<{ cpuMs?: number }>(service, { type: 'stats' }, 'stats');
    if (now.cpuMs! - before.cpuMs! < 50) return;
    before = now;
  }
}

async function runSeries(settings: BrokerSettings, broker: Row['broker'], encoding: PayloadEncoding, stepRates: readonly number[]): Promise<Row[]> {
  const mosquitto = await startBenchBroker(settings);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-intake-'));
  const service = spawnChild(path.join(serviceDir, 'service.ts'), { brokerUrl: mosquitto.url, storePath: path.join(dir, 'fuota.sqlite'), devices, encoding, clientId: `fuota-intake-${encoding}` }, true);
  const rows: Row[] = [];
  try {
    const ready = await request<{ createMs: number }>(service, {}, 'ready');
    console.error(`  ${broker} ${encoding}: campaign of ${devices} devices created in ${(ready.createMs / 1000).toFixed(1)} s`);
    let total = 0;
    for (const rate of stepRates) {
      await settle(service);
      service.send({ type: 'mark' });
      const markMs = Date.now();
      const publisher = spawnChild(path.join(here, 'intake', 'publisher.ts'), { brokerUrl: mosquitto.url, encoding, devices, rate, seconds, startIndex: total });
      const published = await request<{ published: number; acked: number; failed: number; publishedMs: number; startWallMs: number; lastAckWallMs: number; lateMs: number }>(publisher, {}, 'published');
      if (published.lateMs > 0) console.error(`  (publisher started ${published.lateMs} ms late: latencies include it)`);
      total += published.published;
      // Wait until every message is counted, or nothing moved for STALL_MS (the rest is lost).
      let last = -1;
      let lastMoveMs = Date.now();
      let countedNow = 0;
      for (;;) {
        const stats = await request<{ counted: number }>(service, { type: 'stats' }, 'stats');
        countedNow = stats.counted;
        if (countedNow !== last) {
          last = countedNow;
          lastMoveMs = Date.now();
        }
        if (countedNow >= total || Date.now() - lastMoveMs > STALL_MS) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const check = await request<{ lost: number; twice: number; p50Ms: number; p99Ms: number; cpuPercent: number; rssMb: number; lastCommitWallMs: number }>(service, { type: 'check', total }, 'check');
      const stepMs = Date.now() - markMs;
      const stepCounted = published.published - check.lost + check.twice - rows.reduce((s, r) => s + r.lost - r.twice, 0);
      const row: Row = {
        broker,
        encoding,
        rate,
        published: published.published,
        sentPerS: Math.round(published.published / (published.publishedMs / 1000)),
        brokerPerS: Math.round(published.acked / (Math.max(1, published.lastAckWallMs - published.startWallMs) / 1000)),
        counted: stepCounted,
        lost: check.lost - rows.reduce((s, r) => s + r.lost, 0),
        twice: check.twice - rows.reduce((s, r) => s + r.twice, 0),
        intakePerS: Math.round(stepCounted / ((check.lastCommitWallMs - published.startWallMs) / 1000)),
        p50Ms: check.p50Ms,
        p99Ms: check.p99Ms,
        // Over the intake (first publish → last commit), not the whole step (the publisher encodes first; the end is polled).
        cpuPercent: Math.round(((check.cpuPercent / 100) * stepMs * 100) / Math.max(1, check.lastCommitWallMs - published.startWallMs)),
        cpuUsPerUplink: Math.round((check.cpuPercent / 100) * stepMs * 1000 / Math.max(1, stepCounted)),
        rssMb: Math.round(check.rssMb),
        loadAverage1m: Math.round(os.loadavg()[0]! * 10) / 10,
      };
      rows.push(row);
      console.error(`  ${JSON.stringify(row)}`);
      // Far past the ceiling: higher rates only lose more.
      if (row.lost > 0 && row.p99Ms > 60_000) break;
    }
  } finally {
    service.send({ type: 'stop' });
    // Its exit, not its 'stopped': a profile (FUOTA_INTAKE_PROFILE) is written on the way out.
    if (service.exitCode === null) await Promise.race([new Promise((r) => service.once('exit', r)), new Promise((r) => setTimeout(r, 60_000))]);
    service.kill('SIGKILL');
    await mosquitto.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** The code measured: HEAD and the uncommitted changes under the service directory's src (the bench runs a working tree). */
function codeState(): { head: string | null; uncommittedSrc: string[] } {
  const root = path.join(serviceDir, '..', '..');
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  const status = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' });
  return {
    head: head.status === 0 ? head.stdout.trim() : null,
    uncommittedSrc: status.status === 0 ? status.stdout.split('\n').filter(Boolean) : [],
  };
}
const code = codeState();
console.error(`code measured: HEAD ${code.head ?? '?'}; uncommitted changes under src: ${code.uncommittedSrc.length ? code.uncommittedSrc.join(', ') : 'none'}`);

const rows: Row[] = [];
for (const encoding of encodings) rows.push(...(await runSeries(DOCUMENTED_SETTINGS, 'documented', encoding, rates)));
if (defaultsRate > 0) rows.push(...(await runSeries(DEFAULT_SETTINGS, 'defaults', encodings[0]!, [defaultsRate])));

const header = ['broker', 'encoding', 'rate/s', 'published', 'sent/s', 'broker/s', 'counted', 'lost', 'twice', 'intake/s', 'p50 ms', 'p99 ms', 'CPU %', 'CPU µs/uplink', 'RSS MB', 'load'];
const table = rows.map((r) => [r.broker, r.encoding, r.rate, r.published, r.sentPerS, r.brokerPerS, r.counted, r.lost, r.twice, r.intakePerS, r.p50Ms, r.p99Ms, r.cpuPercent, r.cpuUsPerUplink, r.rssMb, r.loadAverage1m].map(String));
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
console.log(line(header));
for (const row of table) console.log(line(row));
const best: Record<string, number> = {};
for (const encoding of encodings) {
  const clean = rows.filter((r) => r.broker === 'documented' && r.encoding === encoding && r.lost === 0 && r.twice === 0);
  best[encoding] = Math.max(0, ...clean.map((r) => r.intakePerS));
  const cost = Math.min(...rows.filter((r) => r.broker === 'documented' && r.encoding === encoding && r.counted > 0).map((r) => r.cpuUsPerUplink));
  console.log(`${encoding}: highest intake with zero loss ${best[encoding]} uplinks/s (${devices} devices, SQLite on disk, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}); service CPU ${cost} µs per uplink at best = ${Math.round(1e6 / cost)} uplinks/s per core it gets`);
}
const results = { devices, seconds, cores: os.cpus().length, loadAverage1m: os.loadavg()[0], serviceDir: path.relative(path.join(here, '..'), serviceDir) || '.', code, publisher: 'raw MQTT 3.1.1 (bench/intake/raw-mqtt-publisher.ts)', rows, highestZeroLossPerS: best };
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
const out = path.join(here, 'results', `intake${arg('tag', '') === '' ? '' : `-${arg('tag', '')}`}.json`);
fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`results: ${path.relative(process.cwd(), out)}`);
