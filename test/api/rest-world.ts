import type { FastifyInstance } from 'fastify';
import { createMetrics } from '../../src/api/metrics/fuota-metrics.js';
import { buildRestApi } from '../../src/api/rest/rest-server.js';
import { DigestTokenVerifier, sha256Hex } from '../../src/api/token-verifier.js';
import { serviceWorld, type ServiceWorld } from './service-world.js';

export const ADMIN_TOKEN = 'admin-token-for-tests';
export const READ_TOKEN = 'read-token-for-tests';

export interface RestWorld extends ServiceWorld {
  app: FastifyInstance;
  admin: { authorization: string };
  reader: { authorization: string };
}

export async function restWorld(options: { seed?: number; devices?: number; bodyLimitBytes?: number; dashboardDirectory?: string } = {}): Promise<RestWorld> {
  const world = await serviceWorld(options);
  const verifier = new DigestTokenVerifier([
    { name: 'ops', scope: 'admin', tokenSha256: sha256Hex(ADMIN_TOKEN) },
    { name: 'viewer', scope: 'read', tokenSha256: sha256Hex(READ_TOKEN) },
  ]);
  const app = buildRestApi({
    service: world.service,
    verifier,
    metrics: createMetrics(world.service),
    ready: () => ({ store: true, networkServer: true }),
    bodyLimitBytes: options.bodyLimitBytes ?? 1 << 20,
    ...(options.dashboardDirectory === undefined ? {} : { dashboardDirectory: options.dashboardDirectory }),
  });
  await app.ready();
  return { ...world, app, admin: { authorization: `Bearer ${ADMIN_TOKEN}` }, reader: { authorization: `Bearer ${READ_TOKEN}` }, close: async () => {
    await app.close();
    await world.close();
  } };
}

export function createBody(w: ServiceWorld): { spec: unknown; package: string } {
  return { spec: w.spec, package: Buffer.from(w.block).toString('base64') };
}
