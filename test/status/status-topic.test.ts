import test from 'ava';
import { ValueError } from '../../src/core/errors.js';
import { DEFAULT_CAMPAIGN_STATUS_TOPIC, DEFAULT_DEVICE_STATUS_TOPIC } from '../../src/config/config-schema.js';
import { statusTopic, statusTopicProblem } from '../../src/status/status-topic.js';

test('the default topics render', (t) => {
  t.is(statusTopic(DEFAULT_DEVICE_STATUS_TOPIC, { campaignId: 'fw-1.2.4', devEui: '70B3D57ED0000001' }), 'fuota/campaigns/fw-1.2.4/devices/70b3d57ed0000001/status');
  t.is(statusTopic(DEFAULT_CAMPAIGN_STATUS_TOPIC, { campaignId: 'fw-1.2.4' }), 'fuota/campaigns/fw-1.2.4/status');
  t.is(statusTopic('site/{campaign_id}/{dev_eui}/{dev_eui}', { campaignId: 'c', devEui: 'ab' }), 'site/c/ab/ab');
});

test('values that would change the topic are refused', (t) => {
  for (const campaignId of ['a/b', 'a+', '#', '']) {
    const error = t.throws(() => statusTopic(DEFAULT_CAMPAIGN_STATUS_TOPIC, { campaignId }), { instanceOf: ValueError });
    t.regex(error.message, /\{campaign_id\}: expected a non-empty topic level without \/ \+ #, got /);
  }
  const missing = t.throws(() => statusTopic(DEFAULT_DEVICE_STATUS_TOPIC, { campaignId: 'c' }), { instanceOf: ValueError });
  t.regex(missing.message, /\{dev_eui\}: expected a value, got undefined$/);
});

test('template problems are described', (t) => {
  t.is(statusTopicProblem(DEFAULT_DEVICE_STATUS_TOPIC, ['campaign_id', 'dev_eui']), undefined);
  t.is(statusTopicProblem('fuota/{campaign_id}', ['campaign_id', 'dev_eui']), 'a topic with {campaign_id} and {dev_eui} (missing {dev_eui})');
  t.is(statusTopicProblem('fuota/{campaign_id}/{dev_eui}', ['campaign_id']), 'a topic with {campaign_id} only, not {dev_eui}');
  t.is(statusTopicProblem('fuota/+/{campaign_id}', ['campaign_id']), 'a topic with {campaign_id} and no MQTT wildcards');
  t.is(statusTopicProblem('fuota//{campaign_id}', ['campaign_id']), 'a topic with {campaign_id} and no empty levels');
});
