import test from 'ava';
import { CampaignEngine } from '../../../src/campaign/engine.js';
import { wallClock } from '../../../src/lns/wall-clock.js';
import { MemoryCampaignStore } from '../../../src/store/memory-campaign-store.js';
import { startBroker, type Broker } from '../mqtt/mosquitto.js';
import { eventually, startWireWorld, wireDeviceConfig, type WireWorld, WIRE_BLOCK, WIRE_TARGET_VERSION, wireCampaignSpec, wireVerifyImage } from './chirpstack-wire-world.js';

// A whole campaign over the wire: the real CampaignEngine (memory store, wall clock) with
// ChirpstackNetworkServer, through a real mosquitto (TLS + password) and the simulated
// ChirpStack (gRPC + MQTT) in real time, to a small fleet that uplinks every 2 s. Timings are
// shortened; what remains is set by the engine's own constants (30 s reboot grace, status wait).

const DEVICES = 5;

let broker: Broker;

test.before(async () => {
  broker = await startBroker();
});

test.after.always(async () => {
  await broker?.dispose();
});


for (const encoding of ['json', 'protobuf'] as const) {
  test(`${encoding}: a campaign over MQTT + gRPC confirms every device`, async (t) => {
    t.timeout(240_000);
    const devEuis = Array.from({ length: DEVICES }, (_, i) => `70b3d57ed00003${String(i + 1).padStart(2, '0')}`);
    let engine: CampaignEngine | undefined;
    const commandErrors: string[] = [];
    const w: WireWorld = await startWireWorld({
      broker,
      encoding,
      seed: encoding === 'json' ? 21 : 22,
      devices: devEuis.map((devEui) => wireDeviceConfig(devEui, { uplinkIntervalMs: 2_000, verifyImage: wireVerifyImage })),
      server: {
        // Longer than an uplink interval plus a device's answer delay: a class A downlink waits for an uplink.
        txAckTimeoutMs: 8_000,
        queuePollMs: 250,
        onUplink: (uplink) => engine?.handleUplink(uplink),
        onDownlinkFailed: (devEui, reason) => engine?.downlinkFailed(devEui, reason),
      },
    });
    const store = new MemoryCampaignStore();
    engine = new CampaignEngine({
      store, network: w.server, clock: wallClock,
      onCommandError: (_id, command, error) => void commandErrors.push(`${command.type}: ${(error as Error).message}`),
    });
    t.teardown(async () => {
      await engine?.close();
      await w.close();
      await store.close();
    });
    const spec = wireCampaignSpec(`wire-${encoding}`, devEuis);
    const startedAt = Date.now();
    await engine.create(spec, WIRE_BLOCK);
    const id = `wire-${encoding}`;
    const outcomes = () => [...engine!.view(id)!.devices.values()].map((d) => d.outcome ?? d.phase);
    await eventually(() => outcomes().every((o) => o === 'confirmed') || engine!.view(id)!.campaign.phase !== 'running', 220_000, () => `every device confirmed; now ${outcomes().join(',')}`);
    const confirmedAfterMs = Date.now() - startedAt;
    t.deepEqual(outcomes(), devEuis.map(() => 'confirmed'));
    for (const device of w.devices) t.is(device.firmwareVersion, WIRE_TARGET_VERSION, `${device.devEui} runs the new firmware`);
    // The group went away only after its queue drained (its frames all went out first).
    await eventually(() => w.deleted.length === 1, 60_000, () => 'the multicast group deleted');
    const emissions = w.grpcServer.multicast.emissions;
    t.true(emissions.length > 0 && emissions.every((e) => e.outcome === 'sent'));
    t.is(w.registry.entries().length, 0);
    t.is(w.server.heldMulticasts(), 0);
    t.deepEqual(commandErrors, []);
    t.deepEqual(w.errors.map((e) => e.context), []);
    t.log(`${encoding}: ${DEVICES} devices confirmed after ${(confirmedAfterMs / 1000).toFixed(1)} s; ${emissions.length} multicast frames; ${w.simMqtt.stats.commandsReceived} command/down, ${w.simMqtt.stats.txAcksPublished} txacks, ${w.simMqtt.stats.upPublished} uplinks; ${w.failures.length} txack timeouts/failures`);
  });
}
