import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { CallerError } from '../../core/errors.js';
import type { CampaignService } from '../campaign-service.js';
import type { FuotaMetrics } from '../metrics/fuota-metrics.js';
import type { TokenVerifier } from '../token-verifier.js';
import { authorize } from './bearer-auth.js';
import { registerCampaignRoutes } from './campaign-routes.js';
import { errorReply } from './error-reply.js';
import { isLoopback, parseListen } from './listen-address.js';
import { registerStaticFiles } from './static-files.js';

// The HTTP side of the service: /api/v1 (campaign-routes.ts), /metrics, /healthz, /readyz and the
// dashboard. Fastify's own request log is off: it would write URLs, and an EventSource client's
// URL may hold its token. Requests are logged here by route pattern and status only.

export interface RestApiOptions {
  service: CampaignService;
  /** Undefined: anonymous (every caller is admin); the caller checks where that is allowed. */
  verifier?: TokenVerifier;
  metrics: FuotaMetrics;
  /** What must be true to serve: e.g. { store: true, networkServer: true }. */
  ready: () => Promise<Record<string, boolean>> | Record<string, boolean>;
  bodyLimitBytes: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  logger?: Logger;
  /** Default src/web/public/. */
  dashboardDirectory?: string;
}

export function buildRestApi(options: RestApiOptions): FastifyInstance {
  const serverOptions: FastifyServerOptions & { https?: { cert: string | Buffer; key: string | Buffer } } = { logger: false, bodyLimit: options.bodyLimitBytes, forceCloseConnections: true, ...(options.tls ? { https: options.tls } : {}) };
  const app = Fastify(serverOptions) as unknown as FastifyInstance;
  const log = options.logger;
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorReply(error);
    if (status >= 500) log?.error({ err: error, method: request.method, route: request.routeOptions.url }, 'API request failed');
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: { code: 'NOT_FOUND', message: `route: expected one of docs/api.md, got ${request.method} ${request.url.split('?')[0]}` } });
  });
  app.addHook('onResponse', async (request, reply) => {
    log?.debug({ method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'API request');
  });
  registerCampaignRoutes(app, options.service, options.verifier);
  app.get('/metrics', async (request, reply) => {
    authorize(request, options.verifier, 'read');
    const text = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(text);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks = await options.ready();
    const ok = Object.values(checks).every(Boolean);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });
  registerStaticFiles(app, options.dashboardDirectory);
  return app;
}


export interface RunningApi {
  app: FastifyInstance;
  /** http(s)://host:port actually bound (port 0 resolved). */
  url: string;
  close(): Promise<void>;
}

/** Builds and listens; refuses an anonymous API on a non-loopback address unless allowed. */
export async function startRestApi(options: RestApiOptions & { listen: string; allowAnonymous?: boolean }): Promise<RunningApi> {
  const { host, port } = parseListen(options.listen);
  if (!options.verifier && !isLoopback(host) && !options.allowAnonymous) {
    throw new CallerError('API_ANONYMOUS_REFUSED', `api.listen: expected a loopback address when no API token is configured (api.tokens) and api.allowAnonymous is not true, got ${JSON.stringify(options.listen)}`);
  }
  const app = buildRestApi(options);
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { app, url: `${options.tls ? 'https' : 'http'}://${shownHost}:${bound}`, close: () => app.close() };
}
