import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { PeerError } from '../../core/errors.js';

// An MQTT broker inside the process (aedes, in memory), for `fuota demo`: no broker to install.
// aedes speaks MQTT 3.1.1 only, so its clients connect with protocol level 4. It listens on
// 127.0.0.1 and, by default, on a port the system picks: a demo never assumes a port is free.

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
