import net from 'node:net';

// A minimal MQTT 3.1.1 publisher for the intake benchmark (OASIS MQTT 3.1.1 §3.1 CONNECT,
// §3.3 PUBLISH, §3.4 PUBACK): QoS 1 packets encoded before the clock starts and written as bytes.
// mqtt.js spent about a third of what the service spends per message (its packet objects, its
// outgoing store), on the same 2 cores: the benchmark then measured the publisher's share as much
// as the service's. ChirpStack's own client (Rust) costs far less per message than mqtt.js.

export interface RawPublisher {
  /** Writes one encoded PUBLISH (see encodePublish); false when the socket's buffer is full. */
  write(packet: Buffer): boolean;
  /** PUBACKs received so far, and when the last came (wall clock ms). */
  readonly acked: number;
  readonly lastAckWallMs: number;
  close(): Promise<void>;
}

function remainingLength(length: number): number[] {
  const out: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    out.push(byte);
  } while (length > 0);
  return out;
}

function utf8Field(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

/** A QoS 1 PUBLISH (§3.3): packet id 1..65535 (a QoS 1 id is free again once its PUBACK came). */
export function encodePublish(topic: string, payload: Uint8Array, packetId: number): Buffer {
  const body = Buffer.concat([utf8Field(topic), Buffer.from([packetId >> 8, packetId & 0xff]), payload]);
  return Buffer.concat([Buffer.from([0x32, ...remainingLength(body.length)]), body]);
}

export async function connectRawPublisher(url: string, clientId: string): Promise<RawPublisher> {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port || 1883), noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  // CONNECT: protocol "MQTT" level 4, clean session, keep alive 60 s.
  const variable = Buffer.concat([utf8Field('MQTT'), Buffer.from([4, 0x02, 0, 60]), utf8Field(clientId)]);
  socket.write(Buffer.concat([Buffer.from([0x10, ...remainingLength(variable.length)]), variable]));
  let acked = 0;
  let lastAckWallMs = 0;
  let pending: Buffer = Buffer.alloc(0);
  let connack: ((code: number) => void) | undefined;
  const connacked = new Promise<number>((resolve) => (connack = resolve));
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    // CONNACK (0x20 0x02 flags code), PUBACK (0x40 0x02 id), PINGRESP (0xd0 0x00): all two-byte lengths.
    while (pending.length - at >= 2) {
      const type = pending[at]! >> 4;
      const length = pending[at + 1]!;
      if (pending.length - at < 2 + length) break;
      if (type === 4) {
        acked++;
        lastAckWallMs = Date.now();
      } else if (type === 2) connack?.(pending[at + 3]!);
      at += 2 + length;
    }
    pending = pending.subarray(at);
  });
  const code = await connacked;
  if (code !== 0) throw new Error(`MQTT CONNACK return code ${code}`);
  const ping = setInterval(() => socket.write(Buffer.from([0xc0, 0])), 30_000);
  return {
    write: (packet) => socket.write(packet),
    get acked() {
      return acked;
    },
    get lastAckWallMs() {
      return lastAckWallMs;
    },
    close: async () => {
      clearInterval(ping);
      socket.end(Buffer.from([0xe0, 0])); // DISCONNECT
      await new Promise((resolve) => socket.once('close', resolve));
    },
  };
}
