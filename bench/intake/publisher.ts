// The publisher side of `npm run bench -- intake`, in its own process (as ChirpStack is): the
// `event/up` messages ChirpStack would publish (JSON or Protobuf), QoS 1, at `rate` per second
// for `seconds`, round-robin over the devices from `startIndex`. Each event's `time` is when it
// is due to go out, so the service's latency (committed − time) is never shorter than the real one.
import mqtt from 'mqtt';
import { encodeEvent } from '../../src/lns/chirpstack/events.js';
import type { PayloadEncoding } from '../../src/lns/chirpstack/payload-encoding.js';
import type { Eui64 } from '../../src/core/eui.js';
import { APPLICATION_ID, devEuiOf } from './devices.js';

interface Options {
  brokerUrl: string;
  encoding: PayloadEncoding;
  devices: number;
  rate: number;
  seconds: number;
  startIndex: number;
}

const o = JSON.parse(process.argv[2]!) as Options;
const count = Math.round(o.rate * o.seconds);
const client = await mqtt.connectAsync(o.brokerUrl, { clientId: `intake-publisher-${process.pid}`, protocolVersion: 5, clean: true });
// Encoded before the clock starts (the publisher must not be what limits the rate): a trial
// run times the encoding, so that the first event's time is after the encoding of them all.
const encode = (k: number, t0: number): { topic: string; payload: Buffer } => {
  const i = (o.startIndex + k) % o.devices;
  const devEui = devEuiOf(i) as Eui64;
  const timeMs = Math.round(t0 + (k * 1000) / o.rate);
  const payload = encodeEvent(
    { kind: 'up', applicationId: APPLICATION_ID, devEui, deduplicationId: `00000000-0000-4000-8000-${(o.startIndex + k).toString(16).padStart(12, '0')}`, timeMs, fCnt: o.startIndex + k, fPort: 2, data: Uint8Array.of(1, 2, 3, 4), dr: 5, confirmed: false, gatewayIds: ['0016c001ff100001'] },
    o.encoding,
  );
  return { topic: `application/${APPLICATION_ID}/device/${devEui}/event/up`, payload: Buffer.from(payload) };
};
const trialMs = performance.now();
for (let k = 0; k < 2000; k++) encode(k, 0);
const perMessageMs = (performance.now() - trialMs) / 2000;
const t0 = Date.now() + 500 + Math.ceil(count * perMessageMs * 2);
const messages = Array.from({ length: count }, (_, k) => encode(k, t0));
const lateMs = Date.now() - t0;
while (Date.now() < t0) await new Promise((r) => setTimeout(r, 5));
let sent = 0;
let acked = 0;
let failed = 0;
const startMs = Date.now();
while (sent < count) {
  const due = Math.min(count, Math.floor(((Date.now() - startMs) * o.rate) / 1000) + 1);
  while (sent < due) {
    const m = messages[sent++]!;
    client.publish(m.topic, m.payload, { qos: 1 }, (error) => (error ? failed++ : acked++));
  }
  await new Promise((r) => setTimeout(r, 2));
}
const publishedMs = Date.now() - startMs;
const deadline = Date.now() + 120_000;
while (acked + failed < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
await client.endAsync();
process.send!({ type: 'published', published: count, acked, failed, publishedMs, startWallMs: startMs, lateMs });
process.exit(0);
