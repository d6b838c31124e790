import type { FastifyRequest } from 'fastify';
import { CallerError } from '../../core/errors.js';
import type { TokenIdentity, TokenVerifier } from '../token-verifier.js';

// Who may call what: `read` tokens every GET, `admin` tokens everything. Without a verifier the
// API is anonymous (allowed only on loopback or with api.allowAnonymous: rest-server.ts checks).
// The token itself is never logged nor echoed in a message.

export type Access = 'public' | 'read' | 'admin';

const ANONYMOUS: TokenIdentity = { name: 'anonymous', scope: 'admin' };

function bearerOf(request: FastifyRequest, allowQueryToken: boolean): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new CallerError('UNAUTHENTICATED', 'Authorization: expected "Bearer TOKEN", got another scheme or no token');
    return match[1];
  }
  if (allowQueryToken) {
    const token = (request.query as Record<string, unknown> | undefined)?.access_token;
    if (typeof token === 'string' && token !== '') return token;
  }
  return undefined;
}

export function authorize(request: FastifyRequest, verifier: TokenVerifier | undefined, access: Access, allowQueryToken = false): TokenIdentity | undefined {
  if (access === 'public') return undefined;
  if (!verifier) return ANONYMOUS;
  const token = bearerOf(request, allowQueryToken);
  if (token === undefined) throw new CallerError('UNAUTHENTICATED', 'Authorization: expected a bearer token, got none');
  const identity = verifier.verify(token);
  if (!identity) throw new CallerError('UNAUTHENTICATED', 'Authorization: expected a known bearer token, got an unknown one');
  if (access === 'admin' && identity.scope !== 'admin') throw new CallerError('FORBIDDEN', `token ${JSON.stringify(identity.name)}: expected scope admin for ${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}, got scope ${identity.scope}`);
  return identity;
}
