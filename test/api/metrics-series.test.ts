import test from 'ava';
import type { CampaignService } from '../../src/api/campaign-service.js';
import { createMetrics } from '../../src/api/metrics/fuota-metrics.js';
import { ChirpstackGrpcClient } from '../../src/lns/chirpstack/grpc-client.js';
import { UplinkTimeCounters, uplinkTime } from '../../src/campaign/uplink-time.js';

// /metrics series kept outside the campaign state. Uplink times: how often the network server's uplink time was taken, and how often our clock
// replaced it (a forged far-future time, a stale one, none).

test('fuota_uplink_times counts taken and replaced uplink times by reason', async (t) => {
  const counters = new UplinkTimeCounters();
  const nowMs = Date.UTC(2026, 11, 6, 12);
  for (const eventMs of [nowMs - 1_000, Date.UTC(9999, 11, 31), nowMs - 3_600_000, Number.NaN]) {
    const verdict = uplinkTime(eventMs, nowMs, 300_000);
    if (verdict.rejected) counters.replaced[verdict.rejected]++;
    else counters.taken++;
  }
  const service = { list: async () => [] } as unknown as CampaignService;
  const text = await createMetrics(service, counters).registry.metrics();
  t.regex(text, /^fuota_uplink_times\{verdict="taken"\} 1$/m);
  t.regex(text, /^fuota_uplink_times\{verdict="future"\} 1$/m);
  t.regex(text, /^fuota_uplink_times\{verdict="stale"\} 1$/m);
  t.regex(text, /^fuota_uplink_times\{verdict="invalid"\} 1$/m);
  t.notRegex(await createMetrics(service).registry.metrics(), /fuota_uplink_times/);
});

test('fuota_connection_up: a pushed state (MQTT) and a probed one (the gRPC channel, read at each scrape)', async (t) => {
  const service = { list: async () => [] } as unknown as CampaignService;
  const metrics = createMetrics(service);
  let grpcUp = true;
  metrics.connection('mqtt', false);
  metrics.probeConnection('grpc', () => grpcUp);
  t.regex(await metrics.registry.metrics(), /^fuota_connection_up\{connection="grpc"\} 1$/m);
  grpcUp = false;
  const text = await metrics.registry.metrics();
  t.regex(text, /^fuota_connection_up\{connection="grpc"\} 0$/m);
  t.regex(text, /^fuota_connection_up\{connection="mqtt"\} 0$/m);
});

test('ChirpstackGrpcClient.reachable: false once the channel to a dead address fails', async (t) => {
  const client = new ChirpstackGrpcClient({ address: '127.0.0.1:1', apiToken: 't', transport: { kind: 'insecure' }, deadlineMs: 60_000 });
  t.teardown(() => client.close());
  t.true(client.reachable(), 'idle before any call');
  await t.throwsAsync(client.listMulticastQueue('00000000-0000-4000-8000-000000000000'), { code: 'CHIRPSTACK_UNAVAILABLE' });
  t.false(client.reachable());
});

test('fuota_mqtt_messages_rejected_total reads the adapter\'s counts at each scrape (counted before the API started, too)', async (t) => {
  const service = { list: async () => [] } as unknown as CampaignService;
  const counts = [{ reason: 'not-json', count: 700 }, { reason: 'too-deep', count: 3 }];
  const metrics = createMetrics(service);
  metrics.rejectedMessages('chirpstack', () => counts);
  let text = await metrics.registry.metrics();
  t.regex(text, /^# TYPE fuota_mqtt_messages_rejected_total counter$/m);
  t.regex(text, /^fuota_mqtt_messages_rejected_total\{reason="not-json",server="chirpstack"\} 700$/m);
  t.regex(text, /^fuota_mqtt_messages_rejected_total\{reason="too-deep",server="chirpstack"\} 3$/m);
  counts[0]!.count = 701;
  text = await metrics.registry.metrics();
  t.regex(text, /^fuota_mqtt_messages_rejected_total\{reason="not-json",server="chirpstack"\} 701$/m, 'not added twice');
});
