import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh directory under the OS temp dir, and a function that removes it. */
export function tempDir(): { dir: string; file: (name: string) => string; remove: () => Promise<void> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-store-'));
  return { dir, file: (name) => path.join(dir, name), remove: () => fs.promises.rm(dir, { recursive: true, force: true }) };
}
