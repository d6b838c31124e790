import { CallerError } from '../../core/errors.js';

// Listen addresses (api.listen, api.grpcListen, `fuota demo --api`): a module of their own, without
// the HTTP server, so that the CLI can check `--api` while it only builds its help (issue #17).

/** `host:port`; IPv6 in brackets. */
export function parseListen(listen: string, field = 'api.listen'): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(listen);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new CallerError('INVALID_ARGUMENT', `${field}: expected host:port (e.g. 127.0.0.1:8090), got ${JSON.stringify(listen)}`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
