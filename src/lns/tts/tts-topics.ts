import { PeerError } from '../../core/errors.js';
import { checkTtsId, isTtsId } from './tts-ids.js';

// MQTT topics of The Things Stack's Application Server (lorawan-stack
// pkg/applicationserver/io/mqtt/topics/v3.go): `v3/{application}/devices/{device}/{event}` where
// {application} is `app@tenant` (Cloud, Enterprise) or `app` (open source). We publish to
// `…/down/push` and `…/down/replace`; everything else flows from TTS to us.

export const TTS_EVENT_NAMES = [
  'up',
  'join',
  'down/queued',
  'down/sent',
  'down/ack',
  'down/nack',
  'down/failed',
  'down/invalidated',
  'location/solved',
  'service/data',
] as const;

export type TtsEventName = (typeof TTS_EVENT_NAMES)[number];

export interface TtsEventTopic {
  deviceId: string;
  event: TtsEventName;
}

/** The topics of one application. */
/** The downlink events we act on (network-servers.md: down/queued|sent|ack|nack|failed). */
const DOWNLINK_OUTCOMES = ['down/queued', 'down/sent', 'down/ack', 'down/nack', 'down/failed'] as const;

export class TtsTopics {
  private readonly prefix: string;

  constructor(readonly applicationTopicId: string) {
    const [app, tenant, ...rest] = applicationTopicId.split('@');
    checkTtsId(app ?? '', 'applicationTopicId (application part)');
    if (tenant !== undefined) checkTtsId(tenant, 'applicationTopicId (tenant part)');
    if (rest.length > 0) checkTtsId(applicationTopicId, 'applicationTopicId');
    this.prefix = `v3/${applicationTopicId}/devices/`;
  }

  /** The application id without the tenant (as in `end_device_ids.application_ids`). */
  get applicationId(): string {
    return this.applicationTopicId.split('@')[0]!;
  }

  /**
   * Uplinks and the downlink outcomes of every device of the application, named one by one: a
   * `down/+` filter would also match our own down/push and down/replace on a broker that echoes
   * them (a shared broker in tests and `fuota sim tts`; TTS's own server does not).
   */
  subscriptions(): string[] {
    return [`${this.prefix}+/up`, ...DOWNLINK_OUTCOMES.map((event) => `${this.prefix}+/${event}`)];
  }

  pushTopic(deviceId: string): string {
    return `${this.prefix}${checkTtsId(deviceId, 'deviceId')}/down/push`;
  }

  replaceTopic(deviceId: string): string {
    return `${this.prefix}${checkTtsId(deviceId, 'deviceId')}/down/replace`;
  }

  /** Device and event of a topic of this application; PeerError TTS_TOPIC_UNEXPECTED otherwise. */
  parse(topic: string): TtsEventTopic {
    if (typeof topic !== 'string' || !topic.startsWith(this.prefix)) {
      throw unexpected(topic, `a topic under ${this.prefix}`);
    }
    const rest = topic.slice(this.prefix.length);
    const slash = rest.indexOf('/');
    const deviceId = slash < 0 ? rest : rest.slice(0, slash);
    if (!isTtsId(deviceId)) throw unexpected(topic, 'a device id (3-36 characters: a-z, 0-9, single "-")');
    const event = slash < 0 ? '' : rest.slice(slash + 1);
    if (!(TTS_EVENT_NAMES as readonly string[]).includes(event)) {
      throw unexpected(topic, `an event of ${TTS_EVENT_NAMES.join(', ')} after the device id`);
    }
    return { deviceId, event: event as TtsEventName };
  }
}

function unexpected(topic: unknown, expected: string): PeerError {
  return new PeerError('TTS_TOPIC_UNEXPECTED', `MQTT topic ${JSON.stringify(topic)}: expected ${expected}`);
}
