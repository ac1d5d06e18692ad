// npm run bench [-- --only append,http,registration,circulation,peers,proofs,memory,grid,places,halls --sizes 1000000,10000000 --backends sqlite,postgres --seconds 10]
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres } from '../packages/node/test/support/postgres-server.js';
import { auditBench } from './audit/audit.js';
import { conflictBurst } from './circulation/conflicts.js';
import { transferHttp } from './circulation/http.js';
import { gridCodec } from './grid/codec.js';
import { placesBench } from './grid/places.js';
import { hallsBench } from './halls/halls.js';
import { appendThroughput } from './ledger/append-throughput.js';
import { benchDataDir, buildLog } from './ledger/build-log.js';
import { httpAppend } from './ledger/http-append.js';
import { nodeMemory } from './ledger/memory.js';
import { proofTimes } from './ledger/proofs.js';
import { runEvmPeers } from './peers/evm-peers.js';
import { registrationHttp } from './registration/http.js';
import { registrationInProcess } from './registration/in-process.js';
import { reportsBench } from './reports/reports.js';
import { fmt, machine } from './support.js';
import { webBench } from './web/first-render.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'append,http,registration,circulation,peers,proofs,memory,grid,places' },
    sizes: { type: 'string', default: '1000000,10000000' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    seconds: { type: 'string', default: '10' },
    // Registrations signed up front per second of a run; a run that uses them all ends early, saying so.
    'registration-rate': { type: 'string', default: '4000' },
    samples: { type: 'string', default: '2000' },
    cache: { type: 'string', default: join(tmpdir(), 'cinnabar-bench') },
    'postgres-sizes': { type: 'string', default: '1000000,10000000' },
  },
});
const only = new Set(values.only.split(','));
const backends = values.backends.split(',') as ('sqlite' | 'postgres')[];
const sizes = values.sizes.split(',').map(Number);
const pgSizes = new Set(values['postgres-sizes'].split(',').map(Number));
const seconds = Number(values.seconds);
const results: Record<string, unknown[]> = {};
const log = (line: string) => console.log(line);
const record = (task: string, result: unknown) => {
  results[task] = [...(results[task] ?? []), result];
  console.log(JSON.stringify({ task, ...(result as object) }));
};

log(`machine: ${machine()}`);
const pg =
  backends.includes('postgres') &&
  ['append', 'http', 'registration', 'circulation', 'proofs', 'memory', 'places', 'reports'].some((t) =>
    only.has(t),
  )
    ? await startPostgres()
    : undefined;
// The PostgreSQL data lives in a throwaway cluster: large logs are rebuilt on every run.
let databases = 0;
const databaseFor = async (backend: string) =>
  backend === 'postgres' ? pg!.createDatabase(`bench_${++databases}`) : undefined;

