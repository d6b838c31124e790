import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestFn } from 'ava';

/**
 * Config files for loadConfig tests: each write() goes into a fresh directory (with extra files
 * beside it) under one temporary directory, removed after the test file.
 */
export function configFiles(test: TestFn, prefix: string): (yaml: string, extra?: Record<string, string>) => string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return (yaml, extra = {}) => {
    const sub = path.join(dir, String(n++));
    fs.mkdirSync(sub);
    for (const [name, text] of Object.entries(extra)) fs.writeFileSync(path.join(sub, name), text);
    fs.writeFileSync(path.join(sub, 'fuota.yaml'), yaml);
    return path.join(sub, 'fuota.yaml');
  };
}
