import type { z } from 'zod';
import { CallerError } from '../core/errors.js';

// Turns zod's issues into the project's error shape: "config <key path>: expected …, got …".
// Pure. The actual value is read from the raw input by path (zod does not keep it by default);
// values of secret keys are never shown, only their type.

export interface ConfigIssue {
  /** Dotted key path, e.g. networkServer.mqtt.url (list items as [i]). */
  path: string;
  expected: string;
  actual: string;
}

/** All problems of one configuration file, in one error (the first in the message's lead). */
export class ConfigError extends CallerError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], source: string) {
    const lines = issues.map((i) => `config ${i.path}: expected ${i.expected}, got ${i.actual}`);
    super('CONFIG_INVALID', issues.length === 1 ? lines[0]! : `${lines.join('; ')} (in ${source})`);
    this.issues = issues;
  }
}

const SECRET_KEY = /password|token/i;

/** Per-parse error map: zod's generic messages reworded as "expected …" (schema messages win). */
export const expectedMessages: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'object' ? 'a mapping of keys' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `expected ${issue.origin === 'number' ? 'a number' : issue.origin} ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return `expected ${issue.origin === 'number' ? 'a number' : issue.origin} ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`;
    default:
      return undefined;
  }
};

export function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${String(key)}`;
  return text || '(root)';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !(key in node)) return { found: false };
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: node };
}

function shown(found: { found: boolean; value?: unknown }, secret: boolean): string {
  if (!found.found || found.value === undefined) return 'nothing';
  const value = found.value;
  if (value === null) return 'null (an empty value)';
  if (secret) return `a ${typeof value === 'object' ? 'mapping' : typeof value} (not shown)`;
  if (typeof value === 'string') return JSON.stringify(redactUrl(value));
  if (typeof value === 'object') return Array.isArray(value) ? `a list of ${value.length}` : 'a mapping';
  return String(value);
}

/** A URL's password (mqtt://user:secret@host) is a secret too. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*):[^/@]*@/i, '$1:***@');
}

const stripExpected = (message: string) => message.replace(/^expected /, '');

/**
 * The known keys of the (strict) object schema at `path`, for "unknown key" messages. A
 * discriminated union (networkServer by `kind`) is resolved by the raw input's discriminator.
 */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[], raw: unknown): string[] {
  let node: unknown = schema;
  let input: unknown = raw;
  const unwrap = () => {
    for (;;) {
      const def = (node as { def?: { type?: string; innerType?: unknown; in?: unknown; options?: unknown[]; discriminator?: string } }).def;
      if (def?.innerType) node = def.innerType;
      else if (def?.type === 'pipe' && def.in) node = def.in;
      else if (def?.type === 'union' && def.discriminator !== undefined && Array.isArray(def.options)) {
        const tag = (input as Record<string, unknown> | undefined)?.[def.discriminator];
        node = def.options.find((option) => (option as { def?: { shape?: Record<string, { def?: { values?: unknown[] } }> } }).def?.shape?.[def.discriminator!]?.def?.values?.includes(tag));
        if (node === undefined) return;
      } else return;
    }
  };
  for (const key of path) {
    unwrap();
    input = (input as Record<PropertyKey, unknown> | undefined)?.[key];
    const def = (node as { def?: { shape?: Record<string, unknown>; element?: unknown } }).def;
    node = typeof key === 'number' ? def?.element : def?.shape?.[String(key)];
    if (!node) return [];
  }
  unwrap();
  return Object.keys((node as { def?: { shape?: Record<string, unknown> } }).def?.shape ?? {});
}

export function configIssues(error: z.ZodError, raw: unknown, schema: z.ZodType): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path, raw);
      for (const key of issue.keys) {
        issues.push({ path: pathText([...issue.path, key]), expected: `a known key (${known.join(', ')})`, actual: 'an unknown key' });
      }
      continue;
    }
    const secret = issue.path.some((key) => typeof key === 'string' && SECRET_KEY.test(key));
    issues.push({ path: pathText(issue.path), expected: stripExpected(issue.message), actual: shown(valueAt(raw, issue.path), secret) });
  }
  return issues;
}