try {
  for (const backend of backends) {
    if (only.has('append')) {
      for (const appenders of [64]) {
        const databaseUrl = await databaseFor(backend);
        record(
          'append',
          await appendThroughput({
            backend,
            ...(databaseUrl ? { databaseUrl } : {}),
            appenders,
            entryBytes: 1024,
            seconds,
          }),
        );
      }
    }
    if (only.has('http')) {
      const databaseUrl = await databaseFor(backend);
      record(
        'http',
        await httpAppend({
          backend,
          ...(databaseUrl ? { databaseUrl } : {}),
          connections: 64,
          entryBytes: 1024,
          seconds,
        }),
      );
    }
    if (only.has('registration')) {
      // Signed asset registrations (1 KB of metadata, 64 in flight, durable, with receipts): through
      // the node's pipeline in-process, with signatures checked on the main thread and off it
      // (verify-pool.ts), then over HTTP to a `cinnabar serve` process.
      for (const offThreadVerify of [false, true]) {
        const databaseUrl = await databaseFor(backend);
        record(
          'registration',
          await registrationInProcess({
            backend,
            ...(databaseUrl ? { databaseUrl } : {}),
            concurrency: 64,
            seconds,
            offThreadVerify,
            expectedPerSecond: Number(values['registration-rate']),
          }),
        );
      }
      const databaseUrl = await databaseFor(backend);
      record(
        'registration',
        await registrationHttp({
          backend,
          ...(databaseUrl ? { databaseUrl } : {}),
          concurrency: 64,
          seconds,
          expectedPerSecond: Number(values['registration-rate']),
        }),
      );
    }
    if (only.has('circulation')) {
      // Transfers of works between 64 pairs of identities over HTTP, durable, with receipts.
      const databaseUrl = await databaseFor(backend);
      record(
        'circulation',
        await transferHttp({
          backend,
          kind: 'transfer',
          ...(databaseUrl ? { databaseUrl } : {}),
          pairs: 64,
          seconds,
          expectedPerSecond: 4000,
        }),
      );
      // Sales between the same pairs: a listing and its settlement (with the royalty split) each.
      const salesUrl = await databaseFor(backend);
      record(
        'sales',
        await transferHttp({
          backend,
          kind: 'sale',
          ...(salesUrl ? { databaseUrl: salesUrl } : {}),
          pairs: 64,
          seconds,
          expectedPerSecond: 2000,
        }),
      );
      // The conflict test as a burst: 1,000 requests at once in 500 conflicting pairs.
      const conflictsUrl = await databaseFor(backend);
      record(
        'conflicts',
        await conflictBurst({ backend, ...(conflictsUrl ? { databaseUrl: conflictsUrl } : {}), pairs: 500 }),
      );
    }
    if (only.has('proofs') || only.has('memory')) {
      for (const size of sizes) {
        if (backend === 'postgres' && !pgSizes.has(size)) continue;
        const databaseUrl = await databaseFor(backend);
        const dataDir =
          backend === 'postgres'
            ? join(values.cache, `pg-run-${process.pid}-${size}`)
            : benchDataDir(values.cache, backend, size);
        log(`building a ${backend} log of ${fmt(size)} entries in ${dataDir}`);
        const built = await buildLog({
          dataDir,
          ...(databaseUrl ? { databaseUrl } : {}),
          size,
          entryBytes: 64,
          log,
        });
        if (built.buildSeconds)
          record('build', {
            backend,
            size,
            seconds: built.buildSeconds,
            perSecond: size / built.buildSeconds,
          });
        if (only.has('proofs'))
          record(
            'proofs',
            await proofTimes({
              backend,
              dataDir,
              ...(databaseUrl ? { databaseUrl } : {}),
              samples: Number(values.samples),
            }),
          );
        if (only.has('memory'))
          record(
            'memory',
            await nodeMemory({
              backend,
              dataDir,
              ...(databaseUrl ? { databaseUrl } : {}),
              size: built.size,
              seconds: Math.max(10, seconds),
            }),
          );
      }
    }
    // Supervision reports and alerts at a million entries (benchmarks/reports/reports.ts).
    if (only.has('reports'))
      record(
        'reports',
        await reportsBench({
          backend,
          ...(await databaseFor(backend).then((u) => (u ? { databaseUrl: u } : {}))),
          log,
        }),
      );
    if (only.has('places')) {
      // Spatial queries of the place index at a million registered places (GET /v1/assets?cell=|bbox=|
      // near=&radius=[&at=] as searchPlaces runs them): latency per kind of query, and the index's size.
      const databaseUrl = await databaseFor(backend);
      record(
        'places',
        await placesBench({
          backend,
          ...(databaseUrl ? { databaseUrl } : {}),
          cacheDir: values.cache,
          log,
        }),
      );
    }
  }
  if (only.has('peers')) {
    // What most teams would use instead: ERC-721 mints (OpenZeppelin ERC721URIStorage, pre-signed,
    // blocks of 200) on Hardhat's in-process EDR network and on @ethereumjs/vm; their own packages
    // live in benchmarks/peers/evm and are installed on first use.
    record('peers', await runEvmPeers());
  }
  if (only.has('audit')) {
    // cinnabar audit against a `cinnabar serve` process over loopback, beside Ed25519 verifications per
    // second (one thread, every core) and replay alone, on the same transactions.
    record('audit', await auditBench({ identities: 200, perIdentity: 75, log }));
  }
  if (only.has('grid')) {
    // The Beidou grid codec (packages/core/src/grid) beside h3-js at the nearest H3 resolutions:
    // encodes and decodes per second on the same seeded random points, on the main thread.
    record('grid', await gridCodec({ log }));
  }
  if (only.has('halls')) {
    // A hall in headless Chromium with software WebGL (SwiftShader): navigation to the first frame
    // with every work loaded, and frames per second while walking; the demo museum and 100 works.
    record('halls', await hallsBench({ log }));
  }
  if (only.has('web')) {
    // The web app in headless Chromium: first contentful paint and "rendered" of the home and a GLB
    // asset page (median of cold loads), and every chunk's size raw, gzip and brotli.
    record('web', await webBench({ log }));
  }
} finally {
  await pg?.stop();
}
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  join('bench-results', 'ledger.json'),
  `${JSON.stringify({ machine: machine(), date: new Date().toISOString(), results }, null, 2)}\n`,
);
log('wrote bench-results/ledger.json');
