import net from 'node:net';

// The network server's API as `fuota serve` reaches it in a fault run: a TCP relay in front of
// the simulated ChirpStack's gRPC port. down() is the API going away the way a crashed or
// unreachable server does: every open connection is reset and the port refuses new ones
// (ECONNREFUSED) until up() listens on the same port again. The gRPC server itself is untouched.

export class ApiOutageProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** Connections the relay accepted (a restarted client shows as new ones). */
  connections = 0;
  /** Called with each chunk the client (fuota serve) sends, before it is relayed. */
  onClientData: ((chunk: Buffer) => void) | undefined;

  private constructor(readonly port: number, private readonly target: { host: string; port: number }) {}

  static async start(port: number, target: { host: string; port: number }): Promise<ApiOutageProxy> {
    const proxy = new ApiOutageProxy(port, target);
    await proxy.up();
    return proxy;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => {
      this.connections += 1;
      const upstream = net.connect(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (chunk: Buffer) => this.onClientData?.(chunk));
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    await closed;
  }

  async close(): Promise<void> {
    await this.down();
  }
}
