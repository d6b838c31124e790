// `npm run bench -- campaign [--sizes 1000,10000,100000] [--fleets mix] [--policies adaptive]
//   [--seeds 42] [--store sqlite|memory] [--settle-window-ms 500] [--explain [--explain-log 12]]`, or `-- campaign --compare` for
// the redundancy comparison (sizes 100, every fleet, both policies, memory store):
// whole campaigns on simulated fleets at 10 % iid downlink loss, one fleet per device stack
// (each device answering as that stack's package code does: src/sim/stacks) and the demo's
// mix, and two redundancy policies side by side on the mix:
//   adaptive = ours: 10 % coded fragments up front, then rounds sized from FragSessionStatusAns
//              as each stack means it (src/campaign/frag-status-reading.ts);
//   fixed    = the common peer policy: 30 % coded fragments once, no further rounds.
// The canary halt rule is off here (haltFailureRate 1), so both policies reach the whole fleet.
// Reported per run: wall time, transitions (committed events) and transitions per second,
// fragments sent / the oracle minimum (Σ over waves and fragmentation sessions of the N at which
// the worst-served completing device completed), devices confirmed, simulated time, peak RSS,
// retained heap per device, and the store's size on disk. By default the store is an SQLite
// file (WAL, as `fuota serve` keeps it) in a temporary directory, so the device log is on disk,
// not in the heap; its size (database + WAL) is taken after the campaign, once closed. Fleets
// above 2 000 devices track only the GF(2) equations on the devices ('rank-only'); smaller ones
// decode, patch and verify the real signed package. Each run is its own process, so peak RSS is
// that run's. Memory per device, after a full GC at the end, minus the heap before the world was
// built, over the device count, three ways (issue #17): `retained` is the whole V8 heap still in
// use (service and simulated world together, as before); `service` is what stays in use once the
// simulated world can no longer be reached: the engine's campaign and device state, the parsed
// spec and the store, which is what an operator runs; `simulated` is the difference, what only
// the simulated devices, network server, clock and fleet held (they cost nothing in the field).
// The service figure is measured, not estimated: the bench points the engine at an inert network
// server and a stopped clock, drops every reference it holds into the world, collects, and checks
// with WeakRefs that the simulated network server, clock and a device were collected (the run
// fails otherwise, so the figure cannot silently include the world). What both reach (the device
// EUI and root-key strings the parsed spec shares with the fleet's spec input) counts as service.
// What the two hold outside the V8 heap (ArrayBuffer contents: typed arrays of the simulated
// decoders, keys) is reported apart, as buffer bytes per device, in all and of the service. The
// simulated clock settles the engine once per --settle-window-ms of simulated time
// (SimClock.run): uplinks of a window go to the store in one group commit, as they would under
// real load.
// --explain prints every device that did not succeed (neither confirmed nor delivered): its stack,
// kind, package versions, wave, phase, outcome and the reason the engine recorded, its pending
// request, what the simulated device itself holds (version, reboots, crashes, upgrade status) and
// the last --explain-log entries (default 12) of its device log from the store. One run alone,
// without writing bench/results: `node --max-semi-space-size=64 --import tsx --expose-gc
// bench/campaign.ts --one 1000:mix:adaptive:42:sqlite:500 --explain-log 40` (the explanation on
// stderr). Each run gets the young generation `fuota` runs with (bin/fuota.js).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSimulatedWorld, type SimulatedWorld } from '../src/app/simulated-world.js';
import type { CampaignEngine, EngineOptions } from '../src/campaign/engine.js';
import type { Clock, NetworkServer } from '../src/campaign/ports.js';
import { parseCampaignSpec } from '../src/campaign/spec.js';
import { airtimeComparison } from '../src/demo/demo-report.js';
import { DEFAULT_SCENARIO } from '../src/sim/sim-fleet.js';
import type { DeviceStack } from '../src/campaign/device-stack.js';
import type { DeviceState } from '../src/campaign/state.js';
import { DEFAULT_STACK_MIX } from '../src/demo/stack-mix.js';

type Policy = 'adaptive' | 'fixed';
type Fleet = DeviceStack | 'mix';

const FLEETS: Record<Fleet, Partial<Record<DeviceStack, number>>> = {
  'loramac-node': { 'loramac-node': 1 },
  lbm: { lbm: 1 },
  spec: { spec: 1 },
  mix: DEFAULT_STACK_MIX,
};

