import test from 'ava';
import type { CampaignService } from '../../src/api/campaign-service.js';
import { createMetrics } from '../../src/api/metrics/fuota-metrics.js';
import { UplinkTimeCounters, uplinkTime } from '../../src/campaign/uplink-time.js';

// /metrics shows how often the network server's uplink time was taken, and how often our clock
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
