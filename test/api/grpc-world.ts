import { credentials, makeGenericClientConstructor, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { sha256Hex, DigestTokenVerifier } from '../../src/api/token-verifier.js';
import { startGrpcApi, type GrpcApiOptions, type RunningGrpcApi } from '../../src/api/grpc/grpc-server.js';
import { API_PROTO_PATH, COMPAT_PROTO_PATH, serviceDefinition } from '../../src/api/grpc/proto-service.js';
import { serviceWorld, type ServiceWorld } from './service-world.js';

// The gRPC API on a loopback port over the campaign service of a small simulated fleet, and real
// grpc-js clients of both services (built from the same .proto files).

export const ADMIN_TOKEN = 'grpc-admin-token';
export const READ_TOKEN = 'grpc-read-token';

export interface GrpcWorld extends ServiceWorld {
  api: RunningGrpcApi;
  campaigns: Client & Record<string, Function>;
  compat: Client & Record<string, Function>;
}

export async function grpcWorld(options: { devices?: number; seed?: number; compat?: GrpcApiOptions['compat']; admit?: (w: ServiceWorld) => GrpcApiOptions['service'] } = {}): Promise<GrpcWorld> {
  const world = await serviceWorld({ devices: options.devices ?? 4, seed: options.seed ?? 31 });
  const verifier = new DigestTokenVerifier([
    { name: 'ops', scope: 'admin', tokenSha256: sha256Hex(ADMIN_TOKEN) },
    { name: 'viewer', scope: 'read', tokenSha256: sha256Hex(READ_TOKEN) },
  ]);
  const service = options.admit ? options.admit(world) : world.service;
  const api = await startGrpcApi({ service, listen: '127.0.0.1:0', verifier, ...(options.compat ? { compat: options.compat } : {}) });
  const Campaigns = makeGenericClientConstructor(serviceDefinition(API_PROTO_PATH, 'fuota.api.v1.CampaignService'), 'CampaignService');
  const Compat = makeGenericClientConstructor(serviceDefinition(COMPAT_PROTO_PATH, 'fuota.FuotaServerService'), 'FuotaServerService');
  const campaigns = new Campaigns(api.address, credentials.createInsecure()) as unknown as GrpcWorld['campaigns'];
  const compat = new Compat(api.address, credentials.createInsecure()) as unknown as GrpcWorld['compat'];
  return {
    ...world,
    api,
    campaigns,
    compat,
    close: async () => {
      campaigns.close();
      compat.close();
      await api.close();
      await world.close();
    },
  };
}

export function bearer(token: string | null): Metadata {
  const metadata = new Metadata();
  if (token !== null) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** One unary call (token null: none); resolves with the answer, rejects with the ServiceError. */
export function call<T = Record<string, any>>(client: Record<string, Function>, method: string, request: object, token: string | null = ADMIN_TOKEN): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method]!(request, bearer(token), (error: ServiceError | null, response: T) => (error ? reject(error) : resolve(response)));
  });
}
