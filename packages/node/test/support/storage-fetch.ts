import { buildApp, LogReader, type LogStorage } from '../../src/index.js';
import { injectFetch } from './inject-fetch.js';

/** A fetch() serving a storage's log through the real HTTP routes, in-process and read-only. */
export function storageFetch(storage: LogStorage, vkey: string): typeof fetch {
  const app = buildApp({
    reader: new LogReader(storage, undefined, 0),
    vkey,
    appendToken: 'unused',
    append: () => Promise.reject(new Error('read-only')),
  });
  return injectFetch(app);
}
