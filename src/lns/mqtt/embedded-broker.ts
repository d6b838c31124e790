import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
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
function writeOncePerTurn(socket: Socket): void {
  const write = socket.write;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>): boolean {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write.apply(this, args);
  } as Socket['write'];
}

export class EmbeddedBroker {
  private readonly sockets = new Set<Socket>();

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

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
  }
}
