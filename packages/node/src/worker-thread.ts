import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Start the worker module at `path` (relative to `base`, the caller's import.meta.url, without its
 * extension). Built, it is a .js file; from source (development, tests) it is TypeScript, and the
 * worker registers tsx before loading it, since a worker does not inherit the main thread's module
 * hooks on Node 20.
 */
export function startWorker(base: string, path: string, options: WorkerOptions = {}): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`${path}.js`, base), options);
  const source = new URL(`${path}.ts`, base).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`,
    { ...options, eval: true },
  );
}
