import { decodeDownlinkCommand, encodeDownlinkCommand, type DownlinkCommand } from './downlink-command.js';
import { decodeEvent, type ChirpstackEvent } from './events.js';
import type { PayloadEncoding } from './payload-encoding.js';
import { ChirpstackPayloadError } from './payload-error.js';
import type { ChirpstackTopics, EventTopic } from './topics.js';

// Topic + payload together: the MQTT messages of the ChirpStack integration. The payload's
// deviceInfo must agree with the topic, as ChirpStack itself checks for commands (mqtt.rs).

export interface MqttMessage {
  topic: string;
  payload: Uint8Array;
}

export interface ReceivedEvent {
  topic: EventTopic;
  event: ChirpstackEvent;
}

/** Decodes an event message; a payload naming another device or application is a PeerError. */
export function decodeEventMessage(topics: ChirpstackTopics, message: MqttMessage, encoding: PayloadEncoding): ReceivedEvent {
  const topic = topics.parseEventTopic(message.topic);
  const event = decodeEvent(topic.event, message.payload, encoding);
  if (event.kind !== 'ignored') {
    // The context only when it is said: this runs for every uplink (issue #17).
    const context = (): string => `ChirpStack ${topic.event} event on ${JSON.stringify(message.topic)}`;
    if (event.devEui !== topic.devEui) {
      throw new ChirpstackPayloadError('CHIRPSTACK_TOPIC_PAYLOAD_MISMATCH', context(), 'deviceInfo.devEui', `the topic's ${topic.devEui}`, event.devEui);
    }
    if (event.applicationId !== topic.applicationId) {
      throw new ChirpstackPayloadError('CHIRPSTACK_TOPIC_PAYLOAD_MISMATCH', context(), 'deviceInfo.applicationId', `the topic's ${topic.applicationId}`, event.applicationId);
    }
  }
  return { topic, event };
}

/** The message that enqueues `command` on the device of `applicationId`. */
export function downlinkMessage(topics: ChirpstackTopics, applicationId: string, command: DownlinkCommand, encoding: PayloadEncoding): MqttMessage {
  return { topic: topics.commandTopic(applicationId, command.devEui, 'down'), payload: encodeDownlinkCommand(command, encoding) };
}

/** What the simulated ChirpStack receives: the command and its application. */
export function decodeDownlinkMessage(topics: ChirpstackTopics, message: MqttMessage, encoding: PayloadEncoding): { applicationId: string; command: DownlinkCommand } {
  const topic = topics.parseCommandTopic(message.topic);
  const context = `ChirpStack command on ${JSON.stringify(message.topic)}`;
  if (topic.command !== 'down') {
    throw new ChirpstackPayloadError('CHIRPSTACK_TOPIC_MISMATCH', context, 'command', '"down" (the only command of ChirpStack v4)', JSON.stringify(topic.command));
  }
  const command = decodeDownlinkCommand(message.payload, encoding);
  if (command.devEui !== topic.devEui) {
    throw new ChirpstackPayloadError('CHIRPSTACK_TOPIC_PAYLOAD_MISMATCH', context, 'devEui', `the topic's ${topic.devEui}`, command.devEui);
  }
  return { applicationId: topic.applicationId, command };
}
