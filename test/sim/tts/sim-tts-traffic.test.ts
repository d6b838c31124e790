import test from 'ava';
import { FIRST_KEPT_PER_KIND, SimTtsTraffic, TRAFFIC_LIMIT } from '../../../src/sim/tts/sim-tts-traffic.js';

test('the traffic log keeps the first entries of each kind and the latest, TRAFFIC_LIMIT in all', (t) => {
  let nowMs = Date.UTC(2026, 11, 6);
  const log = new SimTtsTraffic(() => nowMs);
  for (let i = 0; i < 3; i++) log.add('http', `POST ${i}`);
  for (let i = 0; i < 2 * TRAFFIC_LIMIT; i++) {
    nowMs += 1000;
    log.add('up', `up ${i}`);
  }
  t.is(log.entries.length, TRAFFIC_LIMIT);
  t.deepEqual(log.entries.filter((e) => e.kind === 'http').map((e) => e.text), ['POST 0', 'POST 1', 'POST 2']);
  const ups = log.entries.filter((e) => e.kind === 'up').map((e) => e.text);
  t.deepEqual(ups.slice(0, FIRST_KEPT_PER_KIND), Array.from({ length: FIRST_KEPT_PER_KIND }, (_, i) => `up ${i}`));
  t.is(ups.at(-1), `up ${2 * TRAFFIC_LIMIT - 1}`);
  t.is(log.entries.at(-1)!.at, new Date(nowMs).toISOString());
});