interface RunResult {
  devices: number;
  seed: number;
  fleet: Fleet;
  policy: Policy;
  store: StoreKind;
  settleWindowMs: number;
  /** Confirmed, or delivered where the stack has no TS006 to confirm with. */
  succeeded: number;
  confirmed: number;
  delivered: number;
  expectedSucceeded: number;
  fragmentsSent: number;
  oracleFragments: number;
  airtimeRatio: number;
  airtimeS: number;
  simulatedHours: number;
  wallS: number;
  transitions: number;
  transitionsPerS: number;
  peakRssMb: number;
  baselineRssMb: number;
  bytesPerDevice: number;
  /** Heap still in use after a full GC at the end, minus the baseline heap, per device: service and simulated world together. */
  retainedBytesPerDevice: number;
  /** Of it, what stays once the simulated world is unreachable: engine, parsed spec, store (what an operator runs). */
  serviceRetainedBytesPerDevice: number;
  /** Of it, what only the simulated world held (devices, network server, clock, fleet): retained − service. */
  simulatedRetainedBytesPerDevice: number;
  /** ArrayBuffer contents (outside the V8 heap) at the end, minus the baseline, per device: in all, and of the service alone. */
  bufferBytesPerDevice: number;
  serviceBufferBytesPerDevice: number;
  /** SQLite file and WAL after the campaign (sqlite store only). */
  storeBytes?: number;
  /** --explain: every device that did not succeed, and why. */
  unsuccessful?: UnsuccessfulDevice[];
}

/** What --explain prints of a device that was neither confirmed nor delivered. */
interface UnsuccessfulDevice {
  devEui: string;
  stack: DeviceStack;
  kind: string;
  state: DeviceState;
  /** The simulated device's own view at the end. */
  sim: { firmwareVersion: number; reboots: number; crashes: number; upgrade: string; multicastHeard: number; multicastRejected: number };
  log: Array<{ at: string; direction: string; fPort?: number; payloadHex?: string; text: string }>;
}

type StoreKind = 'sqlite' | 'memory';

const POLICIES: Record<Policy, { initialRedundancy: number; maxRedundancy: number; maxStatusRounds: number }> = {
  adaptive: { initialRedundancy: 0.1, maxRedundancy: 1, maxStatusRounds: 10 },
  fixed: { initialRedundancy: 0.3, maxRedundancy: 0.3, maxStatusRounds: 1 },
};

function fileBytes(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/**
 * The heap in use and the ArrayBuffer contents outside it, after a full GC. Twice, a moment
 * apart: V8 frees the contents of dead ArrayBuffers on a background task after the collection.
 */
async function heapNow(gc: (() => void) | undefined): Promise<{ heap: number; buffers: number }> {
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    gc?.();
  }
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, buffers: usage.arrayBuffers };
}

/**
 * Cuts the engine off the simulated world: its network server and clock become inert stand-ins
 * (the campaign is over; nothing is sent or scheduled any more), so that once the bench drops
 * its own references nothing of the world stays reachable from the service.
 */
function detachEngine(engine: CampaignEngine, nowMs: number): void {
  const options = Reflect.get(engine, 'options') as EngineOptions | undefined;
  if (!options || typeof options !== 'object' || !('network' in options) || !('clock' in options)) throw new Error('bench: the engine no longer keeps its options in `options`; update detachEngine');
  const inert = async () => {};
  options.network = { sendUnicast: inert, createMulticastGroup: inert, deleteMulticastGroup: inert, sendMulticast: inert } as unknown as NetworkServer;
  options.clock = { now: () => nowMs, at: () => () => {} } as unknown as Clock;
}

