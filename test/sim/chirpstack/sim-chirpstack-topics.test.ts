import test from 'ava';
import { SimChirpstackTopics } from '../../../src/sim/chirpstack/sim-chirpstack-topics.js';

// The simulated ChirpStack's topics, as mqtt.rs renders and matches them (sim-chirpstack-topics.ts).

const APP = '17c82e96-be03-4f38-aef3-f83d48582d97';
const DEV = '0102030405060708';

test('defaults (chirpstack/src/config.rs): the event topic, the "+" command subscription, a command topic read back', (t) => {
  const topics = new SimChirpstackTopics();
  t.is(topics.eventTopic(APP, DEV, 'txack'), `application/${APP}/device/${DEV}/event/txack`);
  t.is(topics.commandSubscription(), 'application/+/device/+/command/+');
  t.deepEqual(topics.parseCommandTopic(`application/${APP}/device/${DEV}/command/down`), { applicationId: APP, devEui: DEV, command: 'down' });
});

test('configured templates: Handlebars variables with or without spaces, literal text kept', (t) => {
  const topics = new SimChirpstackTopics({ event: 'cs/{{ application_id }}/{{dev_eui}}/{{event}}', command: 'cs/{{application_id}}/{{ dev_eui }}/cmd/{{command}}' });
  t.is(topics.eventTopic(APP, DEV, 'up'), `cs/${APP}/${DEV}/up`);
  t.is(topics.commandSubscription(), 'cs/+/+/cmd/+');
  t.deepEqual(topics.parseCommandTopic(`cs/${APP}/${DEV}/cmd/down`), { applicationId: APP, devEui: DEV, command: 'down' });
});

test('topics the command regex does not match ([\\w-]+, \\w+, \\w+) or a template without three variables: nothing', (t) => {
  const topics = new SimChirpstackTopics();
  t.is(topics.parseCommandTopic(`application/${APP}/device/01:02:03:04:05:06:07:08/command/down`), undefined);
  t.is(topics.parseCommandTopic(`application/a.b/device/${DEV}/command/down`), undefined);
  t.is(topics.parseCommandTopic(`application/${APP}/device/${DEV}/event/up`), undefined);
  t.is(new SimChirpstackTopics({ command: 'cmd/{{dev_eui}}/{{command}}' }).parseCommandTopic(`cmd/${DEV}/down`), undefined);
});
