import type { Logger } from 'pino';
import type { RootKeySource } from '../../intake/root-key-source.js';
import type { CampaignService } from '../campaign-service.js';
import type { TokenVerifier } from '../token-verifier.js';
import { startGrpcApi, type RunningGrpcApi } from './grpc-server.js';

// What `fuota serve` calls beside the REST API: the gRPC API on `api.grpcListen` when set, with
// the same tokens, anonymity rule and TLS files as REST, and ChirpStack's device keys for the
// chirpstack-fuota-server compatibility (mc_root_key checked against them).

export interface GrpcApiConfig {
  /** host:port; unset = no gRPC API. */
  grpcListen?: string;
  allowAnonymous: boolean;
  bodyLimitBytes: number;
}

export interface GrpcApiDeps {
  service: CampaignService;
  verifier?: TokenVerifier;
  /** PEM contents read from api.tls (certFile, keyFile). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** The network server's root keys (src/lns/chirpstack/chirpstack-root-keys.ts). */
  rootKeys?: RootKeySource;
  /** networkServer.applicationId: a deployment naming another application is refused. */
  applicationId?: string;
  logger?: Logger;
}

export async function startConfiguredGrpcApi(api: GrpcApiConfig, deps: GrpcApiDeps): Promise<RunningGrpcApi | undefined> {
  if (api.grpcListen === undefined) return undefined;
  const running = await startGrpcApi({
    service: deps.service,
    listen: api.grpcListen,
    allowAnonymous: api.allowAnonymous,
    maxRequestBytes: api.bodyLimitBytes,
    ...(deps.verifier ? { verifier: deps.verifier } : {}),
    ...(deps.tls ? { tls: deps.tls } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    compat: { ...(deps.rootKeys ? { rootKeys: deps.rootKeys } : {}), ...(deps.applicationId === undefined ? {} : { applicationId: deps.applicationId }) },
  });
  deps.logger?.info({ address: running.address, tls: Boolean(deps.tls) }, 'gRPC API listening (fuota.api.v1.CampaignService, fuota.FuotaServerService)');
  return running;
}