async function runOne(devices: number, fleet: Fleet, policy: Policy, seed: number, store: StoreKind, settleWindowMs: number, explainLog?: number): Promise<RunResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baselineRssMb = process.memoryUsage().rss / 2 ** 20;
  const baseline = await heapNow(gc);
  const dir = store === 'sqlite' ? mkdtempSync(join(tmpdir(), 'fuota-bench-')) : undefined;
  const storePath = dir ? join(dir, 'campaigns.sqlite') : 'memory';
  const wallStart = performance.now();
  let transitions = 0;
  // `let`: set to undefined before the service is measured alone (no reference into the world may stay).
  let world: SimulatedWorld | undefined = await createSimulatedWorld({
    scenario: { ...DEFAULT_SCENARIO, devices, seed, loss: 0.1, absentShare: 0, v2Share: 0.5, stacks: FLEETS[fleet], uplinkIntervalMs: 30 * 60_000, payloadMode: devices > 2000 ? 'rank-only' : 'full' },
    storePath,
    firmwareBytes: 64 * 1024,
    spec: {
      // Halting is off: this compares redundancy policies over the whole fleet (with the default
      // 20 % rule, the fixed policy's canary fails often enough to halt the campaign).
      rollout: { canaryFraction: 0.01, haltFailureRate: 1 },
      fragmentation: POLICIES[policy],
      timing: { answerTimeoutMs: 60 * 60_000, sessionLeadMs: 3 * 3_600_000, setupDeadlineMs: 12 * 3_600_000 },
    },
    engine: { onTransition: () => void transitions++ },
  });
  const { engine, startMs } = world;
  const campaignStore = world.store;
  const id = parseCampaignSpec(world.spec).id;
  await engine.create(world.spec, world.block);
  await world.clock.run({ untilMs: startMs + 14 * 86_400_000, done: () => engine.view(id)!.campaign.phase !== 'running', settle: () => engine.idle(), settleWindowMs });
  const wallS = (performance.now() - wallStart) / 1000;
  const endMs = world.clock.now();
  const view = engine.view(id)!;
  const airtime = airtimeComparison(view.campaign, view.devices, world.fleet.members);
  let confirmed = 0;
  let delivered = 0;
  for (const d of view.devices.values()) {
    if (d.outcome === 'confirmed') confirmed++;
    if (d.outcome === 'delivered') delivered++;
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  // Measured with everything alive: the world (fleet, network server, engine, store) is used below.
  const total = await heapNow(gc);
  const result: RunResult = {
    devices,
    seed,
    fleet,
    policy,
    store,
    settleWindowMs,
    succeeded: confirmed + delivered,
    confirmed,
    delivered,
    expectedSucceeded: devices,
    fragmentsSent: airtime.fragmentsSent,
    oracleFragments: airtime.oracleFragments,
    airtimeRatio: airtime.ratio,
    airtimeS: view.campaign.airtime.airtimeMs / 1000,
    simulatedHours: (endMs - startMs) / 3_600_000,
    wallS,
    transitions,
    transitionsPerS: transitions / wallS,
    peakRssMb,
    baselineRssMb,
    bytesPerDevice: ((peakRssMb - baselineRssMb) * 2 ** 20) / devices,
    retainedBytesPerDevice: (total.heap - baseline.heap) / devices,
    serviceRetainedBytesPerDevice: 0,
    simulatedRetainedBytesPerDevice: 0,
    bufferBytesPerDevice: (total.buffers - baseline.buffers) / devices,
    serviceBufferBytesPerDevice: 0,
  };
  if (explainLog !== undefined) {
    const members = new Map(world.fleet.members.map((m) => [m.device.devEui, m]));
    result.unsuccessful = [];
    for (const d of view.devices.values()) {
      if (d.outcome === 'confirmed' || d.outcome === 'delivered') continue;
      const member = members.get(d.devEui)!;
      const sim = member.device;
      const log = await campaignStore.deviceLog(id, d.devEui, explainLog);
      result.unsuccessful.push({
        devEui: d.devEui,
        stack: member.stack,
        kind: member.kind,
        state: d,
        sim: { firmwareVersion: sim.firmwareVersion, reboots: sim.reboots, crashes: sim.crashes, upgrade: sim.upgrade.status, multicastHeard: sim.multicastHeard, multicastRejected: sim.multicastRejected },
        log: log.map((e) => ({ at: new Date(e.atMs).toISOString(), direction: e.direction, ...(e.fPort === undefined ? {} : { fPort: e.fPort }), ...(e.payloadHex === undefined ? {} : { payloadHex: e.payloadHex }), text: e.text })),
      });
    }
  }
  // The service alone: the world unreachable, proven by its network server, clock and first device being collected.
  const probes = [new WeakRef(world.fleet.network), new WeakRef(world.clock), new WeakRef(world.fleet.members[0]!.device)];
  world.fleet.network.onUplink = () => {};
  detachEngine(engine, endMs);
  world = undefined;
  // (heapNow awaits before it collects: a WeakRef keeps its target alive until the current job ends, ECMA-262 AddToKeptObjects.)
  const service = await heapNow(gc);
  if (probes.some((p) => p.deref() !== undefined)) throw new Error('bench: the simulated world is still reachable after detaching it; the service figure would include it');
  result.serviceRetainedBytesPerDevice = (service.heap - baseline.heap) / devices;
  result.simulatedRetainedBytesPerDevice = result.retainedBytesPerDevice - result.serviceRetainedBytesPerDevice;
  result.serviceBufferBytesPerDevice = (service.buffers - baseline.buffers) / devices;
  await engine.close();
  await campaignStore.close();
  if (dir) {
    result.storeBytes = fileBytes(storePath) + fileBytes(`${storePath}-wal`);
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** --explain: one block per device that was neither confirmed nor delivered. */
function explainText(result: RunResult): string {
  const lines = [`${result.devices} ${result.fleet} ${result.policy} seed ${result.seed}: ${result.unsuccessful!.length} device(s) neither confirmed nor delivered`];
  for (const u of result.unsuccessful!) {
    const d = u.state;
    const versions = Object.entries(d.packageVersions).map(([k, v]) => `${k} v${v}`).join(' ');
    lines.push(`  ${u.devEui}  stack ${u.stack}  kind ${u.kind}  ${versions}  wave ${d.wave}${d.followUp ? ' (follow-up)' : ''}  phase ${d.phase}  outcome ${d.outcome ?? '-'}`);
    lines.push(`    reason: ${d.error ?? '-'}`);
    if (d.pending) lines.push(`    pending: ${JSON.stringify(d.pending)}`);
    lines.push(`    done: ${JSON.stringify(d.done)}  fragments: ${JSON.stringify(d.fragments)}  counters: ${JSON.stringify(d.counters)}`);
    lines.push(`    timestamps: ${JSON.stringify(d.timestamps)}  firmware before/after: ${d.firmwareBefore ?? '-'}/${d.firmwareAfter ?? '-'}`);
    lines.push(`    simulated device: ${JSON.stringify(u.sim)}`);
    lines.push(`    last ${u.log.length} log entries:`);
    for (const e of u.log) lines.push(`      ${e.at} ${e.direction.padEnd(4)} ${e.fPort ?? ''} ${e.payloadHex ?? ''} ${e.text}`);
  }
  return lines.join('\n');
}

function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? '-' : (bytes / 2 ** 20).toFixed(1);
}

if (argument('one')) {
  const [devices, fleet, policy, seed, store, window] = argument('one')!.split(':') as [string, Fleet, Policy, string, StoreKind, string];
  const explain = argument('explain-log');
  const result = await runOne(Number(devices), fleet, policy, Number(seed), store, Number(window), explain === undefined ? undefined : Number(explain));
  if (result.unsuccessful && !process.argv.includes('--quiet')) process.stderr.write(`${explainText(result)}\n`);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} else {
  const compare = process.argv.includes('--compare');
  const sizes = (argument('sizes') ?? (compare ? '100' : '1000,10000,100000')).split(',').map(Number);
  const fleets = (argument('fleets') ?? (compare ? 'loramac-node,lbm,spec,mix' : 'mix')).split(',') as Fleet[];
  const policies = (argument('policies') ?? (compare ? 'adaptive,fixed' : 'adaptive')).split(',') as Policy[];
  const seeds = (argument('seeds') ?? '42').split(',').map(Number);
  const store = (argument('store') ?? (compare ? 'memory' : 'sqlite')) as StoreKind;
  const settleWindowMs = Number(argument('settle-window-ms') ?? 500);
  const explainLog = process.argv.includes('--explain') ? Number(argument('explain-log') ?? 12) : undefined;
  if (explainLog !== undefined && !(Number.isInteger(explainLog) && explainLog > 0)) throw new Error(`--explain-log: expected a positive whole number of log entries, got ${argument('explain-log')}`);
  for (const fleet of fleets) if (!(fleet in FLEETS)) throw new Error(`--fleets: expected names from ${Object.keys(FLEETS).join(', ')}, got ${fleet}`);
  for (const policy of policies) if (!(policy in POLICIES)) throw new Error(`--policies: expected names from ${Object.keys(POLICIES).join(', ')}, got ${policy}`);
  if (store !== 'sqlite' && store !== 'memory') throw new Error(`--store: expected sqlite or memory, got ${store}`);
  if (!(settleWindowMs >= 0 && settleWindowMs < 800)) throw new Error(`--settle-window-ms: expected 0..799 (below RX1 minus the uplink latency), got ${argument('settle-window-ms')}`);
  const self = fileURLToPath(import.meta.url);
  const results: RunResult[] = [];
  console.log(`campaign benchmark: sizes ${sizes.join(', ')}, fleets ${fleets.join(', ')}, policies ${policies.join(', ')}, 10 % iid loss, seeds ${seeds.join(', ')}, ${store} store, settle window ${settleWindowMs} ms (each run in its own process)`);
  for (const devices of sizes) for (const seed of seeds) {
    for (const fleet of fleets) {
      // The fixed policy is the peers' comparison: on the mix only.
      for (const policy of policies.filter((p) => p === 'adaptive' || fleet === 'mix')) {
        // The young generation `fuota` runs with (bin/fuota.js).
        const run = spawnSync(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', '--expose-gc', '--max-old-space-size=16384', self, '--one', `${devices}:${fleet}:${policy}:${seed}:${store}:${settleWindowMs}`, ...(explainLog === undefined ? [] : ['--explain-log', String(explainLog), '--quiet'])], { encoding: 'utf8', maxBuffer: 1 << 26 });
        const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
        if (!line) {
          console.error(`run ${devices} ${fleet} ${policy} seed ${seed} failed:\n${run.stderr.slice(-2000)}`);
          process.exit(1);
        }
        const result = JSON.parse(line.slice(7)) as RunResult;
        if (result.unsuccessful) console.log(explainText(result));
        delete result.unsuccessful;
        results.push(result);
        console.error(`  done ${devices} ${fleet} ${policy} seed ${seed}: ${result.wallS.toFixed(1)} s`);
      }
    }
  }
  const header = ['devices', 'seed', 'fleet', 'policy', 'confirmed+delivered', 'frags sent', 'oracle', 'sent/oracle', 'airtime s', 'sim h', 'wall s', 'transitions', 'transitions/s', 'peak RSS MB', 'retained B/device', 'service B/device', 'simulated B/device', 'buffers B/device', 'store MB'];
  const rows = results.map((r) => [
    String(r.devices),
    String(r.seed),
    r.fleet,
    r.policy,
    `${r.confirmed}+${r.delivered}/${r.expectedSucceeded}`,
    String(r.fragmentsSent),
    String(r.oracleFragments),
    r.airtimeRatio.toFixed(2),
    r.airtimeS.toFixed(1),
    r.simulatedHours.toFixed(1),
    r.wallS.toFixed(1),
    String(r.transitions),
    r.transitionsPerS.toFixed(0),
    r.peakRssMb.toFixed(0),
    r.retainedBytesPerDevice.toFixed(0),
    r.serviceRetainedBytesPerDevice.toFixed(0),
    r.simulatedRetainedBytesPerDevice.toFixed(0),
    `${r.bufferBytesPerDevice.toFixed(0)} (service ${r.serviceBufferBytesPerDevice.toFixed(0)})`,
    megabytes(r.storeBytes),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  // Growth: wall time and transitions per device from one size to the next (linear: ratios ≈ 1).
  for (const fleet of fleets) for (const policy of policies) for (const seed of seeds) {
    const runs = results.filter((r) => r.fleet === fleet && r.policy === policy && r.seed === seed).sort((a, b) => a.devices - b.devices);
    for (let i = 1; i < runs.length; i++) {
      const [a, b] = [runs[i - 1]!, runs[i]!];
      const per = (r: RunResult) => r.wallS / r.devices;
      console.log(`${fleet} ${policy} seed ${seed}: ${a.devices} → ${b.devices} devices (×${(b.devices / a.devices).toFixed(0)}): wall ×${(b.wallS / a.wallS).toFixed(1)} (per device ×${(per(b) / per(a)).toFixed(2)}), transitions ×${(b.transitions / a.transitions).toFixed(1)}`);
    }
  }
  if (seeds.length > 1) {
    // Per fleet and policy over the seeds: the spread of sent/oracle and the devices that did not end as expected.
    const groups = new Map<string, RunResult[]>();
    for (const r of results) groups.set(`${r.devices} ${r.fleet} ${r.policy}`, [...(groups.get(`${r.devices} ${r.fleet} ${r.policy}`) ?? []), r]);
    for (const [key, runs] of groups) {
      const ratios = runs.map((r) => r.airtimeRatio);
      const short = runs.reduce((n, r) => n + r.expectedSucceeded - r.succeeded, 0);
      console.log(`${key}: sent/oracle ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} over ${runs.length} seeds; ${short} devices short of confirmed/delivered in all`);
    }
  }
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}campaign.json`, `${JSON.stringify({ generatedAt: new Date().toISOString(), node: process.version, results }, null, 2)}\n`);
  console.log('wrote bench/results/campaign.json');
}
