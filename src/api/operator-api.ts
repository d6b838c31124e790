import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { CampaignEngine } from '../campaign/engine.js';
import type { CampaignStore } from '../campaign/ports.js';
import type { OperatorApiConfig } from '../config/config-schema.js';
import { CallerError } from '../core/errors.js';
import type { CampaignEventHub } from './campaign-event-hub.js';
import type { Admit } from './campaign-service-types.js';
import { CampaignService } from './campaign-service.js';
import type { RootKeySource } from '../intake/root-key-source.js';
import { startConfiguredGrpcApi } from './grpc/grpc-api-config.js';
import { createMetrics, type FuotaMetrics } from './metrics/fuota-metrics.js';
import { startRestApi } from './rest/rest-server.js';
import { anyOf, DigestTokenVerifier, digestEntries, type TokenVerifier } from './token-verifier.js';

// The operator's surface as one unit for the composition root (src/app/): the campaign service,
// its metrics and the REST server, from the config's `api` section. `fuota serve` and
// `fuota demo --api` both start it this way.

export interface OperatorApiOptions {
  config: OperatorApiConfig & { listen: string };
  engine: CampaignEngine;
  store: CampaignStore;
  events: CampaignEventHub;
  admit: Admit;
  clock: { now(): number };
  ready: () => Promise<Record<string, boolean>> | Record<string, boolean>;
  /** Verifiers besides the config's tokens (the token store of `fuota token`). */
  verifiers?: readonly TokenVerifier[];
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** For the gRPC chirpstack-fuota-server compatibility: device keys to check mc_root_key against. */
  rootKeys?: RootKeySource;
  /** networkServer.applicationId: a deployment naming another application is refused. */
  applicationId?: string;
  /** Several instances: which instance drives a campaign this one has not loaded. */
  ownerOf?: (campaignId: string) => Promise<string | undefined>;
}

export interface OperatorApi {
  service: CampaignService;
  metrics: FuotaMetrics;
  url: string;
  /** The gRPC API's address when `api.grpcListen` is set. */
  grpcAddress?: string;
  close(): Promise<void>;
}

export async function startOperatorApi(options: OperatorApiOptions): Promise<OperatorApi> {
  const { config } = options;
  const service = new CampaignService({ engine: options.engine, store: options.store, events: options.events, admit: options.admit, clock: options.clock, ...(options.ownerOf ? { ownerOf: options.ownerOf } : {}) });
  const metrics = createMetrics(service, options.engine.uplinkTimes);
  const verifiers: TokenVerifier[] = [...(options.verifiers ?? [])];
  if (config.tokens.length > 0) verifiers.unshift(new DigestTokenVerifier(digestEntries(config.tokens, options.env)));
  const tls = config.tls && { cert: await pemFile(config.tls.certFile, 'api.tls.certFile'), key: await pemFile(config.tls.keyFile, 'api.tls.keyFile') };
  const running = await startRestApi({
    listen: config.listen,
    allowAnonymous: config.allowAnonymous,
    service,
    metrics,
    ready: options.ready,
    bodyLimitBytes: config.bodyLimitBytes,
    ...(verifiers.length > 0 ? { verifier: anyOf(verifiers) } : {}),
    ...(tls ? { tls } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  options.logger?.info({ url: running.url, tokens: config.tokens.map((t) => ({ name: t.name, scope: t.scope })), anonymous: verifiers.length === 0 }, 'operator API listening');
  // gRPC beside REST: the same service, tokens, anonymity rule and TLS files.
  let grpc;
  try {
    grpc = await startConfiguredGrpcApi(config, {
      service,
      ...(verifiers.length > 0 ? { verifier: anyOf(verifiers) } : {}),
      ...(tls ? { tls } : {}),
      ...(options.rootKeys ? { rootKeys: options.rootKeys } : {}),
      ...(options.applicationId === undefined ? {} : { applicationId: options.applicationId }),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  } catch (error) {
    await running.close();
    throw error;
  }
  return {
    service,
    metrics,
    url: running.url,
    ...(grpc ? { grpcAddress: grpc.address } : {}),
    close: async () => {
      await grpc?.close();
      await running.close();
    },
  };
}

async function pemFile(path: string, field: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new CallerError('INVALID_CONFIG', `${field}: expected a readable PEM file, got ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}
