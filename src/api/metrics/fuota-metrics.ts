import { Counter, Gauge, Registry } from 'prom-client';
import type { UplinkTimeCounters } from '../../campaign/uplink-time.js';
import type { CampaignService } from '../campaign-service.js';

// Prometheus metrics. Campaign figures are read from the service when scraped (the campaign
// state already counts fragments, airtime and uplinks, and survives restarts); only what the
// state does not keep (failed network-server commands) is counted here. Its own Registry, so
// that several services in one process (tests) do not collide.

export interface FuotaMetrics {
  readonly registry: Registry;
  /** A command to the network server failed and stays in the outbox (retried). */
  commandFailed(command: string): void;
  /** A connection to the network server changed state (mqtt, grpc). */
  connection(name: string, up: boolean): void;
  /** A connection whose state is read at every scrape (the gRPC channel has no change events here). */
  probeConnection(name: string, up: () => boolean): void;
  /**
   * The network-server adapter's count of dropped MQTT event messages by reason, read at every
   * scrape: the adapter counts from its start, whether or not the API runs (fuota_mqtt_messages_rejected_total).
   */
  rejectedMessages(server: string, counts: () => ReadonlyArray<{ reason: string; count: number }>): void;
}

export function createMetrics(service: CampaignService, uplinkTimes?: UplinkTimeCounters): FuotaMetrics {
  const registry = new Registry();
  if (uplinkTimes) {
    // The network server's uplink time is a hint (src/campaign/uplink-time.ts): how often it was taken, and replaced by our clock, by reason.
    new Gauge({
      name: 'fuota_uplink_times',
      help: "Uplink times from the network server: taken, or replaced by our clock (future, stale, invalid)",
      labelNames: ['verdict'],
      registers: [registry],
      collect() {
        this.set({ verdict: 'taken' }, uplinkTimes.taken);
        for (const [reason, n] of Object.entries(uplinkTimes.replaced)) this.set({ verdict: reason }, n);
      },
    });
  }
  const gauge = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers: [registry] });
  const campaigns = gauge('fuota_campaigns', 'Campaigns by phase', ['phase']);
  const devices = gauge('fuota_devices', 'Devices by campaign, phase and outcome (open: none yet)', ['campaign', 'phase', 'outcome']);
  const fragments = gauge('fuota_fragments_sent', 'Multicast fragments sent by the campaign', ['campaign']);
  const airtime = gauge('fuota_airtime_seconds', 'Time on air of the campaign\'s downlinks (fragments and status requests), seconds', ['campaign']);
  const unicast = gauge('fuota_unicast_downlinks_sent', 'Unicast downlinks sent by the campaign', ['campaign']);
  const uplinks = gauge('fuota_uplinks_processed', 'Uplinks of the campaign\'s devices that the engine processed', ['campaign']);
  const ignored = gauge('fuota_uplinks_ignored', 'Uplinks that changed nothing, by reason', ['campaign', 'reason']);
  const dutyUsed = gauge('fuota_duty_cycle_used_seconds', 'FUOTA airtime in the sliding hour, per gateway and sub-band', ['campaign', 'gateway', 'sub_band']);
  const dutyAllowed = gauge('fuota_duty_cycle_allowed_seconds', 'FUOTA airtime allowed per sliding hour (duty cycle × budget share)', ['campaign', 'gateway', 'sub_band']);
  const dutyRatio = gauge('fuota_duty_cycle_used_ratio', 'Share of the FUOTA duty-cycle budget used in the sliding hour', ['campaign', 'gateway', 'sub_band']);
  const retries = new Counter({ name: 'fuota_command_retries_total', help: 'Network-server commands that failed and were kept for a retry', labelNames: ['command'], registers: [registry] });
  const rejectSources = new Map<string, () => ReadonlyArray<{ reason: string; count: number }>>();
  new Counter({
    name: 'fuota_mqtt_messages_rejected_total',
    help: 'MQTT event messages of the network server dropped as malformed, by reason (decoder error code) and server',
    labelNames: ['reason', 'server'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [server, counts] of rejectSources) for (const { reason, count } of counts()) this.inc({ reason, server }, count);
    },
  });
  const probes = new Map<string, () => boolean>();
  const connections = new Gauge({
    name: 'fuota_connection_up',
    help: 'Connection to the network server (1 up, 0 down)',
    labelNames: ['connection'],
    registers: [registry],
    collect() {
      for (const [connection, up] of probes) this.set({ connection }, up() ? 1 : 0);
    },
  });

  // One walk per scrape fills every campaign gauge (prom-client awaits the first collect).
  let scrape: Promise<void> | undefined;
  const collectAll = async (): Promise<void> => {
    for (const g of [campaigns, devices, fragments, airtime, unicast, uplinks, ignored, dutyUsed, dutyAllowed, dutyRatio]) g.reset();
    const list = await service.list();
    const byPhase = new Map<string, number>();
    for (const status of list) {
      byPhase.set(status.phase.toLowerCase(), (byPhase.get(status.phase.toLowerCase()) ?? 0) + 1);
      const campaign = status.id;
      fragments.set({ campaign }, status.airtime.fragmentsSent);
      airtime.set({ campaign }, status.airtime.airtimeMs / 1000);
      unicast.set({ campaign }, status.airtime.unicastSent);
      const detail = await service.get(campaign);
      for (const [reason, n] of Object.entries(detail.report.ignoredUplinks)) ignored.set({ campaign, reason }, n);
      const rows = new Map<string, number>();
      let uplinkCount = 0;
      for (const device of await service.devices(campaign)) {
        const key = `${device.phase.toLowerCase()}\u0000${device.outcome?.toLowerCase() ?? 'open'}`;
        rows.set(key, (rows.get(key) ?? 0) + 1);
        uplinkCount += device.uplinks;
      }
      for (const [key, n] of rows) {
        const [phase, outcome] = key.split('\u0000') as [string, string];
        devices.set({ campaign, phase, outcome }, n);
      }
      uplinks.set({ campaign }, uplinkCount);
      const budget = await service.budget(campaign);
      for (const gateway of budget.gateways) {
        for (const band of gateway.subBands) {
          const labels = { campaign, gateway: gateway.gatewayId, sub_band: band.subBandId };
          dutyUsed.set(labels, band.usedMs / 1000);
          dutyAllowed.set(labels, band.allowedMs / 1000);
          dutyRatio.set(labels, band.allowedMs > 0 ? band.usedMs / band.allowedMs : 0);
        }
      }
    }
    for (const phase of ['running', 'paused', 'halted', 'cancelled', 'completed']) campaigns.set({ phase }, byPhase.get(phase) ?? 0);
  };
  // prom-client calls collect() on every gauge; the first starts the walk, the others wait for it.
  const shared = async (): Promise<void> => {
    scrape ??= collectAll().finally(() => {
      setImmediate(() => (scrape = undefined));
    });
    await scrape;
  };
  for (const g of [campaigns, devices, fragments, airtime, unicast, uplinks, ignored, dutyUsed, dutyAllowed, dutyRatio]) (g as unknown as { collect: () => Promise<void> }).collect = shared;

  return {
    registry,
    commandFailed: (command) => retries.inc({ command }),
    connection: (name, up) => connections.set({ connection: name }, up ? 1 : 0),
    probeConnection: (name, up) => void probes.set(name, up),
    rejectedMessages: (server, counts) => void rejectSources.set(server, counts),
  };
}
