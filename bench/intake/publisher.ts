// The publisher side of `npm run bench -- intake`, in its own process (as ChirpStack is): the
// `event/up` messages ChirpStack would publish (JSON or Protobuf), QoS 1, at `rate` per second
// for `seconds`, round-robin over the devices from `startIndex`. Each event's `time` is when it
// is due to go out, so the service's latency (committed − time) is never shorter than the real one.
import { encodeEvent } from '../../src/lns/chirpstack/events.js';
import type { PayloadEncoding } from '../../src/lns/chirpstack/payload-encoding.js';
import type { Eui64 } from '../../src/core/eui.js';
import { APPLICATION_ID, devEuiOf } from './devices.js';
import { connectRawPublisher, encodePublish } from './raw-mqtt-publisher.js';

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
// Raw MQTT 3.1.1 (raw-mqtt-publisher.ts): mqtt.js took a third of a core at 20 000/s, CPU the
// service and the broker need on 2 cores; ChirpStack's own client costs far less per message.
const client = await connectRawPublisher(o.brokerUrl, `intake-publisher-${process.pid}`);
/** QoS 1 packet ids are reused after 65 535 messages: never while the broker has not acked the earlier one. */
const MAX_UNACKED = 60_000;
// Encoded before the clock starts (the publisher must not be what limits the rate): a trial
// run times the encoding, so that the first event's time is after the encoding of them all.
const encode = (k: number, t0: number): Buffer => {
  const i = (o.startIndex + k) % o.devices;
  const devEui = devEuiOf(i) as Eui64;
  const timeMs = Math.round(t0 + (k * 1000) / o.rate);
  const payload = encodeEvent(
    { kind: 'up', applicationId: APPLICATION_ID, devEui, deduplicationId: `00000000-0000-4000-8000-${(o.startIndex + k).toString(16).padStart(12, '0')}`, timeMs, fCnt: o.startIndex + k, fPort: 2, data: Uint8Array.of(1, 2, 3, 4), dr: 5, confirmed: false, gatewayIds: ['0016c001ff100001'] },
    o.encoding,
  );
  return encodePublish(`application/${APPLICATION_ID}/device/${devEui}/event/up`, payload, (k % 65_535) + 1);
};
const trialMs = performance.now();
for (let k = 0; k < 2000; k++) encode(k, 0);
const perMessageMs = (performance.now() - trialMs) / 2000;
const t0 = Date.now() + 500 + Math.ceil(count * perMessageMs * 2);
const messages = Array.from({ length: count }, (_, k) => encode(k, t0));
const lateMs = Date.now() - t0;
while (Date.now() < t0) await new Promise((r) => setTimeout(r, 5));
let sent = 0;
const startMs = Date.now();
while (sent < count) {
  const due = Math.min(count, Math.floor(((Date.now() - startMs) * o.rate) / 1000) + 1, client.acked + MAX_UNACKED);
  while (sent < due) client.write(messages[sent++]!);
  await new Promise((r) => setTimeout(r, 2));
}
const publishedMs = Date.now() - startMs;
const deadline = Date.now() + 120_000;
while (client.acked < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
const { acked, lastAckWallMs } = client;
const failed = count - acked;
await client.close();
process.send!({ type: 'published', published: count, acked, failed, publishedMs, startWallMs: startMs, lastAckWallMs, lateMs });
process.exit(0);
