import test from 'ava';
import { createBody, restWorld, READ_TOKEN } from './rest-world.js';

// The live event stream (SSE) while a campaign runs, and /metrics after one.

function sseEvents(body: string): Array<{ event: string; data: Record<string, unknown> }> {
  return body
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n') as [string, string];
      return { event: eventLine.slice('event: '.length), data: JSON.parse(dataLine.slice('data: '.length)) as Record<string, unknown> };
    });
}

test('GET /api/v1/events streams the current status, then changes while the campaign runs', async (t) => {
  const w = await restWorld({ seed: 31 });
  t.teardown(() => w.close());
  t.is((await w.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: w.admin, payload: createBody(w) })).statusCode, 201);
  t.is((await w.app.inject({ method: 'GET', url: '/api/v1/events' })).statusCode, 401);
  let finished = false;
  const stream = w.app.inject({ method: 'GET', url: '/api/v1/events?campaign=demo&limit=12', headers: w.reader }).finally(() => (finished = true));
  // The stream subscribes once the request is routed: wait for it (turns of the event loop, not a timer).
  while (w.hub.listenerCount === 0 && !finished) await new Promise((resolve) => setImmediate(resolve));
  await w.runUntil(() => finished, 86_400_000);
  const response = await stream;
  t.is(response.statusCode, 200);
  t.regex(String(response.headers['content-type']), /^text\/event-stream/);
  const events = sseEvents(response.body);
  t.is(events.length, 12);
  t.is(events[0]!.event, 'campaign');
  t.is(events[0]!.data.id, 'demo');
  t.true(events.some((e) => e.event === 'device' && e.data.campaignId === 'demo' && typeof e.data.devEui === 'string'), 'a device change arrived while the campaign ran');
  t.true(events.every((e) => (e.event === 'campaign' ? e.data.id : e.data.campaignId) === 'demo'));
  t.is(w.hub.listenerCount, 0, 'unsubscribed when the stream ended');
  // EventSource cannot send headers: the token may come in the query, on this route only.
  const byQuery = await w.app.inject({ method: 'GET', url: `/api/v1/events?campaign=demo&limit=1&access_token=${READ_TOKEN}` });
  t.is(byQuery.statusCode, 200);
  t.is(sseEvents(byQuery.body)[0]!.event, 'campaign');
  t.is((await w.app.inject({ method: 'GET', url: `/api/v1/campaigns?access_token=${READ_TOKEN}` })).statusCode, 401, 'not taken on other routes');
});

test('/metrics after a campaign: campaigns by phase, devices, fragments, airtime and the duty-cycle budget per gateway and sub-band', async (t) => {
  const w = await restWorld({ seed: 32 });
  t.teardown(() => w.close());
  await w.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: w.admin, payload: createBody(w) });
  await w.runUntil(() => w.phase() !== 'running');
  const response = await w.app.inject({ method: 'GET', url: '/metrics', headers: w.reader });
  t.is(response.statusCode, 200);
  t.regex(String(response.headers['content-type']), /^text\/plain/);
  const value = (pattern: RegExp): number => {
    const line = response.body.split('\n').find((l) => pattern.test(l));
    t.truthy(line, `no series ${pattern}`);
    return Number(line?.split(' ').pop());
  };
  t.is(value(/^fuota_campaigns\{phase="completed"\}/), 1);
  t.is(value(/^fuota_campaigns\{phase="running"\}/), 0);
  t.is(value(/^fuota_devices\{campaign="demo",phase="done",outcome="confirmed"\}/), 8);
  const fragments = value(/^fuota_fragments_sent\{campaign="demo"\}/);
  t.is(fragments, (await w.service.get('demo')).status.airtime.fragmentsSent);
  t.true(fragments > 0);
  t.true(value(/^fuota_airtime_seconds\{campaign="demo"\}/) > 0);
  t.true(value(/^fuota_uplinks_processed\{campaign="demo"\}/) > 0);
  const budget = await w.service.budget('demo');
  const gateway = budget.gateways[0]!;
  const band = gateway.subBands[0]!;
  const labels = `campaign="demo",gateway="${gateway.gatewayId}",sub_band="${band.subBandId}"`;
  t.is(value(new RegExp(`^fuota_duty_cycle_allowed_seconds\\{${labels}\\}`)), band.allowedMs / 1000);
  t.is(value(new RegExp(`^fuota_duty_cycle_used_seconds\\{${labels}\\}`)), band.usedMs / 1000);
  t.true(response.body.includes('# TYPE fuota_command_retries_total counter'));
});
