import { parseRfc3339Ms } from '../../core/rfc3339.js';
import { SimTtsError } from './sim-tts-errors.js';
import type { Json } from './sim-tts-field-mask.js';

// The Application Server's Storage Integration (pkg/applicationserver/io/packages/storage,
// ApplicationUpStorage): it keeps the ApplicationUp messages it published; GET
// /api/v3/as/applications/{app}[/devices/{dev}]/packages/storage/uplink_message streams them
// as lines {"result": <ApplicationUp>} (grpc-gateway server streaming), filtered by `after` /
// `before` (RFC 3339, on received_at), `last` (a duration: "30s", "10m", "1h"), `f_port`,
// ordered by `order` (received_at, default, or -received_at), at most `limit`. Without the
// integration the endpoints answer not found. Also the package list and the default package
// associations (ApplicationPackageRegistry): alcsync-v1 on FPort 202 when enabled.

interface Stored {
  deviceId: string;
  receivedAtMs: number;
  fPort: number;
  message: Json;
}

export class SimTtsStorage {
  private readonly stored: Stored[] = [];

  constructor(
    readonly enabled: boolean,
    private readonly now: () => number,
  ) {}

  keep(message: Json, deviceId: string, receivedAtMs: number): void {
    if (!this.enabled) return;
    const up = message['uplink_message'] as Json | undefined;
    this.stored.push({ deviceId, receivedAtMs, fPort: Number(up?.['f_port'] ?? 0), message });
  }

  /** The NDJSON body of a query; throws when not enabled or a parameter is malformed. */
  query(params: URLSearchParams, deviceId?: string): string {
    if (!this.enabled) throw new SimTtsError('storageNotEnabled');
    const after = timeParam(params, 'after');
    const before = timeParam(params, 'before');
    const last = params.get('last');
    let lastFromMs: number | undefined;
    if (last !== null) {
      const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(last);
      if (!m) throw new SimTtsError('validation', { field: 'last', reason: `expected a duration like "10m", got ${JSON.stringify(last)}` });
      lastFromMs = this.now() - Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    }
    const limitText = params.get('limit');
    const limit = limitText === null ? 0 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 0) throw new SimTtsError('validation', { field: 'limit', reason: `expected a non-negative integer, got ${JSON.stringify(limitText)}` });
    const fPortText = params.get('f_port');
    const fPort = fPortText === null ? undefined : Number(fPortText);
    const order = params.get('order') ?? 'received_at';
    if (order !== 'received_at' && order !== '-received_at') throw new SimTtsError('validation', { field: 'order', reason: `expected received_at or -received_at, got ${JSON.stringify(order)}` });
    let rows = this.stored.filter(
      (s) =>
        (deviceId === undefined || s.deviceId === deviceId) &&
        (after === undefined || s.receivedAtMs > after) &&
        (before === undefined || s.receivedAtMs < before) &&
        (lastFromMs === undefined || s.receivedAtMs >= lastFromMs) &&
        (fPort === undefined || s.fPort === fPort),
    );
    if (order === '-received_at') rows = [...rows].reverse();
    if (limit > 0) rows = rows.slice(0, limit);
    return rows.map((s) => `${JSON.stringify({ result: s.message })}\n`).join('');
  }
}

function timeParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null) return undefined;
  const ms = parseRfc3339Ms(text);
  if (ms === undefined) throw new SimTtsError('validation', { field: name, reason: `expected an RFC 3339 time, got ${JSON.stringify(text)}` });
  return ms;
}

/** ListPackages: what the AS offers (ApplicationPackage name, default_f_port). */
export function packagesJson(storage: boolean): Json {
  return { packages: [{ name: 'alcsync-v1', default_f_port: 202 }, ...(storage ? [{ name: 'storage-integration', default_f_port: 0 }] : [])] };
}

/** ListDefaultAssociations: alcsync-v1 on 202 when the deployment associated it. */
export function defaultAssociationsJson(applicationId: string, alcsync: boolean, createdAt: string): Json {
  if (!alcsync) return {};
  return { defaults: [{ ids: { application_ids: { application_id: applicationId }, f_port: 202 }, created_at: createdAt, updated_at: createdAt, package_name: 'alcsync-v1' }] };
}
