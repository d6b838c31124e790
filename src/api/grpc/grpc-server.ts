import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { CallerError } from '../../core/errors.js';
import type { CampaignService } from '../campaign-service.js';
import { isLoopback, parseListen } from '../rest/listen-address.js';
import type { TokenVerifier } from '../token-verifier.js';
import { campaignHandlers } from './campaign-grpc.js';
import type { CallContext } from './grpc-call.js';
import type { DeploymentOptions } from './compat/deployment-spec.js';
import { fuotaServerHandlers } from './compat/fuota-server-grpc.js';
import { API_PROTO_PATH, COMPAT_PROTO_PATH, serviceDefinition } from './proto-service.js';

// The gRPC side of the service: fuota.api.v1.CampaignService (proto/fuota_api.proto) and the
// deprecated chirpstack-fuota-server's fuota.FuotaServerService, both over one CampaignService.
// Refuses to serve anonymously on a non-loopback address unless allowed (as the REST API).

export interface GrpcApiOptions {
  service: CampaignService;
  /** `host:port` (api.grpcListen); port 0 picks one. */
  listen: string;
  /** Undefined: anonymous (every caller is admin). */
  verifier?: TokenVerifier;
  allowAnonymous?: boolean;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Most bytes in one request (CreateCampaign's package); default 16 MiB. */
  maxRequestBytes?: number;
  /** chirpstack-fuota-server compatibility: root keys from the network server, the served application. */
  compat?: DeploymentOptions;
  logger?: Logger;
}

export interface RunningGrpcApi {
  /** host:port actually bound (port 0 resolved). */
  address: string;
  close(): Promise<void>;
}

const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export async function startGrpcApi(options: GrpcApiOptions): Promise<RunningGrpcApi> {
  const { host, port } = parseListen(options.listen, 'api.grpcListen');
  if (!options.verifier && !isLoopback(host) && !options.allowAnonymous) {
    throw new CallerError('API_ANONYMOUS_REFUSED', `api.grpcListen: expected a loopback address when no API token is configured (api.tokens) and api.allowAnonymous is not true, got ${JSON.stringify(options.listen)}`);
  }
  const log = options.logger;
  const ctx: CallContext = { verifier: options.verifier, onInternalError: (error, method) => log?.error({ err: error, method }, 'gRPC API call failed') };
  const server = new Server({ 'grpc.max_receive_message_length': options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES });
  server.addService(serviceDefinition(API_PROTO_PATH, 'fuota.api.v1.CampaignService'), campaignHandlers(options.service, ctx));
  server.addService(serviceDefinition(COMPAT_PROTO_PATH, 'fuota.FuotaServerService'), fuotaServerHandlers(options.service, ctx, options.compat));
  const credentials = options.tls ? ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(options.tls.cert), private_key: Buffer.from(options.tls.key) }], false) : ServerCredentials.createInsecure();
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const bound = await new Promise<number>((resolve, reject) => server.bindAsync(`${shownHost}:${port}`, credentials, (error, boundPort) => (error ? reject(error) : resolve(boundPort))));
  return {
    address: `${shownHost}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Open Watch streams never end by themselves: after a grace period, force them closed.
        const force = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
