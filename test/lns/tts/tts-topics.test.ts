import test from 'ava';
import { CallerError, PeerError } from '../../../src/core/errors.js';
import { TtsTopics } from '../../../src/lns/tts/tts-topics.js';

// Topic layout: lorawan-stack pkg/applicationserver/io/mqtt/topics/v3.go.

const topics = new TtsTopics('fuota-app@ttn');

test('subscriptions: uplinks and each downlink outcome of the application (never our own down/push)', (t) => {
  const outcomes = (x: string) => ['queued', 'sent', 'ack', 'nack', 'failed'].map((e) => `v3/${x}/devices/+/down/${e}`);
  t.deepEqual(topics.subscriptions(), ['v3/fuota-app@ttn/devices/+/up', ...outcomes('fuota-app@ttn')]);
  t.deepEqual(new TtsTopics('fuota-app').subscriptions(), ['v3/fuota-app/devices/+/up', ...outcomes('fuota-app')]);
});

test('push and replace topics', (t) => {
  t.is(topics.pushTopic('fuota-mc-c1-w0-f0'), 'v3/fuota-app@ttn/devices/fuota-mc-c1-w0-f0/down/push');
  t.is(topics.replaceTopic('eui-70b3d57ed0000001'), 'v3/fuota-app@ttn/devices/eui-70b3d57ed0000001/down/replace');
  t.throws(() => topics.pushTopic('Bad_Id'), { instanceOf: CallerError, message: /deviceId/ });
});

test('application id without tenant', (t) => {
  t.is(topics.applicationId, 'fuota-app');
  t.is(new TtsTopics('fuota-app').applicationId, 'fuota-app');
  t.throws(() => new TtsTopics('fuota-app@TTN'), { instanceOf: CallerError });
  t.throws(() => new TtsTopics('a@b@c'), { instanceOf: CallerError });
});

const events = ['up', 'join', 'down/queued', 'down/sent', 'down/ack', 'down/nack', 'down/failed', 'down/invalidated', 'location/solved', 'service/data'] as const;
for (const event of events) {
  test(`parse ${event}`, (t) => {
    t.deepEqual(topics.parse(`v3/fuota-app@ttn/devices/dev-1/${event}`), { deviceId: 'dev-1', event });
  });
}

const bad: Array<[string, string]> = [
  ['v3/other-app@ttn/devices/dev-1/up', 'another application'],
  ['v3/fuota-app/devices/dev-1/up', 'same application without the tenant'],
  ['v3/fuota-app@ttn2/devices/dev-1/up', 'another tenant'],
  ['v3/fuota-app@ttn/devices/dev-1/down/push', 'our own push'],
  ['v3/fuota-app@ttn/devices/dev-1/down/replace', 'our own replace'],
  ['v3/fuota-app@ttn/devices/dev-1/status', 'unknown event'],
  ['v3/fuota-app@ttn/devices/dev-1', 'no event'],
  ['v3/fuota-app@ttn/devices/dev-1/', 'empty event'],
  ['v3/fuota-app@ttn/devices/Dev_1/up', 'invalid device id'],
  ['v3/fuota-app@ttn/devices//up', 'empty device id'],
  ['v3/fuota-app@ttn/devices/dev-1/up/extra', 'extra level'],
  ['', 'empty topic'],
];
for (const [topic, why] of bad) {
  test(`parse refuses ${why}`, (t) => {
    const error = t.throws(() => topics.parse(topic), { instanceOf: PeerError });
    t.is(error?.code, 'TTS_TOPIC_UNEXPECTED');
    t.true(error!.message.includes(JSON.stringify(topic)));
  });
}
