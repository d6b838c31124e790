import test from 'ava';
import { CallerError, ValueError } from '../../../src/core/errors.js';
import { ChirpstackPayloadError } from '../../../src/lns/chirpstack/payload-error.js';
import { ChirpstackTopics, DEFAULT_COMMAND_TOPIC, DEFAULT_EVENT_TOPIC } from '../../../src/lns/chirpstack/topics.js';
import { APPLICATION_ID, DEV_EUI } from './fixtures.js';

// Defaults: chirpstack/src/integration/mqtt.rs and chirpstack.toml `[integration.mqtt]`.

const topics = new ChirpstackTopics();

test('default templates are ChirpStack v4 defaults', (t) => {
  t.is(DEFAULT_EVENT_TOPIC, 'application/{{application_id}}/device/{{dev_eui}}/event/{{event}}');
  t.is(DEFAULT_COMMAND_TOPIC, 'application/{{application_id}}/device/{{dev_eui}}/command/{{command}}');
});

test('render and parse event topics', (t) => {
  const topic = topics.eventTopic(APPLICATION_ID, '01-02-03-04-05-06-07-08', 'up');
  t.is(topic, `application/${APPLICATION_ID}/device/${DEV_EUI}/event/up`);
  t.deepEqual(topics.parseEventTopic(topic), { applicationId: APPLICATION_ID, devEui: DEV_EUI, event: 'up' });
  t.is(String(topics.parseEventTopic(`application/${APPLICATION_ID}/device/0A0B0C0D0E0F1011/event/txack`).devEui), '0a0b0c0d0e0f1011');
});

test('render and parse command topics; command defaults to down', (t) => {
  const topic = topics.commandTopic(APPLICATION_ID, DEV_EUI);
  t.is(topic, `application/${APPLICATION_ID}/device/${DEV_EUI}/command/down`);
  t.deepEqual(topics.parseCommandTopic(topic), { applicationId: APPLICATION_ID, devEui: DEV_EUI, command: 'down' });
});

test('subscriptions: all events of one application, all commands', (t) => {
  t.is(topics.eventSubscription(APPLICATION_ID), `application/${APPLICATION_ID}/device/+/event/+`);
  t.is(topics.commandSubscription(), 'application/+/device/+/command/+');
});

test('custom templates (Handlebars spacing, other layout)', (t) => {
  const custom = new ChirpstackTopics({ event: 'lns/{{ application_id }}/{{dev_eui}}/{{event}}', command: 'lns/{{application_id}}/{{dev_eui}}/cmd/{{command}}' });
  t.is(custom.eventTopic('app1', DEV_EUI, 'log'), `lns/app1/${DEV_EUI}/log`);
  t.deepEqual(custom.parseEventTopic(`lns/app1/${DEV_EUI}/log`), { applicationId: 'app1', devEui: DEV_EUI, event: 'log' });
  t.is(custom.eventSubscription('app1'), 'lns/app1/+/+');
  t.is(custom.commandTopic('app1', DEV_EUI), `lns/app1/${DEV_EUI}/cmd/down`);
});

test('a variable sharing a level with text becomes a whole-level wildcard', (t) => {
  const custom = new ChirpstackTopics({ event: 'app-{{application_id}}/dev-{{dev_eui}}/{{event}}' });
  t.is(custom.eventSubscription('x'), 'app-x/+/+');
  t.deepEqual(custom.parseEventTopic(`app-x/dev-${DEV_EUI}/up`), { applicationId: 'x', devEui: DEV_EUI, event: 'up' });
  t.throws(() => custom.parseEventTopic(`app-x/${DEV_EUI}/up`), { instanceOf: ChirpstackPayloadError });
});

const mismatches: Array<[string, RegExp]> = [
  [`application/${APPLICATION_ID}/device/${DEV_EUI}/command/down`, /a topic that does not match/],
  [`application/${APPLICATION_ID}/device/${DEV_EUI}/event/up/extra`, /a topic that does not match/],
  [`application/${APPLICATION_ID}/device/0102/event/up`, /dev_eui "0102" \(expected 16 hex digits\)/],
  [`application/${APPLICATION_ID}/device/zz02030405060708/event/up`, /dev_eui "zz02030405060708"/],
  [`application//device/${DEV_EUI}/event/up`, /does not match/],
  [`gateway/0016c001f153a14c/event/up`, /does not match/],
];
for (const [topic, why] of mismatches) {
  test(`parseEventTopic refuses ${topic}`, (t) => {
    t.throws(() => topics.parseEventTopic(topic), {
      instanceOf: ChirpstackPayloadError,
      code: 'CHIRPSTACK_TOPIC_MISMATCH',
      message: new RegExp(`MQTT topic "${topic.replace(/[/+]/g, '.')}": expected the event_topic template "application/\\{\\{application_id\\}\\}.*got .*${why.source}`),
    });
  });
}

test('bad templates are caller errors', (t) => {
  t.throws(() => new ChirpstackTopics({ event: 'application/{{application_id}}/event/{{event}}' }), { instanceOf: CallerError, code: 'CHIRPSTACK_TEMPLATE_INVALID', message: /expected each of .*got no \{\{dev_eui\}\}/ });
  t.throws(() => new ChirpstackTopics({ event: 'a/{{application_id}}/{{dev_eui}}/{{event}}/{{tenant}}' }), { code: 'CHIRPSTACK_TEMPLATE_INVALID', message: /got \{\{tenant\}\}/ });
  t.throws(() => new ChirpstackTopics({ command: 'a/{{application_id}}/{{dev_eui}}/#/{{command}}' }), { code: 'CHIRPSTACK_TEMPLATE_INVALID', message: /wildcard/ });
});

test('bad topic values are caller errors', (t) => {
  t.throws(() => topics.eventTopic('a/b', DEV_EUI, 'up'), { instanceOf: CallerError, code: 'CHIRPSTACK_APPLICATION_ID_INVALID' });
  t.throws(() => topics.eventTopic(APPLICATION_ID, '0102', 'up'), { instanceOf: ValueError, code: 'INVALID_EUI' });
  t.throws(() => topics.eventSubscription('+'), { code: 'CHIRPSTACK_APPLICATION_ID_INVALID' });
  t.throws(() => topics.commandTopic(APPLICATION_ID, DEV_EUI, 'down/x'), { code: 'CHIRPSTACK_TOPIC_NAME_INVALID' });
});
