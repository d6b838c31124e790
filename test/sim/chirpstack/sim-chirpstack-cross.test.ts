import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import fc from 'fast-check';
import type { Eui64 } from '../../../src/core/eui.js';
import type { DownlinkCommand } from '../../../src/lns/chirpstack/downlink-command.js';
import { LOG_CODES, LOG_LEVELS, type ChirpstackEvent } from '../../../src/lns/chirpstack/events.js';
import { decodeEventMessage, downlinkMessage } from '../../../src/lns/chirpstack/messages.js';
import type { PayloadEncoding } from '../../../src/lns/chirpstack/payload-encoding.js';
import { ChirpstackTopics } from '../../../src/lns/chirpstack/topics.js';
import { queueItemOf } from '../../../src/sim/chirpstack/sim-chirpstack-command.js';
import type { SimChirpstackEvent } from '../../../src/sim/chirpstack/sim-chirpstack-events.js';
import { DEFAULT_TENANCY, integrationMessage } from '../../../src/sim/chirpstack/sim-chirpstack-integration.js';
import { readJsonDownlinkCommand, writeJsonEvent } from '../../../src/sim/chirpstack/sim-chirpstack-json.js';
import { readProtobufDownlinkCommand, writeProtobufEvent } from '../../../src/sim/chirpstack/sim-chirpstack-protobuf.js';
import { SimChirpstackTopics } from '../../../src/sim/chirpstack/sim-chirpstack-topics.js';

// Two independent implementations of ChirpStack's MQTT integration meet here: the adapter's
// decoder (src/lns/chirpstack/messages.ts, events.ts) reads what the simulated ChirpStack writes,
// and the simulated ChirpStack reads what the adapter's encoder (downlink-command.ts) writes,
// topic and payload, in both encodings. A field misnamed or mistyped on either side fails here.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourcesUnder(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []);
}

test('the simulated world (src/sim/) imports nothing of the ChirpStack adapter (src/lns/chirpstack/)', (t) => {
  const adapter = join(ROOT, 'src/lns/chirpstack');
  const offenders = sourcesUnder(join(ROOT, 'src/sim')).flatMap((file) =>
    // `… from '…'`, `import '…'` and `import('…')`: every relative module specifier.
    [...readFileSync(file, 'utf8').matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.[^']+)'/g)]
      .map((m) => resolve(dirname(file), m[1]!))
      .filter((target) => !relative(adapter, target).startsWith('..'))
      .map((target) => `${relative(ROOT, file)} → ${relative(ROOT, target)}`));
  t.deepEqual(offenders, []);
});

const APP = '17c82e96-be03-4f38-aef3-f83d48582d97';
const ENCODINGS: PayloadEncoding[] = ['json', 'protobuf'];

const hex = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).map((b) => Buffer.from(b).toString('hex'));
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const timeMs = fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) });
const uuid = fc.uuid().map((id) => id.toLowerCase());
const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
const jsonObject = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/), fc.oneof(scalar, fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), scalar)));
const device = { applicationId: fc.constant(APP), devEui: hex(8) };

const simEvent: fc.Arbitrary<SimChirpstackEvent> = fc.oneof(
  fc.record({
    kind: fc.constant('up' as const), ...device, deduplicationId: uuid, timeMs, fCnt: u32, fPort: fc.integer({ min: 0, max: 255 }),
    data: fc.uint8Array({ maxLength: 64 }), dr: fc.integer({ min: 0, max: 15 }), confirmed: fc.boolean(), gatewayIds: fc.array(hex(8), { maxLength: 3 }),
    object: fc.option(jsonObject, { nil: undefined }),
  }, { requiredKeys: ['kind', 'applicationId', 'devEui', 'deduplicationId', 'timeMs', 'fCnt', 'fPort', 'data', 'dr', 'confirmed', 'gatewayIds'] }),
  fc.record({ kind: fc.constant('txack' as const), ...device, queueItemId: uuid, downlinkId: u32, fCntDown: u32, gatewayId: hex(8), timeMs }, { requiredKeys: ['kind', 'applicationId', 'devEui', 'queueItemId', 'downlinkId', 'fCntDown', 'timeMs'] }),
  fc.record({ kind: fc.constant('ack' as const), ...device, queueItemId: uuid, acknowledged: fc.boolean(), fCntDown: u32, timeMs }),
  fc.record({
    kind: fc.constant('log' as const), ...device, level: fc.constantFrom(...LOG_LEVELS), code: fc.constantFrom(...LOG_CODES), description: fc.string(),
    // Not "__proto__": google-protobuf's jspb.Map keeps its entries in a plain object and loses
    // that key on the Protobuf path; ChirpStack's keys are fixed names (queue_item_id,
    // deduplication_id). The adapter's JSON path keeps it (events.test.ts).
    context: fc.dictionary(fc.stringMatching(/^[a-z_]{1,12}$/).filter((key) => key !== '__proto__'), fc.string()), timeMs,
  }),
);

