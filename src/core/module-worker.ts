import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module beside `callerUrl` named `basename` (no extension): its
 * compiled `.js` in dist/, its `.ts` when the caller itself runs as TypeScript (tests, or a
 * checkout whose dist/ is stale, through tsx). A Node 20 worker takes neither the loader hooks
 * its parent registered (bin/fuota.js registers tsx in the main thread only) nor an --import of
 * them, so under tsx the worker registers tsx itself, then loads its module.
 */
export function startModuleWorker(callerUrl: string, basename: string, options: Pick<WorkerOptions, 'workerData'> = {}): Worker {
  const source = callerUrl.endsWith('.ts');
  const main = new URL(`./${basename}.${source ? 'ts' : 'js'}`, callerUrl);
  if (!source) return new Worker(main, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(main.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}
