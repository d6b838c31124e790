// google.protobuf.FieldMask on JSON objects, as TTS's registries apply them: a Set copies exactly
// the masked paths from the request into the stored record (a path absent from the request
// clears it), a Get returns only the masked paths (plus the identifiers and timestamps).

export type Json = Record<string, unknown>;

export function isJsonObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getPath(obj: Json, path: string): unknown {
  let at: unknown = obj;
  for (const part of path.split('.')) {
    if (!isJsonObject(at)) return undefined;
    at = at[part];
  }
  return at;
}

export function setPath(obj: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let at = obj;
  for (const part of parts.slice(0, -1)) {
    if (!isJsonObject(at[part])) at[part] = {};
    at = at[part] as Json;
  }
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete at[last];
  else at[last] = structuredClone(value);
}

/** Copies the masked paths of `source` into `target` (a Set with a field mask). */
export function applyMask(target: Json, source: Json, paths: readonly string[]): void {
  for (const path of paths) setPath(target, path, getPath(source, path));
}

/** Only the masked paths of `source` (a Get with a field mask). */
export function pickPaths(source: Json, paths: readonly string[]): Json {
  const out: Json = {};
  for (const path of paths) {
    const value = getPath(source, path);
    if (value !== undefined) setPath(out, path, value);
  }
  return out;
}

/** field_mask of a Set request body: {"paths": [...]}; also the bare array some clients send. */
export function readMaskPaths(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const paths = isJsonObject(value) ? value['paths'] : value;
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && /^[a-z0-9_]+(\.[a-z0-9_]+)*$/.test(p))) return undefined;
  return paths as string[];
}

/** field_mask of a Get query: `?field_mask=a,b.c` or repeated `field_mask.paths=a`. */
export function queryMaskPaths(query: URLSearchParams): string[] {
  const paths = [...query.getAll('field_mask'), ...query.getAll('field_mask.paths')].flatMap((v) => v.split(','));
  return paths.map((p) => p.trim()).filter((p) => p.length > 0);
}
