import type { Metadata } from '@grpc/grpc-js';
import { CallerError } from '../../core/errors.js';
import type { TokenIdentity, TokenScope, TokenVerifier } from '../token-verifier.js';

// Who may call an RPC: metadata `authorization: Bearer TOKEN`, checked as the REST API checks
// the header (rest/bearer-auth.ts): `read` tokens the read RPCs, `admin` tokens everything.
// Without a verifier the API is anonymous (grpc-server.ts allows that on loopback only).
// The token is never logged nor echoed in a message.

const ANONYMOUS: TokenIdentity = { name: 'anonymous', scope: 'admin' };

export function authorizeCall(metadata: Metadata, verifier: TokenVerifier | undefined, access: TokenScope, method: string): TokenIdentity {
  if (!verifier) return ANONYMOUS;
  const values = metadata.get('authorization');
  if (values.length === 0) throw new CallerError('UNAUTHENTICATED', 'authorization: expected metadata "Bearer TOKEN", got none');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(String(values[0]));
  if (!match) throw new CallerError('UNAUTHENTICATED', 'authorization: expected metadata "Bearer TOKEN", got another scheme or no token');
  const identity = verifier.verify(match[1]!);
  if (!identity) throw new CallerError('UNAUTHENTICATED', 'authorization: expected a known bearer token, got an unknown one');
  if (access === 'admin' && identity.scope !== 'admin') throw new CallerError('FORBIDDEN', `token ${JSON.stringify(identity.name)}: expected scope admin for ${method}, got scope ${identity.scope}`);
  return identity;
}
