import { once } from 'node:events';
import test from 'ava';
import { startModuleWorker } from '../../src/core/module-worker.js';

test('a module beside the caller runs in a worker, as TypeScript when the caller is, with its workerData', async (t) => {
  t.timeout(120_000);
  // As called from a TypeScript module in fixtures/ (the URL only locates its neighbour).
  const worker = startModuleWorker(new URL('./fixtures/caller.ts', import.meta.url).href, 'echo-worker', { workerData: { text: 'hello' } });
  const [message] = (await once(worker, 'message')) as [{ echoed: string }];
  t.deepEqual(message, { echoed: 'hello' });
  await once(worker, 'exit');
});
