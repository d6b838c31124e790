import { DeviceServiceService } from '@chirpstack/chirpstack-api/api/device_grpc_pb.js';
import { MulticastGroupServiceService } from '@chirpstack/chirpstack-api/api/multicast_group_grpc_pb.js';
import { Server, ServerCredentials, status as GrpcStatus, type Metadata, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { deviceHandlers, type SimDeviceKeys } from './sim-chirpstack-device-service.js';
import { SimChirpstackMulticast } from './sim-chirpstack-multicast.js';
import { multicastGroupHandlers } from './sim-chirpstack-multicast-service.js';
import { SimGrpcStatus, unauthenticated } from './sim-chirpstack-status.js';
import type { RealTimeDriver } from './real-time-driver.js';
import type { SimClock } from './sim-clock.js';
import type { SimNetworkServer } from './sim-network-server.js';

export interface SimChirpstackGrpcOptions {
  network: SimNetworkServer;
  /** The network's clock; run it in real time (RealTimeDriver) when clients talk over sockets. */
  clock: SimClock;
  /** The clock's real-time driver: caught up before each call, so that Enqueue's "now" is the wall time. */
  driver?: RealTimeDriver;
  /** The one API token accepted (`authorization: Bearer <token>`). */
  apiToken: string;
  /** Gateway ids (16 lowercase hex digits): also the gateway names the devices were added to the network with. */
  gateways: readonly string[];
  /** Known application ids; when given, Create with another one is NOT_FOUND. */
  applicationIds?: readonly string[];
  /** Keys by DevEUI (16 lowercase hex digits). */
  deviceKeys?: ReadonlyMap<string, SimDeviceKeys>;
  /** ChirpStack's `multicast_class_c_margin`; default 5 s as in ChirpStack. */
  multicastClassCMarginMs?: number;
  /** ChirpStack's `multicast_class_b_margin`; default 5 s. */
  multicastClassBMarginMs?: number;
  /** PEM key and certificate to serve TLS; plain TCP otherwise. */
  tls?: { keyPem: string | Uint8Array; certPem: string | Uint8Array };
}

/**
 * A simulated ChirpStack v4 gRPC API on 127.0.0.1 (a free port) serving what the FUOTA service
 * uses: MulticastGroupService Create, Get, Delete, AddDevice, AddGateway, Enqueue, FlushQueue,
 * ListQueue, and DeviceService GetKeys and Enqueue (others answer UNIMPLEMENTED). Every call must
 * carry the token; the bearer check comes first (ChirpStack's auth interceptor).
 */
export class SimChirpstackGrpc {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly multicast: SimChirpstackMulticast,
  ) {}

  static async start(options: SimChirpstackGrpcOptions): Promise<SimChirpstackGrpc> {
    const multicast = new SimChirpstackMulticast({
      network: options.network,
      clock: options.clock,
      gateways: options.gateways.map((g) => g.toLowerCase()),
      ...(options.applicationIds ? { applicationIds: options.applicationIds.map((a) => a.toLowerCase()) } : {}),
      classCMarginMs: options.multicastClassCMarginMs ?? 5_000,
      classBMarginMs: options.multicastClassBMarginMs ?? 5_000,
    });
    const server = new Server();
    const catchUp = () => options.driver?.catchUp();
    server.addService(MulticastGroupServiceService, serve(options.apiToken, catchUp, multicastGroupHandlers(multicast)));
    server.addService(DeviceServiceService, serve(options.apiToken, catchUp, deviceHandlers(options.network, options.deviceKeys ?? new Map())));
    const credentials = options.tls
      ? ServerCredentials.createSsl(null, [{ private_key: Buffer.from(options.tls.keyPem), cert_chain: Buffer.from(options.tls.certPem) }])
      : ServerCredentials.createInsecure();
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', credentials, (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
    });
    return new SimChirpstackGrpc(server, port, multicast);
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Stops at once: calls in flight end with UNAVAILABLE/CANCELLED. */
  async stop(): Promise<void> {
    this.server.forceShutdown();
  }
}

// Each handler takes its own request message type.
type Handlers = Record<string, (request: any) => unknown>;

/** Wraps plain handlers into grpc-js unary handlers: bearer check, SimGrpcStatus → status. */
function serve(apiToken: string, catchUp: () => void, handlers: Handlers): UntypedServiceImplementation {
  const service: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    service[name] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      try {
        checkBearer(call.metadata, apiToken);
        catchUp();
        callback(null, handler(call.request));
      } catch (error) {
        if (error instanceof SimGrpcStatus) callback({ code: error.code, details: error.message });
        else callback({ code: GrpcStatus.INTERNAL, details: error instanceof Error ? error.message : String(error) });
      }
    };
  }
  return service;
}

/** ChirpStack's auth_interceptor (chirpstack/src/api/auth/mod.rs), with one valid token. */
function checkBearer(metadata: Metadata, apiToken: string): void {
  const values = metadata.get('authorization');
  if (values.length === 0) throw unauthenticated('no authorization provided');
  const value = String(values[0]);
  if (!value.startsWith('Bearer ')) throw unauthenticated("authorization metadata must in format 'Bearer <TOKEN>");
  // jsonwebtoken's error for a token that does not verify.
  if (value.slice('Bearer '.length) !== apiToken) throw unauthenticated('InvalidSignature');
}
