import type { MqttConnection, ReceivedMessage } from '../../lns/mqtt/mqtt-connection.js';
import type { SimDownlinkCommand } from './sim-chirpstack-command.js';
import { SimCommandError } from './sim-chirpstack-command.js';
import type { SimChirpstackEncoding, SimChirpstackEvent } from './sim-chirpstack-events.js';
import { integrationMessage, type SimChirpstackTenancy } from './sim-chirpstack-integration.js';
import { readJsonDownlinkCommand, writeJsonEvent } from './sim-chirpstack-json.js';
import { readProtobufDownlinkCommand, writeProtobufEvent } from './sim-chirpstack-protobuf.js';
import type { SimChirpstackTopics } from './sim-chirpstack-topics.js';

// The simulated ChirpStack's MQTT integration as a link: what goes on the wire (an event, built
// into ChirpStack's integration message, encoded and published) and what comes off it (a
// command/down, its topic matched and its payload read). SimChirpstackMqtt keeps the state (queue,
// counters, frame counters) and talks to the link only; the link is either in this thread
// (MqttSimChirpstackLink, over an MqttConnection) or in a worker thread with the demo's broker
// (sim-chirpstack-worker.ts), where the encoding and the broker run beside the service (issue #17).

/** A command/down as the link read it. */
export type SimLinkCommand =
  /** Another application's command (other simulated ChirpStacks share the broker): not ours. */
  | { kind: 'other'; topic: string }
  /** ChirpStack only logs it; `counted`: the topic named our application (commandsReceived). */
  | { kind: 'refused'; topic: string; counted: boolean; error: unknown }
  | { kind: 'command'; topic: string; devEui: string; command: SimDownlinkCommand };

export interface SimChirpstackLink {
  /** Connects and subscribes to every command/down; `onCommand` gets each, in arrival order. */
  start(onCommand: (command: SimLinkCommand) => void): Promise<void>;
  /** Publishes `event` as ChirpStack would at `nowMs`; resolves once the broker has it (PUBACK). */
  publish(event: SimChirpstackEvent, nowMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** What the link needs to know of the simulated ChirpStack to write events and read commands. */
export interface SimLinkSettings {
  applicationId: string;
  encoding: SimChirpstackEncoding;
  tenancy: SimChirpstackTenancy;
}

/** mqtt.rs message_callback: the topic's variables, then the payload in the configured encoding. */
export function readCommandMessage(topics: SimChirpstackTopics, settings: SimLinkSettings, topic: string, payload: Uint8Array): SimLinkCommand {
  const parsed = topics.parseCommandTopic(topic);
  // Subscribed to every application's commands (as ChirpStack): other simulated ChirpStacks
  // on the same broker have theirs, possibly in the other encoding.
  if (parsed !== undefined && parsed.applicationId !== settings.applicationId) return { kind: 'other', topic };
  if (parsed === undefined) return { kind: 'refused', topic, counted: false, error: new SimCommandError(`topic ${JSON.stringify(topic)} does not match the command topic`) };
  try {
    // mqtt.rs message_callback: "down" is the only command.
    if (parsed.command !== 'down') throw new SimCommandError(`unknown command type ${JSON.stringify(parsed.command)}`);
    const command = settings.encoding === 'json' ? readJsonDownlinkCommand(payload) : readProtobufDownlinkCommand(payload);
    return { kind: 'command', topic, devEui: parsed.devEui, command };
  } catch (error) {
    return { kind: 'refused', topic, counted: true, error };
  }
}

/** The payload ChirpStack publishes for `event` at `nowMs`. */
export function writeEvent(settings: SimLinkSettings, event: SimChirpstackEvent, nowMs: number): Uint8Array {
  const message = integrationMessage(event, settings.tenancy, nowMs);
  return settings.encoding === 'json' ? writeJsonEvent(message) : writeProtobufEvent(message);
}

/** The link in this thread: an MqttConnection (not yet connected) to the broker. */
export class MqttSimChirpstackLink implements SimChirpstackLink {
  constructor(
    private readonly mqtt: MqttConnection,
    private readonly topics: SimChirpstackTopics,
    private readonly settings: SimLinkSettings,
  ) {}

  async start(onCommand: (command: SimLinkCommand) => void): Promise<void> {
    this.mqtt.onMessage((message: ReceivedMessage) => onCommand(readCommandMessage(this.topics, this.settings, message.topic, message.payload)));
    await this.mqtt.connect();
    await this.mqtt.subscribe(this.topics.commandSubscription(), 1);
  }

  publish(event: SimChirpstackEvent, nowMs: number): Promise<void> {
    return this.publishTo(this.topics.eventTopic(event.applicationId, event.devEui, event.kind), event, nowMs);
  }

  /** publish() with the topic already rendered (the worker gets it from the main thread). */
  publishTo(topic: string, event: SimChirpstackEvent, nowMs: number): Promise<void> {
    return this.mqtt.publish(topic, writeEvent(this.settings, event, nowMs), { qos: 1 });
  }

  stop(): Promise<void> {
    return this.mqtt.close();
  }
}
