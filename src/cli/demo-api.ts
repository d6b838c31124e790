import { setTimeout as sleep } from 'node:timers/promises';
import { CampaignEventHub } from '../api/campaign-event-hub.js';
import { passThroughAdmit } from '../api/campaign-service.js';
import { startOperatorApi, type OperatorApi } from '../api/operator-api.js';
import { isLoopback, parseListen } from '../api/rest/listen-address.js';
import { sha256Hex } from '../api/token-verifier.js';
import type { SimulatedWorld } from '../app/simulated-world.js';
import { CallerError } from '../core/errors.js';

// `fuota demo --api HOST:PORT`: the operator API, dashboard and metrics over the demo's engine
// and store (the engine's clock is simulated: times in responses are simulated times). Messages
// go to stderr, so that `--json` output stays one JSON document.

const DEMO_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export interface DemoApiOptions {
  listen: string;
  token?: string;
}

export async function startDemoApi(world: SimulatedWorld, hub: CampaignEventHub, options: DemoApiOptions): Promise<OperatorApi> {
  if (options.token === undefined && !isLoopback(parseListen(options.listen, '--api').host)) {
    throw new CallerError('API_ANONYMOUS_REFUSED', `--api: expected a loopback address without --api-token, got ${JSON.stringify(options.listen)}`);
  }
  const api = await startOperatorApi({
    config: {
      listen: options.listen,
      tokens: options.token === undefined ? [] : [{ name: 'demo', scope: 'admin', tokenSha256: sha256Hex(options.token) }],
      allowAnonymous: false,
      bodyLimitBytes: DEMO_BODY_LIMIT_BYTES,
    },
    engine: world.engine,
    store: world.store,
    events: hub,
    // The demo has no campaigns directory: packages come as bytes only.
    admit: passThroughAdmit(async (path) => {
      throw new CallerError('PACKAGE_PATH_REFUSED', `packagePath: expected none in the demo (send the package as base64), got ${JSON.stringify(path)}`);
    }),
    clock: world.clock,
    ready: () => ({ store: true, networkServer: true }),
  });
  process.stderr.write(`api: ${api.url}/api/v1 (dashboard ${api.url}/, metrics ${api.url}/metrics)${options.token === undefined ? '' : ', bearer token required'}\n`);
  return api;
}

/** Keeps the API up for `seconds` after the demo, or until SIGINT/SIGTERM. */
export async function linger(seconds: number): Promise<void> {
  if (seconds <= 0) return;
  process.stderr.write(`api: lingering ${seconds} s (Ctrl-C to stop)\n`);
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await sleep(seconds * 1000, undefined, { signal: abort.signal }).catch(() => undefined);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
}
