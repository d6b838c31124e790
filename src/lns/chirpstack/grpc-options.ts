import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { CallerError } from '../../core/errors.js';

/** How the channel is protected: plain TCP (a local ChirpStack, the simulator) or TLS. */
export type ChirpstackTransport =
  | { kind: 'insecure' }
  /** `caPem`: the CA that signed ChirpStack's certificate; omitted: the system's roots. */
  | { kind: 'tls'; caPem?: string | Uint8Array };

export interface ChirpstackGrpcOptions {
  /** `host:port` of ChirpStack's gRPC API (ChirpStack listens on :8080 by default). */
  address: string;
  /** A ChirpStack API key (a JWT), sent as `authorization: Bearer <token>` on every call. */
  apiToken: string;
  transport: ChirpstackTransport;
  /** Each call must be answered within this, from when it is made. */
  deadlineMs?: number;
}

export const DEFAULT_DEADLINE_MS = 10_000;

export function checkOptions(options: ChirpstackGrpcOptions): void {
  if (!/^[^\s/]+:\d{1,5}$/.test(options.address)) {
    throw new CallerError('CHIRPSTACK_ADDRESS_INVALID', `ChirpStack gRPC address: expected host:port, got ${JSON.stringify(options.address)}`);
  }
  if (options.apiToken.trim() === '') {
    throw new CallerError('CHIRPSTACK_TOKEN_MISSING', 'ChirpStack API token: expected a non-empty API key, got an empty string');
  }
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  if (!Number.isFinite(deadlineMs) || deadlineMs <= 0) {
    throw new CallerError('CHIRPSTACK_DEADLINE_INVALID', `ChirpStack gRPC deadlineMs: expected a positive number, got ${deadlineMs}`);
  }
}

export function channelCredentials(transport: ChirpstackTransport): ChannelCredentials {
  if (transport.kind === 'insecure') return credentials.createInsecure();
  return credentials.createSsl(transport.caPem === undefined ? null : Buffer.from(transport.caPem));
}
