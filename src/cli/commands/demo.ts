import { Command, Option } from 'commander';
import { CallerError } from '../../core/errors.js';
import { DEFAULT_SCENARIO, type FleetScenario } from '../../sim/fleet-scenario.js';
import { DEFAULT_STACK_MIX, formatStackMix, parseStackMix } from '../../demo/stack-mix.js';
import { parseListen } from '../../api/rest/listen-address.js';

const SIMULATED_LIMIT_MS = 14 * 86_400_000;
/**
 * The engine settles once per this much simulated time, not after every event: the uplinks of a
 * window go to the store in one group commit, as under real load (SimClock.run settleWindowMs;
 * below the 800 ms between an uplink's arrival and its RX1, so answers still make that window).
 */
const DEMO_SETTLE_WINDOW_MS = 500;

function share(name: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0 || value > 1) throw new CallerError('INVALID_ARGUMENT', `--${name}: expected a share in 0..1, got ${JSON.stringify(text)}`);
    return value;
  };
}

function count(name: string, min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new CallerError('INVALID_ARGUMENT', `--${name}: expected an integer in ${min}..${max}, got ${JSON.stringify(text)}`);
    return value;
  };
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run a whole campaign on a simulated fleet and network server (no external service), in simulated time: by default over an embedded MQTT broker and a simulated ChirpStack (MQTT + gRPC)')
    .option('--devices <n>', 'number of devices', count('devices', 1, 100_000), 100)
    .option('--loss <share>', 'mean downlink loss per device', share('loss'), DEFAULT_SCENARIO.loss)
    .option('--seed <n>', 'seed of the simulation (same seed, same run)', count('seed', 0, 2 ** 31), 1)
    .addOption(new Option('--loss-kind <kind>', 'independent or bursty (Gilbert-Elliott) losses').choices(['iid', 'bursty']).default('iid'))
    .option('--stacks <mix>', `device stacks and their shares (loramac-node: v1 packages, no TS006; lbm: LoRa Basics Modem; spec: the specification texts)`, (text: string) => parseStackMix(text), DEFAULT_STACK_MIX)
    .option('--v2 <share>', 'share of the lbm and spec devices with TS003/4/5 v2 (the rest v1; LoRaMac-node is always v1)', share('v2'), DEFAULT_SCENARIO.v2Share)
    .option('--absent <share>', 'share of devices that never answer', share('absent'), 0.05)
    .option('--small <share>', 'share of devices too small for the block (NotEnoughMemory)', share('small'), 0)
    .option('--reject <share>', 'share of devices that reject the package (another vendor key)', share('reject'), 0)
    .option('--bad-signature', 'sign the package with a key the devices do not trust: the canary must halt the campaign')
    .option('--canary <share>', 'share of devices in the canary wave', share('canary'), 0.1)
    .option('--firmware-bytes <n>', 'size of the synthetic firmware image', count('firmware-bytes', 1024, 4 * 1024 * 1024), 64 * 1024)
    .option('--store <path>', "SQLite file for the campaign state (default: in memory)", ':memory:')
    .addOption(new Option('--transport <kind>', 'wire: embedded MQTT broker + simulated ChirpStack (MQTT + gRPC) + our ChirpStack adapter; in-process: the engine calls the simulated network directly (faster for large fleets)').choices(['wire', 'in-process']).default('wire'))
    .addOption(new Option('--network <server>', 'the simulated network server on the wire: chirpstack (ChirpStack v4: MQTT integration + gRPC) or tts (The Things Stack v3: MQTT server + HTTP API)').choices(['chirpstack', 'tts']).default('chirpstack'))
    .addOption(new Option('--encoding <format>', "ChirpStack integration encoding on the wire (its [integration.mqtt] json setting)").choices(['json', 'protobuf']).default('json'))
    .option('--json', 'print the result as JSON instead of tables')
    .option('--api <host:port>', 'serve the operator API, dashboard and metrics during the demo (docs/api.md)', (text: string) => (parseListen(text, '--api'), text))
    .option('--api-token <token>', 'require this bearer token (admin scope) on the API')
    .option('--linger <seconds>', 'keep the API up this long after the demo ends', count('linger', 0, 7 * 86_400), 0)
    .action(async (options) => {
      // Imported here, not at the top: `fuota --help` must not load the simulated world (issue #17).
      const { createSimulatedWorld } = await import('../../app/simulated-world.js');
      const { parseCampaignSpec } = await import('../../campaign/spec.js');
      const { airtimeComparison, deviceTable, stackTable } = await import('../../demo/demo-report.js');
      const { expectedOutcomes } = await import('../../demo/expectations.js');
      const { ProgressBar } = await import('../progress-bar.js');
      const { campaignReport } = await import('../../campaign/report.js');
      const { CampaignEventHub } = await import('../../api/campaign-event-hub.js');
      // The operator API (an HTTP server and its dependencies) only with --api.
      const demoApi = options.api === undefined ? undefined : await import('../demo-api.js');
      const { ttsTrafficReport } = await import('../tts-traffic-report.js');
      const scenario: FleetScenario = {
        ...DEFAULT_SCENARIO,
        devices: options.devices,
        seed: options.seed,
        loss: options.loss,
        lossKind: options.lossKind,
        v2Share: options.v2,
        stacks: options.stacks,
        absentShare: options.absent,
        smallShare: options.small,
        rejectShare: options.reject,
        payloadMode: options.devices > 2000 ? 'rank-only' : 'full',
      };
      if (options.network === 'tts' && options.transport !== 'wire') throw new CallerError('INVALID_ARGUMENT', '--network tts: expected --transport wire (the TTS path is our adapter over MQTT and HTTP), got --transport in-process');
      const bar = new ProgressBar();
      if (options.apiToken !== undefined && options.api === undefined) throw new CallerError('INVALID_ARGUMENT', '--api-token: expected --api HOST:PORT with it, got no --api');
      const hub = new CampaignEventHub();
      const world = await createSimulatedWorld({
        scenario,
        storePath: options.store,
        firmwareBytes: options.firmwareBytes,
        badSignature: Boolean(options.badSignature),
        spec: { rollout: { canaryFraction: options.canary } },
        transport: options.transport,
        network: options.network,
        encoding: options.encoding,
        engine: { onTransition: hub.onTransition },
      });
      const api = demoApi === undefined ? undefined : await demoApi.startDemoApi(world, hub, { listen: options.api, ...(options.apiToken === undefined ? {} : { token: options.apiToken }) }).catch(async (error: unknown) => {
        await world.close();
        throw error;
      });
      const { engine, clock, fleet, startMs } = world;
      const spec = parseCampaignSpec(world.spec);
      // Finished devices counted from the committed transitions (only the devices each one
      // changed), not by a pass over the fleet on every clock step (issue #17).
      const finished = new Set<string>();
      const stopCounting = hub.onCommitted((_id, result) => {
        for (const d of result.devices) {
          if (d.outcome) finished.add(d.devEui);
          else finished.delete(d.devEui);
        }
      });
      let last: { finished: number; stage: string | undefined; waveIndex: number } = { finished: -1, stage: undefined, waveIndex: -2 };
      let quietSteps = 0;
      const wallStart = Date.now();
      await engine.create(world.spec, world.block);
      const id = spec.id;
      const total = spec.devices.length;
      await clock.run({
        untilMs: startMs + SIMULATED_LIMIT_MS,
        done: () => engine.view(id)!.campaign.phase !== 'running',
        settle: () => world.settle(),
        settleWindowMs: DEMO_SETTLE_WINDOW_MS,
        onStep: (nowMs) => {
          // The label costs more than a step: drawn when a count or the stage changed, else every 1 000 steps.
          // Compared field by field, not as a key string: this runs on every step (issue #17: ~1 % of a demo).
          const view = engine.view(id)!;
          const wave = view.campaign.wave;
          if (finished.size === last.finished && wave?.stage === last.stage && view.campaign.waveIndex === last.waveIndex && ++quietSteps < 1000) return;
          last = { finished: finished.size, stage: wave?.stage, waveIndex: view.campaign.waveIndex };
          quietSteps = 0;
          const hours = ((nowMs - startMs) / 3_600_000).toFixed(1);
          bar.update(finished.size, total, `${wave?.stage ?? 'starting'} wave ${view.campaign.waveIndex + 1}/${view.campaign.waveCount}, ${view.campaign.airtime.fragmentsSent} fragments, ${hours} h simulated`);
        },
      }).catch(async (error: unknown) => {
        // The broker, its worker thread and the connections would keep the process alive after the error is printed.
        await api?.close().catch(() => undefined);
        await world.close().catch(() => undefined);
        throw error;
      });
      bar.finish();
      stopCounting();
      // With --api the store stays open for the API until the linger is over.
      if (!api) await world.close();
      const view = engine.view(id)!;
      const devices = [...view.devices.values()];
      const expected = expectedOutcomes(fleet.members, spec, Boolean(options.badSignature));
      const kinds = new Map(fleet.members.map((m) => [m.device.devEui, `${m.stack} ${m.kind === 'normal' ? (m.device.config.packageVersions.ts004 === 2 ? 'v2' : 'v1') : m.kind}`]));
      const mismatches = devices.filter((d) => d.outcome !== expected.get(d.devEui));
      const airtime = airtimeComparison(view.campaign, view.devices, fleet.members);
      const report = campaignReport(view.campaign, devices);
      const simulatedHours = (clock.now() - startMs) / 3_600_000;
      const wire = world.wire;
      if (options.json) {
        const byStack = Object.fromEntries(fleet.members.map((m) => [m.device.devEui, m.stack]));
        const tts = world.tts === undefined ? undefined : { ...world.ttsWire, stats: world.tts.stats };
        process.stdout.write(`${JSON.stringify({ report, stacks: byStack, airtime, sizes: world.sizes, simulatedHours, transport: world.transport, network: options.network, wire, tts, mismatches: mismatches.map((d) => d.devEui), devices }, null, 2)}\n`);
      } else {
        const out = process.stdout;
        out.write(`${deviceTable(devices, expected, kinds, 200)}\n\n`);
        out.write(`campaign ${id}: ${view.campaign.phase}${view.campaign.haltReason ? ` (${view.campaign.haltReason})` : ''} after ${simulatedHours.toFixed(1)} h simulated, ${((Date.now() - wallStart) / 1000).toFixed(1)} s real\n`);
        out.write(`outcomes: ${Object.entries(report.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
        for (const { reason, devices: n } of report.reasons.slice(0, 5)) out.write(`  ${n} × ${reason}\n`);
        out.write(`by device stack (${formatStackMix(options.stacks)}):\n${stackTable(devices, expected, fleet.members).replace(/^/gm, '  ')}\n`);
        out.write(`package: ${world.sizes.packageBytes} bytes (signed delta) for a ${world.sizes.oldImageBytes} → ${world.sizes.newImageBytes} byte image\n`);
        out.write(`airtime: ${airtime.fragmentsSent} fragments sent (${(view.campaign.airtime.airtimeMs / 1000).toFixed(1)} s on air incl. status requests); the realised losses required at least ${airtime.oracleFragments} (ratio ${airtime.ratio.toFixed(2)})\n`);
        out.write(`unicast downlinks: ${view.campaign.airtime.unicastSent}; ignored uplinks: ${JSON.stringify(view.campaign.ignoredUplinks)}\n`);
        if (world.tts && world.ttsWire) {
          out.write(ttsTrafficReport(world.ttsWire, world.tts));
        } else if (wire) {
          out.write(`wire: embedded MQTT broker ${wire.brokerUrl} (MQTT 3.1.1), simulated ChirpStack gRPC API ${wire.grpcAddress}, ${wire.encoding} events\n`);
          out.write(`  ${wire.chirpstack.upPublished} event/up, ${wire.chirpstack.commandsReceived} command/down, ${wire.chirpstack.txAcksPublished} event/txack, ${wire.traffic.grpcCalls} gRPC calls, ${wire.statusEvents.received} status events on fuota/campaigns/#\n`);
        } else {
          out.write('transport: in-process (the engine called the simulated network directly)\n');
        }
        out.write(mismatches.length === 0 ? 'outcome as the scenario expects\n' : `${mismatches.length} devices did not end as the scenario expects: ${mismatches.slice(0, 5).map((d) => `${d.devEui} ${d.outcome ?? d.phase} (expected ${expected.get(d.devEui)})`).join(', ')}\n`);
      }
      process.exitCode = mismatches.length === 0 ? 0 : 1;
      if (api && demoApi) {
        await demoApi.linger(options.linger);
        await api.close();
        await world.close();
      }
    });
}
