import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import { PeerError } from '../../core/errors.js';

// An MQTT broker inside the process (aedes, in memory), for `fuota demo`: no broker to install.
// aedes speaks MQTT 3.1.1 only, so its clients connect with protocol level 4. It listens on
// 127.0.0.1 and, by default, on a port the system picks: a demo never assumes a port is free.

/**
 * What aedes writes to a client during one turn of the event loop goes out in one write: aedes
 * writes each packet it forwards on its own (mqtt-packet corks only until the next tick, and aedes
 * moves each publish along with setImmediate), so a burst of N messages was N writes, each one
 * waking the client's thread to read a single message (issue #17: the demo's simulated world
 * waits on every one of those wake-ups). The socket is corked at the first write of a turn and
 * uncorked in the turn's check phase (setImmediate); the bytes and their order are unchanged.
 */
function writeOncePerTurn(socket: Duplex): void {
  const write = socket.write;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = function (this: Duplex, ...args: Parameters<Duplex['write']>): boolean {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write.apply(this, args);
  } as Duplex['write'];
}

/**
 * Two connected in-memory streams, each end's writes read at the other. What a turn writes on one
 * end reaches the other as one chunk at the turn's next tick (process.nextTick), never inside the
 * writer's call: as over a socket, a reader's handlers do not run inside the write. Ending or
 * destroying one end ends or closes the other, as a closed socket would.
 */
export function inMemoryPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const end = (index: number): Duplex => {
    let pending: Buffer[] = [];
    const deliver = (): void => {
      const chunks = pending;
      pending = [];
      const peer = ends[1 - index]!;
      if (!peer.destroyed) peer.push(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    };
    const send = (chunk: Buffer): void => {
      if (pending.length === 0) process.nextTick(deliver);
      pending.push(chunk);
    };
    return new Duplex({
      allowHalfOpen: false,
      read() {},
      write(chunk: Buffer, _encoding, done) {
        send(chunk);
        done();
      },
      writev(chunks, done) {
        for (const { chunk } of chunks) send(chunk as Buffer);
        done();
      },
      final(done) {
        // After what was written: the peer reads it, then its end.
        process.nextTick(() => {
          if (pending.length > 0) deliver();
          ends[1 - index]!.push(null);
          done();
        });
      },
      destroy(error, done) {
        const peer = ends[1 - index]!;
        if (!peer.destroyed) process.nextTick(() => peer.destroy());
        done(error);
      },
    });
  };
  ends.push(end(0), end(1));
  return [ends[0]!, ends[1]!];
}

export class EmbeddedBroker {
  private readonly sockets = new Set<Socket>();
  private readonly streams = new Set<Duplex>();
  private closed = false;

  private constructor(
    private readonly aedes: Aedes,
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      writeOncePerTurn(socket);
    });
  }

  static async start(options: { port?: number } = {}): Promise<EmbeddedBroker> {
    const aedes = await Aedes.createBroker();
    // No Nagle: a publish that waits for the previous one's ACK would stall 40 ms per message.
    const server = createServer({ noDelay: true }, aedes.handle);
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    }).catch((error: unknown) => {
      aedes.close();
      throw new PeerError('MQTT_BROKER_NOT_STARTED', `embedded MQTT broker: expected to listen on 127.0.0.1:${options.port ?? 0}, got ${(error as Error).message}`, { cause: error });
    });
    return new EmbeddedBroker(aedes, server, port);
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /**
   * A client connection inside this thread, without a socket: the broker serves one end of an
   * in-memory pair (inMemoryPair), the caller's MQTT client speaks on the other (MqttConnection's
   * `stream`). For the demo's simulated ChirpStack and status watcher, which run beside the broker
   * in its worker thread: over loopback TCP each of their packets cost a write and a read system
   * call and a turn of the event loop before the broker saw it, on every settle window's path
   * (issue #17). The bytes are the same MQTT packets; the service's own connection stays on TCP.
   */
  connectInMemory(): Duplex {
    const [client, served] = inMemoryPair();
    // Closed: the connection closes at once, as a refused one would (a client's reconnect loop retries).
    if (this.closed) {
      served.destroy();
      return client;
    }
    this.streams.add(served);
    served.on('close', () => this.streams.delete(served));
    // As for a socket: aedes forwards each message from its own setImmediate, and the pair hands
    // over at the next tick, so without this every forwarded message reached the client alone, and
    // the demo's worker posted a turn to the main thread for each (427 000 turns instead of 80 000
    // at 10 000 devices, issue #17; with this, demo --devices 10000 side by side with 958b75b:
    // 367.7 -> 331.4 s wall, 32.8 -> 24.0 s system time).
    writeOncePerTurn(served);
    this.aedes.handle(served);
    return client;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const stream of this.streams) stream.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
  }
}
