import { randomUUID } from 'node:crypto';
import { PeerError } from '../../core/errors.js';

// What the simulated ChirpStack does with a `command/down` once its payload is read (JSON or
// Protobuf: sim-chirpstack-json.ts, sim-chirpstack-protobuf.ts), as ChirpStack does:
//   chirpstack/src/integration/mqtt.rs, message_callback: the payload's dev_eui must equal the
//     topic's, as strings (no case folding);
//   chirpstack/src/integration/mod.rs, handle_down_command: dev_eui parses as an EUI64 (16 hex
//     digits, any case); an empty id becomes a new UUID, any other must parse as one (uuid
//     crate: hyphenated, simple, braced or urn) and becomes the queue item id; an `object` goes
//     through the device profile's codec, and with codec NONE (the simulated profiles have no
//     codec) codec::struct_to_binary gives an empty payload (chirpstack/src/codec/mod.rs).
//   integration.proto: f_port "must be > 0"; LoRaWAN's FPort is one byte.
// ChirpStack only logs a refused command: the caller hears nothing.

/** integration.DownlinkCommand as read from the wire. */
export interface SimDownlinkCommand {
  id: string;
  devEui: string;
  confirmed: boolean;
  fPort: number;
  data: Uint8Array;
  object?: Record<string, unknown>;
  /** expires_at (ChirpStack v4.14+; older ones ignore it). */
  expiresAtMs?: number;
}

/** The device queue item ChirpStack enqueues. */
export interface SimQueueItem {
  /** Lowercase hyphenated UUID, as ChirpStack prints it back in txack/ack/log (queueItemId). */
  id: string;
  /** 16 lowercase hex digits. */
  devEui: string;
  confirmed: boolean;
  fPort: number;
  data: Uint8Array;
  /** As sent; whether it counts is the version's matter (sim-chirpstack-mqtt.ts). */
  expiresAtMs?: number;
}

/** A command ChirpStack would refuse (and only log). */
export class SimCommandError extends PeerError {
  constructor(what: string) {
    super('SIM_CHIRPSTACK_COMMAND_REFUSED', `simulated ChirpStack, command/down: ${what}`);
  }
}

const UUID_FORMS = /^(?:urn:uuid:)?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$|^\{([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}$|^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i;

function parseUuid(text: string): string {
  const m = UUID_FORMS.exec(text);
  if (m === null) throw new SimCommandError(`id ${JSON.stringify(text)} is not a UUID`);
  return m.slice(1).filter((part) => part !== undefined).join('-').toLowerCase();
}

/** The queue item for `command`, received on a topic naming `topicDevEui`. */
export function queueItemOf(topicDevEui: string, command: SimDownlinkCommand): SimQueueItem {
  if (command.devEui !== topicDevEui) {
    throw new SimCommandError(`payload dev_eui ${JSON.stringify(command.devEui)} does not match topic dev_eui ${JSON.stringify(topicDevEui)}`);
  }
  if (!/^[0-9a-f]{16}$/i.test(command.devEui)) throw new SimCommandError(`dev_eui ${JSON.stringify(command.devEui)} is not an EUI64`);
  if (!Number.isInteger(command.fPort) || command.fPort < 1 || command.fPort > 255) throw new SimCommandError(`f_port ${command.fPort} is not 1..255`);
  return {
    id: command.id === '' ? randomUUID() : parseUuid(command.id),
    devEui: command.devEui.toLowerCase(),
    confirmed: command.confirmed,
    fPort: command.fPort,
    data: command.object === undefined ? command.data : new Uint8Array(0),
    ...(command.expiresAtMs === undefined ? {} : { expiresAtMs: command.expiresAtMs }),
  };
}
