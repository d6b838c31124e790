import { ValueError } from '../../core/errors.js';
import { parseEui64, type Eui64 } from '../../core/eui.js';
import { msOfTimestamp, pb, timestampOfMs } from './integration-pb.js';
import type { PayloadEncoding } from './payload-encoding.js';
import { checkDevEui, checkFPort } from './payload-checks.js';
import { ChirpstackPayloadError } from './payload-error.js';
import { parseJsonObject } from './pbjson-fields.js';
import { formatRfc3339 } from '../../core/rfc3339.js';

// `application/{application_id}/device/{dev_eui}/command/down`: integration.DownlinkCommand
// (api/proto/integration/integration.proto). ChirpStack makes `id` the device queue item id, so
// its txack, ack and log events carry our id back as queueItemId (network-servers.md); an empty
// id makes ChirpStack choose one (chirpstack/src/integration/mod.rs, handle_down_command).
// expires_at exists since ChirpStack v4.14. ChirpStack drops a command whose devEui differs from
// the topic's (mqtt.rs, message_callback): only logged server-side, nothing comes back.

export interface DownlinkCommand {
  /** A UUID chosen by the caller; '' only when decoded from a client that left it to ChirpStack. */
  id: string;
  devEui: Eui64;
  confirmed: boolean;
  /** 1..255: FPort 0 is for MAC commands, which ChirpStack refuses to enqueue. */
  fPort: number;
  data: Uint8Array;
  /** ChirpStack discards the item (log code EXPIRED) if not sent by then. */
  expiresAtMs?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkCommand(command: DownlinkCommand): DownlinkCommand {
  if (!UUID.test(command.id)) throw new ValueError('DownlinkCommand.id', 'a UUID', command.id, 'INVALID_UUID');
  const devEui = parseEui64(command.devEui, 'DownlinkCommand.devEui');
  if (!Number.isInteger(command.fPort) || command.fPort < 1 || command.fPort > 255) {
    throw new ValueError('DownlinkCommand.fPort', 'an integer 1..255', command.fPort);
  }
  if (command.expiresAtMs !== undefined && !Number.isFinite(command.expiresAtMs)) {
    throw new ValueError('DownlinkCommand.expiresAtMs', 'milliseconds since the Unix epoch', command.expiresAtMs);
  }
  return { ...command, id: command.id.toLowerCase(), devEui };
}

export function encodeDownlinkCommand(command: DownlinkCommand, encoding: PayloadEncoding): Uint8Array {
  const cmd = checkCommand(command);
  if (encoding === 'json') {
    const json: Record<string, unknown> = {
      id: cmd.id,
      devEui: cmd.devEui,
      confirmed: cmd.confirmed,
      fPort: cmd.fPort,
      data: Buffer.from(cmd.data.buffer, cmd.data.byteOffset, cmd.data.byteLength).toString('base64'),
    };
    if (cmd.expiresAtMs !== undefined) json.expiresAt = formatRfc3339(cmd.expiresAtMs);
    return new TextEncoder().encode(JSON.stringify(json));
  }
  const msg = new pb.DownlinkCommand();
  msg.setId(cmd.id);
  msg.setDevEui(cmd.devEui);
  msg.setConfirmed(cmd.confirmed);
  msg.setFPort(cmd.fPort);
  msg.setData(cmd.data);
  if (cmd.expiresAtMs !== undefined) msg.setExpiresAt(timestampOfMs(cmd.expiresAtMs));
  return msg.serializeBinary();
}

function checkId(context: string, id: string): string {
  if (id !== '' && !UUID.test(id)) throw new ChirpstackPayloadError('CHIRPSTACK_FIELD_INVALID', context, 'id', 'a UUID or nothing', JSON.stringify(id));
  return id.toLowerCase();
}

function checkCommandFPort(context: string, fPort: number): number {
  if (checkFPort(context, 'fPort', fPort) === 0) throw new ChirpstackPayloadError('CHIRPSTACK_FIELD_MISSING', context, 'fPort', 'an integer 1..255', 'nothing');
  return fPort;
}

/** What ChirpStack reads from a command (the simulated ChirpStack uses it). */
export function decodeDownlinkCommand(payload: Uint8Array, encoding: PayloadEncoding): DownlinkCommand {
  if (encoding === 'json') {
    const root = parseJsonObject(payload, 'ChirpStack down command (JSON)');
    const expiresAtMs = root.timestampMs('expiresAt');
    return {
      id: checkId(root.context, root.string('id')),
      devEui: checkDevEui(root.context, 'devEui', root.string('devEui')),
      confirmed: root.bool('confirmed'),
      fPort: checkCommandFPort(root.context, root.u32('fPort', 255)),
      data: root.bytes('data'),
      ...(expiresAtMs === undefined ? {} : { expiresAtMs }),
    };
  }
  const context = 'ChirpStack down command (Protobuf)';
  let msg: InstanceType<typeof pb.DownlinkCommand>;
  try {
    msg = pb.DownlinkCommand.deserializeBinary(payload);
  } catch (error) {
    throw new ChirpstackPayloadError('CHIRPSTACK_PROTOBUF_INVALID', context, 'payload', 'an integration.DownlinkCommand Protobuf message', `${payload.length} bytes that do not parse (${(error as Error).message})`);
  }
  const expiresAt = msg.getExpiresAt();
  return {
    id: checkId(context, msg.getId()),
    devEui: checkDevEui(context, 'devEui', msg.getDevEui()),
    confirmed: msg.getConfirmed(),
    fPort: checkCommandFPort(context, msg.getFPort()),
    data: msg.getData_asU8(),
    ...(expiresAt === undefined ? {} : { expiresAtMs: msOfTimestamp(expiresAt, context, 'expiresAt') }),
  };
}
