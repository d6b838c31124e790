import { ApplicationServiceService } from '@chirpstack/chirpstack-api/api/application_grpc_pb.js';
import { DeviceServiceService } from '@chirpstack/chirpstack-api/api/device_grpc_pb.js';
import { GatewayServiceService } from '@chirpstack/chirpstack-api/api/gateway_grpc_pb.js';
import { InternalServiceService } from '@chirpstack/chirpstack-api/api/internal_grpc_pb.js';
import { MulticastGroupServiceService } from '@chirpstack/chirpstack-api/api/multicast_group_grpc_pb.js';
import { Server, ServerCredentials, status as GrpcStatus, type Metadata, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { applicationHandlers, SimChirpstackApplications } from './sim-chirpstack-applications.js';
import { deviceHandlers, type SimDeviceKeys } from './sim-chirpstack-device-service.js';
import { gatewayHandlers } from './sim-chirpstack-gateway-service.js';
import { SimChirpstackGateways } from './sim-chirpstack-gateways.js';
import { internalHandlers } from './sim-chirpstack-internal-service.js';
import { SimChirpstackMulticast } from './sim-chirpstack-multicast.js';
import { multicastGroupHandlers } from './sim-chirpstack-multicast-service.js';
import { keepingRawRequest, type RawRequests } from './sim-chirpstack-raw-request.js';
import { PeerError } from '../../core/errors.js';
import { SimGrpcStatus, unauthenticated } from './sim-chirpstack-status.js';
import { DEFAULT_SIM_CHIRPSTACK_VERSION, parseSimChirpstackVersion } from './sim-chirpstack-version.js';
import type { RealTimeDriver } from '../real-time-driver.js';
import type { SimClock } from '../sim-clock.js';
import type { SimNetworkServer } from '../sim-network-server.js';

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
  /** Tenant of each application (ApplicationService.Get); default DEFAULT_TENANCY.tenantId. */
  applicationTenantIds?: Readonly<Record<string, string>>;
  /** The ChirpStack release played, "4.minor.patch" (GetVersion; field 12/14, expiry rules); default 4.19.0. */
  version?: string;
  /** Every gateway's region config id unless overridden; default 'eu868' (sim-chirpstack-gateways.ts). */
  regionConfigId?: string;
  regionConfigIds?: Readonly<Record<string, string>>;
  /** Gateways offline from the start; later: `multicast.setGatewayOnline(id, online)`. */
  offlineGateways?: readonly string[];
  /** ChirpStack's `network.scheduler.interval`; default 1 s. */
  schedulerIntervalMs?: number;
  /** Keys by DevEUI (16 lowercase hex digits). */
  deviceKeys?: ReadonlyMap<string, SimDeviceKeys>;
  /** ChirpStack's `multicast_class_c_margin`; default 5 s as in ChirpStack. */
  multicastClassCMarginMs?: number;
  /** ChirpStack's `multicast_class_b_margin`; default 5 s. */
  multicastClassBMarginMs?: number;
  /** PEM key and certificate to serve TLS; plain TCP otherwise. */
  tls?: { keyPem: string | Uint8Array; certPem: string | Uint8Array };
  /** host:port to listen on; default 127.0.0.1 on a port the system picks. */
  bindAddress?: string;
}

/**
 * A simulated ChirpStack v4 gRPC API on 127.0.0.1 (a free port) serving what the FUOTA service
 * uses: MulticastGroupService Create, Get, List, Delete, AddDevice, AddGateway, Enqueue,
 * FlushQueue, ListQueue; DeviceService Get, GetKeys, Enqueue, List; GatewayService List;
 * ApplicationService Get; InternalService GetVersion (others answer UNIMPLEMENTED). Every call
 * must carry the token; the bearer check comes first (ChirpStack's auth interceptor).
 */
export class SimChirpstackGrpc {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly multicast: SimChirpstackMulticast,
    private readonly bindAddress?: string,
  ) {}

  static async start(options: SimChirpstackGrpcOptions): Promise<SimChirpstackGrpc> {
    const version = parseSimChirpstackVersion(options.version ?? DEFAULT_SIM_CHIRPSTACK_VERSION);
    const applicationIds = options.applicationIds?.map((a) => a.toLowerCase());
    const gateways = new SimChirpstackGateways({
      clock: options.clock,
      ids: options.gateways.map((g) => g.toLowerCase()),
      ...(options.regionConfigId === undefined ? {} : { regionConfigId: options.regionConfigId }),
      ...(options.regionConfigIds === undefined ? {} : { regionConfigIds: lowerKeys(options.regionConfigIds) }),
      ...(options.offlineGateways === undefined ? {} : { offline: options.offlineGateways.map((g) => g.toLowerCase()) }),
    });
    const multicast = new SimChirpstackMulticast({
      network: options.network,
      clock: options.clock,
      gateways,
      version,
      ...(applicationIds ? { applicationIds } : {}),
      classCMarginMs: options.multicastClassCMarginMs ?? 5_000,
      classBMarginMs: options.multicastClassBMarginMs ?? 5_000,
      ...(options.schedulerIntervalMs === undefined ? {} : { schedulerIntervalMs: options.schedulerIntervalMs }),
    });
    const applications = new SimChirpstackApplications({
      ...(applicationIds ? { applicationIds } : {}),
      ...(options.applicationTenantIds ? { applicationTenantIds: lowerKeys(options.applicationTenantIds) } : {}),
    });
    const server = new Server();
    const catchUp = () => options.driver?.catchUp();
    const token = options.apiToken;
    const rawCreates: RawRequests = new WeakMap();
    server.addService(keepingRawRequest(MulticastGroupServiceService, 'create', rawCreates), serve(token, catchUp, multicastGroupHandlers(multicast, rawCreates)));
    const devices = { network: options.network, keys: options.deviceKeys ?? new Map(), applications, multicast };
    server.addService(DeviceServiceService, serve(token, catchUp, deviceHandlers(devices)));
    server.addService(GatewayServiceService, serve(token, catchUp, gatewayHandlers(gateways, multicast)));
    server.addService(ApplicationServiceService, serve(token, catchUp, applicationHandlers(applications)));
    server.addService(InternalServiceService, serve(token, catchUp, internalHandlers(version)));
    const credentials = options.tls
      ? ServerCredentials.createSsl(null, [{ private_key: Buffer.from(options.tls.keyPem), cert_chain: Buffer.from(options.tls.certPem) }])
      : ServerCredentials.createInsecure();
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(options.bindAddress ?? '127.0.0.1:0', credentials, (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
    }).catch((error: unknown) => {
      server.forceShutdown();
      throw new PeerError('SIM_GRPC_NOT_STARTED', `simulated ChirpStack gRPC API: expected to listen on ${options.bindAddress ?? '127.0.0.1:0'}, got ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    return new SimChirpstackGrpc(server, port, multicast, options.bindAddress);
  }

  /** host:port for clients: the bind host (0.0.0.0 and :: as 127.0.0.1) and the bound port. */
  get address(): string {
    const host = this.bindAddress?.replace(/:\d+$/, '') ?? '127.0.0.1';
    return `${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${this.port}`;
  }

  /** Stops at once: calls in flight end with UNAVAILABLE/CANCELLED. */
  async stop(): Promise<void> {
    this.server.forceShutdown();
  }
}

function lowerKeys(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));
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
