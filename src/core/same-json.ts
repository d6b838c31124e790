// Whether two values would be written as the same JSON, without building the JSON: a walk over
// both that stops at the first difference and at shared objects (a === b). Used where writing
// is the cost to save (store/sqlite-campaign-clock.ts, campaign/heard-uplink.ts). Conservative:
// anything it is unsure of (NaN, a class instance) counts as different, which only costs a write.

/** Same JSON, the property `skipKey` (at the top level only) aside. */
export function sameJson(a: unknown, b: unknown, skipKey?: string): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(b) !== Object.prototype) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  // JSON leaves out undefined properties: count only the defined ones on both sides.
  let defined = 0;
  for (const key in x) {
    if (key === skipKey || x[key] === undefined) continue;
    defined++;
    if (!sameJson(x[key], y[key])) return false;
  }
  for (const key in y) if (key !== skipKey && y[key] !== undefined) defined--;
  return defined === 0;
}