/** What the adapter must make of a simulated event (its own model, events.ts). */
function expected(event: SimChirpstackEvent): ChirpstackEvent {
  const ref = { applicationId: event.applicationId, devEui: event.devEui as Eui64 };
  switch (event.kind) {
    case 'up':
      if (event.fPort === 0) {
        return { kind: 'up-without-payload', ...ref, deduplicationId: event.deduplicationId, timeMs: event.timeMs, fCnt: event.fCnt, reason: event.data.length > 0 ? 'fPort 0: the FRMPayload holds MAC commands only' : 'no fPort: MAC commands only, or an empty frame' };
      }
      return {
        kind: 'up', ...ref, deduplicationId: event.deduplicationId, timeMs: event.timeMs, fCnt: event.fCnt, fPort: event.fPort, data: event.data,
        dr: event.dr, confirmed: event.confirmed, gatewayIds: [...event.gatewayIds], ...(event.object === undefined ? {} : { object: event.object }),
      };
    case 'txack':
      return { kind: 'txack', ...ref, queueItemId: event.queueItemId, downlinkId: event.downlinkId, fCntDown: event.fCntDown, ...(event.gatewayId === undefined ? {} : { gatewayId: event.gatewayId }), timeMs: event.timeMs! };
    case 'ack':
      return { kind: 'ack', ...ref, queueItemId: event.queueItemId, acknowledged: event.acknowledged, fCntDown: event.fCntDown, timeMs: event.timeMs! };
    case 'log':
      return { kind: 'log', ...ref, level: event.level, code: event.code as (typeof LOG_CODES)[number], description: event.description, context: event.context, timeMs: event.timeMs! };
  }
}

for (const encoding of ENCODINGS) {
  test(`${encoding}: the adapter reads every event the simulated ChirpStack writes, topic and payload, as the event it was`, (t) => {
    const simTopics = new SimChirpstackTopics();
    const adapterTopics = new ChirpstackTopics();
    const write = encoding === 'json' ? writeJsonEvent : writeProtobufEvent;
    fc.assert(fc.property(simEvent, (event) => {
      const message = { topic: simTopics.eventTopic(event.applicationId, event.devEui, event.kind), payload: write(integrationMessage(event, DEFAULT_TENANCY, 0)) };
      const { topic, event: read } = decodeEventMessage(adapterTopics, message, encoding);
      t.deepEqual(topic, { applicationId: event.applicationId, devEui: event.devEui, event: event.kind });
      t.deepEqual(read, expected(event));
    }), { numRuns: 300 });
  });

  test(`${encoding}: the simulated ChirpStack reads every command the adapter writes, topic and payload, as the queue item it asked for`, (t) => {
    const simTopics = new SimChirpstackTopics();
    const adapterTopics = new ChirpstackTopics();
    const read = encoding === 'json' ? readJsonDownlinkCommand : readProtobufDownlinkCommand;
    const command = fc.record({
      id: uuid, devEui: hex(8).map((h) => h as Eui64), confirmed: fc.boolean(), fPort: fc.integer({ min: 1, max: 255 }), data: fc.uint8Array({ maxLength: 242 }),
      expiresAtMs: fc.option(timeMs, { nil: undefined }),
    }, { requiredKeys: ['id', 'devEui', 'confirmed', 'fPort', 'data'] });
    fc.assert(fc.property(command, (sent: DownlinkCommand) => {
      const message = downlinkMessage(adapterTopics, APP, sent, encoding);
      const topic = simTopics.parseCommandTopic(message.topic);
      t.deepEqual(topic, { applicationId: APP, devEui: sent.devEui, command: 'down' });
      const received = read(message.payload);
      t.is(received.expiresAtMs, sent.expiresAtMs);
      t.is(received.object, undefined);
      const item = queueItemOf(topic!.devEui, received);
      const expiry = sent.expiresAtMs === undefined ? {} : { expiresAtMs: sent.expiresAtMs };
      t.deepEqual(item, { id: sent.id, devEui: sent.devEui, confirmed: sent.confirmed, fPort: sent.fPort, data: sent.data, ...expiry });
    }), { numRuns: 300 });
  });
}
